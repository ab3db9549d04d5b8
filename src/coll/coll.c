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

static int post(floc_coll_req_t *c, int send, const void *buf, size_t len, int peer, int step)
{
    if (c->nbatch == FLOC_COLL_MAX_BATCH)
        return FLOC_ERR_NOMEM;
    int ret = floc_tagged_post(c->ctx, send, (void *)buf, len, peer, coll_tag(c, step), 1, NULL,
                               &c->batch[c->nbatch]);
    if (!ret)
        c->nbatch++;
    return ret;
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
    for (floc_coll_req_t **p = (floc_coll_req_t **)&c->ctx->coll_active; *p; p = &(*p)->next_active)
        if (*p == c) {
            *p = c->next_active;
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

/* request->progress: 0 done, FLOC_ERR_AGAIN pending, < 0 failed.  Caller holds the lock. */
static int coll_progress(floc_request_t *req)
{
    floc_coll_req_t *c = req->priv;
    if (!c)
        return req->status;
    int status = 0, ret = FLOC_ERR_AGAIN;
    while (batch_done(c, &status)) {
        if (status) {
            ret = status;
            break;
        }
        ret = c->alg->step(c);
        if (ret != FLOC_ERR_AGAIN)
            break;
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
    for (int i = 0; i < c->nbatch; i++) {
        floc_request_t *r = c->batch[i];
        if (!r)
            continue;
        if (r->pending) {
            if (r->magic == FLOC_REQ_LIVE)
                c->ctx->reqs.live--;
            r->magic = FLOC_REQ_ORPHAN;
        } else {
            floc_req_release(c->ctx, r);
        }
    }
    free(c->tmp);
    free(c);
    req->priv = NULL;
}

void floc_coll_progress_all(floc_ctx_t *ctx)
{
    floc_coll_req_t *c = ctx->coll_active;
    while (c) {
        floc_coll_req_t *next = c->next_active;   /* c may leave the list */
        floc_request_t *req = c->req;
        if (!req->done) {
            int r = coll_progress(req);
            if (r != FLOC_ERR_AGAIN) {
                req->done = 1;
                if (r < 0 && !req->status)
                    req->status = r;
            }
        }
        c = next;
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
 * Start a checked collective: a request that is already complete when
 * there is nothing to exchange (alg NULL), else one on the active list
 * with its first batch posted.  Only a call that passed its checks takes
 * a sequence number, so a refused call leaves the localities in step.
 */
static int coll_start(const floc_coll_req_t *proto, const floc_coll_alg_t *alg,
                      floc_request_t **out)
{
    floc_ctx_t *ctx = proto->ctx;
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
        c->seq = ctx->coll_seq++;
        req->priv = c;
        c->next_active = ctx->coll_active;
        ctx->coll_active = c;
        FLOC_TRACE(FLOC_LOG_COLL, "seq %u: %s, %zu x %zu bytes", c->seq, alg->name, c->count,
                   c->esize);
        int r = coll_progress(req);   /* post the first batch */
        if (r != FLOC_ERR_AGAIN) {
            req->done = 1;
            req->status = r < 0 ? r : 0;
        }
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
    /* the result is built in rbuf from this locality's contribution */
    if (count && sbuf != FLOC_IN_PLACE && sbuf != rbuf)
        memcpy(rbuf, sbuf, count * c.esize);
    c.rbuf = rbuf;
    c.op = op;
    c.reduce = floc_reduce_kernel(dt, op);
    const int trivial = c.size == 1 || count == 0;
    return coll_start(&c, trivial ? NULL
                                  : floc_coll_select(ctx, FLOC_COLL_ALLREDUCE, count * c.esize),
                      req);
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
    if (count && at_root && sbuf != FLOC_IN_PLACE && sbuf != rbuf)
        memcpy(rbuf, sbuf, count * c.esize);
    c.sbuf = sbuf;
    c.rbuf = rbuf;
    c.op = op;
    c.root = root;
    c.reduce = floc_reduce_kernel(dt, op);
    const int trivial = c.size == 1 || count == 0;
    return coll_start(&c, trivial ? NULL : floc_coll_select(ctx, FLOC_COLL_REDUCE, count * c.esize),
                      req);
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
    const int in_place_ok = (kind == FLOC_COLL_GATHER && at_root) ||
                            (kind == FLOC_COLL_SCATTER && at_root) || kind == FLOC_COLL_ALLGATHER;
    if (count && !in_place_ok && (sbuf == FLOC_IN_PLACE || rbuf == FLOC_IN_PLACE))
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

#define FLOC_BLOCKING_(call)                                                     \
    do {                                                                         \
        floc_request_t *req_;                                                    \
        int ret_ = (call);                                                       \
        return ret_ ? ret_ : floc_wait(req_);                                    \
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

int floc_barrier(floc_ctx_t *ctx)
{
    floc_request_t *req;
    int ret = floc_ibarrier(ctx, &req);
    return ret ? ret : floc_wait(req);
}

int floc_broadcast(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root)
{
    floc_request_t *req;
    int ret = floc_ibroadcast(ctx, buf, count, dt, root, &req);
    return ret ? ret : floc_wait(req);
}

int floc_allreduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                   floc_op_t op)
{
    floc_request_t *req;
    int ret = floc_iallreduce(ctx, sbuf, rbuf, count, dt, op, &req);
    return ret ? ret : floc_wait(req);
}
