/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allgather_cma.c - allgather of large blocks by CMA (single-node jobs
 * whose localities may read each other's memory: the segment's probe at
 * init): every locality publishes where
 * its block is (its pid and address, in its header line), reads the
 * others' blocks straight into rbuf with process_vm_readv, a single copy
 * by the kernel, then waits until everyone has read its own block (the
 * caller may reuse it on return).  The pipeline copies twice (into the
 * segment, out of it): on 2 localities, 1 MiB blocks 103-116 us against
 * 136-146 (Open MPI, CMA too: 104-115); figures in select.c.
 *
 * Cost, p localities, n bytes per block: one slot handoff (alpha_shm)
 * and (p-1) n bytes read by the kernel (~10 GB/s here for one reader),
 * then a wait until everyone has read this locality's block.
 */
#include <string.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

_Static_assert(sizeof(floc_shm_cma_desc_t) <= FLOC_NODE_INLINE, "a descriptor fits a header line");

int floc_shm_allgather_cma(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int me = c->v.rank;
    char *all = c->v.rbuf;
    const void *mine = c->v.sbuf == FLOC_IN_PLACE ? all + (size_t)me * bytes : c->v.sbuf;
    if (c->step != CMA_DRAIN) {
        int ret = floc_shm_cma_read_each(c, FLOC_COLL_ALLGATHER, mine, 0, all, bytes);
        if (ret == FLOC_ERR_AGAIN)
            return ret;
        if (!ret && mine != all + (size_t)me * bytes)
            memcpy(all + (size_t)me * bytes, mine, bytes);
        /* done (also after a failure: nobody waits for us then) */
        floc_shm_done(c);
        if (ret)
            return ret;
        c->step = CMA_DRAIN;
    }
    return floc_shm_all_done(c, c->s.shm.seq) ? 0 : FLOC_ERR_AGAIN;
}
