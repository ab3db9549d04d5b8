/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reduce.c - reductions over partitioned vectors: reduce, transform_reduce,
 * dot, min/max with index.
 *
 * Each thread part keeps a row of LANES running values that whole blocks
 * of elements are folded into with the same vectorised kernels as the
 * collectives (src/coll/kernels.c), then folds the row; the parts fold in
 * order, and the localities with floc_allreduce: the result does not
 * depend on which thread ran what.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../coll/kernels.h"
#include "../exec/exec.h"
#include "pv.h"
#include "../core/dtype.h"

#define LANES 256

/* ---- running reductions ------------------------------------------- */

typedef struct lane_acc {
    floc_reduce_fn fn;
    size_t es, used;
    unsigned char lanes[LANES * FLOC_PV_MAX_ESIZE];
} lane_acc_t;

static void acc_init(lane_acc_t *a, floc_reduce_fn fn, size_t es)
{
    a->fn = fn;
    a->es = es;
    a->used = 0;
}

static void acc_add(lane_acc_t *a, const void *data, size_t count)
{
    const unsigned char *d = data;
    if (a->used < LANES) {   /* the first LANES elements seed the row */
        size_t take = LANES - a->used < count ? LANES - a->used : count;
        memcpy(a->lanes + a->used * a->es, d, take * a->es);
        a->used += take;
        d += take * a->es;
        count -= take;
    }
    while (count) {
        size_t take = count < LANES ? count : LANES;
        a->fn(d, a->lanes, take);
        d += take * a->es;
        count -= take;
    }
}

/* *out = lanes op ... op *out */
static void acc_fold(const lane_acc_t *a, void *out)
{
    for (size_t i = 0; i < a->used; i++)
        a->fn(a->lanes + i * a->es, out, 1);
}

/* ---- reductions ------------------------------------------------------ */

typedef struct reduce_job {
    floc_pv_t *pv, *pv2;          /* pv2: dot's second vector */
    floc_pv_transform_fn map;     /* transform_reduce */
    void *arg;
    floc_dtype_t rdt;
    size_t res;                   /* bytes of one result element */
    floc_reduce_fn fn;            /* the reduction */
    floc_reduce_fn prod;          /* dot: the multiplication */
    unsigned char identity[FLOC_PV_MAX_ESIZE];
    unsigned char *partials;      /* one per part */
} reduce_job_t;

static void reduce_part(void *arg, size_t begin, size_t end, int part)
{
    reduce_job_t *j = arg;
    lane_acc_t acc;
    acc_init(&acc, j->fn, j->res);
    const size_t es = j->pv->esize;
    const char *in = (const char *)j->pv->data + begin * es;
    if (!j->map && !j->prod) {
        acc_add(&acc, in, end - begin);
    } else {
        /* map (or multiply) a chunk into tmp, then fold it in */
        unsigned char tmp[LANES * FLOC_PV_MAX_ESIZE];
        const char *in2 = j->pv2 ? (const char *)j->pv2->data + begin * es : NULL;
        for (size_t l = begin; l < end; l += LANES) {
            size_t cnt = end - l < LANES ? end - l : LANES;
            const size_t off = (l - begin) * es;
            if (j->map) {
                j->map(in + off, tmp, cnt, l, j->arg);
            } else {
                memcpy(tmp, in + off, cnt * es);
                j->prod(in2 + off, tmp, cnt);
            }
            acc_add(&acc, tmp, cnt);
        }
    }
    unsigned char *out = j->partials + (size_t)part * j->res;
    memcpy(out, j->identity, j->res);
    acc_fold(&acc, out);
}

/* Run j over the local part and combine everything into result. */
static int reduce_run(reduce_job_t *j, floc_op_t op, void *result)
{
    floc_pv_t *pv = j->pv;
    size_t grain = j->map ? FLOC_PV_USER_GRAIN : FLOC_EXEC_GRAIN;
    int nparts = floc_pv_parts(pv, grain);
    unsigned char local[FLOC_PV_MAX_ESIZE];
    if (!(j->partials = malloc((size_t)nparts * j->res)))
        return FLOC_ERR_NOMEM;
    for (int i = 0; i < nparts; i++)   /* what an empty part leaves */
        memcpy(j->partials + (size_t)i * j->res, j->identity, j->res);
    floc_exec_run(pv->ctx, pv->nlocal, nparts, reduce_part, j);
    memcpy(local, j->identity, j->res);
    for (int i = 0; i < nparts; i++)
        j->fn(j->partials + (size_t)i * j->res, local, 1);
    free(j->partials);
    return floc_allreduce(pv->ctx, local, result, 1, j->rdt, op);
}

static int reduce_setup(reduce_job_t *j, floc_pv_t *pv, floc_dtype_t rdt, floc_op_t op,
                        const char *func)
{
    int ret = floc_reduce_check(rdt, op, func);
    if (ret)
        return ret;
    *j = (reduce_job_t){.pv = pv, .rdt = rdt, .res = (size_t)floc_dtype_size(rdt),
                        .fn = floc_reduce_kernel(rdt, op)};
    floc_reduce_identity(rdt, op, j->identity);
    return 0;
}

int floc_pv_reduce(floc_pv_t *pv, floc_op_t op, void *result)
{
    FLOC_CHECK_PV(pv);
    if (!result)
        return FLOC_INVALID("result is NULL");
    reduce_job_t j;
    int ret = reduce_setup(&j, pv, pv->dt, op, __func__);
    return ret ? ret : reduce_run(&j, op, result);
}

int floc_pv_transform_reduce(floc_pv_t *pv, floc_pv_transform_fn fn, void *arg, floc_dtype_t rdt,
                             floc_op_t op, void *result)
{
    FLOC_CHECK_PV(pv);
    if (!fn || !result)
        return FLOC_INVALID("%s is NULL", fn ? "result" : "fn");
    reduce_job_t j;
    int ret = reduce_setup(&j, pv, rdt, op, __func__);
    if (ret)
        return ret;
    j.map = fn;
    j.arg = arg;
    return reduce_run(&j, op, result);
}

int floc_pv_dot(floc_pv_t *a, floc_pv_t *b, void *result)
{
    int ret = floc_pv_check_pair(a, b, 1, __func__);
    if (ret)
        return ret;
    if (!result)
        return FLOC_INVALID("result is NULL");
    reduce_job_t j;
    if ((ret = reduce_setup(&j, a, a->dt, FLOC_SUM, __func__)))
        return ret;
    j.pv2 = b;
    j.prod = floc_reduce_kernel(a->dt, FLOC_PROD);
    return reduce_run(&j, FLOC_SUM, result);
}

/* ---- min/max with index --------------------------------------------- */

/* Index of the best element of d[0..n): the first smallest (largest); a
 * NaN only wins when everything is NaN. */
#define BEST_OF(sfx, T)                                                           \
    static size_t best_##sfx(const void *d_, size_t n, int max)                   \
    {                                                                             \
        const T *d = d_;                                                          \
        size_t bi = 0;                                                            \
        for (size_t i = 1; i < n; i++) {                                          \
            const T x = d[i], b = d[bi];                                          \
            if (b != b ? x == x : (max ? x > b : x < b))                          \
                bi = i;                                                           \
        }                                                                         \
        return bi;                                                                \
    }
BEST_OF(i8, int8_t)
BEST_OF(i16, int16_t)
BEST_OF(i32, int32_t)
BEST_OF(i64, int64_t)
BEST_OF(u8, uint8_t)
BEST_OF(u16, uint16_t)
BEST_OF(u32, uint32_t)
BEST_OF(u64, uint64_t)
BEST_OF(f32, float)
BEST_OF(f64, double)

typedef size_t (*best_fn)(const void *d, size_t n, int max);

static best_fn best_for(floc_dtype_t dt)
{
    switch (dt) {
    case FLOC_INT8: return best_i8;
    case FLOC_INT16: return best_i16;
    case FLOC_INT32: return best_i32;
    case FLOC_INT64: return best_i64;
    case FLOC_UINT8: case FLOC_BYTE: return best_u8;
    case FLOC_UINT16: return best_u16;
    case FLOC_UINT32: return best_u32;
    case FLOC_UINT64: return best_u64;
    case FLOC_FLOAT: return best_f32;
    case FLOC_DOUBLE: return best_f64;
    default: return NULL;
    }
}

/* a candidate: a value and its index; what the localities exchange */
typedef struct cand {
    uint64_t has, index;
    unsigned char value[FLOC_PV_MAX_ESIZE];
} cand_t;

/* Is x better than the current best b (ties: the smaller index)? */
static int cand_better(best_fn best, size_t es, int max, const cand_t *x, const cand_t *b)
{
    if (!x->has)
        return 0;
    if (!b->has)
        return 1;
    unsigned char two[2 * FLOC_PV_MAX_ESIZE];
    memcpy(two, b->value, es);
    memcpy(two + es, x->value, es);
    if (best(two, 2, max) == 1)
        return 1;               /* x strictly better */
    memcpy(two, x->value, es);
    memcpy(two + es, b->value, es);
    if (best(two, 2, max) == 1)
        return 0;               /* b strictly better */
    return x->index < b->index; /* equal */
}

typedef struct minmax_job {
    floc_pv_t *pv;
    best_fn best;
    int max;
    cand_t *parts;
} minmax_job_t;

static void minmax_part(void *arg, size_t begin, size_t end, int part)
{
    minmax_job_t *j = arg;
    cand_t *c = &j->parts[part];
    c->has = begin < end;
    if (!c->has)
        return;
    const size_t es = j->pv->esize;
    size_t i = j->best((const char *)j->pv->data + begin * es, end - begin, j->max);
    c->index = begin + i;   /* local for now */
    memcpy(c->value, (const char *)j->pv->data + (begin + i) * es, es);
}

int floc_pv_minmax(floc_pv_t *pv, floc_op_t op, void *value, size_t *gidx)
{
    FLOC_CHECK_PV(pv);
    if (!value || !gidx)
        return FLOC_INVALID("%s is NULL", value ? "gidx" : "value");
    if (op != FLOC_MIN && op != FLOC_MAX)
        return FLOC_INVALID("%s is neither FLOC_MIN nor FLOC_MAX", floc_op_name(op));
    best_fn best = best_for(pv->dt);
    if (!best)
        return FLOC_INVALID("min/max needs a numeric dtype, not %s", floc_dtype_name(pv->dt));
    if (pv->map.n == 0)
        return FLOC_INVALID("the vector is empty: it has no smallest or largest element");
    int nparts = floc_pv_parts(pv, FLOC_EXEC_GRAIN);
    minmax_job_t j = {pv, best, op == FLOC_MAX, calloc((size_t)nparts, sizeof(cand_t))};
    cand_t *all = calloc((size_t)pv->size, sizeof *all);
    if (!j.parts || !all) {
        free(j.parts);
        free(all);
        return FLOC_ERR_NOMEM;
    }
    floc_exec_run(pv->ctx, pv->nlocal, nparts, minmax_part, &j);
    /* parts in order: local order is global order, so ties keep the first */
    cand_t mine = {0};
    for (int i = 0; i < nparts; i++)
        if (cand_better(best, pv->esize, j.max, &j.parts[i], &mine))
            mine = j.parts[i];
    if (mine.has)
        mine.index = floc_dist_global(&pv->map, pv->rank, (size_t)mine.index);
    free(j.parts);
    int ret = floc_allgather(pv->ctx, &mine, all, sizeof mine, FLOC_BYTE);
    if (!ret) {
        cand_t win = {0};
        for (int k = 0; k < pv->size; k++)
            if (cand_better(best, pv->esize, j.max, &all[k], &win))
                win = all[k];
        memcpy(value, win.value, pv->esize);
        *gidx = (size_t)win.index;
    }
    free(all);
    return ret;
}

int floc_pv_reduce_as(floc_pv_t *pv, floc_op_t op, void *result, floc_dtype_t result_dt)
{
    int ret = floc_pv_check_scalar(pv, result_dt, "the result", "floc_pv_reduce");
    return ret ? ret : floc_pv_reduce(pv, op, result);
}

int floc_pv_dot_as(floc_pv_t *a, floc_pv_t *b, void *result, floc_dtype_t result_dt)
{
    int ret = floc_pv_check_scalar(a, result_dt, "the result", "floc_pv_dot");
    return ret ? ret : floc_pv_dot(a, b, result);
}

int floc_pv_minmax_as(floc_pv_t *pv, floc_op_t op, void *value, floc_dtype_t value_dt,
                      size_t *gidx)
{
    int ret = floc_pv_check_scalar(pv, value_dt, "the value", "floc_pv_minmax");
    return ret ? ret : floc_pv_minmax(pv, op, value, gidx);
}
