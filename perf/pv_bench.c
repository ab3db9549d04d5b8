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
#include "perf_common.h"

#define WINDOW 16

static double reduce_bench(floc_ctx_t *ctx, size_t bytes, long iters, long warm, double *tmin,
                           double *tmax)
{
    size_t n = bytes / sizeof(double);
    floc_pv_t *pv;
    double start = 1.0, r = 0;
    PERF_CHECK(floc_pv_create(ctx, n, FLOC_DOUBLE, floc_dist_block(), &pv));
    PERF_CHECK(floc_pv_iota(pv, &start));
    double total = 0, lo = 1e300, hi = 0;
    for (long i = 0; i < warm + iters; i++) {
        PERF_CHECK(floc_barrier(ctx));
        double t0 = perf_now_us();
        PERF_CHECK(floc_pv_reduce(pv, FLOC_SUM, &r));
        double t = perf_now_us() - t0;
        if (i >= warm) {
            total += t;
            lo = t < lo ? t : lo;
            hi = t > hi ? t : hi;
        }
    }
    /* 1 + 2 + ... + n */
    double want = (double)n * (double)(n + 1) / 2;
    if (r != want && (r - want) / want > 1e-12) {
        fprintf(stderr, "pv_bench: reduce gave %.17g, expected %.17g\n", r, want);
        exit(1);
    }
    PERF_CHECK(floc_pv_destroy(pv));
    /* the slowest locality's view, as OSU reports the average over ranks */
    double stats[3] = {total / (double)iters, lo, hi};
    PERF_CHECK(floc_allreduce(ctx, FLOC_IN_PLACE, stats, 3, FLOC_DOUBLE, FLOC_MAX));
    *tmin = stats[1];
    *tmax = stats[2];
    return stats[0];
}

static void access_bench(floc_ctx_t *ctx, int put, const perf_opts_t *o)
{
    const int me = floc_locality_id(ctx), np = floc_num_localities(ctx);
    size_t nmax = o->max_size / sizeof(double) + 1;
    floc_pv_t *pv;
    /* every part holds at least nmax elements: locality 1's first nmax are the block */
    PERF_CHECK(floc_pv_create(ctx, nmax * (size_t)np, FLOC_DOUBLE, floc_dist_block(), &pv));
    size_t base;
    PERF_CHECK(floc_pv_global_index(pv, 1, 0, &base));
    double *buf = malloc(nmax * sizeof *buf);
    for (size_t i = 0; i < nmax; i++)
        buf[i] = (double)i;
    if (me == 0) {
        printf("# OSU-style floc Partitioned Vector %s Bandwidth Test (provider %s)\n",
               put ? "Put" : "Get", floc_provider_name(ctx));
        printf("# Size      Bandwidth (MB/s)\n");
    }
    floc_request_t *reqs[WINDOW];
    for (size_t size = o->min_size < 8 ? 8 : o->min_size; size <= o->max_size; size *= 2) {
        size_t cnt = size / sizeof(double);
        long iters = size > 65536 ? o->iterations / 100 + 1 : o->iterations / 10 + 1;
        long warm = size > 65536 ? 2 : o->warmup / 10;
        PERF_CHECK(floc_barrier(ctx));
        if (me == 0) {
            double t0 = 0;
            for (long i = 0; i < warm + iters; i++) {
                if (i == warm)
                    t0 = perf_now_us();
                for (int w = 0; w < WINDOW; w++) {
                    double *b = buf;   /* one buffer for the window, as OSU */
                    if (put)
                        PERF_CHECK(floc_pv_iput(pv, base, cnt, b, &reqs[w]));
                    else
                        PERF_CHECK(floc_pv_iget(pv, base, cnt, b, &reqs[w]));
                }
                PERF_CHECK(floc_waitall(WINDOW, reqs));
            }
            double us = perf_now_us() - t0;
            printf("%-10zu%18.2f\n", size, (double)size * WINDOW * (double)iters / us);
            fflush(stdout);
        }
    }
    PERF_CHECK(floc_pv_fence(pv));
    if (put && me == 1) {   /* the last window's block landed */
        double *part;
        size_t nl;
        PERF_CHECK(floc_pv_local(pv, (void **)&part, &nl));
        size_t last = o->max_size / sizeof(double);
        for (size_t i = 0; i < last; i++)
            if (part[i] != buf[i]) {
                fprintf(stderr, "pv_bench: put element %zu is wrong\n", i);
                exit(1);
            }
    }
    PERF_CHECK(floc_pv_destroy(pv));
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
    perf_opts_t o;
    perf_parse(argc, argv, &o, 1u << 22);
    floc_ctx_t *ctx;
    PERF_CHECK(floc_init(&argc, &argv, NULL, &ctx));
    const int me = floc_locality_id(ctx);
    if (strcmp(kind, "reduce")) {
        if (floc_num_localities(ctx) < 2) {
            fprintf(stderr, "pv_bench %s needs 2 or more localities\n", kind);
            return 2;
        }
        access_bench(ctx, kind[0] == 'p', &o);
    } else {
        if (me == 0) {
            printf("# OSU-style floc Partitioned Vector Reduce Test (%d localities, double sum)\n",
                   floc_num_localities(ctx));
            printf("# Size       Avg Latency(us)%s   Rate (GB/s)\n",
                   o.full ? "   Min Latency(us)   Max Latency(us)  Iterations" : "");
        }
        for (size_t size = o.min_size < 8 ? 8 : o.min_size; size <= o.max_size; size *= 2) {
            long iters = size > 1048576 ? o.iterations / 100 + 1 : o.iterations / 10 + 1;
            long warm = size > 1048576 ? 2 : o.warmup / 10 + 1;
            double lo, hi, avg = reduce_bench(ctx, size, iters, warm, &lo, &hi);
            if (me == 0) {
                printf("%-10zu%18.2f", size, avg);
                if (o.full)
                    printf("%18.2f%18.2f%12ld", lo, hi, iters);
                printf("%14.2f\n", (double)size / avg / 1e3);
                fflush(stdout);
            }
        }
    }
    PERF_CHECK(floc_finalize(ctx));
    return 0;
}
