/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fill.c - the element-wise algorithms over partitioned vectors: fill,
 * iota, for_each, transform, and the seed's shapes (zeros, full).  Each
 * locality works on its own part with its worker threads (src/exec);
 * every algorithm that writes a vector ends with a barrier, so what it
 * wrote is visible to the gets after it, as after floc_pv_fence.
 */
#include <string.h>

#include "../exec/exec.h"
#include "pv.h"
#include "../core/dtype.h"

/* ---- fill, iota ----------------------------------------------------- */

typedef struct fill_job {
    floc_pv_t *pv;
    const void *value;
} fill_job_t;

static void fill_part(void *arg, size_t begin, size_t end, int part)
{
    fill_job_t *j = arg;
    const size_t es = j->pv->esize;
    unsigned char *d = (unsigned char *)j->pv->data + begin * es;
    size_t n = end - begin;
    if (!n)
        return;
    memcpy(d, j->value, es);
    /* doubling: each memcpy copies everything filled so far */
    for (size_t done = 1; done < n;) {
        size_t take = done < n - done ? done : n - done;
        memcpy(d + done * es, d, take * es);
        done += take;
    }
}

int floc_pv_fill(floc_pv_t *pv, const void *value)
{
    FLOC_CHECK_PV(pv);
    if (!value)
        return FLOC_INVALID("value is NULL");
    fill_job_t j = {pv, value};
    floc_exec_run(pv->ctx, pv->nlocal, floc_pv_parts(pv, FLOC_EXEC_GRAIN), fill_part, &j);
    return floc_pv_written(pv);
}

typedef struct iota_job {
    floc_pv_t *pv;
    unsigned char start[FLOC_PV_MAX_ESIZE];
} iota_job_t;

/* element = start + global index, in T; integers through uint64 (wrap) */
#define IOTA_INT(T)                                                               \
    do {                                                                          \
        T s, *d = j->pv->data;                                                    \
        memcpy(&s, j->start, sizeof s);                                           \
        for (size_t l = begin; l < end; l++)                                      \
            d[l] = (T)((uint64_t)s + (uint64_t)floc_dist_global(m, k, l));        \
    } while (0)
#define IOTA_FLOAT(T)                                                             \
    do {                                                                          \
        T s, *d = j->pv->data;                                                    \
        memcpy(&s, j->start, sizeof s);                                           \
        for (size_t l = begin; l < end; l++)                                      \
            d[l] = s + (T)floc_dist_global(m, k, l);                              \
    } while (0)

/* The seed's shapes: a vector of zeros, and one filled with a value. */
int floc_pv_zeros(floc_ctx_t *ctx, size_t n, floc_dtype_t dt, floc_dist_t dist, floc_pv_t **pv)
{
    return floc_pv_create(ctx, n, dt, dist, pv);
}

int floc_pv_full(floc_ctx_t *ctx, size_t n, floc_dtype_t dt, floc_dist_t dist, const void *value,
                 floc_pv_t **out)
{
    FLOC_CHECK_CTX(ctx);
    if (!value)
        return FLOC_INVALID("value is NULL");
    floc_pv_t *pv;
    int ret = floc_pv_create(ctx, n, dt, dist, &pv);
    if (ret)
        return ret;
    if ((ret = floc_pv_fill(pv, value))) {
        floc_pv_destroy(pv);
        return ret;
    }
    *out = pv;
    return 0;
}

static void iota_part(void *arg, size_t begin, size_t end, int part)
{
    iota_job_t *j = arg;
    const floc_dist_map_t *m = &j->pv->map;
    const int k = j->pv->rank;
    switch (j->pv->dt) {
    case FLOC_INT8: IOTA_INT(int8_t); break;
    case FLOC_INT16: IOTA_INT(int16_t); break;
    case FLOC_INT32: IOTA_INT(int32_t); break;
    case FLOC_INT64: IOTA_INT(int64_t); break;
    case FLOC_UINT8: case FLOC_BYTE: IOTA_INT(uint8_t); break;
    case FLOC_UINT16: IOTA_INT(uint16_t); break;
    case FLOC_UINT32: IOTA_INT(uint32_t); break;
    case FLOC_UINT64: IOTA_INT(uint64_t); break;
    case FLOC_FLOAT: IOTA_FLOAT(float); break;
    case FLOC_DOUBLE: IOTA_FLOAT(double); break;
    default: break;
    }
}

int floc_pv_iota(floc_pv_t *pv, const void *start)
{
    FLOC_CHECK_PV(pv);
    if (!start)
        return FLOC_INVALID("start is NULL");
    if (pv->dt >= FLOC_INT32_INDEX)
        return FLOC_INVALID("iota needs a numeric dtype, not %s", floc_dtype_name(pv->dt));
    iota_job_t j = {.pv = pv};
    memcpy(j.start, start, pv->esize);
    floc_exec_run(pv->ctx, pv->nlocal, floc_pv_parts(pv, FLOC_EXEC_GRAIN), iota_part, &j);
    return floc_pv_written(pv);
}

/* ---- for_each, transform -------------------------------------------- */

typedef struct user_job {
    floc_pv_t *in, *out;
    floc_pv_for_each_fn each;
    floc_pv_transform_fn transform;
    void *arg;
} user_job_t;

static void user_part(void *arg, size_t begin, size_t end, int part)
{
    user_job_t *j = arg;
    if (begin == end)
        return;
    char *in = (char *)j->in->data + begin * j->in->esize;
    if (j->each)
        j->each(in, end - begin, begin, j->arg);
    else
        j->transform(in, (char *)j->out->data + begin * j->out->esize, end - begin, begin, j->arg);
}

int floc_pv_for_each(floc_pv_t *pv, floc_pv_for_each_fn fn, void *arg)
{
    FLOC_CHECK_PV(pv);
    if (!fn)
        return FLOC_INVALID("fn is NULL");
    user_job_t j = {.in = pv, .each = fn, .arg = arg};
    floc_exec_run(pv->ctx, pv->nlocal, floc_pv_parts(pv, FLOC_PV_USER_GRAIN), user_part, &j);
    return floc_pv_written(pv);
}

int floc_pv_transform(floc_pv_t *in, floc_pv_t *out, floc_pv_transform_fn fn, void *arg)
{
    int ret = floc_pv_check_pair(in, out, 0, __func__);
    if (ret)
        return ret;
    if (!fn)
        return FLOC_INVALID("fn is NULL");
    user_job_t j = {.in = in, .out = out, .transform = fn, .arg = arg};
    floc_exec_run(in->ctx, in->nlocal, floc_pv_parts(in, FLOC_PV_USER_GRAIN), user_part, &j);
    return floc_pv_written(out);
}

int floc_pv_fill_as(floc_pv_t *pv, const void *value, floc_dtype_t value_dt)
{
    int ret = floc_pv_check_scalar(pv, value_dt, "the value", "floc_pv_fill");
    return ret ? ret : floc_pv_fill(pv, value);
}

int floc_pv_iota_as(floc_pv_t *pv, const void *start, floc_dtype_t start_dt)
{
    int ret = floc_pv_check_scalar(pv, start_dt, "the start", "floc_pv_iota");
    return ret ? ret : floc_pv_iota(pv, start);
}
