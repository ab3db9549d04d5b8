/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm.h - what the shared-memory collectives share: the slots protocol
 * (slots.c) that the small ones follow.  Internal to src/coll/shm.
 */
#ifndef FLOC_COLL_SHM_H
#define FLOC_COLL_SHM_H

#include <sys/types.h>

#include "../algs.h"
#include "../engine.h"

/* c->step of the slots protocol (a caller may add steps after READ) */
enum { FLOC_SHM_START, FLOC_SHM_REUSE, FLOC_SHM_READ };
/* whose contributions a collective waits for */
enum { FLOC_SHM_WAIT_NONE, FLOC_SHM_WAIT_ROOT, FLOC_SHM_WAIT_ALL };

/*
 * Steps 1-3 of node.h for a collective of kind: contribute (NULL:
 * nothing) `bytes` to this collective's buffer and wait for the
 * contributions `wait` names.  FLOC_ERR_AGAIN until they are there, then
 * 0: the caller reads them and calls floc_shm_done (step 4).
 * FLOC_ERR_MISMATCH when a contribution's writer made another call (its
 * kind, count, dtype, op or root: logged).
 */
int floc_shm_steps(floc_coll_req_t *c, floc_coll_kind_t kind, const void *contribute, size_t bytes,
                   int wait);
int floc_shm_done(floc_coll_req_t *c);
/* bytes of process pid's memory at addr into dst (cma.c): 0, or the
 * error (FLOC_ERR_PEER_LOST when the process is gone) */
int floc_shm_cma_read(pid_t pid, void *dst, uint64_t addr, size_t bytes);
/* ... and src into process pid's memory at addr (process_vm_writev) */
int floc_shm_cma_write(pid_t pid, uint64_t addr, const void *src, size_t bytes);
/*
 * The allreduce on floc_mem_alloc buffers (allreduce_mapped.c), the
 * pipeline's first step: FLOC_ERR_AGAIN, 0 (done), an error, or
 * FLOC_SHM_NOT_MAPPED: not every locality's buffers are shared (or,
 * unless any_load, some locality's node is oversubscribed), the pipeline
 * runs (c->step back to its start).
 */
#define FLOC_SHM_NOT_MAPPED 1
int floc_shm_mapped_allreduce(floc_coll_req_t *c, int any_load);
/* What a locality publishes for the CMA collectives: where its buffer
 * is (and, alltoallv, its counts and displacements), and its pid. */
typedef struct floc_shm_cma_desc {
    uint64_t addr, counts, displs;
    uint32_t pid;
} floc_shm_cma_desc_t;

/*
 * The reductions on 2 localities where each folds a half (reduce_cma.c,
 * allreduce_cma.c): what each publishes (its input, its output, its pid),
 * and the fold of elements [lo, hi), x_0 op x_1, this locality's input
 * `in` with the other's (p) read by process_vm_readv, into out (NULL:
 * scratch) and, to_peer, into the other's output (process_vm_writev).
 */
typedef struct floc_shm_buf_desc {
    uint64_t in, out;   /* its input, its output */
    uint32_t pid;
    uint32_t shared;    /* allreduce: both from its floc_mem_alloc memory (allreduce_mapped.c) */
} floc_shm_buf_desc_t;
int floc_shm_fold_half(floc_coll_req_t *c, const floc_shm_buf_desc_t *p,
                       const unsigned char *in, unsigned char *out, size_t lo, size_t hi,
                       int to_peer);
/* allreduce_mapped.c: may the others reach in and out through the node
 * (and, unless any_load, is the node not oversubscribed)?  And the fold
 * of this locality's share straight from everyone's buffers (ds: every
 * locality's descriptor; peers out of reach through CMA). */
int floc_shm_buf_shared(floc_coll_req_t *c, const void *in, void *out, size_t bytes,
                        int any_load);
int floc_shm_fold_share(floc_coll_req_t *c, const floc_shm_buf_desc_t *ds,
                        const unsigned char *in, unsigned char *out);
/* The allreduces that fold from the others' buffers (allreduce_cma.c,
 * allreduce_mapped.c): an allreduce's input (sbuf, or rbuf in place);
 * publish this locality's descriptor and, once everyone's is there, read
 * them into ds (FLOC_ERR_AGAIN before; *all: every one is shared); and
 * the last step, until the others are done writing this locality's
 * output and reading its input. */
const unsigned char *floc_shm_allreduce_input(const floc_coll_req_t *c);
int floc_shm_buf_exchange(floc_coll_req_t *c, int any_load, floc_shm_buf_desc_t *ds, int *all);
int floc_shm_buf_drain(floc_coll_req_t *c);

/* Memory another process wrote into this one's with process_vm_writev
 * (or through a mapping Valgrind does not follow) is defined: Valgrind's
 * memcheck, which cannot see those writes, is told so (a no-op
 * otherwise; valgrind.mp_coll runs the CMA reductions under it). */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define FLOC_SHM_WRITTEN_THERE(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef FLOC_SHM_WRITTEN_THERE
#define FLOC_SHM_WRITTEN_THERE(p, n) ((void)(p), (void)(n))
#endif

/* What locality k published in collective c (cma.c) */
floc_shm_cma_desc_t floc_shm_cma_published(const floc_coll_req_t *c, int k);

/* The collectives that read a block of every other locality: publish
 * mine (steps 1-3 of node.h, kind's call; FLOC_ERR_AGAIN until all are
 * there), then read `bytes` at each other k's published address + at
 * into out + k * bytes (the next one first: spread the readers). */
int floc_shm_cma_read_each(floc_coll_req_t *c, floc_coll_kind_t kind, const void *mine,
                           uint64_t at, char *out, size_t bytes);

/* Is every other locality done with collective s?  (Cached: the answer
 * only changes from no to yes.) */
int floc_shm_all_done(floc_coll_req_t *c, uint64_t s);

#endif
