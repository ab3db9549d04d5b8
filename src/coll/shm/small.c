/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * small.c - barrier, broadcast, allreduce, reduce, gather, scatter,
 * allgather, alltoall and reduce_scatter of small messages through the
 * node segment's slots (slots.c; layout in src/node/node.h): single-node
 * jobs, and the node steps of the hierarchical collectives.  They wait on
 * sequence words instead of completions (FLOC_ERR_AGAIN with nothing
 * posted: the engine calls again on the next round of progress).
 *
 * Cost, p localities, n bytes per locality: one handoff of the
 * contribution (n bytes written to the segment, alpha_shm ~ 0.1-0.3 us a
 * cache line here) and the reads the kind needs: p n for an allreduce
 * (every locality folds every slot, (p-1) n gamma), n per non-root for a
 * broadcast, p n at the root of a gather or reduce.  A locality may run
 * FLOC_NODE_DEPTH collectives ahead (2 for messages past FLOC_NODE_MID).
 *
 * Reductions fold the buffers in locality order, 0 first, on every
 * locality: the same bits everywhere, as the fabric algorithms promise.
 */
#include <string.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

int floc_shm_barrier(floc_coll_req_t *c)
{
    /* everyone "writes" nothing: the header's number is the arrival */
    static const char none;
    int ret = floc_shm_steps(c, FLOC_COLL_BARRIER, &none, 0, FLOC_SHM_WAIT_ALL);
    return ret ? ret : floc_shm_done(c);
}

int floc_shm_bcast(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int root = c->v.rank == c->v.root;
    int ret = floc_shm_steps(c, FLOC_COLL_BCAST, root ? c->v.rbuf : NULL, bytes,
                             root ? FLOC_SHM_WAIT_NONE : FLOC_SHM_WAIT_ROOT);
    if (ret)
        return ret;
    if (!root)
        memcpy(c->v.rbuf, floc_node_data(c->ctx->coll->seg, c->v.root, c->s.shm.seq, bytes),
               bytes);
    return floc_shm_done(c);
}

/* rbuf = slot 0 op slot 1 op ... in locality order */
static void fold_all(floc_coll_req_t *c, size_t bytes)
{
    const floc_node_t *n = c->ctx->coll->seg;
    memcpy(c->v.rbuf, floc_node_data(n, 0, c->s.shm.seq, bytes), bytes);
    for (int k = 1; k < c->v.size; k++)
        c->reduce(floc_node_data(n, k, c->s.shm.seq, bytes), c->v.rbuf, c->v.count);
}

int floc_shm_allreduce(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    /* rbuf holds our contribution (floc_iallreduce put it there) */
    int ret = floc_shm_steps(c, FLOC_COLL_ALLREDUCE, c->v.rbuf, bytes, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    fold_all(c, bytes);
    return floc_shm_done(c);
}

/* The root folds the others' buffers into its own contribution, in rbuf
 * already (the entry point put it there, or rbuf is the input): it writes
 * nothing to the segment and copies nothing out of it but the folds (64
 * KiB on 2 localities: 6.6 us, was 10.8 with its own contribution copied
 * in and slot 0 copied out).  Locality order holds: a root other than 0
 * keeps its contribution aside while x_0 .. x_root-1 are folded. */
static int fold_into_root(floc_coll_req_t *c, size_t bytes)
{
    const floc_node_t *n = c->ctx->coll->seg;
    const int root = c->v.root;
    if (root != 0) {
        int ret = floc_coll_tmp(c, bytes);
        if (ret)
            return ret;
        memcpy(c->tmp, c->v.rbuf, bytes);
        memcpy(c->v.rbuf, floc_node_data(n, 0, c->s.shm.seq, bytes), bytes);
    }
    for (int k = 1; k < c->v.size; k++)
        c->reduce(k == root ? c->tmp : floc_node_data(n, k, c->s.shm.seq, bytes), c->v.rbuf,
                  c->v.count);
    return 0;
}

int floc_shm_reduce(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int root = c->v.rank == c->v.root;
    int ret = floc_shm_steps(c, FLOC_COLL_REDUCE, root ? NULL : c->v.sbuf, bytes,
                             root ? FLOC_SHM_WAIT_ALL : FLOC_SHM_WAIT_NONE);
    if (ret)
        return ret;
    if (root && (ret = fold_into_root(c, bytes)))
        return ret;
    return floc_shm_done(c);
}

/* allgather: every block through the segment, read by everyone */
int floc_shm_allgather(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    char *all = c->v.rbuf;
    const void *mine = c->v.sbuf == FLOC_IN_PLACE ? all + (size_t)c->v.rank * bytes : c->v.sbuf;
    int ret = floc_shm_steps(c, FLOC_COLL_ALLGATHER, mine, bytes, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    const floc_node_t *n = c->ctx->coll->seg;
    for (int k = 0; k < c->v.size; k++)
        if (k != c->v.rank || c->v.sbuf != FLOC_IN_PLACE)
            memcpy(all + (size_t)k * bytes, floc_node_data(n, k, c->s.shm.seq, bytes), bytes);
    return floc_shm_done(c);
}

/* gather: every block through the segment, read by the root */
int floc_shm_gather(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize;
    const int root = c->v.rank == c->v.root;
    char *all = c->v.rbuf;
    int ret = floc_shm_steps(c, FLOC_COLL_GATHER, root ? NULL : c->v.sbuf, bytes,
                             root ? FLOC_SHM_WAIT_ALL : FLOC_SHM_WAIT_NONE);
    if (ret)
        return ret;
    if (root) {
        const floc_node_t *n = c->ctx->coll->seg;
        for (int k = 0; k < c->v.size; k++)
            if (k != c->v.rank)
                memcpy(all + (size_t)k * bytes, floc_node_data(n, k, c->s.shm.seq, bytes), bytes);
        if (c->v.sbuf != FLOC_IN_PLACE)
            memcpy(all + (size_t)c->v.rank * bytes, c->v.sbuf, bytes);
    }
    return floc_shm_done(c);
}

/* scatter: the root's whole vector through its buffer, each reads its block */
int floc_shm_scatter(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize, total = bytes * (size_t)c->v.size;
    const int root = c->v.rank == c->v.root;
    int ret = floc_shm_steps(c, FLOC_COLL_SCATTER, root ? c->v.sbuf : NULL, total,
                             root ? FLOC_SHM_WAIT_NONE : FLOC_SHM_WAIT_ROOT);
    if (ret)
        return ret;
    if (!root)
        memcpy(c->v.rbuf,
               floc_node_data(c->ctx->coll->seg, c->v.root, c->s.shm.seq, total) +
                   (size_t)c->v.rank * bytes,
               bytes);
    else if (c->v.rbuf != FLOC_IN_PLACE)
        memcpy(c->v.rbuf, (const char *)c->v.sbuf + (size_t)c->v.rank * bytes, bytes);
    return floc_shm_done(c);
}

/* alltoall: every vector through the segment, each reads its block of all */
int floc_shm_alltoall(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize, total = bytes * (size_t)c->v.size;
    int ret = floc_shm_steps(c, FLOC_COLL_ALLTOALL, c->v.sbuf, total, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    const floc_node_t *n = c->ctx->coll->seg;
    char *out = c->v.rbuf;
    for (int k = 0; k < c->v.size; k++) {
        const unsigned char *from = k == c->v.rank ? (const unsigned char *)c->v.sbuf
                                                 : floc_node_data(n, k, c->s.shm.seq, total);
        memcpy(out + (size_t)k * bytes, from + (size_t)c->v.rank * bytes, bytes);
    }
    return floc_shm_done(c);
}

/* reduce_scatter: every vector through the segment, each folds its block
 * of all of them in locality order */
int floc_shm_reduce_scatter(floc_coll_req_t *c)
{
    const size_t bytes = c->v.count * c->esize, total = bytes * (size_t)c->v.size;
    int ret = floc_shm_steps(c, FLOC_COLL_REDUCE_SCATTER, c->v.sbuf, total, FLOC_SHM_WAIT_ALL);
    if (ret)
        return ret;
    const floc_node_t *n = c->ctx->coll->seg;
    const size_t mine = (size_t)c->v.rank * bytes;
    memcpy(c->v.rbuf, floc_node_data(n, 0, c->s.shm.seq, total) + mine, bytes);
    for (int k = 1; k < c->v.size; k++)
        c->reduce(floc_node_data(n, k, c->s.shm.seq, total) + mine, c->v.rbuf, c->v.count);
    return floc_shm_done(c);
}
