/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_mismatch.c - localities that call collectives differently get
 * FLOC_ERR_MISMATCH on every locality (with the difference logged), and
 * stay in step for the correct calls after it.
 *
 *   floc-run -n N mp_mismatch check   (FLOC_CHECK=1: every kind of mistake)
 *   floc-run -n N mp_mismatch free    (no FLOC_CHECK, one node: what the
 *                                      node segment catches for nothing)
 */
#include <string.h>

#include "mp_util.h"

static floc_ctx_t *ctx;
static int me, n, check;

/* after a mismatch: a correct allreduce still gives the right sum */
static void still_in_step(void)
{
    long v = me + 1, sum = 0;
    MP_OK(floc_allreduce(ctx, &v, &sum, 1, FLOC_INT64, FLOC_SUM));
    if (sum != (long)n * (n + 1) / 2)
        MP_FAIL("allreduce after a mismatch gave %ld", sum);
}

static void kinds_differ(void)
{
    double buf[4] = {1, 2, 3, 4}, out[4];
    int ret = me == 0 ? floc_broadcast(ctx, buf, 4, FLOC_DOUBLE, 0)
                      : floc_allreduce(ctx, buf, out, 4, FLOC_DOUBLE, FLOC_SUM);
    /* without FLOC_CHECK the root of a broadcast reads nothing: the
     * others (which read its contribution) are the ones to see it */
    if (check || me != 0)
        MP_EXPECT(FLOC_ERR_MISMATCH, ret);
    still_in_step();
}

static void counts_differ(void)
{
    double buf[8] = {0}, out[8];
    MP_EXPECT(FLOC_ERR_MISMATCH, floc_allreduce(ctx, buf, out, me == n - 1 ? 7 : 8, FLOC_DOUBLE,
                                                FLOC_SUM));
    still_in_step();
}

static void roots_differ(void)
{
    int x = me;
    MP_EXPECT(FLOC_ERR_MISMATCH, floc_broadcast(ctx, &x, 1, FLOC_INT32, me == 0 ? 0 : n - 1));
    still_in_step();
}

static void dtypes_and_ops_differ(void)
{
    int32_t a = 1, r;
    MP_EXPECT(FLOC_ERR_MISMATCH, floc_allreduce(ctx, &a, &r, 1, me == 0 ? FLOC_UINT32 : FLOC_INT32,
                                                FLOC_SUM));
    still_in_step();
    MP_EXPECT(FLOC_ERR_MISMATCH, floc_allreduce(ctx, &a, &r, 1, FLOC_INT32,
                                                me == 0 ? FLOC_MAX : FLOC_SUM));
    still_in_step();
}

/* gatherv: the root's counts say 2 for the last locality, which gives 3 */
/* a gather too large for the node segment: the root's receives are
 * exact, so a longer block is truncated and a shorter one is short: both
 * reported (no hang inside the provider, no silent garbage) */
static void gather_counts_differ(int longer)
{
    const size_t count = 20000;   /* 160 KB blocks: over the fabric */
    double *mine = calloc(count + 1, sizeof *mine), *all = calloc(count * (size_t)n, sizeof *all);
    if (!mine || !all)
        exit(1);
    const size_t my = me == n - 1 ? (longer ? count + 1 : count - 1) : count;
    int ret = floc_gather(ctx, mine, all, my, FLOC_DOUBLE, 0);
    if (me == 0 && ret != FLOC_ERR_TRUNCATED && ret != FLOC_ERR_MISMATCH)
        MP_FAIL("a gather with a %s block at the root returned %d (%s)", longer ? "longer" : "shorter",
                ret, floc_strerror(ret));
    still_in_step();
    free(mine);
    free(all);
}

static void vcounts_differ(void)
{
    size_t *counts = calloc((size_t)n, sizeof *counts), *displs = calloc((size_t)n, sizeof *displs);
    int32_t *all = calloc((size_t)n * 4, sizeof *all), mine[3] = {me, me, me};
    if (!counts || !displs || !all)
        exit(1);
    for (int q = 0; q < n; q++) {
        counts[q] = 2;
        displs[q] = (size_t)q * 4;
    }
    const size_t my = me == n - 1 ? 3 : 2;
    MP_EXPECT(FLOC_ERR_MISMATCH, floc_gatherv(ctx, mine, my, all, counts, displs, FLOC_INT32, 0));
    still_in_step();
    free(counts);
    free(displs);
    free(all);
}

int main(int argc, char **argv)
{
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    check = argc > 1 && strcmp(argv[1], "check") == 0;
    if (n < 2) {
        fprintf(stderr, "mp_mismatch needs 2 or more localities\n");
        return 2;
    }
    kinds_differ();
    counts_differ();
    gather_counts_differ(1);
    gather_counts_differ(0);
    if (check) {
        roots_differ();
        dtypes_and_ops_differ();
        vcounts_differ();
    }
    MP_OK(floc_finalize(ctx));
    return mp_finish(check ? "mp_mismatch check" : "mp_mismatch free");
}
