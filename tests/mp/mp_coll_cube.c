/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_coll_cube.c - the reductions over every dtype x every op it allows,
 * and every collective at 2^20 + 3 elements, against serial references
 * computed here from every locality's deterministic input.
 *
 * Inputs are small integers (floating types: eighths, or small integers
 * for products) chosen so that no sum or product leaves the range of the
 * narrowest type, even on 8 localities: the reference is exact in int64
 * and double.  The algorithm is forced by the environment (ctest runs
 * this once per algorithm set, FLOC_<COLL>_ALGO=...).  With MP_SHARED=1
 * the reductions' buffers come from floc_mem_alloc (the node's
 * localities map them: the allreduce folds straight from them).
 *
 *   floc-run -n N mp_coll_cube
 */
#include <math.h>

#include "mp_util.h"

static int n, me;
static floc_ctx_t *ctx;
static int shared;   /* MP_SHARED=1: buffers from floc_mem_alloc */

/* zeroed memory for a collective's buffer (*m: its floc_mem_t, or NULL) */
static void *buf_alloc(size_t bytes, floc_mem_t **m)
{
    *m = NULL;
    if (!shared)
        return calloc(1, bytes);
    void *b = NULL;
    MP_MUST(floc_mem_alloc(ctx, bytes, FLOC_MEM_REMOTE_READ | FLOC_MEM_REMOTE_WRITE, &b, m));
    return b;
}

static void buf_free(void *b, floc_mem_t *m)
{
    if (m)
        MP_MUST(floc_mem_free(m));
    else
        free(b);
}

static const floc_dtype_t dtypes[] = {FLOC_INT8,   FLOC_INT16,  FLOC_INT32,  FLOC_INT64,
                                      FLOC_UINT8,  FLOC_UINT16, FLOC_UINT32, FLOC_UINT64,
                                      FLOC_FLOAT,  FLOC_DOUBLE};
static const floc_op_t ops[] = {FLOC_SUM, FLOC_PROD, FLOC_MIN,  FLOC_MAX, FLOC_BAND,
                                FLOC_BOR, FLOC_BXOR, FLOC_LAND, FLOC_LOR};

static int is_float(floc_dtype_t dt)
{
    return dt == FLOC_FLOAT || dt == FLOC_DOUBLE;
}

static int is_unsigned(floc_dtype_t dt)
{
    return dt >= FLOC_UINT8 && dt <= FLOC_UINT64;
}

/* input of locality r at element i, as an exact double */
static double input(floc_dtype_t dt, floc_op_t op, int r, size_t i)
{
    uint64_t v = mp_value(r, 20 + (int)op, i);
    if (op == FLOC_PROD) {
        /* |product| <= 2^3: a factor 2 only on the first three localities */
        static const double three[] = {-1, 1, 2};
        if (is_unsigned(dt))
            return r < 3 ? (double)(1 + v % 2) : 1;
        return r < 3 ? three[v % 3] : (v % 2 ? 1 : -1);
    }
    int64_t x = is_unsigned(dt) ? (int64_t)(v % 21) : (int64_t)(v % 21) - 10;
    return is_float(dt) ? (double)x / 8.0 : (double)x;
}

static void store(void *buf, floc_dtype_t dt, size_t i, double x)
{
    switch (dt) {
    case FLOC_INT8: ((int8_t *)buf)[i] = (int8_t)x; break;
    case FLOC_INT16: ((int16_t *)buf)[i] = (int16_t)x; break;
    case FLOC_INT32: ((int32_t *)buf)[i] = (int32_t)x; break;
    case FLOC_INT64: ((int64_t *)buf)[i] = (int64_t)x; break;
    case FLOC_UINT8: ((uint8_t *)buf)[i] = (uint8_t)x; break;
    case FLOC_UINT16: ((uint16_t *)buf)[i] = (uint16_t)x; break;
    case FLOC_UINT32: ((uint32_t *)buf)[i] = (uint32_t)x; break;
    case FLOC_UINT64: ((uint64_t *)buf)[i] = (uint64_t)x; break;
    case FLOC_FLOAT: ((float *)buf)[i] = (float)x; break;
    case FLOC_DOUBLE: ((double *)buf)[i] = x; break;
    default: break;
    }
}

static double load(const void *buf, floc_dtype_t dt, size_t i)
{
    switch (dt) {
    case FLOC_INT8: return ((const int8_t *)buf)[i];
    case FLOC_INT16: return ((const int16_t *)buf)[i];
    case FLOC_INT32: return ((const int32_t *)buf)[i];
    case FLOC_INT64: return (double)((const int64_t *)buf)[i];
    case FLOC_UINT8: return ((const uint8_t *)buf)[i];
    case FLOC_UINT16: return ((const uint16_t *)buf)[i];
    case FLOC_UINT32: return ((const uint32_t *)buf)[i];
    case FLOC_UINT64: return (double)((const uint64_t *)buf)[i];
    case FLOC_FLOAT: return ((const float *)buf)[i];
    case FLOC_DOUBLE: return ((const double *)buf)[i];
    default: return NAN;
    }
}

/* a op b, serially, as the standard defines the op */
static double apply(floc_op_t op, double a, double b)
{
    int64_t x = (int64_t)a, y = (int64_t)b;
    switch (op) {
    case FLOC_SUM: return a + b;
    case FLOC_PROD: return a * b;
    case FLOC_MIN: return a < b ? a : b;
    case FLOC_MAX: return a > b ? a : b;
    case FLOC_BAND: return (double)(x & y);
    case FLOC_BOR: return (double)(x | y);
    case FLOC_BXOR: return (double)(x ^ y);
    case FLOC_LAND: return (double)(x && y);
    case FLOC_LOR: return (double)(x || y);
    default: return NAN;
    }
}

/* inputs of localities [0, upto) combined at element i; one operand is
 * returned as it is (no op applied), as MPI does */
static double fold(floc_dtype_t dt, floc_op_t op, int upto, size_t i)
{
    double acc = input(dt, op, 0, i);
    for (int q = 1; q < upto; q++)
        acc = apply(op, acc, input(dt, op, q, i));
    return acc;
}

static int op_allowed(floc_dtype_t dt, floc_op_t op)
{
    return !is_float(dt) || op <= FLOC_MAX;
}

static void cube_one(floc_dtype_t dt, floc_op_t op, size_t cnt, int root)
{
    const size_t es = floc_dtype_size(dt), all = cnt * (size_t)n;
    floc_mem_t *sm, *rm;
    char *s = buf_alloc((all + 1) * es, &sm), *r = buf_alloc((all + 1) * es, &rm);
    char *x = calloc(cnt + 1, es);
    for (size_t i = 0; i < all; i++)
        store(s, dt, i, input(dt, op, me, i));
    MP_OK(floc_allreduce(ctx, s, r, cnt, dt, op));
    MP_OK(floc_scan(ctx, s, x, cnt, dt, op));
    for (size_t i = 0; i < cnt; i++) {
        double a = load(r, dt, i), want = fold(dt, op, n, i);
        double sc = load(x, dt, i), wsc = fold(dt, op, me + 1, i);
        if (a != want || sc != wsc) {
            MP_FAIL("dtype %d op %d count %zu [%zu]: allreduce %g (want %g), scan %g (want %g)",
                    (int)dt, (int)op, cnt, i, a, want, sc, wsc);
            break;
        }
    }
    /* in place: the input in rbuf, the element past it untouched */
    memcpy(r, s, cnt * es);
    memset(r + cnt * es, 0x5a, es);
    MP_OK(floc_allreduce(ctx, FLOC_IN_PLACE, r, cnt, dt, op));
    for (size_t i = 0; i < cnt; i++)
        if (load(r, dt, i) != fold(dt, op, n, i)) {
            MP_FAIL("dtype %d op %d count %zu [%zu]: allreduce in place %g (want %g)", (int)dt,
                    (int)op, cnt, i, load(r, dt, i), fold(dt, op, n, i));
            break;
        }
    if ((unsigned char)r[cnt * es] != 0x5a)
        MP_FAIL("dtype %d op %d count %zu: allreduce in place wrote past the vector", (int)dt,
                (int)op, cnt);
    memset(r, 0x5a, (all + 1) * es);
    memset(x, 0x5a, (cnt + 1) * es);
    char *untouched = malloc(es);
    memset(untouched, 0x5a, es);
    MP_OK(floc_reduce(ctx, s, r, cnt, dt, op, root));
    MP_OK(floc_exscan(ctx, s, x, cnt, dt, op));
    for (size_t i = 0; i < cnt; i++) {
        if (me == root && load(r, dt, i) != fold(dt, op, n, i)) {
            MP_FAIL("dtype %d op %d count %zu [%zu]: reduce to %d gives %g, want %g", (int)dt,
                    (int)op, cnt, i, root, load(r, dt, i), fold(dt, op, n, i));
            break;
        }
        /* exscan leaves locality 0's buffer alone */
        int ok = me == 0 ? !memcmp(x + i * es, untouched, es)
                         : load(x, dt, i) == fold(dt, op, me, i);
        if (!ok) {
            MP_FAIL("dtype %d op %d count %zu [%zu]: exscan gives %g", (int)dt, (int)op, cnt, i,
                    load(x, dt, i));
            break;
        }
    }
    /* reduce_scatter: block me of the whole vector, reduced */
    MP_OK(floc_reduce_scatter(ctx, s, r, cnt, dt, op));
    for (size_t i = 0; i < cnt; i++) {
        double want = fold(dt, op, n, (size_t)me * cnt + i);
        if (load(r, dt, i) != want) {
            MP_FAIL("dtype %d op %d count %zu [%zu]: reduce_scatter %g, want %g", (int)dt,
                    (int)op, cnt, i, load(r, dt, i), want);
            break;
        }
    }
    free(untouched);
    buf_free(s, sm);
    buf_free(r, rm);
    free(x);
}

/* every reduction at every dtype x op it allows; counts 0, 1, 7, 1000 */
static void check_cube(void)
{
    static const size_t counts[] = {0, 1, 7, 1000};
    int k = 0;
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
        for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
            if (!op_allowed(dtypes[d], ops[o]))
                continue;
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
                cube_one(dtypes[d], ops[o], counts[c], k++ % n);
        }
}

/* the movers and reductions at 2^20 + 3 elements, one dtype each */
static void check_large(void)
{
    const size_t big = (1u << 20) + 3, all = big * (size_t)n;
    const int root = n / 2;
    uint8_t *s = malloc(all), *r = malloc(all);
    /* reduce (int32 max) and reduce_scatter, scan (int16 sum): via cube_one */
    cube_one(FLOC_INT32, FLOC_MAX, big, root);
    cube_one(FLOC_UINT16, FLOC_BXOR, big, n - 1);
    /* gather, scatter, allgather, alltoall of bytes */
    for (size_t i = 0; i < all; i++)
        s[i] = (uint8_t)mp_value(me, 30, i);
    MP_OK(floc_gather(ctx, s, r, big, FLOC_BYTE, root));
    for (size_t i = 0; me == root && i < all; i++)
        if (r[i] != (uint8_t)mp_value((int)(i / big), 30, i % big)) {
            MP_FAIL("large gather: byte %zu wrong", i);
            break;
        }
    memset(r, 0, big);
    MP_OK(floc_scatter(ctx, s, r, big, FLOC_BYTE, root));
    for (size_t i = 0; i < big; i++)
        if (r[i] != (uint8_t)mp_value(root, 30, (size_t)me * big + i)) {
            MP_FAIL("large scatter: byte %zu wrong", i);
            break;
        }
    memset(r, 0, all);
    MP_OK(floc_allgather(ctx, s, r, big, FLOC_BYTE));
    for (size_t i = 0; i < all; i++)
        if (r[i] != (uint8_t)mp_value((int)(i / big), 30, i % big)) {
            MP_FAIL("large allgather: byte %zu wrong", i);
            break;
        }
    memset(r, 0, all);
    MP_OK(floc_alltoall(ctx, s, r, big, FLOC_BYTE));
    for (size_t i = 0; i < all; i++)
        if (r[i] != (uint8_t)mp_value((int)(i / big), 30, (size_t)me * big + i % big)) {
            MP_FAIL("large alltoall: byte %zu wrong", i);
            break;
        }
    /* the v-variants: locality q has big - q elements, packed in order */
    size_t *cnts = calloc((size_t)n, sizeof *cnts), *disp = calloc((size_t)n, sizeof *disp);
    for (size_t q = 0, at = 0; q < (size_t)n; q++) {
        cnts[q] = big - q;
        disp[q] = at;
        at += cnts[q];
    }
    memset(r, 0, all);
    MP_OK(floc_allgatherv(ctx, s, cnts[me], r, cnts, disp, FLOC_BYTE));
    for (int q = 0; q < n; q++)
        for (size_t i = 0; i < cnts[q]; i++)
            if (r[disp[q] + i] != (uint8_t)mp_value(q, 30, i)) {
                MP_FAIL("large allgatherv: block %d byte %zu wrong", q, i);
                q = n;
                break;
            }
    memset(r, 0, all);
    MP_OK(floc_gatherv(ctx, s, cnts[me], r, cnts, disp, FLOC_BYTE, root));
    for (int q = 0; me == root && q < n; q++)
        for (size_t i = 0; i < cnts[q]; i++)
            if (r[disp[q] + i] != (uint8_t)mp_value(q, 30, i)) {
                MP_FAIL("large gatherv: block %d byte %zu wrong", q, i);
                q = n;
                break;
            }
    memset(r, 0, big);
    MP_OK(floc_scatterv(ctx, s, cnts, disp, r, cnts[me], FLOC_BYTE, root));
    for (size_t i = 0; i < cnts[me]; i++)
        if (r[i] != (uint8_t)mp_value(root, 30, disp[me] + i)) {
            MP_FAIL("large scatterv: byte %zu wrong", i);
            break;
        }
    free(cnts);
    free(disp);
    free(s);
    free(r);
}

int main(int argc, char **argv)
{
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    const char *sh = getenv("MP_SHARED");
    shared = sh && !strcmp(sh, "1");
    check_cube();
    check_large();
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_coll_cube");
}
