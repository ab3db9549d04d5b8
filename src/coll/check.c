/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c - FLOC_CHECK=1: before every collective the localities compare
 * what they were called with (kind, count, dtype, op, root; the v-forms'
 * counts against each locality's own), as MPICH's error checking and the
 * MUST tool do, and all fail with FLOC_ERR_MISMATCH, naming the
 * difference, when they disagree.  Without it such a mistake computes
 * garbage or hangs.  Costs an allgather and an allreduce per collective:
 * a debugging mode, off by default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../core/ctx.h"
#include "../core/dtype.h"

/* What one locality was called with. */
typedef struct call_sig {
    int32_t kind, dt, op, root;   /* op, root: -1 where the kind has none */
    uint64_t count;               /* elements of its own block */
} call_sig_t;

static int reduction(floc_coll_kind_t k)
{
    return k == FLOC_COLL_ALLREDUCE || k == FLOC_COLL_REDUCE || k == FLOC_COLL_REDUCE_SCATTER ||
           k == FLOC_COLL_SCAN || k == FLOC_COLL_EXSCAN;
}

static int vform(floc_coll_kind_t k)
{
    return k == FLOC_COLL_GATHERV || k == FLOC_COLL_SCATTERV || k == FLOC_COLL_ALLGATHERV ||
           k == FLOC_COLL_ALLTOALLV;
}

static void describe(const call_sig_t *s, char *buf, size_t len)
{
    const floc_coll_kind_t k = (floc_coll_kind_t)s->kind;
    int n = snprintf(buf, len, "%s of %llu x %s", floc_coll_kind_name(k),
                     (unsigned long long)s->count, floc_dtype_name((floc_dtype_t)s->dt));
    if (s->op >= 0 && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ", %s", floc_op_name((floc_op_t)s->op));
    if (s->root >= 0 && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, ", root %d", s->root);
}

/* A blocking collective of the engine itself (no check of its own). */
static int run(floc_ctx_t *ctx, floc_coll_kind_t kind, const void *sbuf, void *rbuf, size_t count,
               floc_dtype_t dt, floc_op_t op)
{
    floc_coll_req_t c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    c.v = (floc_coll_view_t){.rank = ctx->rank, .size = ctx->size, .map = ctx->members,
                             .sbuf = sbuf, .rbuf = rbuf, .count = count};
    c.esize = (size_t)floc_dtype_size(dt);
    c.dt = dt;
    const floc_coll_alg_t *alg = floc_coll_select(ctx, kind, count * c.esize);
    if (kind == FLOC_COLL_ALLREDUCE) {
        c.op = op;
        c.reduce = floc_reduce_kernel(dt, op);
        if (!(alg->flags & FLOC_ALG_READS_SBUF))
            memcpy(rbuf, sbuf, count * c.esize);
    }
    floc_request_t *req = NULL;
    int ret = floc_coll_start(&c, alg, &req, 1);
    return ret || !req ? ret : floc_req_wait_blocking(req);
}

/* The first locality whose call differs from what this one can check it
 * against, -1 if none. */
static int first_mismatch(const floc_coll_req_t *c, floc_coll_kind_t kind, const call_sig_t *all,
                          const size_t *sent_me)
{
    const int p = c->v.size, me = c->v.rank;
    for (int q = 0; q < p; q++) {
        const call_sig_t *s = &all[q], *mine = &all[me];
        if (s->kind != mine->kind || s->dt != mine->dt || s->op != mine->op ||
            s->root != mine->root || (!vform(kind) && s->count != mine->count))
            return q;
        /* the v-forms: whoever holds the counts checks them */
        const int holds = kind == FLOC_COLL_ALLGATHERV || me == c->v.root;
        if (vform(kind) && kind != FLOC_COLL_ALLTOALLV && holds && c->v.counts[q] != s->count)
            return q;
        /* alltoallv: what q sends this locality against what it receives */
        if (kind == FLOC_COLL_ALLTOALLV && sent_me[q] != c->v.rcounts[q])
            return q;
    }
    return -1;
}

int floc_coll_check_agreement(const floc_coll_req_t *c, floc_coll_kind_t kind, const char *func)
{
    floc_ctx_t *ctx = c->ctx;
    const int p = c->v.size, me = c->v.rank;
    call_sig_t mine = {(int32_t)kind, (int32_t)c->dt, reduction(kind) ? (int32_t)c->op : -1,
                       floc_coll_rooted(kind) ? c->v.root : -1, c->v.count};
    call_sig_t *all = malloc((size_t)p * sizeof *all);
    if (!all)
        return FLOC_ERR_NOMEM;
    int ret = run(ctx, FLOC_COLL_ALLGATHER, &mine, all, sizeof mine, FLOC_BYTE, FLOC_SUM);
    size_t *sent_me = NULL;
    if (!ret && kind == FLOC_COLL_ALLTOALLV)
        ret = (sent_me = malloc((size_t)p * sizeof *sent_me))
                  ? run(ctx, FLOC_COLL_ALLTOALL, c->v.counts, sent_me, sizeof *sent_me, FLOC_BYTE,
                        FLOC_SUM)
                  : FLOC_ERR_NOMEM;
    /* everyone learns of the first disagreement anyone found */
    int64_t found = 0, worst = 0;
    if (!ret) {
        const int q = first_mismatch(c, kind, all, sent_me);
        found = q < 0 ? 0 : (int64_t)1 + q + (int64_t)p * me;   /* who, seen by whom */
        ret = run(ctx, FLOC_COLL_ALLREDUCE, &found, &worst, 1, FLOC_INT64, FLOC_MAX);
    }
    if (!ret && worst) {
        const int q = (int)((worst - 1) % p), seer = (int)((worst - 1) / p);
        char theirs[160], seen[160];
        describe(&all[q], theirs, sizeof theirs);
        describe(&all[seer], seen, sizeof seen);
        FLOC_ERROR(FLOC_LOG_API, "%s: the localities disagree (FLOC_CHECK): locality %d called %s, "
                   "locality %d called %s%s", func, q, theirs, seer, seen,
                   vform(kind) && q != seer ? " (whose counts say otherwise)" : "");
        ret = FLOC_ERR_MISMATCH;
    }
    free(all);
    free(sent_me);
    return ret;
}
