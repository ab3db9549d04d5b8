/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * profile_cost.c - what FLOC_PROFILE adds to one call, to the nanosecond:
 * a singleton's loop of 8-byte allreduces (floc's whole call path, no
 * peer to wait for, so the run-to-run noise of a job does not hide a few
 * nanoseconds).  perf/profile_overhead.sh runs it with the profile off
 * and on.
 *
 *   FLOC_PROFILE=summary ./profile_cost [calls]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <floc.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const long calls = argc > 1 ? atol(argv[1]) : 5000000;
    floc_ctx_t *ctx;
    int ret = floc_init(NULL, NULL, NULL, &ctx);
    if (ret) {
        fprintf(stderr, "profile_cost: floc_init: %s\n", floc_strerror(ret));
        return 1;
    }
    double x = 1, y = 0;
    for (long i = 0; i < calls / 10; i++)   /* warm */
        ret |= floc_allreduce(ctx, &x, &y, 1, FLOC_DOUBLE, FLOC_SUM);
    const double t0 = now();
    for (long i = 0; i < calls; i++)
        ret |= floc_allreduce(ctx, &x, &y, 1, FLOC_DOUBLE, FLOC_SUM);
    const double t1 = now();
    printf("%.2f\n", (t1 - t0) / (double)calls * 1e9);
    ret |= floc_finalize(ctx);
    return ret != 0;
}
