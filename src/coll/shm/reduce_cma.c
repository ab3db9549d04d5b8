/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reduce_cma.c - reduce of medium and large messages by CMA (single-node jobs whose
 * localities may read each other's memory): every locality publishes
 * where its contribution is (its header line); the root reads them with
 * process_vm_readv, a piece at a time into a scratch buffer, and folds
 * each piece into rbuf in locality order (0 first: the bits of the other
 * algorithms); the others wait until the root is done (their buffers
 * are borrowed until then).
 *
 * Why: through the segment each contribution is copied into the slot by
 * its owner every time, so every line of it moves from the owner's cache
 * to the root's and back (the slot is written again next time); here
 * the kernel copies the owner's own buffer, which it does not write
 * between calls, into the root's scratch.  Measured on 2 localities
 * (floc_coll_bench reduce): figures in select.c.
 *
 * Cost, p localities, n bytes: one slot handoff, (p - 1) n bytes read by
 * the kernel at the root, (p - 1) n gamma folded: the root does it all,
 * so this is for few localities (select.c).
 *
 * On 2 localities the other one folds a part instead of waiting: it reads
 * the root's input for the last 3/7 of the elements, folds (locality
 * 0 first, as everywhere) and writes the result into the root's output
 * with process_vm_writev, while the root folds the first 4/7.
 */
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { CMA_DRAIN = FLOC_SHM_READ + 1 };

/* bytes read per process_vm_readv: a piece of the root's L2 */
#define PIECE ((size_t)64 << 10)

/* rbuf[off, off + len) = x_0 op x_1 op ... (x_root: the root's own, from
 * sbuf or, in place, from rbuf by way of keep; the others read) */
static int fold_piece(floc_coll_req_t *c, size_t off, size_t len, unsigned char *in,
                      unsigned char *keep)
{
    const floc_node_t *n = c->ctx->coll->seg;
    unsigned char *out = (unsigned char *)c->v.rbuf + off;
    const int root = c->v.root;
    const size_t count = len / c->esize;
    const int in_place = c->v.sbuf == FLOC_IN_PLACE || c->v.sbuf == c->v.rbuf;
    const unsigned char *mine = in_place ? keep : (const unsigned char *)c->v.sbuf + off;
    if (in_place && root != 0)
        memcpy(keep, out, len);   /* folded in its turn, after x_0 .. x_root-1 */
    for (int k = 0; k < c->v.size; k++) {
        const unsigned char *x = mine;
        if (k == root && k == 0) {
            if (!in_place)
                memcpy(out, mine, len);
            continue;
        }
        if (k != root) {
            floc_shm_cma_desc_t d;
            memcpy(&d, floc_node_data(n, k, c->s.shm.seq, sizeof d), sizeof d);
            int ret = floc_shm_cma_read((pid_t)d.pid, k == 0 ? out : in, d.addr + off, len);
            if (ret)
                return ret;
            if (k == 0)
                continue;         /* read straight into rbuf */
            x = in;
        }
        c->reduce(x, out, count);
    }
    return 0;
}

_Static_assert(sizeof(floc_shm_buf_desc_t) <= FLOC_NODE_INLINE,
               "a descriptor fits a header line");

int floc_shm_fold_half(floc_coll_req_t *c, const floc_shm_buf_desc_t *p,
                       const unsigned char *in, unsigned char *out, size_t lo, size_t hi,
                       int to_peer)
{
    const size_t es = c->esize, piece = (PIECE / es) * es;
    const int me = c->v.rank;
    /* (the simulator's phantom kernels touch nothing: keep its path) */
    const floc_reduce_to_fn to =
        c->ctx->coll->phantom ? NULL : floc_reduce_kernel_to(c->dt, c->op);
    int ret = floc_coll_tmp(c, 2 * piece);
    if (ret)
        return ret;
    unsigned char *a = c->tmp, *b = a + piece;
    for (size_t off = lo * es; off < hi * es; off += piece) {
        const size_t len = hi * es - off < piece ? hi * es - off : piece, cnt = len / es;
        const uint64_t theirs = p->in + off;
        unsigned char *acc = out ? out + off : a;
        if (me == 0 && to && acc != in + off) {   /* acc = theirs op mine, no copy first */
            ret = floc_shm_cma_read((pid_t)p->pid, b, theirs, len);
            if (!ret)
                to(b, in + off, acc, cnt);
        } else if (me == 0) {   /* acc = mine, then op theirs */
            if (acc != in + off)
                memcpy(acc, in + off, len);
            ret = floc_shm_cma_read((pid_t)p->pid, b, theirs, len);
            if (!ret)
                c->reduce(b, acc, cnt);
        } else {         /* acc = theirs, then op mine (kept aside when it is acc) */
            const unsigned char *mine = in + off;
            if (mine == acc) {
                memcpy(b, mine, len);
                mine = b;
            }
            ret = floc_shm_cma_read((pid_t)p->pid, acc, theirs, len);
            if (!ret)
                c->reduce(mine, acc, cnt);
        }
        if (!ret && to_peer)
            ret = floc_shm_cma_write((pid_t)p->pid, p->out + off, acc, len);
        if (ret)
            return ret;
    }
    return 0;
}

/* the reduce on 2: each folds a half */
static int reduce_halves(floc_coll_req_t *c)
{
    const int root = c->v.rank == c->v.root;
    const int in_place = c->v.sbuf == FLOC_IN_PLACE || c->v.sbuf == c->v.rbuf;
    const unsigned char *in = in_place && root ? c->v.rbuf : c->v.sbuf;
    const floc_shm_buf_desc_t d = {.in = (uint64_t)(uintptr_t)in,
                                      .out = (uint64_t)(uintptr_t)(root ? c->v.rbuf : NULL),
                                      .pid = (uint32_t)getpid()};
    int ret = floc_shm_steps(c, FLOC_COLL_REDUCE, &d, sizeof d, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    floc_shm_buf_desc_t p;
    memcpy(&p, floc_node_data(c->ctx->coll->seg, 1 - c->v.rank, c->s.shm.seq, sizeof p),
           sizeof p);
    /* the root's share is the larger: it neither copies its input first
     * nor writes into the other's memory (4/7: 64 KiB 10.2 against 11.0
     * us with halves, 32 KiB 6.5 against 7.3, medians of 5 alternating
     * runs; 2/3 was slower from 128 KiB) */
    const size_t half = c->v.count / 7 * 4 + c->v.count % 7 * 4 / 7;
    ret = root ? floc_shm_fold_half(c, &p, in, c->v.rbuf, 0, half, 0)
               : floc_shm_fold_half(c, &p, in, NULL, half, c->v.count, 1);
    floc_shm_done(c);   /* also after a failure: the other must not wait for us */
    return ret;
}

int floc_shm_reduce_cma(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int root = c->v.rank == c->v.root;
    if (c->step != CMA_DRAIN && c->v.size == 2) {
        int ret = reduce_halves(c);
        if (ret)
            return ret;
        c->step = CMA_DRAIN;
    }
    if (c->step != CMA_DRAIN) {
        /* the root reads its own itself (sbuf, or rbuf in place) */
        const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)c->v.sbuf,
                                       .pid = (uint32_t)getpid()};
        int ret = floc_shm_steps(c, FLOC_COLL_REDUCE, &d, sizeof d,
                                 root ? FLOC_SHM_WAIT_ALL : FLOC_SHM_WAIT_NONE);
        if (ret)
            return ret;
        if (root) {
            const size_t piece = (PIECE / c->esize) * c->esize;
            if ((ret = floc_coll_tmp(c, 2 * piece)))
                return ret;
            unsigned char *in = c->tmp, *keep = in + piece;
            for (size_t off = 0; off < bytes && !ret; off += piece)
                ret = fold_piece(c, off, bytes - off < piece ? bytes - off : piece, in, keep);
            if (ret) {
                floc_shm_done(c);   /* the others must not wait for us */
                return ret;
            }
        }
        floc_shm_done(c);
        c->step = CMA_DRAIN;
    }
    /* the others: until the root has read this locality's buffer */
    if (!floc_shm_all_done(c, c->s.shm.seq))
        return FLOC_ERR_AGAIN;
    if (root && c->v.size == 2)   /* the other's half, written from there */
        FLOC_SHM_WRITTEN_THERE(c->v.rbuf, bytes);
    return 0;
}
