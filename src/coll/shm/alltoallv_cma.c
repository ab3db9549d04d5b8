/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alltoallv_cma.c - alltoallv by CMA (single-node jobs whose localities
 * may read each other's memory): every locality publishes where its send
 * buffer, counts and displacements are (with its pid, in its header
 * line); each then reads, from every other, the count and displacement
 * meant for it (checked against its own receive count: another is the
 * caller's mistake, FLOC_ERR_MISMATCH) and the block itself, straight
 * into rbuf; then it waits until everyone has read from it (the caller
 * may reuse its buffers on return).  Needs no agreement on sizes (the
 * segment's buffers hold only the descriptors), so any counts go this
 * way; the pairwise exchange would send p - 1 rounds of messages through
 * the fabric instead.
 *
 * Cost, p localities: one slot handoff, 2 (p - 1) reads by the kernel
 * (the count and displacement, then the block), a wait for the others.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

/* from locality k (its descriptor d): the block for `me` into `into`,
 * `want` elements (es bytes each) */
static int read_block(const floc_coll_req_t *c, const floc_shm_cma_desc_t *d, int me, char *into,
                      size_t want)
{
    size_t cd[2];   /* its counts[me], displs[me] */
    int ret = floc_shm_cma_read((pid_t)d->pid, &cd[0], d->counts + (uint64_t)me * sizeof(size_t),
                                sizeof(size_t));
    if (!ret)
        ret = floc_shm_cma_read((pid_t)d->pid, &cd[1], d->displs + (uint64_t)me * sizeof(size_t),
                                sizeof(size_t));
    if (ret)
        return ret;
    if (cd[0] != want) {
        FLOC_ERROR(FLOC_LOG_API, "alltoallv: a locality sends %zu elements to locality %d, "
                   "which receives %zu: the localities were called with different counts",
                   cd[0], me, want);
        return FLOC_ERR_MISMATCH;
    }
    return want ? floc_shm_cma_read((pid_t)d->pid, into, d->addr + cd[1] * c->esize,
                                    want * c->esize)
                : 0;
}

int floc_shm_alltoallv_cma(floc_coll_req_t *c)
{
    const int me = c->v.rank, p = c->v.size;
    const size_t es = c->esize;
    char *out = c->v.rbuf;
    if (c->step != CMA_DRAIN) {
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)c->v.sbuf,
                                       .counts = (uint64_t)(uintptr_t)c->v.counts,
                                       .displs = (uint64_t)(uintptr_t)c->v.displs,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_ALLTOALLV, &d, sizeof d, FLOC_SHM_WAIT_ALL);
        if (ret)
            return ret;
        for (int i = 1; i < p && !ret; i++) {   /* the next one first: spread the readers */
            const int k = (me + i) % p;
            const floc_shm_cma_desc_t e = floc_shm_cma_published(c, k);
            ret = read_block(c, &e, me, out + c->v.rdispls[k] * es, c->v.rcounts[k]);
        }
        if (!ret && c->v.counts[me])
            memcpy(out + c->v.rdispls[me] * es, (const char *)c->v.sbuf + c->v.displs[me] * es,
                   c->v.counts[me] * es);
        /* done (also after a failure: nobody waits for us then) */
        floc_shm_done(c);
        if (ret)
            return ret;
        c->step = CMA_DRAIN;
    }
    return floc_shm_all_done(c, c->s.shm.seq) ? 0 : FLOC_ERR_AGAIN;
}
