/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_hybrid.c - MPI and floc in one program, the path by which real codes
 * move to floc: under mpirun or srun --mpi=pmix both see the same job
 * (the same rank and size), and their collectives agree.  Under floc-run
 * floc_init refuses at once, naming the launchers that work (Open MPI
 * would start every process as a job of its own there).
 */
#include <mpi.h>

#include "mp_util.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int mrank, msize;
    MPI_Comm_rank(MPI_COMM_WORLD, &mrank);
    MPI_Comm_size(MPI_COMM_WORLD, &msize);
    mp_me = mrank;
    floc_ctx_t *ctx;
    int rc = floc_init(&argc, &argv, NULL, &ctx);
    if (rc) {
        fprintf(stderr, "mp_hybrid: floc_init: %s\n", floc_strerror(rc));
        MPI_Finalize();
        return 1;
    }
    if (floc_locality_id(ctx) != mrank || floc_num_localities(ctx) != msize)
        MP_FAIL("floc sees locality %d of %d, MPI rank %d of %d", floc_locality_id(ctx),
                floc_num_localities(ctx), mrank, msize);
    /* the same sum by both, interleaved */
    for (int i = 0; i < 10; i++) {
        long v = mrank * 10 + i, fsum = -1, msum = -2;
        MP_OK(floc_allreduce(ctx, &v, &fsum, 1, FLOC_INT64, FLOC_SUM));
        MPI_Allreduce(&v, &msum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
        if (fsum != msum)
            MP_FAIL("round %d: floc's sum %ld, MPI's %ld", i, fsum, msum);
        MP_OK(floc_barrier(ctx));
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MP_OK(floc_finalize(ctx));
    MPI_Finalize();
    return mp_finish("mp_hybrid");
}
