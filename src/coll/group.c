/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * group.c - a team's group segment (node.h): the shared memory of its
 * members on this node (all of them in a team of one node; one group per
 * node for the node steps of a team's hierarchical collectives), opened
 * at the team's first blocking collective that would run through it, not
 * at its making: a split then costs its one allgather, and a team that
 * never runs a small collective never maps anything.
 *
 * Every member reaches that collective at the same point of the team's
 * sequence (all call the team's collectives in the same order, and a
 * blocking call matches a blocking one, as in MPI), so all take the same
 * decision there.  Only a blocking call opens it: a nonblocking start
 * must not wait for the others (they may be waiting for this locality).
 *
 * The handshake: every member opens it (the first creates it, zeroed),
 * says so in its slot of the group segment (fresh: no answer of an
 * earlier team is found there) or, if it could not, in its node-segment
 * slot as the latest team count (its own) at which it could not, a word
 * that only grows; a member is answered once either shows (its group
 * slot is written before it moves on to anything later, so a failure
 * word at or past this team's count with no group answer means it failed
 * here).  Then those that opened it unlink the name.  One that could not:
 * the team goes through the fabric, at every member alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../core/ctx.h"
#include "../node/node.h"

struct floc_coll_group_plan {
    char name[192];
    int p, me;          /* the group's members (the team's on this node), this one's index */
    int *members;       /* their world ids, in team order */
    uint64_t *tokens;   /* each member's count of splits at this team */
};

int floc_coll_team_plan_segment(floc_ctx_t *team, const char *name, int p, int me,
                                const int *members, const uint64_t *tokens)
{
    floc_coll_group_plan_t *g = calloc(1, sizeof *g);
    if (!g || !(g->tokens = malloc((size_t)p * sizeof *g->tokens)) ||
        !(g->members = malloc((size_t)p * sizeof *g->members))) {
        if (g)
            free(g->tokens);
        free(g);
        return FLOC_ERR_NOMEM;
    }
    snprintf(g->name, sizeof g->name, "%s", name);
    g->p = p;
    g->me = me;
    memcpy(g->members, members, (size_t)p * sizeof *g->members);
    memcpy(g->tokens, tokens, (size_t)p * sizeof *g->tokens);
    team->coll->plan = g;
    return 0;
}

static void plan_free(floc_coll_group_plan_t *g)
{
    if (g) {
        free(g->tokens);
        free(g->members);
    }
    free(g);
}

void floc_coll_group_fini(floc_ctx_t *ctx)
{
    floc_coll_state_t *cs = ctx->coll;
    plan_free(cs->plan);
    cs->plan = NULL;
    if (ctx->world != ctx)
        floc_node_group_close(cs->seg);
    cs->seg = NULL;
}

typedef struct handshake {
    const floc_ctx_t *t;
    const floc_node_t *g;
    const floc_coll_group_plan_t *plan;
    int all_ok;
} handshake_t;

static int all_answered(void *arg)
{
    handshake_t *h = arg;
    const floc_node_t *n = h->t->world->node;
    int ok = 1;
    for (int r = 0; r < h->plan->p; r++) {
        const floc_node_slot_t *s = floc_node_slot(n, n->at.local_of[h->plan->members[r]]);
        const uint64_t failed = atomic_load_explicit(&s->join, memory_order_acquire);
        if (atomic_load_explicit(&floc_node_slot(h->g, r)->join, memory_order_acquire))
            continue;   /* it opened it */
        if (failed < h->plan->tokens[r])
            return 0;   /* no answer yet */
        ok = 0;
    }
    h->all_ok = ok;
    return 1;
}

/* open the planned segment (every member, at the same collective) */
static int open_planned(floc_ctx_t *t)
{
    floc_coll_state_t *cs = t->coll;
    floc_ctx_t *w = t->world;
    floc_coll_group_plan_t *p = cs->plan;
    /* (FLOC_TEAM_SEGMENT=0: this locality answers no, as if it could not) */
    floc_node_t *g = w->cfg.team_segment ? floc_node_group_open(w, p->name, p->p, p->me) : NULL;
    int ret = 0;
    if (!g) {
        /* the others learn it from this word: nothing to wait for here */
        atomic_store_explicit(&floc_node_slot(w->node, w->node->me)->join, p->tokens[p->me],
                              memory_order_release);
    } else {
        atomic_store_explicit(&floc_node_slot(g, p->me)->join, 1, memory_order_release);
        handshake_t h = {t, g, p, 0};
        ret = floc_progress_poll(t, all_answered, &h, 0.0);
        floc_node_group_unlink(p->name);   /* everyone who will map it has */
        if (ret || !h.all_ok) {
            floc_node_group_close(g);
            g = NULL;
        }
    }
    FLOC_DEBUG(FLOC_LOG_COLL, "team (context id %u): %s for its %d localities on this node",
               t->cid, g ? "group segment open" : "no group segment (fabric)", p->p);
    plan_free(p);
    cs->plan = NULL;
    if (g) {
        /* the node segment's slots belong to the world's collectives:
         * the team's own, without a pipelined area; a team of several
         * nodes runs only its hierarchical collectives' node steps on it */
        cs->seg = g;
        if (t->num_nodes == 1) {
            cs->where.segment = 1;
            cs->where.segment_max = g->max;
            cs->where.no_pipeline = 1;
            memset(cs->last, 0, sizeof cs->last);   /* (cached choices assumed no segment) */
        }
    }
    return ret;
}

void floc_coll_group_maybe_open(floc_ctx_t *ctx, floc_coll_kind_t kind, size_t bytes)
{
    floc_coll_state_t *cs = ctx->coll;
    if (ctx->num_nodes > 1) {
        /* several nodes: when the call is hierarchical (its node steps
         * through the segment; every member of every node decides alike) */
        const floc_coll_alg_t *a = floc_coll_select(ctx, kind, bytes);
        if (a && (a->flags & FLOC_ALG_HIER))
            open_planned(ctx);
        return;
    }
    floc_coll_where_t w = cs->where;
    w.segment = 1;
    w.segment_max = ctx->world->node->max < FLOC_NODE_GROUP_MAX ? ctx->world->node->max
                                                                : FLOC_NODE_GROUP_MAX;
    w.no_pipeline = 1;
    /* would this call run through the segment if there were one? */
    const floc_coll_alg_t *a = cs->forced[kind];
    if (!a || !floc_coll_alg_usable(a, &w, bytes))
        a = floc_coll_choose(&w, kind, bytes, 0);
    if (a && (a->flags & FLOC_ALG_SHM))
        open_planned(ctx);   /* (a failure leaves the fabric: the call reports it) */
}
