/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allreduce_mapped.c - the large allreduce of a single-node job when
 * every locality's input and output come from floc_mem_alloc: each
 * locality folds its share of the elements straight from the others'
 * inputs (the node's localities map each other's floc_mem_alloc memory,
 * src/node/mem.c) and writes the result into every output.  One pass, no
 * copy into the segment or out of it: NCCL's way with registered buffers.
 *
 * The pipeline's allreduce (pipeline.c) starts here: every locality
 * publishes where its buffers are and whether both are shared, in its
 * header line of a slot; if all are, the fold below runs, else the
 * pipeline (the same answer everywhere, from the same lines).  That
 * handoff is the price for ordinary buffers (~0.2 us here, on calls of
 * 64 KiB and more).  Only where no locality's node is oversubscribed:
 * on 3 and 4 localities of this 2-core machine the fold of a locality
 * that waits for a core holds up everyone's return, and the pipeline,
 * whose chunks interleave, was twice as fast from 64 KiB to 4 MiB
 * (docs/coll.md).  FLOC_ALLREDUCE_ALGO=mapped folds directly whatever
 * the load (the tests use it there).
 *
 * Fold, p localities: share k of the elements (floc_coll_block) is
 * locality k's; it folds it FLOC_NODE_FOLD bytes at a time in private
 * memory, every input in locality order (0 first: the bits of the other
 * algorithms), then copies the piece into every output.  In place works:
 * a locality reads a piece of every input before it writes that piece of
 * any output, and nobody else touches its share.  A peer whose memory
 * cannot be mapped here is read and written with process_vm_readv /
 * process_vm_writev instead.  Everyone returns when everyone is done
 * (its output is written by the others, its input read).
 *
 * Cost, n bytes: one slot handoff, then per locality n reads (n/p of
 * each input) and n writes (n/p into each output), against the
 * pipeline's n in, n/p folded over p, n out through the segment.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { MAPPED_DRAIN = FLOC_SHM_READ + 1 };
/* localities of a job this fold takes (their pointers on the stack); the
 * pipeline beyond, where p handoffs per piece would cost more anyway */
#define MAPPED_MAX FLOC_ALG_FEW_MAX

typedef floc_shm_buf_desc_t mapped_desc_t;

int floc_shm_buf_shared(floc_coll_req_t *c, const void *in, void *out, size_t bytes,
                        int any_load)
{
    floc_ctx_t *ctx = c->ctx;
    return ctx == ctx->world && ctx->node && c->ctx->coll->seg == ctx->node && bytes &&
           c->v.size <= MAPPED_MAX && (any_load || !ctx->topo.oversubscribed) &&
           floc_node_mem_own(ctx, (uint64_t)(uintptr_t)in, bytes, FLOC_MEM_REMOTE_READ) &&
           floc_node_mem_own(ctx, (uint64_t)(uintptr_t)out, bytes, FLOC_MEM_REMOTE_WRITE);
}

int floc_shm_fold_share(floc_coll_req_t *c, const mapped_desc_t *ds, const unsigned char *in,
                        unsigned char *out)
{
    floc_node_t *n = c->ctx->coll->seg;
    const int me = c->v.rank, p = c->v.size;
    const size_t es = c->esize, step = FLOC_NODE_FOLD / es;
    size_t s0;
    const size_t slen = floc_coll_block(c->v.count, p, me, &s0);
    if (!slen)
        return 0;
    /* where every input and output share is here (NULL: through CMA) */
    const unsigned char *src[MAPPED_MAX];
    unsigned char *dst[MAPPED_MAX];
    int cma = 0;
    for (int k = 0; k < p; k++) {
        if (k == me) {
            src[k] = in + s0 * es;
            dst[k] = out + s0 * es;
            continue;
        }
        src[k] = floc_node_mem_reach(c->ctx, k, ds[k].in + s0 * es, slen * es,
                                     FLOC_MEM_REMOTE_READ);
        dst[k] = floc_node_mem_reach(c->ctx, k, ds[k].out + s0 * es, slen * es,
                                     FLOC_MEM_REMOTE_WRITE);
        cma |= !src[k] || !dst[k];
    }
    unsigned char *acc = n->scratch, *tmp = NULL;
    int ret = 0;
    if (cma && (ret = floc_coll_tmp(c, step * es)))
        return ret;
    tmp = c->tmp;
    for (size_t e = 0; e < slen && !ret; e += step) {
        const size_t cnt = slen - e < step ? slen - e : step, off = e * es;
        for (int k = 0; k < p && !ret; k++) {
            const unsigned char *x = src[k] ? src[k] + off : tmp;
            if (!src[k])
                ret = floc_shm_cma_read((pid_t)ds[k].pid, tmp, ds[k].in + (s0 + e) * es,
                                        cnt * es);
            if (ret)
                break;
            if (k == 0)
                memcpy(acc, x, cnt * es);
            else
                c->reduce(x, acc, cnt);
        }
        for (int k = 0; k < p && !ret; k++) {
            if (dst[k])
                memcpy(dst[k] + off, acc, cnt * es);
            else
                ret = floc_shm_cma_write((pid_t)ds[k].pid, ds[k].out + (s0 + e) * es, acc,
                                         cnt * es);
        }
    }
    return ret;
}

const unsigned char *floc_shm_allreduce_input(const floc_coll_req_t *c)
{
    return c->v.sbuf && c->v.sbuf != FLOC_IN_PLACE ? c->v.sbuf : c->v.rbuf;
}

int floc_shm_buf_exchange(floc_coll_req_t *c, int any_load, floc_shm_buf_desc_t *ds, int *all)
{
    const int p = c->v.size;
    const unsigned char *in = floc_shm_allreduce_input(c);
    const mapped_desc_t d = {
        .in = (uint64_t)(uintptr_t)in, .out = (uint64_t)(uintptr_t)c->v.rbuf,
        .pid = (uint32_t)getpid(),
        .shared = (uint32_t)floc_shm_buf_shared(c, in, c->v.rbuf, c->v.count * c->esize,
                                                any_load)};
    int ret = floc_shm_steps(c, FLOC_COLL_ALLREDUCE, &d, sizeof d, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    *all = p <= MAPPED_MAX;   /* (more never publish shared) */
    for (int k = 0; k < p && k < MAPPED_MAX; k++) {
        memcpy(&ds[k], floc_node_data(c->ctx->coll->seg, k, c->s.shm.seq, sizeof ds[k]),
               sizeof ds[k]);
        *all &= (int)ds[k].shared;
    }
    return 0;
}

int floc_shm_buf_drain(floc_coll_req_t *c)
{
    if (!floc_shm_all_done(c, c->s.shm.seq))
        return FLOC_ERR_AGAIN;
    FLOC_SHM_WRITTEN_THERE(c->v.rbuf, c->v.count * c->esize);
    return 0;
}

int floc_shm_mapped_allreduce(floc_coll_req_t *c, int any_load)
{
    if (c->step != MAPPED_DRAIN) {
        mapped_desc_t ds[MAPPED_MAX];
        int all;
        int ret = floc_shm_buf_exchange(c, any_load, ds, &all);
        if (ret)
            return ret;
        if (!all) {
            floc_shm_done(c);
            return FLOC_SHM_NOT_MAPPED;
        }
        ret = floc_shm_fold_share(c, ds, floc_shm_allreduce_input(c), c->v.rbuf);
        /* done (also after a failure: nobody waits for us then) */
        floc_shm_done(c);
        if (ret)
            return ret;
        c->step = MAPPED_DRAIN;
    }
    /* until the others have written their shares of my output (and read my input) */
    return floc_shm_buf_drain(c);
}
