/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alltoall_cma.c - alltoall of medium and large blocks by CMA (single-node
 * jobs whose localities may read each other's memory): every locality
 * publishes where its send buffer is (its pid and address, in its header
 * line), reads block `me` of every other's straight into its rbuf with
 * process_vm_readv (one copy, by the kernel), then waits until everyone
 * has read from it (the caller may reuse sbuf on return).  The pairwise
 * exchange sends p - 1 rounds of messages, each a rendezvous with its
 * handshake; alltoallv_cma.c is the same walk with counts read from the
 * peers.
 *
 * Cost, p localities, n bytes per block: one slot handoff, (p - 1) n
 * bytes read by the kernel, a wait for the others.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

int floc_shm_alltoall_cma(floc_coll_req_t *c)
{
    floc_node_t *n = c->ctx->coll->seg;
    const size_t bytes = c->v.count * c->esize;
    const int me = c->v.rank, p = c->v.size;
    char *out = c->v.rbuf;
    if (c->step != CMA_DRAIN) {
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)c->v.sbuf,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_ALLTOALL, &d, sizeof d, FLOC_SHM_WAIT_ALL);
        if (ret)
            return ret;
        for (int i = 1; i < p && !ret; i++) {   /* the next one first: spread the readers */
            const int k = (me + i) % p;
            floc_shm_cma_desc_t e;
            memcpy(&e, floc_node_data(n, k, c->s.shm.seq, sizeof e), sizeof e);
            ret = floc_shm_cma_read((pid_t)e.pid, out + (size_t)k * bytes,
                                    e.addr + (uint64_t)me * bytes, bytes);
        }
        if (!ret && out != c->v.sbuf)
            memcpy(out + (size_t)me * bytes, (const char *)c->v.sbuf + (size_t)me * bytes, bytes);
        /* done (also after a failure: nobody waits for us then) */
        floc_shm_done(c);
        if (ret)
            return ret;
        c->step = CMA_DRAIN;
    }
    return floc_shm_all_done(c, c->s.shm.seq) ? 0 : FLOC_ERR_AGAIN;
}
