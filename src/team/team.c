/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * team.c - teams (floc/team.h): floc_split and the calls built on it,
 * floc_team_free, the map to world ids.
 *
 * A team is a floc_ctx_t whose ranks, node view, collective state and
 * context id are its own and whose everything else is its world's
 * (core/ctx.h).  Making one is a single allgather over the parent, of
 * (color, key, the context ids in use at this locality): each locality
 * then knows the members of its team, in order, and picks the lowest
 * context id free at every locality of the parent, which every member of
 * every new team picks alike (MPICH's context-id mask, in the same
 * exchange).  Teams of one split share that id; they are disjoint, so no
 * locality sees two contexts with one id.
 *
 * Threads may split two parents at once: a locality offers its bitmap
 * (the mask) to one split at a time, until that split's team has its id
 * marked.  A split that finds the mask held offers no id free; its
 * exchange then picks nothing and every locality of its parent tries
 * again.  Among the splits waiting at a locality the one of the lowest
 * parent context id takes the mask first, so one of them always has it
 * everywhere (MPICH's rule; mp.threads checks that the teams of two
 * threads splitting at once never share an id).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/ctx.h"
#include "../coll/engine.h"
#include "../node/node.h"
#include "team.h"

#define CID_BYTES (FLOC_CID_MAX / 8)
#define COLOR_BAD INT32_MIN   /* a locality passed a color that is none */

/* what one locality brings to a split */
typedef struct split_blob {
    int32_t color, key;
    int32_t offered;   /* used[] is this locality's mask (else: none free, try again) */
    uint64_t nsplit;   /* splits this locality made so far (group segments' handshake) */
    unsigned char used[CID_BYTES];
} split_blob_t;

static uint64_t splits_here;   /* (one world per process; under its lock) */

/* the mask for a split of the parent of context id pcid (the top): 1 and
 * the ids in use in used[], or 0 and every id marked in use */
static int mask_take(floc_ctx_t *w, uint32_t pcid, unsigned char *used)
{
    const uint32_t mine = pcid + 1;
    floc_ctx_lock(w);
    const int take =
        !w->cid_mask_held && (!w->cid_mask_waiting || w->cid_mask_waiting >= mine);
    if (take) {
        w->cid_mask_held = 1;
        memcpy(used, w->cids_used, CID_BYTES);
    } else {
        if (!w->cid_mask_waiting || mine < w->cid_mask_waiting)
            w->cid_mask_waiting = mine;
        memset(used, 0xff, CID_BYTES);
    }
    floc_ctx_unlock(w);
    return take;
}

/* the mask back if this split had it; done: the split is over here (its
 * team's id marked, or it failed) and waits no more, else it tries again
 * and waits here too (so that a split of a higher parent id does not take
 * the mask here before it, wherever it had the mask this time) */
static void mask_give(floc_ctx_t *w, uint32_t pcid, int held, int done)
{
    const uint32_t mine = pcid + 1;
    floc_ctx_lock(w);
    if (held)
        w->cid_mask_held = 0;
    if (done && w->cid_mask_waiting == mine)
        w->cid_mask_waiting = 0;
    else if (!done && (!w->cid_mask_waiting || mine < w->cid_mask_waiting))
        w->cid_mask_waiting = mine;
    floc_ctx_unlock(w);
}

typedef struct member {
    int32_t key;
    int prank;     /* rank in the parent */
    uint64_t nsplit;
} member_t;

static int by_key_then_rank(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->prank > y->prank) - (x->prank < y->prank);
}

static int cid_used(const unsigned char *used, uint32_t cid)
{
    return used[cid / 8] >> (cid % 8) & 1;
}

/* the node view of a team: its nodes numbered in order of first member,
 * this locality's node, its rank and the count of members there */
static int team_nodes(floc_ctx_t *t)
{
    const floc_ctx_t *w = t->world;
    int *dense = malloc((size_t)w->num_nodes * sizeof *dense);
    if (!dense || !(t->node_of = malloc((size_t)t->size * sizeof *t->node_of))) {
        free(dense);
        return FLOC_ERR_NOMEM;
    }
    for (int n = 0; n < w->num_nodes; n++)
        dense[n] = -1;
    t->num_nodes = 0;
    t->local_rank = t->local_size = 0;
    const int my_node = w->node_of[t->members[t->rank]];
    for (int r = 0; r < t->size; r++) {
        const int n = w->node_of[t->members[r]];
        if (dense[n] < 0)
            dense[n] = t->num_nodes++;
        t->node_of[r] = dense[n];
        if (n == my_node) {
            t->local_rank += r < t->rank;
            t->local_size++;
        }
    }
    t->node_id = dense[my_node];
    free(dense);
    return 0;
}

static void team_destroy(floc_ctx_t *t)
{
    if (!t)
        return;
    floc_coll_fini(t);
    free(t->members);
    free(t->rank_of);
    free(t->node_of);
    t->magic = 0;
    free(t);
}

/* The team of this locality: members (parent ranks, in team order) */
static int team_make(floc_ctx_t *parent, const member_t *m, int size, int rank, uint32_t cid,
                     floc_ctx_t **out)
{
    floc_ctx_t *w = parent->world;
    floc_ctx_t *t = calloc(1, sizeof *t);
    if (!t)
        return FLOC_ERR_NOMEM;
    t->cfg = w->cfg;
    t->thread_level = w->thread_level;
    t->topo = w->topo;        /* read-only copy: the world's binding */
    t->node = w->node;
    t->fab = w->fab;
    t->locking = w->locking;  /* (the lock used is the world's) */
    t->world = w;
    t->cid = cid;
    t->rank = rank;
    t->size = size;
    t->members = malloc((size_t)size * sizeof *t->members);
    t->rank_of = malloc((size_t)w->size * sizeof *t->rank_of);
    int ret = t->members && t->rank_of ? 0 : FLOC_ERR_NOMEM;
    if (!ret) {
        for (int i = 0; i < w->size; i++)
            t->rank_of[i] = -1;
        for (int r = 0; r < size; r++) {
            t->members[r] = floc_ctx_world_id(parent, m[r].prank);
            t->rank_of[t->members[r]] = r;
        }
        ret = team_nodes(t);
    }
    if (!ret)
        ret = floc_coll_team_init(t);
    if (ret) {
        team_destroy(t);
        return ret;
    }
    t->magic = FLOC_TEAM_MAGIC;
    floc_ctx_lock(w);
    w->cids_used[cid / 8] |= (unsigned char)(1u << (cid % 8));
    t->next_team = w->next_team;
    w->next_team = t;
    floc_ctx_unlock(w);
    *out = t;
    return 0;
}

/*
 * The team's members on this node, two or more, will get a group segment
 * (node.h) for the team's small collectives (a team of one node) or the
 * node steps of its hierarchical ones (a team of several), as the world
 * has the node segment: planned here (its name, each member's count of
 * splits for the handshake), opened at the team's first blocking
 * collective that would run through it (coll/group.c).
 */
static int team_segment(floc_ctx_t *t, const member_t *m)
{
    floc_ctx_t *w = t->world;
    if (t->local_size < 2 || !w->node->enabled)
        return 0;
    const int p = t->local_size, node = t->node_of[t->rank];
    int *here = malloc((size_t)p * sizeof *here);
    uint64_t *tokens = malloc((size_t)p * sizeof *tokens);
    int ret = here && tokens ? 0 : FLOC_ERR_NOMEM;
    for (int r = 0, i = 0; !ret && r < t->size; r++)
        if (t->node_of[r] == node) {
            here[i] = t->members[r];
            tokens[i++] = m[r].nsplit;
        }
    if (!ret) {
        char name[192];
        floc_node_group_name(w, t->cid, here[0], name, sizeof name);
        ret = floc_coll_team_plan_segment(t, name, p, t->local_rank, here, tokens);
    }
    free(here);
    free(tokens);
    return ret;
}

int floc_split(floc_ctx_t *parent, int color, int key, floc_ctx_t **team)
{
    FLOC_CHECK_CTX(parent);
    if (!team)
        return FLOC_INVALID("floc_split: team (output) is NULL");
    *team = NULL;
    floc_ctx_t *w = parent->world;
    const int p = parent->size;
    split_blob_t mine = {.color = color, .key = key};
    floc_ctx_lock(w);
    mine.nsplit = ++splits_here;
    floc_ctx_unlock(w);
    /* a bad color still joins the exchange, so that every locality fails
     * (none waits for it) */
    if (color < 0 && color != FLOC_UNDEFINED) {
        FLOC_WARN(FLOC_LOG_API, "floc_split: color %d is neither >= 0 nor FLOC_UNDEFINED", color);
        mine.color = COLOR_BAD;
    }
    split_blob_t *all = malloc((size_t)p * sizeof *all);
    member_t *m = malloc((size_t)p * sizeof *m);
    int ret = all && m ? 0 : FLOC_ERR_NOMEM, everyone = 0;
    /* the lowest context id free at every locality of the parent, once
     * every one offered its mask (top) */
    uint32_t cid = 0;
    while (!ret && !everyone) {
        mine.offered = mask_take(w, parent->cid, mine.used);
        ret = floc_allgather(parent, &mine, all, sizeof mine, FLOC_BYTE);
        everyone = 1;
        for (int r = 0; !ret && r < p; r++)
            everyone &= all[r].offered;
        if (!ret && !everyone)
            mask_give(w, parent->cid, mine.offered, 0);   /* another split has it somewhere */
    }
    for (int r = 0; !ret && r < p; r++)
        if (all[r].color == COLOR_BAD)
            ret = FLOC_INVALID("floc_split: locality %d of the parent passed a color that is "
                               "neither >= 0 nor FLOC_UNDEFINED", r);
    for (uint32_t c = 1; !ret && !cid && c < FLOC_CID_MAX; c++) {
        int used = 0;
        for (int r = 0; r < p && !used; r++)
            used = cid_used(all[r].used, c);
        if (!used)
            cid = c;
    }
    if (!ret && !cid) {
        FLOC_WARN(FLOC_LOG_API, "floc_split: every context id is taken at some locality (%d "
                  "teams): free teams first", FLOC_CID_MAX - 1);
        ret = FLOC_ERR_NOMEM;
    }
    if (!ret && color != FLOC_UNDEFINED) {
        int size = 0, rank = -1;
        for (int r = 0; r < p; r++)
            if (all[r].color == color)
                m[size++] = (member_t){.key = all[r].key, .prank = r, .nsplit = all[r].nsplit};
        qsort(m, (size_t)size, sizeof *m, by_key_then_rank);
        for (int r = 0; r < size; r++)
            if (m[r].prank == parent->rank)
                rank = r;
        ret = team_make(parent, m, size, rank, cid, team);
        if (!ret && (ret = team_segment(*team, m))) {
            floc_team_free(*team);
            *team = NULL;
        }
        if (!ret)
            FLOC_DEBUG(FLOC_LOG_API, "floc_split: team of %d (color %d, context id %u), rank %d",
                       size, color, cid, rank);
    }
    /* (the new team's id is marked, or the split failed): another split
     * may take the mask */
    mask_give(w, parent->cid, mine.offered, 1);
    free(all);
    free(m);
    return ret;
}

int floc_dup(floc_ctx_t *parent, floc_ctx_t **team)
{
    FLOC_CHECK_CTX(parent);
    return floc_split(parent, 0, parent->rank, team);
}

int floc_split_node(floc_ctx_t *parent, floc_ctx_t **team)
{
    FLOC_CHECK_CTX(parent);
    return floc_split(parent, parent->node_id, parent->rank, team);
}

int floc_team_free(floc_ctx_t *team)
{
    FLOC_CHECK_CTX(team);
    if (!team->members)
        return FLOC_INVALID("floc_team_free: this is the world (floc_init's context), not a team: "
                            "floc_finalize ends it");
    floc_ctx_t *w = team->world;
    char what[160];
    floc_ctx_lock(w);
    if (atomic_load(&team->vectors) > 0)
        snprintf(what, sizeof what, "%d partitioned vectors (destroy them first)",
                 atomic_load(&team->vectors));
    int busy = floc_coll_team_busy(team) || atomic_load(&team->vectors) > 0 ||
               floc_req_live_on(team, what, sizeof what);
    if (!busy) {
        for (floc_ctx_t **pp = &w->next_team; *pp; pp = &(*pp)->next_team)
            if (*pp == team) {
                *pp = team->next_team;
                break;
            }
        w->cids_used[team->cid / 8] &= (unsigned char)~(1u << (team->cid % 8));
    }
    floc_ctx_unlock(w);
    if (busy) {
        FLOC_WARN(FLOC_LOG_API, "floc_team_free: the team (context id %u) still has %s: "
                  "wait for its requests and destroy its vectors first", team->cid,
                  floc_coll_team_busy(team) ? "a collective in flight" : what);
        return FLOC_ERR_BUSY;
    }
    team_destroy(team);
    return 0;
}

int floc_team_to_world(const floc_ctx_t *team, int rank)
{
    FLOC_CHECK_CTX(team);
    if (rank < 0 || rank >= team->size)
        return FLOC_INVALID("floc_team_to_world: rank %d outside [0, %d)", rank, team->size);
    return floc_ctx_world_id(team, rank);
}

int floc_team_id(const floc_ctx_t *team)
{
    FLOC_CHECK_CTX(team);
    return (int)team->cid;
}

void floc_team_fini_all(floc_ctx_t *world)
{
    while (world->next_team) {
        floc_ctx_t *t = world->next_team;
        world->next_team = t->next_team;
        team_destroy(t);
    }
}
