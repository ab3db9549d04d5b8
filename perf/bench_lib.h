/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_lib.h - what the benchmarks compiled twice (floc_* and, with
 * -DUSE_MPI, mpi_*) share: the library's name, rank and size, start,
 * stop and barrier, the clock and the OSU options.  Each program adds
 * the calls it measures.
 */
#ifndef FLOC_BENCH_LIB_H
#define FLOC_BENCH_LIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int rank, size;

/* Monotonic microseconds: the benchmarks' clock. */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The OSU options: -m [min:]max, -i iterations, -x warm-up iterations,
 * -f full output, -c validate; plus `extra` (one letter, 0 for none), a
 * benchmark's own option with an integer value.  Fields keep the
 * caller's defaults when not given.  0, or -1 on an unknown option. */
typedef struct bench_opts {
    size_t min, max;
    long iters, warm;
    int full, validate;
    int extra;
} bench_opts_t;

static int bench_parse(int argc, char **argv, char extra, bench_opts_t *o)
{
    char spec[16] = "m:i:x:fc";
    if (extra) {
        size_t n = strlen(spec);
        spec[n] = extra;
        spec[n + 1] = ':';
        spec[n + 2] = '\0';
    }
    int c;
    while ((c = getopt(argc, argv, spec)) != -1) {
        if (c == 'm') {
            char *colon = strchr(optarg, ':');
            o->min = colon ? strtoull(optarg, NULL, 10) : o->min;
            o->max = strtoull(colon ? colon + 1 : optarg, NULL, 10);
        } else if (c == 'i') {
            o->iters = atol(optarg);
        } else if (c == 'x') {
            o->warm = atol(optarg);
        } else if (c == 'f') {
            o->full = 1;
        } else if (c == 'c') {
            o->validate = 1;
        } else if (extra && c == extra) {
            o->extra = atoi(optarg);
        } else {
            return -1;
        }
    }
    return 0;
}

#ifdef USE_MPI
#include <mpi.h>
#define LIB "MPI"
static void lib_init(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
}
static void lib_fini(void) { MPI_Finalize(); }
static inline void lib_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }
#else
#include <floc.h>
#define LIB "floc"
static floc_ctx_t *ctx;
static void check(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "%s: %s\n", what, floc_strerror(rc));
        exit(1);
    }
}
static void lib_init(int *argc, char ***argv)
{
    check(floc_init(argc, argv, NULL, &ctx), "floc_init");
    rank = floc_locality_id(ctx);
    size = floc_num_localities(ctx);
}
static void lib_fini(void) { check(floc_finalize(ctx), "floc_finalize"); }
static inline void lib_barrier(void) { check(floc_barrier(ctx), "floc_barrier"); }
#endif

#endif
