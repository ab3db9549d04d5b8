/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reduce_scatter_cma.c - reduce_scatter of medium and large blocks by CMA
 * (single-node jobs whose localities may read each other's memory):
 * every locality publishes where its send vector is (pid and address, in
 * its header line), reads block `me` of every other's with
 * process_vm_readv and folds them in locality order (x_0 op x_1 op ...),
 * a chunk at a time so that what it folds is still in cache, then waits
 * until everyone has read from it (the caller may reuse sbuf on return).
 *
 * Why: the ring sends p - 1 messages of a block each, with a rendezvous
 * handshake and a copy of the whole vector first; the slots copy every
 * vector in and out.  Here each block crosses once, by the kernel.
 * Figures in select.c.
 *
 * Cost, p localities, n bytes per block: one slot handoff, (p - 1) n
 * bytes read by the kernel and folded, a wait for the others.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

/* bytes read and folded at a time: the reads land in L2 */
#define CHUNK ((size_t)64 << 10)

/* out[lo, hi) = x_0 op ... op x_p-1 over bytes [lo, hi) of block me;
 * tmp holds one chunk */
static int fold_chunk(floc_coll_req_t *c, const char *mine, char *out, char *tmp, size_t lo,
                      size_t hi)
{
    const int me = c->v.rank;
    const size_t len = hi - lo, at = (size_t)me * c->v.count * c->esize + lo;
    for (int k = 0; k < c->v.size; k++) {
        if (k == me) {
            if (k == 0)
                memcpy(out + lo, mine + lo, len);
            else
                c->reduce(mine + lo, out + lo, len / c->esize);
            continue;
        }
        const floc_shm_cma_desc_t d = floc_shm_cma_published(c, k);
        int ret = floc_shm_cma_read((pid_t)d.pid, k == 0 ? out + lo : tmp, d.addr + at, len);
        if (ret)
            return ret;
        if (k)
            c->reduce(tmp, out + lo, len / c->esize);
    }
    return 0;
}

int floc_shm_reduce_scatter_cma(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize, chunk = bytes < CHUNK ? bytes : CHUNK;
    const int me = c->v.rank, p = c->v.size;
    const char *sbuf = c->v.sbuf, *mine = sbuf + (size_t)me * bytes;
    char *rbuf = c->v.rbuf;
    /* an rbuf over another block of sbuf (the others read those): the
     * result waits in scratch, after the chunk, until they are done */
    const int overlaps = rbuf < sbuf + (size_t)p * bytes && rbuf + bytes > sbuf && rbuf != mine;
    if (c->step != CMA_DRAIN) {
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)sbuf,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_REDUCE_SCATTER, &d, sizeof d, FLOC_SHM_WAIT_ALL);
        if (ret)
            return ret;
        ret = floc_coll_tmp(c, chunk + (overlaps ? bytes : 0));
        char *tmp = c->tmp, *out = overlaps ? tmp + chunk : rbuf;
        for (size_t lo = 0; !ret && lo < bytes; lo += chunk)
            ret = fold_chunk(c, mine, out, tmp, lo, lo + chunk < bytes ? lo + chunk : bytes);
        /* done (also after a failure: nobody waits for us then) */
        floc_shm_done(c);
        if (ret)
            return ret;
        c->step = CMA_DRAIN;
    }
    if (!floc_shm_all_done(c, c->s.shm.seq))
        return FLOC_ERR_AGAIN;
    if (overlaps)
        memcpy(rbuf, (char *)c->tmp + chunk, bytes);
    return 0;
}
