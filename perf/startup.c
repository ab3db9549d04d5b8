/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * startup.c - the least a job does: init, then finalize, compiled twice
 * like the other benchmarks (floc_startup, mpi_startup), so that timing
 * the whole launch command measures start-up and tear-down alone.
 *
 *   floc-run -n N ./floc_startup      mpirun -np N ./mpi_startup
 *
 * perf/startup.sh times both, alternating, at 2 and 8 localities.
 */
#include <stdio.h>

#ifdef USE_MPI
#include <mpi.h>

int main(int argc, char **argv)
{
    int rank = -1, size = 0;
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank < 0 || rank >= size)
        fprintf(stderr, "MPI: rank %d of %d\n", rank, size);
    return MPI_Finalize() != MPI_SUCCESS || rank < 0 || rank >= size;
}
#else
#include <floc.h>

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    int rc = floc_init(&argc, &argv, NULL, &ctx);
    if (rc) {
        fprintf(stderr, "floc_init: %s\n", floc_strerror(rc));
        return 1;
    }
    const int me = floc_locality_id(ctx), n = floc_num_localities(ctx);
    if (me < 0 || me >= n)
        fprintf(stderr, "floc: locality %d of %d\n", me, n);
    rc = floc_finalize(ctx);
    if (rc)
        fprintf(stderr, "floc_finalize: %s\n", floc_strerror(rc));
    return rc != 0 || me < 0 || me >= n;
}
#endif
