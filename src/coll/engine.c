/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.c - the collectives' request engine: a collective is a request
 * whose progress runs its algorithm's steps (coll.h); this file keeps
 * the batches they post, their scratch, the tags, the flow control and
 * the list of collectives in flight, and makes the collectives' state of
 * a context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../core/ctx.h"
#include "../node/node.h"

#define FLOC_COLL_STEP_BITS 15
#define FLOC_COLL_SEQ_MASK 0xffffu

static int coll_tag(const floc_coll_req_t *c, int step)
{
    return (int)(((c->seq & FLOC_COLL_SEQ_MASK) << FLOC_COLL_STEP_BITS) |
                 ((unsigned)(step + c->v.tag_base) & ((1u << FLOC_COLL_STEP_BITS) - 1)));
}

/* scratch buffers larger than this are not kept between collectives */
#define FLOC_COLL_SCRATCH_KEEP_MAX ((size_t)64 << 20)

int floc_coll_tmp(floc_coll_req_t *c, size_t len)
{
    floc_coll_state_t *cs = c->ctx->coll;
    if (c->tmp)
        return 0;
    if (len == 0)
        len = 1;
    if (cs->phantom && len <= cs->phantom_len) {
        c->tmp = cs->phantom;
        c->tmp_len = len;
        return 0;
    }
    if (cs->scratch && cs->scratch_len >= len) {
        c->tmp = cs->scratch;
        c->tmp_len = cs->scratch_len;
        cs->scratch = NULL;
        return 0;
    }
    if (!(c->tmp = malloc(len)))
        return FLOC_ERR_NOMEM;
    c->tmp_len = len;
    return 0;
}

void floc_coll_set_phantom(floc_ctx_t *ctx, void *buf, size_t len)
{
    ctx->coll->phantom = buf;
    ctx->coll->phantom_len = buf ? len : 0;
}

void floc_coll_phantom_reduce(const void *restrict in, void *restrict inout, size_t count)
{
    (void)in, (void)inout, (void)count;   /* the data is not looked at: only the time */
}

/* a buffer ops of an abandoned collective may still use: freed at
 * finalize (see the graveyard in engine.h) */
static void bury(floc_coll_state_t *cs, void *p)
{
    void **g = realloc(cs->graveyard, (cs->graveyard_n + 1) * sizeof *g);
    if (g) {   /* without memory for the note, leaking beats a late write */
        cs->graveyard = g;
        g[cs->graveyard_n++] = p;
    }
}

/* keep the larger of c's scratch and the idle one (within the limit);
 * in_flight: ops of c may still land in it */
static void tmp_release(floc_coll_req_t *c, int in_flight)
{
    floc_coll_state_t *cs = c->ctx->coll;
    if (c->hold) {
        if (in_flight)
            bury(cs, c->hold);
        else
            free(c->hold);
        c->hold = NULL;
    }
    if (!c->tmp)
        return;
    if (c->tmp == cs->phantom) {
        /* the projections' shared scratch: not this collective's to free */
    } else if (in_flight) {
        bury(cs, c->tmp);
    } else if (c->tmp_len <= FLOC_COLL_SCRATCH_KEEP_MAX && c->tmp_len > cs->scratch_len) {
        free(cs->scratch);
        cs->scratch = c->tmp;
        cs->scratch_len = c->tmp_len;
    } else {
        free(c->tmp);
    }
    c->tmp = NULL;
}

/* room for one more op in the batch */
static int grow_batch(floc_coll_req_t *c)
{
    if (c->nbatch < c->batch_cap)
        return 0;
    int cap = c->batch_cap * 2;
    floc_request_t **b = c->batch == c->inline_batch ? malloc((size_t)cap * sizeof *b)
                                                       : realloc(c->batch, (size_t)cap * sizeof *b);
    if (!b)
        return FLOC_ERR_NOMEM;
    if (c->batch == c->inline_batch)
        memcpy(b, c->inline_batch, sizeof c->inline_batch);
    c->batch = b;
    c->batch_cap = cap;
    return 0;
}

/* the locality id of rank `peer` of the view's group */
static int locality(const floc_coll_req_t *c, int peer)
{
    return c->v.map ? c->v.map[peer] : peer;
}

static int post_msg(floc_coll_req_t *c, int send, const void *buf, size_t len, int peer, int step)
{
    int ret = grow_batch(c);
    if (!ret)
        ret = c->ctx->coll->xport->msg(c->ctx->world, send, (void *)buf, len, locality(c, peer),
                                       c->ctx->cid, coll_tag(c, step), &c->batch[c->nbatch]);
    if (!ret)
        c->nbatch++;
    return ret;
}

int floc_coll_post_send(floc_coll_req_t *c, const void *buf, size_t len, int peer, int step)
{
    return post_msg(c, 1, buf, len, peer, step);
}

int floc_coll_post_recv(floc_coll_req_t *c, void *buf, size_t len, int peer, int step)
{
    return post_msg(c, 0, buf, len, peer, step);
}

int floc_coll_post_rma(floc_coll_req_t *c, int write, void *local, size_t len, int peer,
                       const floc_rwin_t *win, uint64_t offset)
{
    int ret = grow_batch(c);
    if (!ret)
        ret = c->ctx->coll->xport->rma(c->ctx->world, write, local, len, locality(c, peer), win,
                                       offset, &c->batch[c->nbatch]);
    if (!ret)
        c->nbatch++;
    return ret;
}

int floc_coll_expose(floc_coll_req_t *c, const void *buf, size_t len, int writable)
{
    return c->ctx->coll->xport->expose(c->ctx->world, buf, len, writable, &c->exposed, &c->remote);
}

static void unlink_active(floc_coll_req_t *c)
{
    floc_coll_state_t *cs = c->ctx->coll;
    floc_coll_req_t *prev = NULL;
    for (floc_coll_req_t *p = cs->active; p; prev = p, p = p->next_active) {
        if (p != c)
            continue;
        if (prev)
            prev->next_active = c->next_active;
        else
            cs->active = c->next_active;
        if (cs->tail == c)
            cs->tail = prev;
        c->next_active = NULL;
        break;
    }
}

/* Release the finished ops of the batch; 1 if all are done.  A failed op
 * fails the collective. */
static int batch_done(floc_coll_req_t *c, int *status)
{
    int done = 1;
    for (int i = 0; i < c->nbatch; i++) {
        floc_request_t *r = c->batch[i];
        if (!r)
            continue;
        if (r->pending) {
            done = 0;
            continue;
        }
        if (r->status && !*status)
            *status = r->status;
        /* a collective's messages have the sizes both sides compute: a
         * shorter one means the localities were called with other counts */
        if (!r->status && r->msg.len != r->capacity && !*status) {
            FLOC_ERROR(FLOC_LOG_API, "%s: a message of %zu bytes from locality %d where %zu were "
                       "expected: the localities were called with different counts",
                       floc_coll_kind_name(c->alg->kind), r->msg.len, r->msg.source, r->capacity);
            *status = FLOC_ERR_MISMATCH;
        }
        floc_req_release(c->ctx, r);
        c->batch[i] = NULL;
    }
    if (done)
        c->nbatch = 0;
    return done;
}

static const floc_coll_alg_t sync_alg = {FLOC_COLL_BARRIER, "sync", floc_coll_sync_step,
                                         FLOC_ALG_NO_SYNC};

/* Does c end with the flow-control barrier (coll.h)?  The same answer
 * everywhere: it depends on the sequence number and the algorithm only.
 * Shared-memory algorithms cannot run ahead (node.h). */
static int needs_sync(const floc_coll_req_t *c)
{
    if (c->v.size < 2 || (c->alg->flags & (FLOC_ALG_NO_SYNC | FLOC_ALG_SHM)))
        return 0;
    unsigned every = floc_coll_sync_every(c->v.size, floc_fabric_shm_queue(c->ctx));
    return c->seq % every == every - 1;
}

/*
 * request->progress: 0 done, FLOC_ERR_AGAIN pending, < 0 failed.  Caller
 * holds the lock.
 *
 * Only the oldest collective in flight moves; the next one starts when it
 * finishes.  Why: shm delivers send completions in the order the sends
 * were posted (one response queue per endpoint), so a large send to a
 * locality that has not posted its receive yet holds back the completion
 * of every later send.  With two collectives interleaved, two localities
 * can each wait for a send completion stuck behind a send the other will
 * only receive later: a cycle, seen as a hang of overlapped nonblocking
 * collectives.  One collective at a time has no such cycle.  Overlap of
 * collectives with computation is unchanged.
 */
static int coll_progress(floc_request_t *req)
{
    floc_coll_req_t *c = req->priv;
    if (!c)
        return req->status;
    if (c != c->ctx->coll->active)
        return FLOC_ERR_AGAIN;
    int ret = FLOC_ERR_AGAIN;
    /* c->err: the first failure among the batch's ops, kept across calls
     * (ops complete in several rounds; one that failed is released then) */
    while (batch_done(c, &c->err)) {
        if (c->err) {
            ret = c->err;
            break;
        }
        ret = c->alg->step(c);
        if (ret == 0 && needs_sync(c)) {
            /* the flow-control barrier, as one more phase */
            c->alg = &sync_alg;
            c->step = 0;
            ret = FLOC_ERR_AGAIN;
            continue;
        }
        if (ret != FLOC_ERR_AGAIN || c->nbatch == 0)
            break;   /* done, failed, or polling (nothing posted): next round */
    }
    if (ret != FLOC_ERR_AGAIN)
        unlink_active(c);
    return ret;
}

/* request->fini: ops still in flight (lost peer) are orphaned, not freed */
static void coll_fini(floc_request_t *req)
{
    floc_coll_req_t *c = req->priv;
    if (!c)
        return;
    unlink_active(c);
    int in_flight = 0;
    for (int i = 0; i < c->nbatch; i++)
        if (c->batch[i])
            in_flight |= floc_req_abandon(c->ctx, c->batch[i]);
    if (c->batch != c->inline_batch)
        free(c->batch);
    if (c->exposed)
        c->ctx->coll->xport->unexpose(c->ctx->world, c->exposed);
    tmp_release(c, in_flight);
    free(c);
    req->priv = NULL;
}

/* the collectives in flight of one context (after a timeout) */
static void dump_one(floc_ctx_t *ctx)
{
    for (floc_coll_req_t *c = ctx->coll->active; c; c = c->next_active) {
        int pending = 0;
        for (int i = 0; i < c->nbatch; i++)
            pending += c->batch[i] && c->batch[i]->pending;
        FLOC_WARN(FLOC_LOG_COLL, "in flight: seq %u %s %s step %d root %d count %zu, %d of %d ops "
                  "pending", c->seq, floc_coll_kind_name(c->alg->kind), c->alg->name, c->step,
                  c->v.root, c->v.count, pending, c->nbatch);
        for (int i = 0; i < c->nbatch; i++) {
            if (!c->batch[i] || !c->batch[i]->pending)
                continue;
            char what[160];
            ctx->coll->xport->describe(c->batch[i], what, sizeof what);
            FLOC_WARN(FLOC_LOG_COLL, "  pending %s", what);
        }
    }
}

/* the progress hook's dump: the world's and every team's */
static void coll_dump(floc_ctx_t *ctx, void *arg)
{
    (void)arg;
    for (floc_ctx_t *t = ctx; t; t = t->next_team) {
        if (t != ctx && t->coll->active)
            FLOC_WARN(FLOC_LOG_COLL, "team of context id %u:", t->cid);
        dump_one(t);
    }
}

/* one context's collectives: the oldest moves; when it finishes, the
 * next one starts at once */
static void progress_one(floc_ctx_t *ctx)
{
    floc_coll_req_t *c;
    while ((c = ctx->coll->active)) {
        floc_request_t *req = c->req;
        int r = coll_progress(req);
        if (r == FLOC_ERR_AGAIN)
            break;
        req->done = 1;
        if (r < 0 && !req->status)
            req->status = r;
    }
}

/* the progress hook (ctx: the world): the world's collectives and every
 * team's, each team's oldest moving on its own (the teams' collectives
 * are independent: a locality in two teams may start them in any order,
 * as MPI allows on two communicators) */
static int coll_progress_all(floc_ctx_t *ctx, void *arg)
{
    (void)arg;
    for (floc_ctx_t *t = ctx; t; t = t->next_team)
        if (t->coll->active)
            progress_one(t);
    return 0;
}

typedef struct inline_run {
    floc_coll_req_t *c;
    int ret;
} inline_run_t;

static int inline_step(void *arg)
{
    inline_run_t *r = arg;
    r->ret = r->c->alg->step(r->c);
    return r->ret != FLOC_ERR_AGAIN;
}

/* a shared-memory algorithm run by its blocking call: no request, no
 * heap, polling the segment with the fabric looked at only now and then */
static int run_inline(const floc_coll_req_t *proto, const floc_coll_alg_t *alg)
{
    floc_ctx_t *ctx = proto->ctx;
    floc_coll_req_t c = *proto;
    c.alg = alg;
    inline_run_t run = {&c, 0};
    floc_ctx_lock(ctx);
    c.seq = ctx->coll->seq++;   /* in step with the localities that queue it */
    int done = inline_step(&run);
    floc_ctx_unlock(ctx);
    int ret = done ? 0 : floc_progress_poll(ctx, inline_step, &run, 0.0);
    if (c.tmp || c.hold) {
        /* the algorithm's scratch (floc_coll_tmp): kept for the next one */
        floc_ctx_lock(ctx);
        tmp_release(&c, 0);
        floc_ctx_unlock(ctx);
    }
    return ret ? ret : run.ret;
}

int floc_coll_start(const floc_coll_req_t *proto, const floc_coll_alg_t *alg, floc_request_t **out,
                    int blocking)
{
    floc_ctx_t *ctx = proto->ctx;
    floc_coll_state_t *cs = ctx->coll;
    if (alg && floc_log_enabled(FLOC_LOG_DEBUG, FLOC_LOG_COLL)) {
        /* which algorithm, and why: forced, or what the rules saw */
        const floc_coll_where_t *w = &cs->where;
        FLOC_DEBUG(FLOC_LOG_COLL, "%s of %zu x %zu bytes on %d: %s (%s %zu bytes, %d localit%s "
                   "on %d node%s%s%s)", floc_coll_kind_name(alg->kind), proto->v.count,
                   proto->esize, proto->v.size, alg->name,
                   cs->forced[alg->kind] == alg ? "forced by FLOC_<COLL>_ALGO;" : "the rules:",
                   proto->v.count * proto->esize, w->p, w->p == 1 ? "y" : "ies", w->nodes,
                   w->nodes == 1 ? "" : "s", w->segment ? ", node segment" : "",
                   w->hier ? ", node segments: hierarchical" : "");
    }
    if (blocking && alg && (alg->flags & FLOC_ALG_SHM) && !cs->active) {
        *out = NULL;
        return run_inline(proto, alg);
    }
    floc_coll_req_t *c = NULL;
    if (alg && !(c = malloc(sizeof *c)))
        return FLOC_ERR_NOMEM;
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req) {
        floc_ctx_unlock(ctx);
        free(c);
        return FLOC_ERR_NOMEM;
    }
    req->progress = coll_progress;
    req->fini = coll_fini;
    if (!alg) {
        req->done = 1;
    } else {
        *c = *proto;
        c->alg = alg;
        c->req = req;
        c->batch = c->inline_batch;
        c->batch_cap = FLOC_COLL_INLINE_BATCH;
        c->seq = cs->seq++;
        c->node_seg = cs->seg != NULL;
        req->priv = c;
        c->next_active = NULL;
        if (cs->tail)
            cs->tail->next_active = c;
        else
            cs->active = c;
        cs->tail = c;
        progress_one(ctx);   /* posts its first batch if it is the oldest */
    }
    floc_ctx_unlock(ctx);
    *out = req;
    return 0;
}

int floc_coll_check_config(const floc_config_t *cfg)
{
    for (int k = 0; k < FLOC_COLL_KINDS; k++) {
        if (!cfg->coll_algo[k][0] || floc_coll_alg_find((floc_coll_kind_t)k, cfg->coll_algo[k]))
            continue;
        char names[256] = "";
        size_t n, len = 0;
        const floc_coll_alg_t *a = floc_coll_algs(&n);
        for (size_t i = 0; i < n; i++)
            if (a[i].kind == (floc_coll_kind_t)k && len < sizeof names)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                                        a[i].name);
        FLOC_ERROR(FLOC_LOG_COLL, "%s=\"%s\" is not an algorithm of %s (expected one of: %s)",
                   floc_config_algo_var(k), cfg->coll_algo[k],
                   floc_coll_kind_name((floc_coll_kind_t)k), names);
        return FLOC_ERR_INVALID;
    }
    return 0;
}

/* hier.c's allgather: blocks through the node buffers */
static size_t hier_small_max(const floc_ctx_t *ctx)
{
    const size_t most = 8192;
    return ctx->cfg.node_coll_max < most ? ctx->cfg.node_coll_max : most;
}

/* the state every context's collectives start from */
static floc_coll_state_t *state_new(const floc_ctx_t *ctx)
{
    floc_coll_state_t *cs = calloc(1, sizeof *cs);
    if (!cs)
        return NULL;
    cs->xport = &floc_coll_fabric_transport;
    for (int k = 0; k < FLOC_COLL_KINDS; k++)
        if (ctx->cfg.coll_algo[k][0])
            cs->forced[k] = floc_coll_alg_find((floc_coll_kind_t)k, ctx->cfg.coll_algo[k]);
    return cs;
}

int floc_coll_team_init(floc_ctx_t *team)
{
    floc_coll_state_t *cs = team->coll = state_new(team);
    if (!cs)
        return FLOC_ERR_NOMEM;
    /* hierarchical on the team's nodes as the world is on its own (the
     * same decision at every member: sizes only), for messages its group
     * segments hold; a node whose members have none (yet) runs its node
     * steps through the fabric */
    const floc_node_t *n = team->world->node;
    cs->where = (floc_coll_where_t){
        .p = team->size, .nodes = team->num_nodes,
        .hier = n->hier && team->num_nodes > 1 && team->size > team->num_nodes,
        .hier_small_max = hier_small_max(team),
        .hier_max = n->max < FLOC_NODE_GROUP_MAX ? n->max : FLOC_NODE_GROUP_MAX};
    if (!cs->where.hier)
        return 0;
    cs->at = &cs->team_at;
    int ret = floc_node_place(team->size, team->rank, team->node_of, team->num_nodes,
                              team->members, &cs->team_at);
    if (!ret && !(cs->reps = malloc((size_t)team->num_nodes * sizeof *cs->reps)))
        ret = FLOC_ERR_NOMEM;
    return ret;
}

int floc_coll_team_busy(const floc_ctx_t *team)
{
    return team->coll && team->coll->active != NULL;
}

int floc_coll_init(floc_ctx_t *ctx)
{
    floc_coll_state_t *cs = ctx->coll = state_new(ctx);
    if (!cs)
        return FLOC_ERR_NOMEM;
    floc_node_t *n = ctx->node;
    cs->seg = n;
    cs->at = &n->at;
    cs->where = (floc_coll_where_t){
        .p = ctx->size, .nodes = ctx->num_nodes, .segment = n->single, .segment_max = n->max,
        .cma = n->single && n->cma, .hier = n->hier, .hier_small_max = hier_small_max(ctx),
        .hier_max = SIZE_MAX};
    if (!(cs->reps = malloc((size_t)ctx->num_nodes * sizeof *cs->reps)))
        return FLOC_ERR_NOMEM;
    return floc_progress_hook_add(ctx, coll_progress_all, coll_dump, NULL);
}

void floc_coll_fini(floc_ctx_t *ctx)
{
    floc_coll_state_t *cs = ctx->coll;
    if (!cs)
        return;
    floc_coll_group_fini(ctx);
    if (ctx->world != ctx && cs->graveyard_n) {
        /* a team's abandoned scratch waits for the endpoint's close too:
         * the world's graveyard takes it (kept, if there is no room) */
        floc_coll_state_t *ws = ctx->world->coll;
        void **g = realloc(ws->graveyard, (ws->graveyard_n + cs->graveyard_n) * sizeof *g);
        if (!g)
            return;
        memcpy(g + ws->graveyard_n, cs->graveyard, cs->graveyard_n * sizeof *g);
        ws->graveyard = g;
        ws->graveyard_n += cs->graveyard_n;
        cs->graveyard_n = 0;
    }
    free(cs->scratch);
    for (size_t i = 0; i < cs->graveyard_n; i++)
        free(cs->graveyard[i]);
    free(cs->graveyard);
    free(cs->reps);
    floc_node_place_free(&cs->team_at);
    free(cs);
    ctx->coll = NULL;
}
