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

#include "shm.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

int floc_shm_alltoall_cma(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int me = c->v.rank;
    char *out = c->v.rbuf;
    if (c->step != CMA_DRAIN) {
        int ret = floc_shm_cma_read_each(c, FLOC_COLL_ALLTOALL, c->v.sbuf,
                                         (uint64_t)me * bytes, out, bytes);
        if (ret == FLOC_ERR_AGAIN)
            return ret;
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
