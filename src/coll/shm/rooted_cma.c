/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rooted_cma.c - gather and scatter of medium and large blocks by CMA
 * (single-node jobs whose localities may read each other's memory):
 *
 *   scatter  the root publishes where its vector is (pid and address, in
 *            its header line); every other locality reads its own block
 *            straight into rbuf with process_vm_readv and says so; the
 *            root copies its own block, then waits until all have read
 *            (its vector is borrowed until then).
 *   gather   the root publishes where its rbuf is and copies its own
 *            block; every other locality publishes its call (the root
 *            checks it) and writes its block straight into its place
 *            there with process_vm_writev and says so; the root waits
 *            until all have written.  (Before, the root read every block
 *            itself, the copies one after another: slower from 64 KiB
 *            blocks on 2, figures in select.c.)
 *
 * Why: the slots copy every block twice (into the segment, out of it),
 * the message path once but with a rendezvous handshake per block; here
 * each block is copied once by the kernel after one slot handoff.
 * Measured on 2 localities (floc_coll_bench): figures in select.c.
 *
 * Cost, p localities, n bytes per block: one slot handoff, (p - 1) n
 * bytes moved by the kernel, each locality its own block at once, one
 * handoff back.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

int floc_shm_scatter_cma(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int root = c->v.rank == c->v.root;
    if (c->step != CMA_DRAIN) {
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)c->v.sbuf,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_SCATTER, root ? &d : NULL, root ? sizeof d : 0,
                                 root ? FLOC_SHM_WAIT_NONE : FLOC_SHM_WAIT_ROOT);
        if (ret)
            return ret;
        if (!root) {
            const floc_shm_cma_desc_t e = floc_shm_cma_published(c, c->v.root);
            ret = floc_shm_cma_read((pid_t)e.pid, c->v.rbuf,
                                    e.addr + (uint64_t)c->v.rank * bytes, bytes);
        } else if (c->v.rbuf != FLOC_IN_PLACE) {
            memcpy(c->v.rbuf, (const char *)c->v.sbuf + (size_t)c->v.rank * bytes, bytes);
        }
        /* done (also after a failure: the root must not wait for us) */
        floc_shm_done(c);
        if (ret || !root)
            return ret;
        c->step = CMA_DRAIN;
    }
    /* the root: until every reader has its block */
    return floc_shm_all_done(c, c->s.shm.seq) ? 0 : FLOC_ERR_AGAIN;
}

int floc_shm_gather_cma(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int me = c->v.rank, root = me == c->v.root;
    char *all = c->v.rbuf;
    if (c->step != CMA_DRAIN) {
        /* the others publish their call too (nothing else): the root
         * compares it with its own, as the readers compare the root's, so
         * that a block of another size is reported at both ends */
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)all,
                                       .pid = (uint32_t)getpid()};
        /* the root's own block while the others come */
        if (root && c->step == FLOC_SHM_START && c->v.sbuf != FLOC_IN_PLACE)
            memcpy(all + (size_t)me * bytes, c->v.sbuf, bytes);
        int ret = floc_shm_steps(c, FLOC_COLL_GATHER, &d, root ? sizeof d : 0,
                                 root ? FLOC_SHM_WAIT_ALL : FLOC_SHM_WAIT_ROOT);
        if (ret)
            return ret;
        if (!root) {
            const floc_shm_cma_desc_t e = floc_shm_cma_published(c, c->v.root);
            ret = floc_shm_cma_write((pid_t)e.pid, e.addr + (uint64_t)me * bytes, c->v.sbuf,
                                     bytes);
        }
        /* done (also after a failure: the root must not wait for us) */
        floc_shm_done(c);
        if (ret || !root)
            return ret;
        c->step = CMA_DRAIN;
    }
    /* the root: until every block is in */
    if (!floc_shm_all_done(c, c->s.shm.seq))
        return FLOC_ERR_AGAIN;
    FLOC_SHM_WRITTEN_THERE(all, bytes * (size_t)c->v.size);
    return 0;
}
