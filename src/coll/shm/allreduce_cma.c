/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allreduce_cma.c - allreduce by CMA (single-node jobs whose localities
 * may read each other's memory; the rules take it on 2 localities, up to
 * 64 run it): each publishes where its input and output are; on 2,
 * locality k folds its half of the elements
 * (k = 0 the first), reading the other's input for it with
 * process_vm_readv, into its own output, and writes that half into the
 * other's output with process_vm_writev (reduce_cma.c's fold, in
 * locality order: the bits of the other algorithms).  Both return when
 * both are done (each writes the other's output and reads its input).
 * In place works: each reads a piece of the other's buffer before it
 * writes that piece there, and nobody else touches it.  On more
 * localities each folds its share from everyone's input into everyone's
 * output (allreduce_mapped.c's fold, through CMA); and when every
 * locality's buffers come from floc_mem_alloc (their descriptors say so),
 * that fold reads and writes them directly, without the kernel.
 *
 * Why: the pipeline copies every byte into the segment and out again
 * (128 KiB on 2: 29 us, Open MPI 25); here the kernel copies each half
 * once each way.  Figures in select.c.
 *
 * Cost, n bytes: one slot handoff, n/2 read and n/2 written by the
 * kernel and n/2 gamma folded at each, at once.
 */
#include "shm.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };
#define CMA_MAX FLOC_ALG_FEW_MAX   /* (FLOC_ALG_FEW: their descriptors on the stack) */

int floc_shm_allreduce_cma(floc_coll_req_t *c)
{
    if (c->step != CMA_DRAIN) {
        floc_shm_buf_desc_t ds[CMA_MAX];
        int all;
        int ret = floc_shm_buf_exchange(c, 0, ds, &all);
        if (ret)
            return ret;
        const unsigned char *in = floc_shm_allreduce_input(c);
        unsigned char *out = c->v.rbuf;
        const size_t half = c->v.count / 2;
        if (all || c->v.size > 2)   /* straight from the mapped buffers; or shares through CMA */
            ret = floc_shm_fold_share(c, ds, in, out);
        else if (c->v.rank == 0)
            ret = floc_shm_fold_half(c, &ds[1], in, out, 0, half, 1);
        else
            ret = floc_shm_fold_half(c, &ds[0], in, out, half, c->v.count, 1);
        floc_shm_done(c);   /* also after a failure: the other must not wait for us */
        if (ret)
            return ret;
        c->step = CMA_DRAIN;
    }
    /* until the other has written its half here (and read our input) */
    return floc_shm_buf_drain(c);
}
