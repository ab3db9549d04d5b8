/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv_bench.c - partitioned vectors, OSU-style.
 *
 *   pv_bench reduce [-m min:max] [-i it] [-x warm] [-f]   any number of localities
 *       floc_pv_reduce (double, sum) of a block-distributed vector of
 *       `Size` bytes in all; the extra column is the rate over the whole
 *       vector (GB/s of elements reduced).
 *   pv_bench get|put [-m min:max] [-i it] [-x warm] [-f]   2+ localities
 *       locality 0 moves a block of `Size` bytes that lives entirely on
 *       locality 1 with floc_pv_iget/iput, WINDOW transfers in flight
 *       from one local buffer (as osu_put_bw); prints MB/s.
 *
 *   floc-run -n 2 perf/pv_bench get -m 8:4194304
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>

#include "bench_lib.h"

#define WINDOW 16

static double reduce_bench(size_t bytes, long iters, long warm, double *tmin,
                           double *tmax)
{
    size_t n = bytes / sizeof(double);
    floc_pv_t *pv;
    double start = 1.0, r = 0;
    check(floc_pv_create(ctx, n, FLOC_DOUBLE, floc_dist_block(), &pv), "floc_pv_create");
    check(floc_pv_iota(pv, &start), "floc_pv_iota");
    double total = 0, lo = 1e300, hi = 0;
    for (long i = 0; i < warm + iters; i++) {
        check(floc_barrier(ctx), "floc_barrier");
        double t0 = now_us();
        check(floc_pv_reduce(pv, FLOC_SUM, &r), "floc_pv_reduce");
        double t = now_us() - t0;
        if (i >= warm) {
            total += t;
            lo = t < lo ? t : lo;
            hi = t > hi ? t : hi;
        }
    }
    /* 1 + 2 + ... + n */
    double want = (double)n * (double)(n + 1) / 2;
    if (fabs(r - want) > 1e-12 * want) {
        fprintf(stderr, "pv_bench: reduce gave %.17g, expected %.17g\n", r, want);
        exit(1);
    }
    check(floc_pv_destroy(pv), "floc_pv_destroy");
    /* the slowest locality's view, as OSU reports the average over ranks */
    double stats[3] = {total / (double)iters, lo, hi};
    check(floc_allreduce(ctx, FLOC_IN_PLACE, stats, 3, FLOC_DOUBLE, FLOC_MAX), "floc_allreduce");
    *tmin = stats[1];
    *tmax = stats[2];
    return stats[0];
}

static void access_bench(int put, const bench_opts_t *o)
{
    const int me = rank, np = size;
    size_t nmax = o->max / sizeof(double) + 1;
    floc_pv_t *pv;
    /* every part holds at least nmax elements: locality 1's first nmax are the block */
    check(floc_pv_create(ctx, nmax * (size_t)np, FLOC_DOUBLE, floc_dist_block(), &pv), "floc_pv_create");
    size_t base;
    check(floc_pv_global_index(pv, 1, 0, &base), "floc_pv_global_index");
    double *buf = malloc(nmax * sizeof *buf);
    for (size_t i = 0; i < nmax; i++)
        buf[i] = (double)i;
    if (me == 0) {
        printf("# OSU-style floc Partitioned Vector %s Bandwidth Test (provider %s)\n",
               put ? "Put" : "Get", floc_provider_name(ctx));
        printf("# Size      Bandwidth (MB/s)\n");
    }
    floc_request_t *reqs[WINDOW];
    for (size_t bytes = o->min < 8 ? 8 : o->min; bytes <= o->max; bytes *= 2) {
        size_t cnt = bytes / sizeof(double);
        long iters = bytes > 65536 ? o->iters / 100 + 1 : o->iters / 10 + 1;
        long warm = bytes > 65536 ? 2 : o->warm / 10;
        check(floc_barrier(ctx), "floc_barrier");
        if (me == 0) {
            double t0 = 0;
            for (long i = 0; i < warm + iters; i++) {
                if (i == warm)
                    t0 = now_us();
                for (int w = 0; w < WINDOW; w++) {
                    double *b = buf;   /* one buffer for the window, as OSU */
                    if (put)
                        check(floc_pv_iput(pv, base, cnt, b, &reqs[w]), "floc_pv_iput");
                    else
                        check(floc_pv_iget(pv, base, cnt, b, &reqs[w]), "floc_pv_iget");
                }
                check(floc_waitall(WINDOW, reqs), "floc_waitall");
            }
            double us = now_us() - t0;
            printf("%-10zu%18.2f\n", bytes, (double)bytes * WINDOW * (double)iters / us);
            fflush(stdout);
        }
    }
    check(floc_pv_fence(pv), "floc_pv_fence");
    if (put && me == 1) {   /* the last window's block landed */
        double *part;
        size_t nl;
        check(floc_pv_local(pv, (void **)&part, &nl), "floc_pv_local");
        size_t last = o->max / sizeof(double);
        for (size_t i = 0; i < last; i++)
            if (part[i] != buf[i]) {
                fprintf(stderr, "pv_bench: put element %zu is wrong\n", i);
                exit(1);
            }
    }
    check(floc_pv_destroy(pv), "floc_pv_destroy");
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "reduce") && strcmp(argv[1], "get") && strcmp(argv[1], "put"))) {
        fprintf(stderr, "usage: %s reduce|get|put [-m min:max] [-i iterations] [-x warmup] [-f]\n",
                argv[0]);
        return 2;
    }
    const char *kind = argv[1];
    argv[1] = argv[0];
    argc--;
    argv++;
    bench_opts_t o = {.min = 1, .max = 1u << 22, .iters = 10000, .warm = 1000};
    if (bench_parse(argc, argv, 0, &o) || o.min == 0 || o.max < o.min || o.iters < 1 || o.warm < 0) {
        fprintf(stderr, "usage: pv_bench reduce|get|put [-m min:max] [-i iterations] [-x warmup] [-f]\n");
        return 2;
    }
    lib_init(&argc, &argv);
    const int me = rank;
    if (strcmp(kind, "reduce")) {
        if (floc_num_localities(ctx) < 2) {
            fprintf(stderr, "pv_bench %s needs 2 or more localities\n", kind);
            return 2;
        }
        access_bench(kind[0] == 'p', &o);
    } else {
        if (me == 0) {
            printf("# OSU-style floc Partitioned Vector Reduce Test (%d localities, double sum)\n",
                   floc_num_localities(ctx));
            printf("# Size       Avg Latency(us)%s   Rate (GB/s)\n",
                   o.full ? "   Min Latency(us)   Max Latency(us)  Iterations" : "");
        }
        for (size_t bytes = o.min < 8 ? 8 : o.min; bytes <= o.max; bytes *= 2) {
            long iters = bytes > 1048576 ? o.iters / 100 + 1 : o.iters / 10 + 1;
            long warm = bytes > 1048576 ? 2 : o.warm / 10 + 1;
            double lo, hi, avg = reduce_bench(bytes, iters, warm, &lo, &hi);
            if (me == 0) {
                printf("%-10zu%18.2f", bytes, avg);
                if (o.full)
                    printf("%18.2f%18.2f%12ld", lo, hi, iters);
                printf("%14.2f\n", (double)bytes / avg / 1e3);
                fflush(stdout);
            }
        }
    }
    lib_fini();
    return 0;
}
