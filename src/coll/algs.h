/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * algs.h - the algorithm table: one row per algorithm, its kind, the
 * name FLOC_<COLL>_ALGO knows it by, its step function and its flags
 * (coll.h).  The rows declare the step functions here and fill the table
 * in select.c: a new algorithm is one file and one row.  The order of a
 * kind's rows is the order floc-info and the docs list them in; which
 * one a call gets is the rules' business (select.c).  Internal.
 */
#ifndef FLOC_COLL_ALGS_H
#define FLOC_COLL_ALGS_H

#include "coll.h"

#define FLOC_COLL_ALGS(X)                                                                       \
    X(BARRIER, "dissemination", floc_barrier_dissemination, FLOC_ALG_NO_SYNC)                   \
    X(BARRIER, "shm", floc_shm_barrier, FLOC_ALG_SEGMENT | FLOC_ALG_NO_SYNC)                    \
    X(BARRIER, "hierarchical", floc_barrier_hier, FLOC_ALG_HIER | FLOC_ALG_NO_SYNC)             \
    X(BCAST, "binomial", floc_bcast_binomial, 0)                                                \
    X(BCAST, "scatter_allgather", floc_bcast_scatter_allgather, 0)                              \
    X(BCAST, "shm", floc_shm_bcast, FLOC_ALG_SEGMENT)                                           \
    X(BCAST, "shm_pipeline", floc_shm_pipe_bcast, FLOC_ALG_PIPELINE)                            \
    X(BCAST, "hierarchical", floc_bcast_hier, FLOC_ALG_HIER)                                    \
    X(BCAST, "cma", floc_shm_bcast_cma, FLOC_ALG_CMA)                                           \
    X(ALLREDUCE, "recursive_doubling", floc_allreduce_recursive_doubling, 0)                    \
    X(ALLREDUCE, "ring", floc_allreduce_ring, 0)                                                \
    X(ALLREDUCE, "rabenseifner", floc_allreduce_rabenseifner, 0)                                \
    X(ALLREDUCE, "shm", floc_shm_allreduce, FLOC_ALG_SEGMENT)                                   \
    X(ALLREDUCE, "shm_pipeline", floc_shm_pipe_allreduce, FLOC_ALG_PIPELINE | FLOC_ALG_READS_SBUF) \
    X(ALLREDUCE, "hierarchical", floc_allreduce_hier, FLOC_ALG_HIER)                            \
    X(ALLREDUCE, "mapped", floc_shm_mapped_pipe_allreduce, FLOC_ALG_PIPELINE | FLOC_ALG_READS_SBUF) \
    X(ALLREDUCE, "cma", floc_shm_allreduce_cma,                                                 \
      FLOC_ALG_CMA | FLOC_ALG_READS_SBUF | FLOC_ALG_FEW)                                        \
    X(REDUCE, "binomial", floc_reduce_binomial, 0)                                              \
    X(REDUCE, "shm", floc_shm_reduce, FLOC_ALG_SEGMENT)                                         \
    X(REDUCE, "ring", floc_reduce_ring, 0)                                                      \
    X(REDUCE, "shm_pipeline", floc_shm_pipe_reduce, FLOC_ALG_PIPELINE | FLOC_ALG_READS_SBUF)    \
    X(REDUCE, "hierarchical", floc_reduce_hier, FLOC_ALG_HIER)                                  \
    X(REDUCE, "cma", floc_shm_reduce_cma, FLOC_ALG_CMA | FLOC_ALG_READS_SBUF)                   \
    X(GATHER, "direct", floc_gather_direct, 0)                                                  \
    X(GATHER, "binomial", floc_gather_binomial, 0)                                              \
    X(GATHER, "rma", floc_gather_rma, 0)                                                        \
    X(GATHER, "shm", floc_shm_gather, FLOC_ALG_SEGMENT)                                         \
    X(GATHER, "hierarchical", floc_gather_hier, FLOC_ALG_HIER | FLOC_ALG_HIER_SMALL)            \
    X(GATHER, "cma", floc_shm_gather_cma, FLOC_ALG_CMA)                                         \
    X(SCATTER, "direct", floc_scatter_direct, 0)                                                \
    X(SCATTER, "binomial", floc_scatter_binomial, 0)                                            \
    X(SCATTER, "rma", floc_scatter_rma, 0)                                                      \
    X(SCATTER, "shm", floc_shm_scatter, FLOC_ALG_SEGMENT)                                       \
    X(SCATTER, "hierarchical", floc_scatter_hier, FLOC_ALG_HIER | FLOC_ALG_HIER_SMALL)          \
    X(SCATTER, "cma", floc_shm_scatter_cma, FLOC_ALG_CMA)                                       \
    X(ALLGATHER, "ring", floc_allgather_ring, 0)                                                \
    X(ALLGATHER, "recursive_doubling", floc_allgather_recursive_doubling, 0)                    \
    X(ALLGATHER, "bruck", floc_allgather_bruck, 0)                                              \
    X(ALLGATHER, "shm", floc_shm_allgather, FLOC_ALG_SEGMENT)                                   \
    X(ALLGATHER, "shm_pipeline", floc_shm_pipe_allgather, FLOC_ALG_PIPELINE)                    \
    X(ALLGATHER, "cma", floc_shm_allgather_cma, FLOC_ALG_CMA)                                   \
    X(ALLGATHER, "hierarchical", floc_allgather_hier, FLOC_ALG_HIER | FLOC_ALG_HIER_SMALL)      \
    X(ALLTOALL, "pairwise", floc_alltoall_pairwise, 0)                                          \
    X(ALLTOALL, "shm", floc_shm_alltoall, FLOC_ALG_SEGMENT)                                     \
    X(ALLTOALL, "cma", floc_shm_alltoall_cma, FLOC_ALG_CMA)                                     \
    X(ALLTOALL, "hierarchical", floc_alltoall_hier,                                             \
      FLOC_ALG_HIER | FLOC_ALG_HIER_SMALL | FLOC_ALG_HIER_VECTORS)                              \
    X(REDUCE_SCATTER, "ring", floc_reduce_scatter_ring, 0)                                      \
    X(REDUCE_SCATTER, "shm", floc_shm_reduce_scatter, FLOC_ALG_SEGMENT)                         \
    X(REDUCE_SCATTER, "cma", floc_shm_reduce_scatter_cma, FLOC_ALG_CMA)                         \
    X(SCAN, "recursive_doubling", floc_scan_recursive_doubling, 0)                              \
    X(EXSCAN, "recursive_doubling", floc_exscan_recursive_doubling, 0)                          \
    X(GATHERV, "direct", floc_gatherv_direct, 0)                                                \
    X(SCATTERV, "direct", floc_scatterv_direct, 0)                                              \
    X(ALLGATHERV, "ring", floc_allgatherv_ring, 0)                                              \
    X(ALLTOALLV, "pairwise", floc_alltoallv_pairwise, 0)                                        \
    X(ALLTOALLV, "cma", floc_shm_alltoallv_cma, FLOC_ALG_CMA)

#define FLOC_COLL_ALG_DECLARE_(kind, name, fn, flags) int fn(floc_coll_req_t *c);
FLOC_COLL_ALGS(FLOC_COLL_ALG_DECLARE_)
#undef FLOC_COLL_ALG_DECLARE_

#endif
