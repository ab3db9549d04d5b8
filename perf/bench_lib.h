/*
 * bench_lib.h - what the benchmarks compiled twice (floc_* and, with
 * -DUSE_MPI, mpi_*) share: the library's name, rank and size, start,
 * stop and barrier.  Each program adds the calls it measures.
 */
#ifndef FLOC_BENCH_LIB_H
#define FLOC_BENCH_LIB_H

#include <stdio.h>
#include <stdlib.h>

static int rank, size;

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
