/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * footprint.c - memory each locality holds after a typical start: init,
 * then allreduces of 8 B, 64 KiB and 1 MiB and a ring of 64 KiB and
 * 1 MiB messages (so every path has been used once), compiled twice like
 * the other benchmarks (floc_footprint, mpi_footprint).  Reported, from
 * /proc/self/status, averaged and maxed over localities: resident memory
 * (VmRSS) split into private (RssAnon), file-backed (RssFile: libraries)
 * and shared (RssShmem: the pages of shared segments this process has
 * touched, counted again in every process that touched them).
 *
 *   floc-run -n N ./floc_footprint      mpirun -np N ./mpi_footprint
 *
 * perf/footprint.sh runs both at 2, 8 and 32 localities.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_lib.h"

#ifdef USE_MPI
static void allreduce(const double *s, double *r, int n, int max)
{
    MPI_Allreduce(s, r, n, MPI_DOUBLE, max ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD);
}
static void exchange(void *s, void *r, size_t n, int to, int from)
{
    MPI_Sendrecv(s, (int)n, MPI_BYTE, to, 5, r, (int)n, MPI_BYTE, from, 5, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
}
#else
static void allreduce(const double *s, double *r, int n, int max)
{
    check(floc_allreduce(ctx, s, r, (size_t)n, FLOC_DOUBLE, max ? FLOC_MAX : FLOC_SUM),
          "floc_allreduce");
}
static void exchange(void *s, void *r, size_t n, int to, int from)
{
    floc_request_t *q;
    check(floc_irecv(ctx, r, n, from, 5, NULL, &q), "floc_irecv");
    check(floc_send(ctx, s, n, to, 5), "floc_send");
    check(floc_wait(q), "floc_wait");
}
#endif

/* a "Field:   123 kB" line of a /proc/self file, in KiB */
static double kib_in(const char *file, const char *field)
{
    FILE *f = fopen(file, "r");
    char line[256];
    double v = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0)
            v = strtod(line + strlen(field), NULL);
    if (f)
        fclose(f);
    return v;
}

static double kib(const char *field) { return kib_in("/proc/self/status", field); }

int main(int argc, char **argv)
{
    const double t0 = now_us();
    lib_init(&argc, &argv);
    bench_opts_t o = {0};
    if (bench_parse(argc, argv, 0, &o)) {
        if (rank == 0)
            fprintf(stderr, "usage: %s (no options)\n", argv[0]);
        lib_fini();
        return 2;
    }
    const size_t big = (size_t)1 << 20;
    double *a = calloc(big / sizeof(double), sizeof(double));
    double *b = calloc(big / sizeof(double), sizeof(double));
    if (!a || !b)
        return 1;
    for (int i = 0; i < 100; i++)
        allreduce(a, b, 1, 0);
    for (int i = 0; i < 10; i++) {
        allreduce(a, b, 65536 / sizeof(double), 0);
        allreduce(a, b, (int)(big / sizeof(double)), 0);
        exchange(a, b, 65536, (rank + 1) % size, (rank + size - 1) % size);
        exchange(a, b, big, (rank + 1) % size, (rank + size - 1) % size);
    }
    lib_barrier();
    /* and proportionally (PSS): a page shared by k processes counts 1/k
     * in each, so the node's localities add up to what the node holds */
    const char *roll = "/proc/self/smaps_rollup";
    const double mine[6] = {kib("VmRSS:"),           kib("RssAnon:"),
                            kib("RssFile:"),         kib("RssShmem:"),
                            kib_in(roll, "Pss:"),    kib_in(roll, "Pss_Shmem:")};
    double sum[6], max[6];
    allreduce(mine, sum, 6, 0);
    allreduce(mine, max, 6, 1);
    if (rank == 0)
        printf("%s footprint, %d localities, MiB per locality (average / max): resident %.1f / "
               "%.1f, private %.1f / %.1f, files %.1f / %.1f, shared %.1f / %.1f; "
               "proportional %.1f / %.1f, of it shared %.1f / %.1f (%.2f s)\n",
               LIB, size, sum[0] / size / 1024, max[0] / 1024, sum[1] / size / 1024,
               max[1] / 1024, sum[2] / size / 1024, max[2] / 1024, sum[3] / size / 1024,
               max[3] / 1024, sum[4] / size / 1024, max[4] / 1024, sum[5] / size / 1024,
               max[5] / 1024, (now_us() - t0) / 1e6);
    free(a);
    free(b);
    lib_fini();
    return 0;
}
