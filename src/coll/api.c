/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.c - the public collective calls: argument checks, the meanings
 * that need no exchange (one locality, nothing to move), and the
 * blocking and nonblocking forms, generated from one list at the end.
 * Each <name>_start checks its arguments, fills the collective's view
 * and hands it to the engine with the algorithm the selector picks.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../core/ctx.h"
#include "../core/tool.h"

/* Common checks; fills *c (not yet started) with the job's view. */
static int coll_check(floc_ctx_t *ctx, floc_coll_req_t *c, size_t count, floc_dtype_t dt,
                      floc_request_t **req, const char *func)
{
    FLOC_CHECK_CTX(ctx);
    memset(c, 0, sizeof *c);
    if ((unsigned)dt >= FLOC_DTYPE_COUNT)
        return FLOC_INVALID("%s: dtype %d is not a floc_dtype_t", func, (int)dt);
    const size_t es = (size_t)floc_dtype_size(dt);
    if (count > SIZE_MAX / es)
        return FLOC_INVALID("%s: count %zu x %zu bytes overflows", func, count, es);
    if (!req)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    c->ctx = ctx;
    c->v.rank = ctx->rank;
    c->v.size = ctx->size;
    c->v.map = ctx->members;   /* a team's ranks are these world ids */
    c->v.count = count;
    c->esize = es;
    c->dt = dt;
    return 0;
}

static int check_root(const floc_coll_req_t *c, int root, const char *func)
{
    if (root < 0 || root >= c->v.size)
        return FLOC_INVALID("%s: root %d outside [0, %d)", func, root, c->v.size);
    return 0;
}

/* a reduction's op: checked, and its kernel */
static int set_op(floc_coll_req_t *c, floc_op_t op, const char *func)
{
    int ret = floc_reduce_check(c->dt, op, func);
    if (ret)
        return ret;
    c->op = op;
    c->reduce = c->ctx->coll->phantom ? floc_coll_phantom_reduce : floc_reduce_kernel(c->dt, op);
    return 0;
}

/* The algorithm for this call; a team's first blocking call that would
 * run through a group segment opens it first (group.c) */
static const floc_coll_alg_t *pick(floc_coll_req_t *c, floc_coll_kind_t kind, size_t bytes,
                                   int blocking)
{
    if (blocking && c->ctx->coll->plan)
        floc_coll_group_maybe_open(c->ctx, kind, bytes);
    return floc_coll_select(c->ctx, kind, bytes);
}

/* Start the checked call of kind (FLOC_CHECK: once the localities agree). */
static int start(const floc_coll_req_t *c, floc_coll_kind_t kind, const floc_coll_alg_t *alg,
                 floc_request_t **req, int blocking, const char *func)
{
    if (c->ctx->cfg.check && c->v.size > 1) {
        int ret = floc_coll_check_agreement(c, kind, func);
        if (ret)
            return ret;
    }
    c->ctx->coll->ran[kind] = alg;
    floc_tool_collective(alg ? alg->name : NULL, c->v.count * c->esize,
                         floc_coll_rooted(kind) ? c->v.root : -1);
    return floc_coll_start(c, alg, req, blocking);
}

static int barrier_start(floc_ctx_t *ctx, floc_request_t **req, int blocking)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, 0, FLOC_BYTE, req, "floc_barrier");
    if (ret)
        return ret;
    const floc_coll_alg_t *alg = c.v.size > 1 ? pick(&c, FLOC_COLL_BARRIER, 0, blocking) : NULL;
    return start(&c, FLOC_COLL_BARRIER, alg, req, blocking, "floc_barrier");
}

static int broadcast_start(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root,
                           floc_request_t **req, int blocking)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, req, "floc_broadcast");
    if (ret || (ret = check_root(&c, root, "floc_broadcast")))
        return ret;
    if (!buf && count)
        return FLOC_INVALID("floc_broadcast: buf is NULL");
    c.v.rbuf = buf;
    c.v.root = root;
    const int trivial = c.v.size == 1 || count == 0;
    const floc_coll_alg_t *alg =
        trivial ? NULL : pick(&c, FLOC_COLL_BCAST, count * c.esize, blocking);
    return start(&c, FLOC_COLL_BCAST, alg, req, blocking, "floc_broadcast");
}

/* allreduce and reduce: the result is built in rbuf from this locality's
 * contribution (at the root, for reduce), unless the algorithm reads
 * sbuf itself (a copy less) */
static void seed_result(const floc_coll_req_t *c, const floc_coll_alg_t *alg)
{
    if (c->v.count && c->v.sbuf != FLOC_IN_PLACE && c->v.sbuf != c->v.rbuf &&
        (!alg || !(alg->flags & FLOC_ALG_READS_SBUF)))
        memcpy(c->v.rbuf, c->v.sbuf, c->v.count * c->esize);
}

static int allreduce_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                           floc_dtype_t dt, floc_op_t op, floc_request_t **req, int blocking)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, req, "floc_allreduce");
    if (ret || (ret = set_op(&c, op, "floc_allreduce")))
        return ret;
    if (count && (!sbuf || !rbuf))
        return FLOC_INVALID("floc_allreduce: %s is NULL", sbuf ? "rbuf" : "sbuf");
    c.v.sbuf = sbuf;
    c.v.rbuf = rbuf;
    const int trivial = c.v.size == 1 || count == 0;
    const floc_coll_alg_t *alg =
        trivial ? NULL : pick(&c, FLOC_COLL_ALLREDUCE, count * c.esize, blocking);
    seed_result(&c, alg);
    return start(&c, FLOC_COLL_ALLREDUCE, alg, req, blocking, "floc_allreduce");
}

static int reduce_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                        floc_dtype_t dt, floc_op_t op, int root, floc_request_t **req, int blocking)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, req, "floc_reduce");
    if (ret || (ret = set_op(&c, op, "floc_reduce")) || (ret = check_root(&c, root, "floc_reduce")))
        return ret;
    const int at_root = c.v.rank == root;
    if (count && (!sbuf || (at_root && !rbuf)))
        return FLOC_INVALID("floc_reduce: %s is NULL", sbuf ? "rbuf (at the root)" : "sbuf");
    if (count && sbuf == FLOC_IN_PLACE && !at_root)
        return FLOC_INVALID("floc_reduce: FLOC_IN_PLACE is for the root only");
    c.v.sbuf = sbuf;
    c.v.rbuf = rbuf;
    c.v.root = root;
    const int trivial = c.v.size == 1 || count == 0;
    const floc_coll_alg_t *alg =
        trivial ? NULL : pick(&c, FLOC_COLL_REDUCE, count * c.esize, blocking);
    if (at_root)
        seed_result(&c, alg);
    return start(&c, FLOC_COLL_REDUCE, alg, req, blocking, "floc_reduce");
}

/* gather, scatter, allgather, alltoall: checks shared by the data movers */
static int mover_start(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, void *rbuf,
                       size_t count, floc_dtype_t dt, int root, floc_request_t **req, int blocking,
                       const char *func)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, req, func);
    if (ret)
        return ret;
    const int rooted = kind == FLOC_COLL_GATHER || kind == FLOC_COLL_SCATTER;
    if (rooted && (ret = check_root(&c, root, func)))
        return ret;
    if (count > SIZE_MAX / c.esize / (size_t)c.v.size)
        return FLOC_INVALID("%s: count %zu x %d localities overflows", func, count, c.v.size);
    /* which buffers this locality needs */
    const int at_root = c.v.rank == root;
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
    c.v.sbuf = sbuf;
    c.v.rbuf = rbuf;
    c.v.root = rooted ? root : 0;
    if (count == 0)
        return start(&c, kind, NULL, req, blocking, func);
    if (c.v.size == 1) {
        /* one locality: the one block is copied */
        if (sbuf != FLOC_IN_PLACE && rbuf != FLOC_IN_PLACE && sbuf != rbuf)
            memcpy(rbuf, sbuf, count * c.esize);
        return start(&c, kind, NULL, req, blocking, func);
    }
    return start(&c, kind, pick(&c, kind, count * c.esize, blocking), req, blocking, func);
}

static int gather_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                        floc_dtype_t dt, int root, floc_request_t **req, int blocking)
{
    return mover_start(ctx, FLOC_COLL_GATHER, sbuf, rbuf, count, dt, root, req, blocking,
                       "floc_gather");
}

static int scatter_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                         floc_dtype_t dt, int root, floc_request_t **req, int blocking)
{
    return mover_start(ctx, FLOC_COLL_SCATTER, sbuf, rbuf, count, dt, root, req, blocking,
                       "floc_scatter");
}

static int allgather_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                           floc_dtype_t dt, floc_request_t **req, int blocking)
{
    return mover_start(ctx, FLOC_COLL_ALLGATHER, sbuf, rbuf, count, dt, 0, req, blocking,
                       "floc_allgather");
}

static int alltoall_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                          floc_dtype_t dt, floc_request_t **req, int blocking)
{
    return mover_start(ctx, FLOC_COLL_ALLTOALL, sbuf, rbuf, count, dt, 0, req, blocking,
                       "floc_alltoall");
}

/* reduce_scatter (block), scan, exscan: reductions without a root */
static int reduction_start(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, void *rbuf,
                           size_t count, floc_dtype_t dt, floc_op_t op, floc_request_t **req,
                           int blocking, const char *func)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, count, dt, req, func);
    if (ret || (ret = set_op(&c, op, func)))
        return ret;
    if (kind == FLOC_COLL_REDUCE_SCATTER && count > SIZE_MAX / c.esize / (size_t)c.v.size)
        return FLOC_INVALID("%s: count %zu x %d localities overflows", func, count, c.v.size);
    if (count && (!sbuf || !rbuf || rbuf == FLOC_IN_PLACE))
        return FLOC_INVALID("%s: %s is NULL or misplaced FLOC_IN_PLACE", func,
                            sbuf ? "rbuf" : "sbuf");
    if (kind == FLOC_COLL_REDUCE_SCATTER && sbuf == FLOC_IN_PLACE && count)
        return FLOC_INVALID("%s: FLOC_IN_PLACE is not supported here", func);
    c.v.sbuf = sbuf;
    c.v.rbuf = rbuf;
    if (count == 0)
        return start(&c, kind, NULL, req, blocking, func);
    /* inclusive scan builds on this locality's own contribution */
    if (kind == FLOC_COLL_SCAN && sbuf != FLOC_IN_PLACE && sbuf != rbuf)
        memcpy(rbuf, sbuf, count * c.esize);
    if (c.v.size == 1) {
        /* one locality: reduce_scatter copies its block; exscan leaves rbuf */
        if (kind == FLOC_COLL_REDUCE_SCATTER && sbuf != rbuf)
            memcpy(rbuf, sbuf, count * c.esize);
        return start(&c, kind, NULL, req, blocking, func);
    }
    return start(&c, kind, pick(&c, kind, count * c.esize, blocking), req, blocking, func);
}

static int reduce_scatter_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                                floc_dtype_t dt, floc_op_t op, floc_request_t **req, int blocking)
{
    return reduction_start(ctx, FLOC_COLL_REDUCE_SCATTER, sbuf, rbuf, count, dt, op, req, blocking,
                           "floc_reduce_scatter");
}

static int scan_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,
                      floc_op_t op, floc_request_t **req, int blocking)
{
    return reduction_start(ctx, FLOC_COLL_SCAN, sbuf, rbuf, count, dt, op, req, blocking,
                           "floc_scan");
}

static int exscan_start(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                        floc_dtype_t dt, floc_op_t op, floc_request_t **req, int blocking)
{
    return reduction_start(ctx, FLOC_COLL_EXSCAN, sbuf, rbuf, count, dt, op, req, blocking,
                           "floc_exscan");
}

/* gatherv, scatterv, allgatherv: per-locality counts and displacements */
static int v_start(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, size_t mycount,
                   void *rbuf, const size_t *counts, const size_t *displs, floc_dtype_t dt,
                   int root, floc_request_t **req, int blocking, const char *func)
{
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, mycount, dt, req, func);
    if (ret)
        return ret;
    const int rooted = kind != FLOC_COLL_ALLGATHERV;
    if (rooted && (ret = check_root(&c, root, func)))
        return ret;
    const int need_v = !rooted || c.v.rank == root;
    if (need_v) {
        if (!counts || !displs)
            return FLOC_INVALID("%s: %s is NULL", func, counts ? "displs" : "counts");
        for (int q = 0; q < c.v.size; q++)
            if (counts[q] > SIZE_MAX / c.esize || displs[q] > SIZE_MAX / c.esize - counts[q])
                return FLOC_INVALID("%s: block of locality %d overflows", func, q);
        if (!rooted && counts[c.v.rank] != mycount)
            return FLOC_INVALID("%s: counts[%d] = %zu but this locality gives %zu", func,
                                c.v.rank, counts[c.v.rank], mycount);
    }
    /* buffers: the root's vector side, everyone's own block */
    const int vec_is_r = kind != FLOC_COLL_SCATTERV;
    const void *vec = vec_is_r ? rbuf : sbuf, *own = vec_is_r ? sbuf : rbuf;
    if (need_v && !vec)
        return FLOC_INVALID("%s: the vector buffer is NULL", func);
    if (mycount && !own)
        return FLOC_INVALID("%s: the block buffer is NULL", func);
    c.v.sbuf = sbuf;
    c.v.rbuf = rbuf;
    c.v.root = rooted ? root : 0;
    c.v.counts = counts;
    c.v.displs = displs;
    if (c.v.size == 1) {
        size_t bytes = mycount * c.esize;
        char *v = (char *)vec + displs[0] * c.esize;
        if (bytes && own != FLOC_IN_PLACE)
            memcpy(vec_is_r ? v : (char *)rbuf, vec_is_r ? own : v, bytes);
        return start(&c, kind, NULL, req, blocking, func);
    }
    return start(&c, kind, pick(&c, kind, mycount * c.esize, blocking), req, blocking, func);
}

static int gatherv_start(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                         const size_t *rcounts, const size_t *displs, floc_dtype_t dt, int root,
                         floc_request_t **req, int blocking)
{
    return v_start(ctx, FLOC_COLL_GATHERV, sbuf, scount, rbuf, rcounts, displs, dt, root, req,
                   blocking, "floc_gatherv");
}

static int scatterv_start(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts,
                          const size_t *displs, void *rbuf, size_t rcount, floc_dtype_t dt,
                          int root, floc_request_t **req, int blocking)
{
    return v_start(ctx, FLOC_COLL_SCATTERV, sbuf, rcount, rbuf, scounts, displs, dt, root, req,
                   blocking, "floc_scatterv");
}

static int allgatherv_start(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                            const size_t *rcounts, const size_t *displs, floc_dtype_t dt,
                            floc_request_t **req, int blocking)
{
    return v_start(ctx, FLOC_COLL_ALLGATHERV, sbuf, scount, rbuf, rcounts, displs, dt, 0, req,
                   blocking, "floc_allgatherv");
}

/* alltoallv: a block of its own size for every pair.  This locality's
 * own block goes from sbuf to rbuf, so scounts[rank] must be
 * rcounts[rank]; the other pairs' counts are checked by the exchange
 * itself (a message of another size fails with FLOC_ERR_MISMATCH). */
static int alltoallv_start(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts,
                           const size_t *sdispls, void *rbuf, const size_t *rcounts,
                           const size_t *rdispls, floc_dtype_t dt, floc_request_t **req,
                           int blocking)
{
    const char *func = "floc_alltoallv";
    floc_coll_req_t c;
    int ret = coll_check(ctx, &c, 0, dt, req, func);
    if (ret)
        return ret;
    if (!scounts || !sdispls || !rcounts || !rdispls)
        return FLOC_INVALID("%s: %s is NULL", func, !scounts ? "scounts" : !sdispls ? "sdispls"
                                                  : !rcounts ? "rcounts" : "rdispls");
    size_t sany = 0, rany = 0;
    for (int q = 0; q < c.v.size; q++) {
        if (scounts[q] > SIZE_MAX / c.esize || sdispls[q] > SIZE_MAX / c.esize - scounts[q] ||
            rcounts[q] > SIZE_MAX / c.esize || rdispls[q] > SIZE_MAX / c.esize - rcounts[q])
            return FLOC_INVALID("%s: the block of locality %d overflows", func, q);
        sany |= scounts[q];
        rany |= rcounts[q];
    }
    if ((sany && !sbuf) || (rany && !rbuf))
        return FLOC_INVALID("%s: %s is NULL", func, sany && !sbuf ? "sbuf" : "rbuf");
    if (sbuf == FLOC_IN_PLACE || rbuf == FLOC_IN_PLACE)
        return FLOC_INVALID("%s: FLOC_IN_PLACE is not supported here", func);
    if (scounts[c.v.rank] != rcounts[c.v.rank])
        return FLOC_INVALID("%s: this locality sends itself %zu elements (scounts[%d]) but "
                            "receives %zu (rcounts[%d])", func, scounts[c.v.rank], c.v.rank,
                            rcounts[c.v.rank], c.v.rank);
    c.v.sbuf = sbuf;
    c.v.rbuf = rbuf;
    c.v.count = 0;   /* (the counts differ by locality: no common count to compare) */
    c.v.counts = scounts;
    c.v.displs = sdispls;
    c.v.rcounts = rcounts;
    c.v.rdispls = rdispls;
    if (c.v.size == 1) {
        if (scounts[0])
            memcpy((char *)rbuf + rdispls[0] * c.esize, (const char *)sbuf + sdispls[0] * c.esize,
                   scounts[0] * c.esize);
        return start(&c, FLOC_COLL_ALLTOALLV, NULL, req, blocking, func);
    }
    return start(&c, FLOC_COLL_ALLTOALLV, pick(&c, FLOC_COLL_ALLTOALLV, 0, blocking), req,
                 blocking, func);
}

/*
 * The public calls, from one list: name, kind (its floc_tool_op_t too),
 * parameters, arguments.  Each
 * gives floc_i<name> (a request for floc_wait/floc_test) and floc_<name>
 * (the i-form and a wait, unless the collective ran inline: no request).
 */
#define FLOC_COLL_ENTRY_POINTS(X)                                                                  \
    X(barrier, BARRIER, (floc_ctx_t *ctx), (ctx))                                                 \
    X(broadcast, BCAST, (floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root),    \
      (ctx, buf, count, dt, root))                                                                 \
    X(allreduce, ALLREDUCE,                                                                        \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,              \
       floc_op_t op),                                                                              \
      (ctx, sbuf, rbuf, count, dt, op))                                                            \
    X(reduce, REDUCE,                                                                              \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,              \
       floc_op_t op, int root),                                                                    \
      (ctx, sbuf, rbuf, count, dt, op, root))                                                      \
    X(gather, GATHER,                                                                              \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt, int root),   \
      (ctx, sbuf, rbuf, count, dt, root))                                                          \
    X(scatter, SCATTER,                                                                            \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt, int root),   \
      (ctx, sbuf, rbuf, count, dt, root))                                                          \
    X(allgather, ALLGATHER,                                                                        \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt),             \
      (ctx, sbuf, rbuf, count, dt))                                                                \
    X(alltoall, ALLTOALL,                                                                          \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt),             \
      (ctx, sbuf, rbuf, count, dt))                                                                \
    X(reduce_scatter, REDUCE_SCATTER,                                                              \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,              \
       floc_op_t op),                                                                              \
      (ctx, sbuf, rbuf, count, dt, op))                                                            \
    X(scan, SCAN,                                                                                  \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,              \
       floc_op_t op),                                                                              \
      (ctx, sbuf, rbuf, count, dt, op))                                                            \
    X(exscan, EXSCAN,                                                                              \
      (floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count, floc_dtype_t dt,              \
       floc_op_t op),                                                                              \
      (ctx, sbuf, rbuf, count, dt, op))                                                            \
    X(gatherv, GATHERV,                                                                            \
      (floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf, const size_t *rcounts,       \
       const size_t *displs, floc_dtype_t dt, int root),                                           \
      (ctx, sbuf, scount, rbuf, rcounts, displs, dt, root))                                        \
    X(scatterv, SCATTERV,                                                                          \
      (floc_ctx_t *ctx, const void *sbuf, const size_t *scounts, const size_t *displs,            \
       void *rbuf, size_t rcount, floc_dtype_t dt, int root),                                      \
      (ctx, sbuf, scounts, displs, rbuf, rcount, dt, root))                                        \
    X(allgatherv, ALLGATHERV,                                                                      \
      (floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf, const size_t *rcounts,       \
       const size_t *displs, floc_dtype_t dt),                                                     \
      (ctx, sbuf, scount, rbuf, rcounts, displs, dt))                                              \
    X(alltoallv, ALLTOALLV,                                                                        \
      (floc_ctx_t *ctx, const void *sbuf, const size_t *scounts, const size_t *sdispls,           \
       void *rbuf, const size_t *rcounts, const size_t *rdispls, floc_dtype_t dt),                 \
      (ctx, sbuf, scounts, sdispls, rbuf, rcounts, rdispls, dt))

#define FLOC_UNPAREN_(...) __VA_ARGS__
#define FLOC_COLL_FORMS_(name, KIND, params, args)                                                 \
    int floc_i##name(FLOC_UNPAREN_ params, floc_request_t **req)                                   \
    {                                                                                              \
        floc_tool_call_t t;                                                                        \
        floc_tool_enter(&t, FLOC_TOOL_##KIND, ctx, 0, -1, 1);                                      \
        int ret = name##_start(FLOC_UNPAREN_ args, req, 0);                                        \
        if (!ret)                                                                                  \
            *req = floc_req_handle(*req);                                                          \
        return floc_tool_leave(&t, ret);                                                           \
    }                                                                                              \
    int floc_##name(FLOC_UNPAREN_ params)                                                          \
    {                                                                                              \
        floc_tool_call_t t;                                                                        \
        floc_tool_enter(&t, FLOC_TOOL_##KIND, ctx, 0, -1, 0);                                      \
        floc_request_t *req = NULL;                                                                \
        int ret = name##_start(FLOC_UNPAREN_ args, &req, 1);                                       \
        return floc_tool_leave(&t, ret || !req ? ret : floc_req_wait_blocking(req));               \
    }
FLOC_COLL_ENTRY_POINTS(FLOC_COLL_FORMS_)
#undef FLOC_COLL_FORMS_
