/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pv_dist.c - the index maps of partitioned vectors, exhaustively on
 * small shapes (n 0..40, p 1..9, block, block by rows of 2..5, cyclic,
 * block-cyclic b 1..7)
 * against the definitions in floc.h written out independently here, plus
 * spot checks of shapes above 2^32 elements, and the reduction identities
 * the algorithms start from.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "floc.h"
#include "pv/dist.h"
#include "coll/kernels.h"

/* The definitions: owner and local index of g. */
static void ref_owner(size_t n, int p, floc_dist_t d, size_t g, int *k, size_t *l)
{
    if (d.kind == FLOC_DIST_BLOCK) {
        /* walk the blocks: sizes ceil(rows/p) rows for the first rows % p,
         * then floor; a row is d.block elements (0: 1) */
        const size_t row = d.block ? d.block : 1, rows = n / row;
        size_t start = 0;
        for (int i = 0; i < p; i++) {
            size_t len = row * (rows / (size_t)p + ((size_t)i < rows % (size_t)p));
            if (g < start + len) {
                *k = i;
                *l = g - start;
                return;
            }
            start += len;
        }
        fail_msg("g %zu past n %zu", g, n);
    }
    size_t b = d.kind == FLOC_DIST_CYCLIC ? 1 : d.block;
    *k = (int)((g / b) % (size_t)p);
    *l = (g / (b * (size_t)p)) * b + g % b;
}

static void check_shape(size_t n, int p, floc_dist_t d)
{
    floc_dist_map_t m;
    assert_int_equal(floc_dist_map_init(&m, n, p, d), 0);
    size_t *count = calloc((size_t)p, sizeof *count);
    size_t *last = calloc((size_t)p, sizeof *last);
    assert_non_null(count);
    for (size_t g = 0; g < n; g++) {
        int k, rk;
        size_t l, rl;
        ref_owner(n, p, d, g, &rk, &rl);
        floc_dist_owner(&m, g, &k, &l);
        assert_int_equal(k, rk);
        assert_int_equal(l, rl);
        /* parts are filled in global order, densely */
        assert_int_equal(l, count[k]);
        count[k]++;
        assert_int_equal(floc_dist_global(&m, k, l), g);
        for (int j = 0; j < p; j++) {
            /* below(j, g): elements of j before g */
            assert_int_equal(floc_dist_below(&m, j, g), count[j] - (j == k));
        }
    }
    size_t total = 0;
    for (int k = 0; k < p; k++) {
        assert_int_equal(floc_dist_local_count(&m, k), count[k]);
        assert_int_equal(floc_dist_below(&m, k, n), count[k]);
        total += count[k];
        if (d.kind == FLOC_DIST_BLOCK) {
            /* floor or ceil rows, the longer ones first, whole rows */
            const size_t row = d.block ? d.block : 1, rows = n / row;
            assert_true(count[k] % row == 0);
            assert_true(count[k] / row == rows / (size_t)p ||
                        count[k] / row == rows / (size_t)p + 1);
            if (k)
                assert_true(count[k] <= count[k - 1]);
        }
    }
    assert_int_equal(total, n);
    /* the owners of every range are exactly those listed */
    for (size_t a = 0; a < n; a++) {
        for (size_t c = 1; a + c <= n; c++) {
            int k0, nk;
            floc_dist_range_owners(&m, a, c, &k0, &nk);
            assert_true(nk >= 1 && nk <= p);
            memset(last, 0, (size_t)p * sizeof *last);
            for (size_t g = a; g < a + c; g++) {
                int k;
                size_t l;
                ref_owner(n, p, d, g, &k, &l);
                last[k] = 1;
            }
            for (int i = 0; i < p; i++) {
                int listed = ((i - k0 + p) % p) < nk;
                assert_int_equal(listed, (int)last[i]);
            }
        }
    }
    free(count);
    free(last);
}

static void test_small_shapes(void **state)
{
    (void)state;
    for (int p = 1; p <= 9; p++) {
        for (size_t n = 0; n <= 40; n++) {
            check_shape(n, p, floc_dist_block());
            for (size_t row = 2; row <= 5; row++) {
                if (n % row == 0) {
                    check_shape(n, p, floc_dist_block_rows(row));
                } else {
                    floc_dist_map_t m;   /* not whole rows: refused */
                    assert_int_equal(floc_dist_map_init(&m, n, p, floc_dist_block_rows(row)),
                                     FLOC_ERR_INVALID);
                }
            }
            check_shape(n, p, floc_dist_cyclic());
            for (size_t b = 1; b <= 7; b++)
                check_shape(n, p, floc_dist_block_cyclic(b));
        }
    }
}

/* Above 2^32: round trips and counts near the edges. */
static void test_huge(void **state)
{
    (void)state;
    const size_t n = (1ull << 33) + 4;   /* whole rows of 3 too */
    const int ps[] = {1, 3, 7, 1000};
    const floc_dist_t ds[] = {floc_dist_block(), floc_dist_block_rows(3), floc_dist_cyclic(),
                              floc_dist_block_cyclic(4096),
                              floc_dist_block_cyclic(1ull << 31)};
    const size_t gs[] = {0, 1, (1ull << 32) - 1, 1ull << 32, (1ull << 32) + 1, n / 2, n - 2, n - 1};
    for (size_t pi = 0; pi < sizeof ps / sizeof *ps; pi++) {
        for (size_t di = 0; di < sizeof ds / sizeof *ds; di++) {
            floc_dist_map_t m;
            assert_int_equal(floc_dist_map_init(&m, n, ps[pi], ds[di]), 0);
            size_t total = 0;
            for (int k = 0; k < ps[pi]; k++)
                total += floc_dist_local_count(&m, k);
            assert_true(total == n);
            for (size_t gi = 0; gi < sizeof gs / sizeof *gs; gi++) {
                int k, rk;
                size_t l, rl;
                floc_dist_owner(&m, gs[gi], &k, &l);
                ref_owner(n, ps[pi], ds[di], gs[gi], &rk, &rl);
                assert_int_equal(k, rk);
                assert_true(l == rl);
                assert_true(floc_dist_global(&m, k, l) == gs[gi]);
                assert_true(floc_dist_below(&m, k, gs[gi]) == l);
                assert_true(floc_dist_below(&m, k, gs[gi] + 1) == l + 1);
            }
        }
    }
}

static void test_bad_maps(void **state)
{
    (void)state;
    floc_dist_map_t m;
    assert_int_equal(floc_dist_map_init(&m, 10, 4, floc_dist_block_cyclic(0)), FLOC_ERR_INVALID);
    assert_int_equal(floc_dist_map_init(&m, 10, 0, floc_dist_block()), FLOC_ERR_INVALID);
    floc_dist_t bad = {(floc_dist_kind_t)7, 0};
    assert_int_equal(floc_dist_map_init(&m, 10, 4, bad), FLOC_ERR_INVALID);
    /* b * p does not fit */
    assert_int_equal(floc_dist_map_init(&m, 10, 4, floc_dist_block_cyclic(SIZE_MAX / 2)),
                     FLOC_ERR_INVALID);
}

/* x op identity == x, for every valid pair, on a few values */
static void test_identities(void **state)
{
    (void)state;
    const double samples[] = {0.0, -0.0, 1.0, -3.5, 100.0, 7.0};
    for (int dt = 0; dt < FLOC_DTYPE_COUNT; dt++) {
        for (int op = 0; op < FLOC_OP_COUNT; op++) {
            floc_reduce_fn fn = floc_reduce_kernel((floc_dtype_t)dt, (floc_op_t)op);
            unsigned char id[16], x[16], y[16];
            if (!fn) {
                assert_int_equal(floc_reduce_identity((floc_dtype_t)dt, (floc_op_t)op, id),
                                 FLOC_ERR_INVALID);
                continue;
            }
            assert_int_equal(floc_reduce_identity((floc_dtype_t)dt, (floc_op_t)op, id), 0);
            size_t es = (size_t)floc_dtype_size((floc_dtype_t)dt);
            for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
                memset(x, 0, sizeof x);
                switch (dt) {
                case FLOC_FLOAT: { float f = (float)samples[s]; memcpy(x, &f, 4); break; }
                case FLOC_DOUBLE: memcpy(x, &samples[s], 8); break;
                case FLOC_FLOAT_INDEX: {
                    floc_float_index_t v = {(float)samples[s], (int64_t)s};
                    memcpy(x, &v, sizeof v);
                    break;
                }
                case FLOC_DOUBLE_INDEX: {
                    floc_double_index_t v = {samples[s], (int64_t)s};
                    memcpy(x, &v, sizeof v);
                    break;
                }
                case FLOC_INT32_INDEX: {
                    floc_int32_index_t v = {(int32_t)samples[s], (int64_t)s};
                    memcpy(x, &v, sizeof v);
                    break;
                }
                case FLOC_INT64_INDEX: {
                    floc_int64_index_t v = {(int64_t)samples[s], (int64_t)s};
                    memcpy(x, &v, sizeof v);
                    break;
                }
                default: {
                    /* integers: bit patterns from the sample, incl. negative */
                    int64_t v = (int64_t)samples[s] * 37 - 11;
                    if (op == FLOC_LAND || op == FLOC_LOR)
                        v = samples[s] != 0.0;   /* logical results are 0 or 1 */
                    memcpy(x, &v, es);   /* little endian: the low bytes */
                }
                }
                memcpy(y, x, es);
                fn(id, y, 1);     /* y = id op x */
                if (dt == FLOC_FLOAT_INDEX || dt == FLOC_DOUBLE_INDEX ||
                    dt == FLOC_INT32_INDEX || dt == FLOC_INT64_INDEX) {
                    /* the value part and index survive (padding may not) */
                    assert_memory_equal(x, y, dt == FLOC_INT32_INDEX || dt == FLOC_FLOAT_INDEX ? 4 : 8);
                    assert_memory_equal(x + 8, y + 8, 8);
                } else {
                    assert_memory_equal(x, y, es);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_shapes),
        cmocka_unit_test(test_huge),
        cmocka_unit_test(test_bad_maps),
        cmocka_unit_test(test_identities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
