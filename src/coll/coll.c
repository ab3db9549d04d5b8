/*
 * coll.c - the public collective calls: argument checks, the one-locality
 * meanings, algorithm selection, and the point-to-point plumbing the
 * algorithms share.
 */
#include <string.h>

#include "coll.h"
#include "../core/ctx.h"

#define FLOC_COLL_STEP_BITS 15
#define FLOC_COLL_SEQ_MASK 0xffffu

static int coll_tag(const floc_coll_args_t *a, int step)
{
    return (int)(((a->seq & FLOC_COLL_SEQ_MASK) << FLOC_COLL_STEP_BITS) |
                 ((unsigned)step & ((1u << FLOC_COLL_STEP_BITS) - 1)));
}

int floc_coll_send(floc_coll_args_t *a, const void *buf, size_t len, int peer, int step)
{
    floc_request_t *req;
    int ret = floc_tagged_isend(a->ctx, buf, len, peer, coll_tag(a, step), 1, &req);
    return ret ? ret : floc_wait(req);
}

int floc_coll_recv(floc_coll_args_t *a, void *buf, size_t len, int peer, int step)
{
    floc_request_t *req;
    int ret = floc_tagged_irecv(a->ctx, buf, len, peer, coll_tag(a, step), 1, NULL, &req);
    return ret ? ret : floc_wait(req);
}

int floc_coll_sendrecv(floc_coll_args_t *a, const void *sbuf, size_t slen, int dest, void *rbuf,
                       size_t rlen, int src, int step)
{
    floc_request_t *rreq, *sreq;
    int ret = floc_tagged_irecv(a->ctx, rbuf, rlen, src, coll_tag(a, step), 1, NULL, &rreq);
    if (ret)
        return ret;
    ret = floc_tagged_isend(a->ctx, sbuf, slen, dest, coll_tag(a, step), 1, &sreq);
    if (ret) {
        floc_wait(rreq);   /* cannot complete without the peer; bounded by peer loss */
        return ret;
    }
    int r1 = floc_wait(sreq), r2 = floc_wait(rreq);
    return r1 ? r1 : r2;
}

/* Common checks and the args every algorithm gets. */
static int coll_begin(floc_ctx_t *ctx, floc_coll_args_t *a, size_t count, floc_dtype_t dt,
                      const char *func)
{
    FLOC_CHECK_CTX(ctx);
    memset(a, 0, sizeof *a);
    int es = floc_dtype_size(dt);
    if (es < 0)
        return FLOC_INVALID("%s: unknown dtype %d", func, (int)dt);
    if (count > SIZE_MAX / (size_t)es)
        return FLOC_INVALID("%s: count %zu x %d bytes overflows", func, count, es);
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    a->ctx = ctx;
    a->rank = ctx->rank;
    a->size = ctx->size;
    a->count = count;
    a->esize = (size_t)es;
    a->dt = dt;
    return 0;
}

/* Only a call that passed its checks takes a sequence number: a refused
 * call leaves the localities in step. */
static int run(const floc_coll_alg_t *alg, floc_coll_args_t *a)
{
    a->seq = a->ctx->coll_seq++;
    FLOC_TRACE(FLOC_LOG_COLL, "seq %u: %s, %zu x %zu bytes", a->seq, alg->name, a->count, a->esize);
    return alg->run(a);
}

int floc_barrier(floc_ctx_t *ctx)
{
    floc_coll_args_t a;
    int ret = coll_begin(ctx, &a, 0, FLOC_BYTE, __func__);
    if (ret || a.size == 1)
        return ret;
    return run(floc_coll_select(ctx, FLOC_COLL_BARRIER, 0), &a);
}

int floc_broadcast(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root)
{
    floc_coll_args_t a;
    int ret = coll_begin(ctx, &a, count, dt, __func__);
    if (ret)
        return ret;
    if (root < 0 || root >= a.size)
        return FLOC_INVALID("root %d outside [0, %d)", root, a.size);
    if (!buf && count)
        return FLOC_INVALID("buf is NULL");
    if (a.size == 1 || count == 0)
        return 0;
    a.rbuf = buf;
    a.root = root;
    return run(floc_coll_select(ctx, FLOC_COLL_BCAST, count * a.esize), &a);
}

int floc_allreduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                   floc_op_t op)
{
    floc_coll_args_t a;
    int ret = coll_begin(ctx, &a, count, dt, __func__);
    if (ret)
        return ret;
    if ((ret = floc_reduce_check(dt, op, __func__)))
        return ret;
    if (count && (!sbuf || !rbuf))
        return FLOC_INVALID("%s is NULL", sbuf ? "rbuf" : "sbuf");
    if (count == 0)
        return 0;
    /* the result is built in rbuf from this locality's contribution */
    if (sbuf != FLOC_IN_PLACE && sbuf != rbuf)
        memcpy(rbuf, sbuf, count * a.esize);
    if (a.size == 1)
        return 0;
    a.rbuf = rbuf;
    a.op = op;
    a.reduce = floc_reduce_kernel(dt, op);
    return run(floc_coll_select(ctx, FLOC_COLL_ALLREDUCE, count * a.esize), &a);
}
