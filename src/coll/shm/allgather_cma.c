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
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

_Static_assert(sizeof(floc_shm_cma_desc_t) <= FLOC_NODE_INLINE, "a descriptor fits a header line");

int floc_shm_allgather_cma(floc_coll_req_t *c)
{
    floc_node_t *n = c->ctx->coll->seg;
    const size_t bytes = c->v.count * c->esize;
    const int me = c->v.rank, p = c->v.size;
    char *all = c->v.rbuf;
    const void *mine = c->v.sbuf == FLOC_IN_PLACE ? all + (size_t)me * bytes : c->v.sbuf;
    if (c->step != CMA_DRAIN) {
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)mine,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_ALLGATHER, &d, sizeof d, FLOC_SHM_WAIT_ALL);
        if (ret)
            return ret;
        for (int i = 1; i < p && !ret; i++) {   /* the next one first: spread the readers */
            const int k = (me + i) % p;
            floc_shm_cma_desc_t e;
            memcpy(&e, floc_node_data(n, k, c->s.shm.seq, sizeof e), sizeof e);
            ret = floc_shm_cma_read((pid_t)e.pid, all + (size_t)k * bytes, e.addr, bytes);
        }
        if (ret)
            return ret;
        if (mine != all + (size_t)me * bytes)
            memcpy(all + (size_t)me * bytes, mine, bytes);
        floc_shm_done(c);
        c->step = CMA_DRAIN;
    }
    return floc_shm_all_done(c, c->s.shm.seq) ? 0 : FLOC_ERR_AGAIN;
}
