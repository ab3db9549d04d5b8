/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * overlap_bench.c - OSU-style nonblocking allreduce with the overlap
 * measure of osu_iallreduce: one timing loop compiled against floc
 * (floc_overlap_bench) and MPI (mpi_overlap_bench).
 *
 * For each size: the pure communication time (iallreduce + wait), then
 * the same with a busy computation of that length between the two calls;
 * overlap = 100 - 100 (overall - compute) / pure, at least 0.  With
 * floc's default inline progress nothing moves during the computation
 * unless it calls floc; FLOC_PROGRESS=thread moves it in the background.
 * -t N calls floc_test / MPI_Test N times spread over the computation.
 *
 *   floc-run -n N perf/floc_overlap_bench [-m min:max] [-i iters] [-x warmup] [-f] [-t N] [-c]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_lib.h"


#ifdef USE_MPI
static MPI_Request req;
static void lib_start(const double *s, double *r, size_t n)
{
    MPI_Iallreduce(s, r, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &req);
}
static void lib_test(void)
{
    int flag;
    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
}
static void lib_wait(void) { MPI_Wait(&req, MPI_STATUS_IGNORE); }
static void lib_avg(double *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < n; i++)
        v[i] /= size;
}
#else
static floc_request_t *req;
static int req_done;
static void lib_start(const double *s, double *r, size_t n)
{
    req_done = 0;
    check(floc_iallreduce(ctx, s, r, n, FLOC_DOUBLE, FLOC_SUM, &req), "floc_iallreduce");
}
static void lib_test(void)
{
    if (!req_done)
        check(floc_test(req, &req_done), "floc_test");
}
static void lib_wait(void)
{
    if (!req_done)
        check(floc_wait(req), "floc_wait");
}
static void lib_avg(double *v, int n)
{
    check(floc_allreduce(ctx, FLOC_IN_PLACE, v, (size_t)n, FLOC_DOUBLE, FLOC_SUM), "floc_allreduce");
    for (int i = 0; i < n; i++)
        v[i] /= size;
}
#endif

/* busy for `us` microseconds, testing `tests` times on the way */
static void compute(double us, int tests)
{
    double t0 = now_us(), next = tests ? us / tests : 2 * us;
    volatile double x = 1.0;
    while (now_us() - t0 < us) {
        for (int i = 0; i < 64; i++)
            x = x * 1.0000001 + 1e-9;
        if (tests && now_us() - t0 >= next) {
            lib_test();
            next += us / tests;
        }
    }
}

int main(int argc, char **argv)
{
    lib_init(&argc, &argv);
    bench_opts_t o = {.min = 8, .max = 1u << 20, .iters = 1000, .warm = 100};
    if (bench_parse(argc, argv, 't', &o)) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [-m min:max] [-i iters] [-x warmup] [-f] [-t tests] [-c]\n",
                    argv[0]);
        lib_fini();
        return 2;
    }
    size_t min = o.min, max = o.max;
    long iters = o.iters, warm = o.warm;
    int full = o.full, tests = o.extra, validate = o.validate;
    if (min < sizeof(double))
        min = sizeof(double);
    if (max < min || iters < 1 || warm < 0) {
        lib_fini();
        return 2;
    }
    const size_t nmax = max / sizeof(double);
    double *s = malloc(nmax * sizeof *s), *r = malloc(nmax * sizeof *r);
    for (size_t j = 0; j < nmax; j++)
        s[j] = (double)((rank * 3 + (int)(j % 61)) % 17);
    if (rank == 0) {
        printf("# OSU-style %s Non-blocking Allreduce Latency Test (%d localities)\n", LIB, size);
        printf("# Overall = Coll. Init + Compute + MPI_Test + MPI_Wait\n");
        printf("# Size           Overall(us)       Compute(us)    Pure Comm.(us)        Overlap(%%)%s%s\n",
               full ? "   Iterations" : "", validate ? "  Validation" : "");
    }
    int failures = 0;
    for (size_t bytes = min; bytes <= max; bytes *= 2) {
        const size_t n = bytes / sizeof(double);
        long it = bytes > (1u << 20) ? iters / 10 + 1 : iters;
        /* pure communication */
        double pure = 0, overall = 0, cpu = 0;
        lib_barrier();
        for (long i = 0; i < warm + it; i++) {
            double t0 = now_us();
            lib_start(s, r, n);
            lib_wait();
            if (i >= warm)
                pure += now_us() - t0;
        }
        pure /= (double)it;
        /* the same with a computation as long as that in the middle */
        lib_barrier();
        for (long i = 0; i < warm + it; i++) {
            double t0 = now_us();
            lib_start(s, r, n);
            double tc = now_us();
            compute(pure, tests);
            double tcpu = now_us() - tc;
            lib_wait();
            if (i >= warm) {
                overall += now_us() - t0;
                cpu += tcpu;
            }
        }
        overall /= (double)it;
        cpu /= (double)it;
        int ok = 1;
        for (size_t j = 0; validate && j < n; j++) {
            double want = 0;
            for (int q = 0; q < size; q++)
                want += (double)((q * 3 + (int)(j % 61)) % 17);
            ok &= r[j] == want;
        }
        double v[4] = {overall, cpu, pure, ok};
        lib_avg(v, 4);
        failures += v[3] < 1.0;
        double overlap = 100.0 - 100.0 * (v[0] - v[1]) / v[2];
        if (rank == 0) {
            printf("%-10zu%18.2f%18.2f%18.2f%18.2f", bytes, v[0], v[1], v[2],
                   overlap < 0 ? 0.0 : overlap);
            if (full)
                printf("%13ld", it);
            if (validate)
                printf("%12s", v[3] >= 1.0 ? "Pass" : "Fail");
            printf("\n");
            fflush(stdout);
        }
    }
    free(s);
    free(r);
    lib_fini();
    return failures ? 1 : 0;
}
