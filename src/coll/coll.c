/*
 * coll.c - the public collective calls: argument checks, the one-locality
 * meanings, the request state machine and the active list.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "../core/ctx.h"

#define FLOC_COLL_STEP_BITS 15
#define FLOC_COLL_SEQ_MASK 0xffffu

static int coll_tag(const floc_coll_req_t *c, int step)
{
    return (int)(((c->seq & FLOC_COLL_SEQ_MASK) << FLOC_COLL_STEP_BITS) |
                 ((unsigned)step & ((1u << FLOC_COLL_STEP_BITS) - 1)));
}

/* scratch buffers larger than this are not kept between collectives */
#define FLOC_COLL_SCRATCH_KEEP_MAX ((size_t)64 << 20)

int floc_coll_tmp(floc_coll_req_t *c, size_t len)
{
    floc_ctx_t *ctx = c->ctx;
    if (c->tmp)
        return 0;
    if (len == 0)
        len = 1;
    if (ctx->coll_scratch && ctx->coll_scratch_len >= len) {
        c->tmp = ctx->coll_scratch;
        c->tmp_len = ctx->coll_scratch_len;
        ctx->coll_scratch = NULL;
        return 0;
    }
    if (!(c->tmp = malloc(len)))
        return FLOC_ERR_NOMEM;
    c->tmp_len = len;
    return 0;
}

/* a buffer ops of an abandoned collective may still use: freed at
 * finalize (see coll_graveyard) */
static void bury(floc_ctx_t *ctx, void *p)
{
    void **g = realloc(ctx->coll_graveyard, (ctx->coll_graveyard_n + 1) * sizeof *g);
    if (g) {   /* without memory for the note, leaking beats a late write */
        ctx->coll_graveyard = g;
        g[ctx->coll_graveyard_n++] = p;
    }
}

/* keep the larger of c's scratch and the idle one (within the limit);
 * in_flight: ops of c may still land in it (see coll_graveyard) */
static void tmp_release(floc_coll_req_t *c, int in_flight)
{
    floc_ctx_t *ctx = c->ctx;
    if (c->hold) {
        if (in_flight)
            bury(ctx, c->hold);
        else
            free(c->hold);
        c->hold = NULL;
    }
    if (!c->tmp)
        return;
    if (in_flight) {
        bury(ctx, c->tmp);
    } else if (c->tmp_len <= FLOC_COLL_SCRATCH_KEEP_MAX && c->tmp_len > ctx->coll_scratch_len) {
        free(ctx->coll_scratch);
        ctx->coll_scratch = c->tmp;
        ctx->coll_scratch_len = c->tmp_len;
    } else {
        free(c->tmp);
    }
    c->tmp = NULL;
}

/* room for one more op in the batch */
static int grow_batch(floc_coll_req_t *c)
{
    if (c->nbatch == c->batch_cap) {
        int cap = c->batch_cap * 2;
        floc_request_t **b = c->batch == c->inline_batch ? malloc((size_t)cap * sizeof *b)
                                                           : realloc(c->batch, (size_t)cap * sizeof *b);
        if (!b)
            return FLOC_ERR_NOMEM;
        if (c->batch == c->inline_batch)
            memcpy(b, c->inline_batch, sizeof c->inline_batch);
        c->batch = b;
        c->batch_cap = cap;
    }
    return 0;
}

static int post(floc_coll_req_t *c, int send, const void *buf, size_t len, int peer, int step)
{
    int ret = grow_batch(c);
    if (ret)
        return ret;
    ret = floc_tagged_post(c->ctx, send, (void *)buf, len, c->map ? c->map[peer] : peer,
                           coll_tag(c, step), 1, NULL, &c->batch[c->nbatch]);
    if (!ret)
        c->nbatch++;
    return ret;
}

int floc_coll_post_rma(floc_coll_req_t *c, int write, void *local, size_t len, int peer,
                       const floc_rwin_t *win, uint64_t offset)
{
    int ret = grow_batch(c);
    if (!ret)
        ret = floc_rma_post(c->ctx, write, local, len, c->map ? c->map[peer] : peer, win, offset,
                            &c->batch[c->nbatch]);
    if (!ret)
        c->nbatch++;
    return ret;
}

int floc_coll_expose(floc_coll_req_t *c, const void *buf, size_t len, int writable)
{
    return floc_rma_expose(c->ctx, buf, len, writable, &c->exposed, &c->remote);
}

int floc_coll_post_send(floc_coll_req_t *c, const void *buf, size_t len, int peer, int step)
{
    return post(c, 1, buf, len, peer, step);
}

int floc_coll_post_recv(floc_coll_req_t *c, void *buf, size_t len, int peer, int step)
{
    return post(c, 0, buf, len, peer, step);
}

static void unlink_active(floc_coll_req_t *c)
{
    floc_ctx_t *ctx = c->ctx;
    floc_coll_req_t *prev = NULL;
    for (floc_coll_req_t *p = ctx->coll_active; p; prev = p, p = p->next_active) {
        if (p != c)
            continue;
        if (prev)
            prev->next_active = c->next_active;
        else
            ctx->coll_active = c->next_active;
        if (ctx->coll_tail == c)
            ctx->coll_tail = prev;
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
        floc_req_release(c->ctx, r);
        c->batch[i] = NULL;
    }
    if (done)
        c->nbatch = 0;
    return done;
}

static const floc_coll_alg_t sync_alg = {.name = "sync", .step = floc_coll_sync_step};

/* Does c end with the flow-control barrier?  The same answer everywhere:
 * it depends on the sequence number and the algorithm only. */
static int needs_sync(const floc_coll_req_t *c)
{
    if (c->size < 2 || c->alg == &sync_alg || c->alg->step == floc_barrier_dissemination ||
        c->alg->step == floc_barrier_hier)
        return 0;
    /* the node segment's collectives cannot run ahead (node.h) */
    if (floc_coll_is_node_alg(c->alg))
        return 0;
    unsigned every = floc_coll_sync_every(c->size);
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
    if (c != c->ctx->coll_active)
        return FLOC_ERR_AGAIN;
    int status = 0, ret = FLOC_ERR_AGAIN;
    while (batch_done(c, &status)) {
        if (status) {
            ret = status;
            break;
        }
        ret = c->alg->step(c);
        if (ret == 0 && needs_sync(c)) {
            /* the flow-control barrier (coll.h), as one more phase */
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
    for (int i = 0; i < c->nbatch; i++) {
        floc_request_t *r = c->batch[i];
        if (!r)
            continue;
        in_flight |= floc_req_abandon(c->ctx, r);
    }
    if (c->batch != c->inline_batch)
        free(c->batch);
    if (c->exposed)
        floc_mr_cache_release(c->ctx, c->exposed);
    tmp_release(c, in_flight);
    free(c);
    req->priv = NULL;
}

void floc_coll_dump(floc_ctx_t *ctx)
{
    int nb = 0, nrecv = 0;
    for (floc_request_t *r = ctx->fab.backlog_head; r; r = r->next, nb++)
        nrecv += r->op.kind == FLOC_OP_RECV;
    if (nb)
        FLOC_WARN(FLOC_LOG_COLL, "backlog: %d ops waiting for the provider (%d receives)", nb, nrecv);
    for (floc_coll_req_t *c = ctx->coll_active; c; c = c->next_active) {
        int pending = 0;
        for (int i = 0; i < c->nbatch; i++)
            pending += c->batch[i] && c->batch[i]->pending;
        FLOC_WARN(FLOC_LOG_COLL, "in flight: seq %u %s step %d root %d count %zu, %d of %d ops pending",
                  c->seq, c->alg->name, c->step, c->root, c->count, pending, c->nbatch);
        for (int i = 0; i < c->nbatch; i++)
            if (c->batch[i] && c->batch[i]->pending)
                FLOC_WARN(FLOC_LOG_COLL, "  pending %s of %zu bytes, peer fi_addr %llu, tag %llx",
                          c->batch[i]->op.kind == FLOC_OP_SEND ? "send" : "recv",
                          c->batch[i]->op.len, (unsigned long long)c->batch[i]->op.addr,
                          (unsigned long long)c->batch[i]->op.tag);
    }
}

void floc_coll_progress_all(floc_ctx_t *ctx)
{
    /* the oldest moves; when it finishes, the next one starts at once */
    floc_coll_req_t *c;
    while ((c = ctx->coll_active)) {
        floc_request_t *req = c->req;
        int r = coll_progress(req);
        if (r == FLOC_ERR_AGAIN)
            break;
        req->done = 1;
        if (r < 0 && !req->status)
            req->status = r;
    }
}

/* Common checks; fills *c (not yet started). */
static int coll_check(floc_ctx_t *ctx, floc_coll_req_t *c, size_t count, floc_dtype_t dt,
                      const char *func)
{
    FLOC_CHECK_CTX(ctx);
    memset(c, 0, sizeof *c);
    size_t es = floc_dtype_bytes(dt);
    if (!es)
        return FLOC_INVALID("%s: unknown dtype %d", func, (int)dt);
    if (count > SIZE_MAX / es)
        return FLOC_INVALID("%s: count %zu x %zu bytes overflows", func, count, es);
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    c->ctx = ctx;
    c->rank = ctx->rank;
    c->size = ctx->size;
    c->count = count;
    c->esize = es;
    c->dt = dt;
    return 0;
}

/*
 * The blocking forms of the collectives the node segment carries run it
 * inline when nothing else is in flight: no request, no heap, polling
 * the segment with the fabric looked at only now and then.  Set by those
 * forms for the i-function they call (same thread), read by coll_start.
 */
static _Thread_local int blocking_call;

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

static int node_inline(const floc_coll_req_t *proto, const floc_coll_alg_t *alg)
{
    floc_ctx_t *ctx = proto->ctx;
    floc_coll_req_t c = *proto;
    c.alg = alg;
    inline_run_t run = {&c, 0};
    floc_ctx_lock(ctx);
    c.seq = ctx->coll_seq++;   /* in step with the localities that queue it */
    int done = inline_step(&run);
    floc_ctx_unlock(ctx);
    if (done)
        return run.ret;
    int ret = floc_progress_poll(ctx, inline_step, &run, 0.0);
    return ret ? ret : run.ret;
}

/*
 * Start a checked collective: a request that is already complete when
 * there is nothing to exchange (alg NULL), else one on the active list
 * with its first batch posted.  Only a call that passed its checks takes
 * a sequence number, so a refused call leaves the localities in step.
 */
static int coll_start(const floc_coll_req_t *proto, const floc_coll_alg_t *alg,
                      floc_request_t **out)
{
    floc_ctx_t *ctx = proto->ctx;
    const int blocking = blocking_call;
    blocking_call = 0;
    if (blocking && alg && floc_coll_is_node_alg(alg) && !ctx->coll_active) {
        *out = NULL;
        return node_inline(proto, alg);
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
        c->seq = ctx->coll_seq++;
        req->priv = c;
        c->next_active = NULL;
        if (ctx->coll_tail)
            ctx->coll_tail->next_active = c;
        else
            ctx->coll_active = c;
        ctx->coll_tail = c;
        FLOC_TRACE(FLOC_LOG_COLL, "seq %u: %s, %zu x %zu bytes", c->seq, alg->name, c->count,
                   c->esize);
        floc_coll_progress_all(ctx);   /* posts its first batch if it is the oldest */
    }
    floc_ctx_unlock(ctx);
    *out = req;
    return 0;
}

int floc_ibarrier(floc_ctx_t *ctx, floc_request_t **req)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, 0, FLOC_BYTE, __func__);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    return coll_start(&c, c.size > 1 ? floc_coll_select(ctx, FLOC_COLL_BARRIER, 0) : NULL, req);
}

int floc_ibroadcast(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root,
                    floc_request_t **req)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, __func__);
    if (ret)
        return ret;
    if (root < 0 || root >= c.size)
        return FLOC_INVALID("root %d outside [0, %d)", root, c.size);
    if (!buf && count)
        return FLOC_INVALID("buf is NULL");
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    c.rbuf = buf;
    c.root = root;
    const int trivial = c.size == 1 || count == 0;
    return coll_start(&c, trivial ? NULL : floc_coll_select(ctx, FLOC_COLL_BCAST, count * c.esize),
                      req);
}

int floc_iallreduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                    floc_op_t op, floc_request_t **req)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, __func__);
    if (ret)
        return ret;
    if ((ret = floc_reduce_check(dt, op, __func__)))
        return ret;
    if (count && (!sbuf || !rbuf))
        return FLOC_INVALID("%s is NULL", sbuf ? "rbuf" : "sbuf");
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    const int trivial = c.size == 1 || count == 0;
    const floc_coll_alg_t *alg =
        trivial ? NULL : floc_coll_select(ctx, FLOC_COLL_ALLREDUCE, count * c.esize);
    /* the result is built in rbuf from this locality's contribution; the
     * pipelined node algorithm reads sbuf itself (a copy less) */
    if (count && sbuf != FLOC_IN_PLACE && sbuf != rbuf &&
        (!alg || alg->step != floc_node_pipe_allreduce))
        memcpy(rbuf, sbuf, count * c.esize);
    c.sbuf = sbuf;
    c.rbuf = rbuf;
    c.op = op;
    c.reduce = floc_reduce_kernel(dt, op);
    return coll_start(&c, alg, req);
}

int floc_ireduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                 floc_op_t op, int root, floc_request_t **req)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, __func__);
    if (ret)
        return ret;
    if ((ret = floc_reduce_check(dt, op, __func__)))
        return ret;
    if (root < 0 || root >= c.size)
        return FLOC_INVALID("root %d outside [0, %d)", root, c.size);
    const int at_root = c.rank == root;
    if (count && (!sbuf || (at_root && !rbuf)))
        return FLOC_INVALID("%s is NULL", sbuf ? "rbuf (at the root)" : "sbuf");
    if (count && sbuf == FLOC_IN_PLACE && !at_root)
        return FLOC_INVALID("FLOC_IN_PLACE is for the root only");
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    const int trivial = c.size == 1 || count == 0;
    const floc_coll_alg_t *alg =
        trivial ? NULL : floc_coll_select(ctx, FLOC_COLL_REDUCE, count * c.esize);
    /* the root builds the result in rbuf from its contribution, except
     * with the pipelined node algorithm (it reads sbuf itself) */
    if (count && at_root && sbuf != FLOC_IN_PLACE && sbuf != rbuf &&
        (!alg || alg->step != floc_node_pipe_reduce))
        memcpy(rbuf, sbuf, count * c.esize);
    c.sbuf = sbuf;
    c.rbuf = rbuf;
    c.op = op;
    c.root = root;
    c.reduce = floc_reduce_kernel(dt, op);
    return coll_start(&c, alg, req);
}

/* gather, scatter, allgather, alltoall: checks shared by the data movers */
static int mover_start(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, void *rbuf,
                       size_t count, floc_dtype_t dt, int root, floc_request_t **req,
                       const char *func)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, func);
    if (ret)
        return ret;
    const int rooted = kind == FLOC_COLL_GATHER || kind == FLOC_COLL_SCATTER;
    if (rooted && (root < 0 || root >= c.size))
        return FLOC_INVALID("%s: root %d outside [0, %d)", func, root, c.size);
    if (count > SIZE_MAX / c.esize / (size_t)c.size)
        return FLOC_INVALID("%s: count %zu x %d localities overflows", func, count, c.size);
    /* which buffers this locality needs */
    const int at_root = c.rank == root;
    const int need_s = !(kind == FLOC_COLL_SCATTER && !at_root);
    const int need_r = !(kind == FLOC_COLL_GATHER && !at_root);
    if (count && ((need_s && !sbuf) || (need_r && !rbuf)))
        return FLOC_INVALID("%s: %s is NULL", func, need_s && !sbuf ? "sbuf" : "rbuf");
    /* FLOC_IN_PLACE: the own block already sits in the vector, so only
     * sbuf of gather (root) and allgather, and rbuf of scatter (root) */
    const int s_in_place_ok = (kind == FLOC_COLL_GATHER && at_root) || kind == FLOC_COLL_ALLGATHER;
    const int r_in_place_ok = kind == FLOC_COLL_SCATTER && at_root;
    if (count && ((sbuf == FLOC_IN_PLACE && !s_in_place_ok) ||
                  (rbuf == FLOC_IN_PLACE && !r_in_place_ok)))
        return FLOC_INVALID("%s: FLOC_IN_PLACE is not allowed here", func);
    if (!req)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    c.sbuf = sbuf;
    c.rbuf = rbuf;
    c.root = rooted ? root : 0;
    if (count == 0)
        return coll_start(&c, NULL, req);
    if (c.size == 1) {
        /* one locality: the one block is copied */
        if (sbuf != FLOC_IN_PLACE && rbuf != FLOC_IN_PLACE && sbuf != rbuf)
            memcpy(rbuf, sbuf, count * c.esize);
        return coll_start(&c, NULL, req);
    }
    return coll_start(&c, floc_coll_select(ctx, kind, count * c.esize), req);
}

int floc_igather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                 int root, floc_request_t **req)
{
    return mover_start(ctx, FLOC_COLL_GATHER, sbuf, rbuf, count, dt, root, req, __func__);
}

int floc_iscatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                  int root, floc_request_t **req)
{
    return mover_start(ctx, FLOC_COLL_SCATTER, sbuf, rbuf, count, dt, root, req, __func__);
}

int floc_iallgather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                    floc_request_t **req)
{
    return mover_start(ctx, FLOC_COLL_ALLGATHER, sbuf, rbuf, count, dt, 0, req, __func__);
}

int floc_ialltoall(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                   floc_request_t **req)
{
    return mover_start(ctx, FLOC_COLL_ALLTOALL, sbuf, rbuf, count, dt, 0, req, __func__);
}

/* reduce_scatter (block), scan, exscan: reductions without a root */
static int reduction_start(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, void *rbuf,
                           size_t count, floc_dtype_t dt, floc_op_t op, floc_request_t **req,
                           const char *func)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, func);
    if (ret)
        return ret;
    if ((ret = floc_reduce_check(dt, op, func)))
        return ret;
    if (kind == FLOC_COLL_REDUCE_SCATTER && count > SIZE_MAX / c.esize / (size_t)c.size)
        return FLOC_INVALID("%s: count %zu x %d localities overflows", func, count, c.size);
    if (count && (!sbuf || !rbuf || rbuf == FLOC_IN_PLACE))
        return FLOC_INVALID("%s: %s is NULL or misplaced FLOC_IN_PLACE", func, sbuf ? "rbuf" : "sbuf");
    if (!req)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    if (kind == FLOC_COLL_REDUCE_SCATTER && sbuf == FLOC_IN_PLACE && count)
        return FLOC_INVALID("%s: FLOC_IN_PLACE is not supported here", func);
    c.sbuf = sbuf;
    c.rbuf = rbuf;
    c.op = op;
    c.reduce = floc_reduce_kernel(dt, op);
    if (count == 0)
        return coll_start(&c, NULL, req);
    /* inclusive scan builds on this locality's own contribution */
    if (kind == FLOC_COLL_SCAN && sbuf != FLOC_IN_PLACE && sbuf != rbuf)
        memcpy(rbuf, sbuf, count * c.esize);
    if (c.size == 1) {
        /* one locality: reduce_scatter copies its block; exscan leaves rbuf */
        if (kind == FLOC_COLL_REDUCE_SCATTER && sbuf != rbuf)
            memcpy(rbuf, sbuf, count * c.esize);
        return coll_start(&c, NULL, req);
    }
    return coll_start(&c, floc_coll_select(ctx, kind, count * c.esize), req);
}

int floc_ireduce_scatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                         floc_dtype_t dt, floc_op_t op, floc_request_t **req)
{
    return reduction_start(ctx, FLOC_COLL_REDUCE_SCATTER, sbuf, rbuf, count, dt, op, req, __func__);
}

int floc_iscan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
               floc_op_t op, floc_request_t **req)
{
    return reduction_start(ctx, FLOC_COLL_SCAN, sbuf, rbuf, count, dt, op, req, __func__);
}

int floc_iexscan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                 floc_op_t op, floc_request_t **req)
{
    return reduction_start(ctx, FLOC_COLL_EXSCAN, sbuf, rbuf, count, dt, op, req, __func__);
}

/* gatherv, scatterv, allgatherv: per-locality counts and displacements */
static int v_start(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, size_t mycount,
                   void *rbuf, const size_t *counts, const size_t *displs, floc_dtype_t dt,
                   int root, floc_request_t **req, const char *func)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, mycount, dt, func);
    if (ret)
        return ret;
    const int rooted = kind != FLOC_COLL_ALLGATHERV;
    if (rooted && (root < 0 || root >= c.size))
        return FLOC_INVALID("%s: root %d outside [0, %d)", func, root, c.size);
    const int need_v = !rooted || c.rank == root;
    if (need_v) {
        if (!counts || !displs)
            return FLOC_INVALID("%s: %s is NULL", func, counts ? "displs" : "counts");
        for (int q = 0; q < c.size; q++)
            if (counts[q] > SIZE_MAX / c.esize || displs[q] > SIZE_MAX / c.esize - counts[q])
                return FLOC_INVALID("%s: block of locality %d overflows", func, q);
        if (!rooted && counts[c.rank] != mycount)
            return FLOC_INVALID("%s: counts[%d] = %zu but this locality gives %zu", func, c.rank,
                                counts[c.rank], mycount);
    }
    /* buffers: the root's vector side, everyone's own block */
    const int vec_is_r = kind != FLOC_COLL_SCATTERV;
    const void *vec = vec_is_r ? rbuf : sbuf, *own = vec_is_r ? sbuf : rbuf;
    if (need_v && !vec)
        return FLOC_INVALID("%s: the vector buffer is NULL", func);
    if (mycount && !own)
        return FLOC_INVALID("%s: the block buffer is NULL", func);
    if (!req)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    c.sbuf = sbuf;
    c.rbuf = rbuf;
    c.root = rooted ? root : 0;
    c.counts = counts;
    c.displs = displs;
    if (c.size == 1) {
        size_t bytes = mycount * c.esize;
        char *v = (char *)vec + displs[0] * c.esize;
        if (bytes && own != FLOC_IN_PLACE)
            memcpy(vec_is_r ? v : (char *)rbuf, vec_is_r ? own : v, bytes);
        return coll_start(&c, NULL, req);
    }
    return coll_start(&c, floc_coll_select(ctx, kind, mycount * c.esize), req);
}

int floc_igatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                  const size_t *rcounts, const size_t *displs, floc_dtype_t dt, int root,
                  floc_request_t **req)
{
    return v_start(ctx, FLOC_COLL_GATHERV, sbuf, scount, rbuf, rcounts, displs, dt, root, req,
                   __func__);
}

int floc_iscatterv(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts, const size_t *displs,
                   void *rbuf, size_t rcount, floc_dtype_t dt, int root, floc_request_t **req)
{
    return v_start(ctx, FLOC_COLL_SCATTERV, sbuf, rcount, rbuf, scounts, displs, dt, root, req,
                   __func__);
}

int floc_iallgatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                     const size_t *rcounts, const size_t *displs, floc_dtype_t dt,
                     floc_request_t **req)
{
    return v_start(ctx, FLOC_COLL_ALLGATHERV, sbuf, scount, rbuf, rcounts, displs, dt, 0, req,
                   __func__);
}

/* The blocking forms: the i-function, then a wait, unless the collective
 * ran inline through the node segment (no request: see coll_start). */
#define FLOC_BLOCKING_(call)                                                     \
    do {                                                                         \
        floc_request_t *req_ = NULL;                                             \
        blocking_call = 1;                                                       \
        int ret_ = (call);                                                       \
        blocking_call = 0;                                                       \
        return ret_ || !req_ ? ret_ : floc_wait(req_);                           \
    } while (0)

int floc_reduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                floc_op_t op, int root)
{
    FLOC_BLOCKING_(floc_ireduce(ctx, sbuf, rbuf, count, dt, op, root, &req_));
}

int floc_gather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                int root)
{
    FLOC_BLOCKING_(floc_igather(ctx, sbuf, rbuf, count, dt, root, &req_));
}

int floc_scatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                 int root)
{
    FLOC_BLOCKING_(floc_iscatter(ctx, sbuf, rbuf, count, dt, root, &req_));
}

int floc_allgather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt)
{
    FLOC_BLOCKING_(floc_iallgather(ctx, sbuf, rbuf, count, dt, &req_));
}

int floc_alltoall(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt)
{
    FLOC_BLOCKING_(floc_ialltoall(ctx, sbuf, rbuf, count, dt, &req_));
}

int floc_reduce_scatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                        floc_dtype_t dt, floc_op_t op)
{
    FLOC_BLOCKING_(floc_ireduce_scatter(ctx, sbuf, rbuf, count, dt, op, &req_));
}

int floc_scan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
              floc_op_t op)
{
    FLOC_BLOCKING_(floc_iscan(ctx, sbuf, rbuf, count, dt, op, &req_));
}

int floc_exscan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                floc_op_t op)
{
    FLOC_BLOCKING_(floc_iexscan(ctx, sbuf, rbuf, count, dt, op, &req_));
}

int floc_gatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                 const size_t *rcounts, const size_t *displs, floc_dtype_t dt, int root)
{
    FLOC_BLOCKING_(floc_igatherv(ctx, sbuf, scount, rbuf, rcounts, displs, dt, root, &req_));
}

int floc_scatterv(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts, const size_t *displs,
                  void *rbuf, size_t rcount, floc_dtype_t dt, int root)
{
    FLOC_BLOCKING_(floc_iscatterv(ctx, sbuf, scounts, displs, rbuf, rcount, dt, root, &req_));
}

int floc_allgatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                    const size_t *rcounts, const size_t *displs, floc_dtype_t dt)
{
    FLOC_BLOCKING_(floc_iallgatherv(ctx, sbuf, scount, rbuf, rcounts, displs, dt, &req_));
}

int floc_barrier(floc_ctx_t *ctx)
{
    FLOC_BLOCKING_(floc_ibarrier(ctx, &req_));
}

int floc_broadcast(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root)
{
    FLOC_BLOCKING_(floc_ibroadcast(ctx, buf, count, dt, root, &req_));
}

int floc_allreduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                   floc_op_t op)
{
    FLOC_BLOCKING_(floc_iallreduce(ctx, sbuf, rbuf, count, dt, op, &req_));
}
