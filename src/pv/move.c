/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * move.c - moving whole partitioned vectors: copy between distributions,
 * redistribute, gather to a root, scatter from a root.
 *
 * Copy between two layouts is one floc_alltoallv in which every element
 * moves once.  Each locality packs the elements of its source part by
 * destination locality (in global order) and knows, from the two
 * distributions alone, how many it gets from each source; after the
 * exchange it unpacks them in global order too, so pack and unpack agree
 * without sending indices or offsets.
 */
#include <stdlib.h>
#include <string.h>

#include "../coll/kernels.h"
#include "../exec/exec.h"
#include "pv.h"

typedef struct copy_job {
    floc_pv_t *src, *dst;
} copy_job_t;

static void copy_part(void *arg, size_t begin, size_t end, int part)
{
    copy_job_t *j = arg;
    const size_t es = j->src->esize;
    memcpy((char *)j->dst->data + begin * es, (const char *)j->src->data + begin * es,
           (end - begin) * es);
}

/* The exchange (see the top of the file). */
static int exchange(floc_pv_t *src, floc_pv_t *dst)
{
    floc_ctx_t *ctx = src->ctx;
    const int p = src->size, me = src->rank;
    const size_t es = src->esize;
    size_t *scount = calloc((size_t)p, sizeof *scount), *sdispl = calloc((size_t)p, sizeof *sdispl);
    size_t *rcount = calloc((size_t)p, sizeof *rcount), *rdispl = calloc((size_t)p, sizeof *rdispl);
    size_t *pos = calloc((size_t)p, sizeof *pos);
    char *sbuf = src->nlocal ? malloc(src->nlocal * es) : NULL;
    char *rbuf = dst->nlocal ? malloc(dst->nlocal * es) : NULL;
    int ret = 0;
    if (!scount || !sdispl || !rcount || !rdispl || !pos || (src->nlocal && !sbuf) ||
        (dst->nlocal && !rbuf))
        ret = FLOC_ERR_NOMEM;

    /* pack: my source elements by destination, in global order */
    int k;
    size_t l, g;
    if (!ret) {
        for (l = 0; l < src->nlocal; l++) {
            floc_dist_owner(&dst->map, floc_dist_global(&src->map, me, l), &k, &g);
            scount[k]++;
        }
        for (k = 1; k < p; k++)
            sdispl[k] = sdispl[k - 1] + scount[k - 1];
        for (l = 0; l < src->nlocal; l++) {
            floc_dist_owner(&dst->map, floc_dist_global(&src->map, me, l), &k, &g);
            memcpy(sbuf + (sdispl[k] + pos[k]++) * es, (const char *)src->data + l * es, es);
        }
        /* my destination elements by source */
        for (l = 0; l < dst->nlocal; l++) {
            floc_dist_owner(&src->map, floc_dist_global(&dst->map, me, l), &k, &g);
            rcount[k]++;
        }
        for (k = 1; k < p; k++)
            rdispl[k] = rdispl[k - 1] + rcount[k - 1];
    }
    /* everybody takes part in the collectives even after a local failure:
     * the error is then reported by everyone's final check */
    uint64_t failed = ret != 0, any_failed = 0;
    int cret = floc_allreduce(ctx, &failed, &any_failed, 1, FLOC_UINT64, FLOC_MAX);
    if (!cret && !any_failed)
        cret = floc_alltoallv(ctx, sbuf, scount, sdispl, rbuf, rcount, rdispl, src->dt);
    if (!ret)
        ret = cret ? cret : (any_failed ? FLOC_ERR_NOMEM : 0);

    /* unpack in global order */
    if (!ret) {
        memset(pos, 0, (size_t)p * sizeof *pos);
        for (l = 0; l < dst->nlocal; l++) {
            floc_dist_owner(&src->map, floc_dist_global(&dst->map, me, l), &k, &g);
            memcpy((char *)dst->data + l * es, rbuf + (rdispl[k] + pos[k]++) * es, es);
        }
    }
    /* a broken exchange (lost peer, timeout) may still move data in or
     * out of the staging buffers: leaking them beats a write into freed
     * memory */
    if (!cret) {
        free(sbuf);
        free(rbuf);
    }
    free(scount), free(sdispl), free(rcount), free(rdispl), free(pos);
    return ret;
}

int floc_pv_copy(floc_pv_t *src, floc_pv_t *dst)
{
    int ret = floc_pv_check(src, __func__);
    if (!ret)
        ret = floc_pv_check(dst, __func__);
    if (ret)
        return ret;
    if (src->ctx != dst->ctx || src->map.n != dst->map.n || src->dt != dst->dt)
        return FLOC_INVALID("the vectors differ in context, length or dtype");
    if (src == dst)
        return floc_barrier(src->ctx);
    if (floc_pv_same_layout(src, dst)) {
        copy_job_t j = {src, dst};
        floc_exec_run(src->ctx, src->nlocal,
                      floc_exec_parts(src->ctx, src->nlocal, FLOC_EXEC_GRAIN), copy_part, &j);
        return floc_barrier(src->ctx);
    }
    return exchange(src, dst);
}

int floc_pv_redistribute(floc_pv_t *src, floc_dist_t dist, floc_pv_t **out)
{
    FLOC_CHECK_PV(src);
    if (!out)
        return FLOC_INVALID("out is NULL");
    floc_pv_t *pv;
    int ret = floc_pv_create(src->ctx, src->map.n, src->dt, dist, &pv);
    if (ret)
        return ret;
    if ((ret = floc_pv_copy(src, pv))) {
        floc_pv_destroy(pv);
        return ret;
    }
    *out = pv;
    return 0;
}

/* Element counts and offsets of every part, laid end to end. */
static int part_layout(const floc_pv_t *pv, size_t **counts, size_t **displs)
{
    *counts = calloc((size_t)pv->size, sizeof **counts);
    *displs = calloc((size_t)pv->size, sizeof **displs);
    if (!*counts || !*displs) {
        free(*counts);
        free(*displs);
        return FLOC_ERR_NOMEM;
    }
    for (int k = 0; k < pv->size; k++) {
        (*counts)[k] = floc_dist_local_count(&pv->map, k);
        if (k)
            (*displs)[k] = (*displs)[k - 1] + (*counts)[k - 1];
    }
    return 0;
}

/* gather (to_root = 1) or scatter through floc_gatherv / floc_scatterv.
 * Block parts are already in global order: straight into/out of buf.
 * Other layouts go through a staging buffer at the root. */
static int root_move(floc_pv_t *pv, int root, void *buf, int to_root, const char *func)
{
    int ret = floc_pv_check(pv, func);
    if (ret)
        return ret;
    if (root < 0 || root >= pv->size)
        return floc_log_invalid(func, "root %d outside [0, %d)", root, pv->size);
    const int am_root = pv->rank == root;
    if (am_root && pv->map.n && !buf)
        return floc_log_invalid(func, "buf is NULL at the root");
    size_t *counts, *displs;
    if ((ret = part_layout(pv, &counts, &displs)))
        return ret;
    const size_t es = pv->esize;
    const int direct = pv->map.kind == FLOC_DIST_BLOCK;
    char *stage = NULL;
    if (!direct) {
        /* the root stages the whole vector; if it cannot, everyone learns
         * it here instead of waiting for it */
        uint64_t failed = 0, any = 0;
        if (am_root && pv->map.n && !(stage = malloc(pv->map.n * es)))
            failed = 1;
        ret = floc_allreduce(pv->ctx, &failed, &any, 1, FLOC_UINT64, FLOC_MAX);
        if (!ret && any)
            ret = FLOC_ERR_NOMEM;
    }
    /* an empty vector moves nothing, but the collectives want a buffer */
    char *rootbuf = direct ? buf : stage, empty;
    if (!rootbuf)
        rootbuf = &empty;
    if (!ret && am_root && stage && !to_root)   /* scatter: pack by part */
        for (int k = 0; k < pv->size; k++)
            floc_pv_copy_run(pv, k, 0, counts[k], 0, stage + displs[k] * es, buf, 0);
    if (!ret && to_root)
        ret = floc_gatherv(pv->ctx, pv->data, pv->nlocal, rootbuf, counts, displs, pv->dt, root);
    else if (!ret)
        ret = floc_scatterv(pv->ctx, rootbuf, counts, displs, pv->data, pv->nlocal, pv->dt, root);
    if (!ret && am_root && !direct && to_root)   /* gather: unpack by part */
        for (int k = 0; k < pv->size; k++)
            floc_pv_copy_run(pv, k, 0, counts[k], 0, stage + displs[k] * es, buf, 1);
    free(stage);
    free(counts);
    free(displs);
    if (!ret && !to_root)
        ret = floc_barrier(pv->ctx);  /* scatter wrote the parts */
    return ret;
}

int floc_pv_gather(floc_pv_t *pv, int root, void *buf)
{
    return root_move(pv, root, buf, 1, __func__);
}

int floc_pv_scatter(floc_pv_t *pv, int root, const void *buf)
{
    return root_move(pv, root, (void *)buf, 0, __func__);
}
