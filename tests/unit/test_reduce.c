/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_reduce.c - the reduction kernels against a reference written
 * independently here: integers are widened to 64 bits and wrapped back by
 * masking, floats combined one element at a time, pairs by their rule.
 * The form into a third array (floc_reduce_kernel_to) against the same
 * reference.  Also: which (type, op) pairs are valid, decided here from the rules, and
 * the argument checks of floc_reduce_local / floc_dtype_size.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "floc.h"
#include "log.h"
#include "coll/kernels.h"

static const size_t counts[] = {0, 1, 7, 1000, 1031};

static int is_int(floc_dtype_t dt) { return dt <= FLOC_UINT64; }
static int is_signed(floc_dtype_t dt) { return dt <= FLOC_INT64; }
static int is_float(floc_dtype_t dt) { return dt == FLOC_FLOAT || dt == FLOC_DOUBLE; }
static int is_pair(floc_dtype_t dt) { return dt >= FLOC_INT32_INDEX && dt <= FLOC_DOUBLE_INDEX; }

static size_t int_width(floc_dtype_t dt)
{
    static const size_t w[] = {1, 2, 4, 8, 1, 2, 4, 8};
    return w[dt];
}

/* The rules, as documented in floc.h. */
static int valid(floc_dtype_t dt, floc_op_t op)
{
    switch (op) {
    case FLOC_SUM: case FLOC_PROD: case FLOC_MIN: case FLOC_MAX:
        return is_int(dt) || is_float(dt);
    case FLOC_BAND: case FLOC_BOR: case FLOC_BXOR:
        return is_int(dt) || dt == FLOC_BYTE;
    case FLOC_LAND: case FLOC_LOR:
        return is_int(dt);
    case FLOC_MINLOC: case FLOC_MAXLOC:
        return is_pair(dt);
    default:
        return 0;
    }
}

/* deterministic pseudo-random bytes, small values mixed in so that ties,
 * zeros and equal indices occur */
static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void fill(void *buf, size_t n, floc_dtype_t dt, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    unsigned char *b = buf;
    size_t es = (size_t)floc_dtype_size(dt);
    for (size_t i = 0; i < n; i++) {
        unsigned char *e = b + i * es;
        uint64_t r = rng(&s);
        if (is_float(dt)) {
            double v = (double)(int64_t)(r % 2001) / 8.0 - 100.0;
            if (dt == FLOC_FLOAT) {
                float f = (float)v;
                memcpy(e, &f, sizeof f);
            } else {
                memcpy(e, &v, sizeof v);
            }
        } else if (is_pair(dt)) {
            int64_t idx = (int64_t)(rng(&s) % 5);
            int64_t iv = (int64_t)(r % 7) - 3;   /* many ties */
            switch (dt) {
            case FLOC_INT32_INDEX: { floc_int32_index_t p = {(int32_t)iv, idx}; memcpy(e, &p, sizeof p); break; }
            case FLOC_INT64_INDEX: { floc_int64_index_t p = {iv, idx}; memcpy(e, &p, sizeof p); break; }
            case FLOC_FLOAT_INDEX: { floc_float_index_t p = {(float)iv / 2, idx}; memcpy(e, &p, sizeof p); break; }
            default: { floc_double_index_t p = {(double)iv / 2, idx}; memcpy(e, &p, sizeof p); break; }
            }
        } else {
            /* a third of the values small (0, 1, -1...) for the logical ops */
            if (r % 3 == 0)
                r = (r >> 8) % 3 - 1;
            memcpy(e, &r, es);
        }
    }
}

static int64_t load_signed(const unsigned char *e, size_t w)
{
    uint64_t u = 0;
    memcpy(&u, e, w);   /* little endian */
    if (w < 8 && (u >> (w * 8 - 1)) & 1)
        u |= ~0ull << (w * 8);
    return (int64_t)u;
}

static uint64_t load_unsigned(const unsigned char *e, size_t w)
{
    uint64_t u = 0;
    memcpy(&u, e, w);
    return u;
}

static void ref_int(floc_dtype_t dt, floc_op_t op, const unsigned char *a, const unsigned char *b,
                    unsigned char *out)
{
    size_t w = int_width(dt);
    uint64_t ua = load_unsigned(a, w), ub = load_unsigned(b, w), r = 0;
    int64_t sa = load_signed(a, w), sb = load_signed(b, w);
    int sgn = is_signed(dt);
    switch (op) {
    case FLOC_SUM: r = ua + ub; break;
    case FLOC_PROD: r = ua * ub; break;
    case FLOC_MIN: r = sgn ? (uint64_t)(sa < sb ? sa : sb) : (ua < ub ? ua : ub); break;
    case FLOC_MAX: r = sgn ? (uint64_t)(sa > sb ? sa : sb) : (ua > ub ? ua : ub); break;
    case FLOC_BAND: r = ua & ub; break;
    case FLOC_BOR: r = ua | ub; break;
    case FLOC_BXOR: r = ua ^ ub; break;
    case FLOC_LAND: r = (ua != 0) && (ub != 0); break;
    case FLOC_LOR: r = (ua != 0) || (ub != 0); break;
    default: fail();
    }
    memcpy(out, &r, w);   /* truncation = wrap-around */
}

static void ref_float(floc_dtype_t dt, floc_op_t op, const unsigned char *a, const unsigned char *b,
                      unsigned char *out)
{
    if (dt == FLOC_FLOAT) {
        float x, y, r;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        r = op == FLOC_SUM ? x + y : op == FLOC_PROD ? x * y : op == FLOC_MIN ? (x < y ? x : y) : (x > y ? x : y);
        memcpy(out, &r, 4);
    } else {
        double x, y, r;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        r = op == FLOC_SUM ? x + y : op == FLOC_PROD ? x * y : op == FLOC_MIN ? (x < y ? x : y) : (x > y ? x : y);
        memcpy(out, &r, 8);
    }
}

/* pairs: value as double (exact for these small values), index int64 */
static void ref_pair(floc_dtype_t dt, floc_op_t op, const unsigned char *a, const unsigned char *b,
                     unsigned char *out)
{
    double va, vb;
    int64_t ia, ib;
    size_t off = offsetof(floc_int64_index_t, index);   /* same for every pair type */
    switch (dt) {
    case FLOC_INT32_INDEX: { int32_t x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); va = x; vb = y; break; }
    case FLOC_INT64_INDEX: { int64_t x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); va = (double)x; vb = (double)y; break; }
    case FLOC_FLOAT_INDEX: { float x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); va = x; vb = y; break; }
    default: { memcpy(&va, a, 8); memcpy(&vb, b, 8); break; }
    }
    memcpy(&ia, a + off, 8);
    memcpy(&ib, b + off, 8);
    int take_a = op == FLOC_MINLOC ? (va < vb || (va == vb && ia < ib))
                                   : (va > vb || (va == vb && ia < ib));
    memcpy(out, take_a ? a : b, (size_t)floc_dtype_size(dt));
}

/* x and y hold the same n elements: for a pair, its value and its index
 * (the padding between them is no element's: a struct copy need not
 * carry it) */
static int same_elements(const unsigned char *x, const unsigned char *y, size_t n,
                         floc_dtype_t dt, size_t es)
{
    const size_t vsize = dt == FLOC_INT32_INDEX || dt == FLOC_FLOAT_INDEX ? 4 : 8;
    for (size_t i = 0; i < n; i++, x += es, y += es) {
        if (!is_pair(dt) ? memcmp(x, y, es) != 0
                         : memcmp(x, y, vsize) != 0 || memcmp(x + es - 8, y + es - 8, 8) != 0)
            return 0;
    }
    return 1;
}

static void test_kernels(void **state)
{
    (void)state;
    for (int dt = 0; dt < FLOC_DTYPE_COUNT; dt++) {
        size_t es = (size_t)floc_dtype_size((floc_dtype_t)dt);
        for (int op = 0; op < FLOC_OP_COUNT; op++) {
            unsigned char one[64] = {0}, two[64] = {0};
            int rc = floc_reduce_local(one, two, 1, (floc_dtype_t)dt, (floc_op_t)op);
            if (!valid((floc_dtype_t)dt, (floc_op_t)op)) {
                assert_int_equal(rc, FLOC_ERR_INVALID);
                continue;
            }
            assert_int_equal(rc, 0);
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                size_t n = counts[c];
                unsigned char *in = calloc(n + 1, es), *io = calloc(n + 1, es),
                              *want = calloc(n + 1, es);
                fill(in, n, (floc_dtype_t)dt, 2 * (uint64_t)c + 1);
                fill(io, n, (floc_dtype_t)dt, 2 * (uint64_t)c + 2);
                for (size_t i = 0; i < n; i++) {
                    const unsigned char *a = in + i * es, *b = io + i * es;
                    unsigned char *w = want + i * es;
                    if (is_int((floc_dtype_t)dt))
                        ref_int((floc_dtype_t)dt, (floc_op_t)op, a, b, w);
                    else if (is_float((floc_dtype_t)dt))
                        ref_float((floc_dtype_t)dt, (floc_op_t)op, a, b, w);
                    else if (is_pair((floc_dtype_t)dt))
                        ref_pair((floc_dtype_t)dt, (floc_op_t)op, a, b, w);
                    else   /* FLOC_BYTE, bitwise */
                        w[0] = op == FLOC_BAND ? a[0] & b[0] : op == FLOC_BOR ? a[0] | b[0] : a[0] ^ b[0];
                }
                /* a sentinel past the end must stay untouched */
                memset(io + n * es, 0x5a, es);
                memset(want + n * es, 0x5a, es);
                /* the form into a third array: the same bits, other untouched */
                unsigned char *out = malloc((n + 1) * es), *other = malloc((n + 1) * es);
                memcpy(other, io, (n + 1) * es);
                memset(out, 0x5a, (n + 1) * es);
                floc_reduce_kernel_to((floc_dtype_t)dt, (floc_op_t)op)(in, other, out, n);
                assert_true(same_elements(out, want, n + 1, (floc_dtype_t)dt, es));
                assert_memory_equal(other, io, (n + 1) * es);
                free(out);
                free(other);
                assert_int_equal(floc_reduce_local(in, io, n, (floc_dtype_t)dt, (floc_op_t)op), 0);
                if (memcmp(io, want, (n + 1) * es) != 0) {
                    for (size_t i = 0; i <= n; i++)
                        if (memcmp(io + i * es, want + i * es, es))
                            fail_msg("dtype %d op %d count %zu: element %zu differs", dt, op, n, i);
                }
                free(in);
                free(io);
                free(want);
            }
        }
    }
}

static void test_checks(void **state)
{
    (void)state;
    double a = 1, b = 2;
    assert_int_equal(floc_dtype_size(FLOC_INT8), 1);
    assert_int_equal(floc_dtype_size(FLOC_DOUBLE), 8);
    assert_int_equal(floc_dtype_size(FLOC_DOUBLE_INDEX), 16);
    assert_int_equal(floc_dtype_size((floc_dtype_t)-1), FLOC_ERR_INVALID);
    assert_int_equal(floc_dtype_size(FLOC_DTYPE_COUNT), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(&a, &b, 1, (floc_dtype_t)99, FLOC_SUM), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(&a, &b, 1, FLOC_DOUBLE, (floc_op_t)99), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(&a, &b, 1, FLOC_DOUBLE, (floc_op_t)-1), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(NULL, &b, 1, FLOC_DOUBLE, FLOC_SUM), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(&a, NULL, 1, FLOC_DOUBLE, FLOC_SUM), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(NULL, NULL, 0, FLOC_DOUBLE, FLOC_SUM), 0);
    assert_int_equal(floc_reduce_local(&a, &b, SIZE_MAX / 4, FLOC_DOUBLE, FLOC_SUM), FLOC_ERR_INVALID);
    assert_int_equal(floc_reduce_local(&a, &b, 1, FLOC_DOUBLE, FLOC_SUM), 0);
    assert_true(b == 3.0);
    /* signed wrap-around, no undefined behaviour (UBSan would stop here) */
    int32_t x = INT32_MAX, y = 1;
    assert_int_equal(floc_reduce_local(&x, &y, 1, FLOC_INT32, FLOC_SUM), 0);
    assert_int_equal(y, INT32_MIN);
    int64_t p = INT64_MAX, q = 2;
    assert_int_equal(floc_reduce_local(&p, &q, 1, FLOC_INT64, FLOC_PROD), 0);
    assert_int_equal(q, -2);
}

int main(void)
{
    setenv("FLOC_LOG_LEVEL", "none", 1);
    floc_log_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels),
        cmocka_unit_test(test_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
