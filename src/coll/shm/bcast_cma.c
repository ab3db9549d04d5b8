/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bcast_cma.c - broadcast of medium and large messages by CMA (single-node
 * jobs whose localities may read each other's memory): the root
 * publishes where its buffer is (its pid and address, in its header
 * line); every other locality reads it straight into its own buffer with
 * process_vm_readv, one copy by the kernel, and says so; the root waits
 * until all have read (its buffer is borrowed until then).
 *
 * Why: the pipeline copies twice (the root into the segment, each reader
 * out of it), and the root's copy-in is on every reader's path; here each
 * reader's copy is the only one, from a buffer the root does not write
 * between calls.  Measured on 2 localities (floc_coll_bench bcast):
 * figures in select.c.
 *
 * Cost, p localities, n bytes: one slot handoff, (p - 1) n bytes read by
 * the kernel from the root's memory (the readers at once), one handoff
 * back to the root.
 *
 * On 2 localities, from SPLIT_MIN bytes, the root does half the copy: both
 * publish their buffer, the reader pulls the first half while the root
 * pushes the second into the reader's buffer with process_vm_writev (as
 * the reductions on 2 split theirs, reduce_cma.c), and each waits for the
 * other: two cores copy n/2 each instead of one copying n.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

/* the split copy's threshold: below, the extra wait of the root for the
 * reader's address costs more than half a copy saves */
#define SPLIT_MIN ((size_t)32 << 10)

/* On 2: the reader pulls [0, half), the root pushes [half, n) */
static int split(floc_coll_req_t *c)
{
    const size_t n = c->v.count * c->esize, half = (n / 2) & ~(size_t)4095;
    const int root = c->v.rank == c->v.root;
    const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)c->v.rbuf,
                                   .pid = (uint32_t)getpid()};
    int ret = floc_shm_steps(c, FLOC_COLL_BCAST, &d, sizeof d, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    const floc_shm_cma_desc_t e = floc_shm_cma_published(c, 1 - c->v.rank);
    ret = root ? floc_shm_cma_write((pid_t)e.pid, e.addr + half, (char *)c->v.rbuf + half,
                                    n - half)
               : floc_shm_cma_read((pid_t)e.pid, c->v.rbuf, e.addr, half);
    /* done (also after a failure: the other must not wait for us) */
    floc_shm_done(c);
    if (ret)
        return ret;
    c->step = CMA_DRAIN;
    return 0;
}

int floc_shm_bcast_cma(floc_coll_req_t *c)
{
    const int root = c->v.rank == c->v.root;
    const size_t n = c->v.count * c->esize;
    if (c->v.size == 2 && n >= SPLIT_MIN) {
        if (c->step != CMA_DRAIN) {
            int ret = split(c);
            if (ret)
                return ret;
        }
        /* until the other is done: the root's buffer read, the reader's
         * second half written */
        if (!floc_shm_all_done(c, c->s.shm.seq))
            return FLOC_ERR_AGAIN;
        if (!root)
            FLOC_SHM_WRITTEN_THERE(c->v.rbuf, n);
        return 0;
    }
    if (c->step != CMA_DRAIN) {
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)c->v.rbuf,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_BCAST, root ? &d : NULL, root ? sizeof d : 0,
                                 root ? FLOC_SHM_WAIT_NONE : FLOC_SHM_WAIT_ROOT);
        if (ret)
            return ret;
        if (!root) {
            const floc_shm_cma_desc_t e = floc_shm_cma_published(c, c->v.root);
            ret = floc_shm_cma_read((pid_t)e.pid, c->v.rbuf, e.addr, c->v.count * c->esize);
        }
        /* done (also after a failure: the root must not wait for us) */
        floc_shm_done(c);
        if (ret || !root)
            return ret;
        c->step = CMA_DRAIN;
    }
    /* the root: until every reader has its copy */
    return floc_shm_all_done(c, c->s.shm.seq) ? 0 : FLOC_ERR_AGAIN;
}
