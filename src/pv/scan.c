/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * scan.c - inclusive and exclusive scans over partitioned vectors, in
 * global index order: each thread part scans its piece, the parts' and
 * the localities' totals are combined (an exclusive scan of the
 * localities), then each part adds what came before it.  Block-
 * distributed vectors only; others go through a block copy (move.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../coll/kernels.h"
#include "../exec/exec.h"
#include "pv.h"

#define LANES 256

/* ---- scans ----------------------------------------------------------- */

typedef struct scan_job {
    floc_pv_t *in, *out;
    floc_reduce_fn fn;
    int exclusive;
    size_t es;
    unsigned char identity[FLOC_PV_MAX_ESIZE];
    unsigned char *totals;        /* per part: op over its elements */
    unsigned char *offsets;       /* per part: what comes before it */
} scan_job_t;

/* pass 1: each part scans itself from the identity */
static void scan_part(void *arg, size_t begin, size_t end, int part)
{
    scan_job_t *j = arg;
    const size_t es = j->es;
    const char *in = j->in->data;
    char *out = j->out->data;
    unsigned char acc[FLOC_PV_MAX_ESIZE], t[FLOC_PV_MAX_ESIZE];
    memcpy(acc, j->identity, es);
    for (size_t i = begin; i < end; i++) {
        memcpy(t, in + i * es, es);   /* in may be out */
        if (j->exclusive) {
            memcpy(out + i * es, acc, es);
            j->fn(t, acc, 1);
        } else {
            j->fn(t, acc, 1);
            memcpy(out + i * es, acc, es);
        }
    }
    memcpy(j->totals + (size_t)part * es, acc, es);
}

/* pass 2: each part adds what comes before it */
static void scan_fixup(void *arg, size_t begin, size_t end, int part)
{
    scan_job_t *j = arg;
    const size_t es = j->es;
    unsigned char row[LANES * FLOC_PV_MAX_ESIZE];
    for (size_t i = 0; i < LANES; i++)
        memcpy(row + i * es, j->offsets + (size_t)part * es, es);
    char *out = j->out->data;
    for (size_t i = begin; i < end; i += LANES) {
        size_t cnt = end - i < LANES ? end - i : LANES;
        /* out = offset op out */
        j->fn(row, out + i * es, cnt);
    }
}

/* in and out block-distributed with the same layout (or the same vector) */
static int scan_block(floc_pv_t *in, floc_pv_t *out, floc_op_t op, int exclusive)
{
    scan_job_t j = {.in = in, .out = out, .fn = floc_reduce_kernel(in->dt, op),
                    .exclusive = exclusive, .es = in->esize};
    floc_reduce_identity(in->dt, op, j.identity);
    int nparts = floc_pv_parts(in, FLOC_EXEC_GRAIN);
    j.totals = malloc((size_t)nparts * j.es);
    j.offsets = malloc((size_t)nparts * j.es);
    if (!j.totals || !j.offsets) {
        free(j.totals);
        free(j.offsets);
        return FLOC_ERR_NOMEM;
    }
    for (int i = 0; i < nparts; i++)
        memcpy(j.totals + (size_t)i * j.es, j.identity, j.es);
    floc_exec_run(in->ctx, in->nlocal, nparts, scan_part, &j);
    unsigned char local[FLOC_PV_MAX_ESIZE], before[FLOC_PV_MAX_ESIZE];
    memcpy(local, j.identity, j.es);
    for (int i = 0; i < nparts; i++)
        j.fn(j.totals + (size_t)i * j.es, local, 1);
    /* what all lower localities hold (block: lower rank = lower indices) */
    int ret = floc_exscan(in->ctx, local, before, 1, in->dt, op);
    if (!ret) {
        if (in->rank == 0)
            memcpy(before, j.identity, j.es);
        /* offsets[i] = totals[0..i) op before */
        for (int i = 0; i < nparts; i++) {
            memcpy(j.offsets + (size_t)i * j.es, before, j.es);
            j.fn(j.totals + (size_t)i * j.es, before, 1);
        }
        floc_exec_run(in->ctx, in->nlocal, nparts, scan_fixup, &j);
    }
    free(j.totals);
    free(j.offsets);
    return ret;
}

static int scan(floc_pv_t *in, floc_pv_t *out, floc_op_t op, int exclusive, const char *func)
{
    int ret = floc_pv_check(in, func);
    if (!ret)
        ret = floc_pv_check(out, func);
    if (ret)
        return ret;
    if (in->ctx != out->ctx || in->map.n != out->map.n || in->dt != out->dt)
        return floc_log_invalid(func, "the vectors differ in context, length or dtype");
    if ((ret = floc_reduce_check(in->dt, op, func)))
        return ret;
    if (in->map.kind == FLOC_DIST_BLOCK && floc_pv_same_layout(in, out)) {
        ret = scan_block(in, out, op, exclusive);
        return ret ? ret : floc_pv_written(out);
    }
    /* other layouts: through a block-distributed copy */
    floc_pv_t *tmp;
    if ((ret = floc_pv_redistribute(in, floc_dist_block(), &tmp)))
        return ret;
    ret = scan_block(tmp, tmp, op, exclusive);
    if (!ret)
        ret = floc_pv_copy(tmp, out);
    int dret = floc_pv_destroy(tmp);
    return ret ? ret : dret;
}

int floc_pv_inclusive_scan(floc_pv_t *in, floc_pv_t *out, floc_op_t op)
{
    return scan(in, out, op, 0, __func__);
}

int floc_pv_exclusive_scan(floc_pv_t *in, floc_pv_t *out, floc_op_t op)
{
    return scan(in, out, op, 1, __func__);
}
