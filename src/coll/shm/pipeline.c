/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline.c - large broadcasts, allreduces, reduces and allgathers
 * through the node segment's pipelined area (layout and flow control in
 * src/node/node.h): single-node jobs, and the node steps of the
 * hierarchical collectives.
 *
 * Why not the fabric: a CMA transfer copies at ~12.8 GB/s here (one
 * core, the kernel pinning pages), and an allreduce by CMA copies each
 * block into a scratch buffer before it can fold it.  Through shared
 * memory a chunk is written once by its owner (streaming stores), read
 * once by each reader, and the next chunk is already on its way: 1 MiB
 * broadcast on 2 localities 53-63 us vs 80-82 by CMA, allreduce 129-141
 * vs 155 (docs/perf.md).
 *
 * Allreduce, per chunk (every locality, all at once):
 *   1. copy the pieces of my input that others fold into my chunk
 *      buffer (piece k of a chunk is folded by locality k);
 *   2. when every chunk buffer holds the chunk, fold my piece of all of
 *      them in locality order (0 first: the same bits everywhere, as the
 *      other algorithms promise), a few KiB at a time in private memory,
 *      into my output and my result buffer;
 *   3. when every result buffer holds the chunk, copy the others' pieces
 *      into my output; mark the chunk consumed.
 * In place works: a locality reads each part of its input before it
 * writes that part of its output.
 *
 * Reduce: the same without step 3 at the localities other than the
 * root; on 2 localities the root folds whole chunks (piece()).
 * Broadcast: the root copies each chunk into its chunk buffer; the
 * others copy it out and mark it consumed.  Allgather: every locality is
 * a broadcast root of its block at once.
 *
 * Cost, p localities, n bytes per locality, in chunks of C bytes (256
 * KiB up to 8 localities): each byte is written once to the segment with streaming
 * stores and read once by each reader (allreduce: (p-1)/p n in, n/p
 * folded over p inputs, (p-1)/p n out; broadcast: n in at the root, n out
 * at each other), ~2 handoffs per chunk, chunks overlapping up to
 * the area's depth (segment.c).  At memory bandwidth B: about 2n/B per locality.
 *
 * Waiting returns FLOC_ERR_AGAIN with nothing posted (coll.h): the
 * progress engine calls again, backs off, and notices a lost peer.
 */
#include <string.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

enum { PIPE_START, PIPE_IN, PIPE_RES };   /* steps: PIPE_IN waits for step 1, PIPE_RES for 2 */

static void publish(floc_node_line_t *line, uint64_t id)
{
    floc_node_stream_fence();
    atomic_store_explicit(&line->v, id, memory_order_release);
}

static int reached(const floc_node_line_t *line, uint64_t id)
{
    return atomic_load_explicit(&((floc_node_line_t *)line)->v, memory_order_acquire) >= id;
}

/* Has every other locality consumed chunk id - DEPTH (the last user of
 * the buffers chunk id will overwrite)? */
static int reusable(const floc_node_t *n, int me, int p, uint64_t id)
{
    if (id <= n->pipe_depth)
        return 1;
    for (int k = 0; k < p; k++)
        if (k != me && !reached(&floc_node_pipe(n, k)->consumed, id - n->pipe_depth))
            return 0;
    return 1;
}

/* elements per chunk for this collective: at least 4 chunks in flight
 * when the message is large enough to cut (a single chunk serialises the
 * copy in, the fold and the copy out) */
static size_t chunk_elems(const floc_coll_req_t *c)
{
    const floc_node_t *n = c->ctx->coll->seg;
    size_t bytes = c->v.count * c->esize, chunk = n->chunk;
    while (chunk > (16u << 10) && bytes < 4 * chunk)
        chunk /= 2;
    return chunk / c->esize;
}

/* Number the chunks of this collective (the same numbers everywhere). */
static void start(floc_coll_req_t *c, size_t per)
{
    floc_coll_state_t *cs = c->ctx->coll;
    const uint64_t nch = (c->v.count + per - 1) / per;
    c->s.shm.seq = cs->pipe_seq + 1;
    cs->pipe_seq += nch;
    c->s.shm.chunk = 0;
}

int floc_shm_pipe_bcast(floc_coll_req_t *c)
{
    floc_node_t *n = c->ctx->coll->seg;
    const int me = c->v.rank, p = c->v.size, root = me == c->v.root;
    const size_t es = c->esize, per = chunk_elems(c);
    unsigned char *buf = c->v.rbuf;
    if (c->step == PIPE_START) {
        start(c, per);
        c->step = PIPE_IN;
    }
    for (size_t i = c->s.shm.chunk; i * per < c->v.count; c->s.shm.chunk = ++i) {
        const uint64_t id = c->s.shm.seq + i;
        const int b = (int)(id % n->pipe_depth);
        const size_t first = i * per, len = c->v.count - first < per ? c->v.count - first : per;
        if (root) {
            if (!reusable(n, me, p, id))
                return FLOC_ERR_AGAIN;
            floc_node_stream_copy(floc_node_chunk(n, me, b), buf + first * es, len * es);
            publish(&floc_node_pipe(n, me)->in[b], id);
        } else {
            if (!reached(&floc_node_pipe(n, c->v.root)->in[b], id))
                return FLOC_ERR_AGAIN;
            memcpy(buf + first * es, floc_node_chunk(n, c->v.root, b), len * es);
        }
        publish(&floc_node_pipe(n, me)->consumed, id);
    }
    return 0;
}

/* Did every other locality publish chunk id in its line of kind `res`
 * (0: chunk buffers, 1: result buffers) b? */
static int all_reached(const floc_node_t *n, int me, int p, int res, int b, uint64_t id)
{
    for (int k = 0; k < p; k++) {
        const floc_node_pipe_t *pk = floc_node_pipe(n, k);
        if (k != me && !reached(res ? &pk->res[b] : &pk->in[b], id))
            return 0;
    }
    return 1;
}

/* Step 2: fold piece [m0, m1) of chunk (elements from `first`) of every
 * locality's input, in locality order, into out (NULL: a reduce's
 * locality other than the root) and res (NULL: a reduce's root).  Folded
 * straight into out, except where out is the input of a locality other
 * than 0 (in place) or there is no out: then in private memory. */
static void fold_piece(floc_coll_req_t *c, const unsigned char *in, unsigned char *out,
                       unsigned char *res, int b, size_t first, size_t m0, size_t m1)
{
    floc_node_t *n = c->ctx->coll->seg;
    const size_t es = c->esize, step = FLOC_NODE_FOLD / es;
    const int private_acc = !out || (in == out && c->v.rank != 0);
    for (size_t e = m0; e < m1; e += step) {
        const size_t cnt = m1 - e < step ? m1 - e : step;
        unsigned char *acc = private_acc ? n->scratch : out + (first + e) * es;
        for (int k = 0; k < c->v.size; k++) {
            const unsigned char *src = k == c->v.rank ? in + (first + e) * es
                                                    : floc_node_chunk(n, k, b) + e * es;
            if (k == 0) {
                if (src != acc)
                    memcpy(acc, src, cnt * es);
            } else {
                c->reduce(src, acc, cnt);
            }
        }
        if (private_acc && out)
            memcpy(out + (first + e) * es, acc, cnt * es);
        if (res)
            floc_node_stream_copy(res + (e - m0) * es, acc, cnt * es);
    }
}

/*
 * The piece of a chunk of len elements that locality k folds (its first
 * element in *first): an even share, except in a reduce on 2
 * localities, where the root folds the whole chunk.  There a share
 * would cost the root a copy out of the other's result on top of its
 * fold, while the other has nothing left to do once its input is in
 * (reduce 128 KiB: 17-18 us with shares, MPI 14-15).
 */
static size_t piece(const floc_coll_req_t *c, int to_root, size_t len, int k, size_t *first)
{
    if (to_root && c->v.size == 2) {
        *first = 0;
        return k == c->v.root ? len : 0;
    }
    return floc_coll_block(len, c->v.size, k, first);
}

/* Step 1 for chunk i (if its buffer is free): what the others read of
 * my input, into my chunk buffer: all of it (allgather: in is my block)
 * or all but my piece (reductions: piece k is folded by locality k).
 * 0 when done, FLOC_ERR_AGAIN when not yet possible. */
static int copy_in(floc_coll_req_t *c, const unsigned char *in, size_t per, size_t i, int all,
                   int to_root)
{
    floc_node_t *n = c->ctx->coll->seg;
    const uint64_t id = c->s.shm.seq + i;
    if (!reusable(n, c->v.rank, c->v.size, id))
        return FLOC_ERR_AGAIN;
    const int b = (int)(id % n->pipe_depth);
    const size_t es = c->esize, first = i * per;
    const size_t len = c->v.count - first < per ? c->v.count - first : per;
    size_t m0 = len, m1 = len;   /* the part kept back, [m0, m1): none */
    if (!all)
        m1 = piece(c, to_root, len, c->v.rank, &m0) + m0;
    unsigned char *to = floc_node_chunk(n, c->v.rank, b);
    floc_node_stream_copy(to, in + first * es, m0 * es);
    floc_node_stream_copy(to + m1 * es, in + (first + m1) * es, (len - m1) * es);
    publish(&floc_node_pipe(n, c->v.rank)->in[b], id);
    return 0;
}

/* Step 1 of chunk i and, as far as the buffers allow, of the next ones
 * (c->s.shm.copied: chunks whose step 1 is done).  Is chunk i's done? */
static int run_ahead(floc_coll_req_t *c, const unsigned char *in, size_t per, size_t nch,
                     size_t i, int all, int to_root)
{
    const floc_node_t *n = c->ctx->coll->seg;
    while (c->s.shm.copied < nch && c->s.shm.copied < i + n->pipe_depth &&
           copy_in(c, in, per, c->s.shm.copied, all, to_root) == 0)
        c->s.shm.copied++;
    return c->s.shm.copied > i;
}

/*
 * The chunks move through steps 1-3 in order; step 1 runs ahead (up to
 * DEPTH chunks, as far as the buffers allow) whenever this locality
 * would otherwise wait for the others: c->s.shm.chunk is the chunk in
 * steps 2-3, c->s.shm.copied the number of chunks whose step 1 is done.
 * to_root: a reduce, whose step 3 only the root takes (the others'
 * results are for it alone; its own goes straight to its output).
 */
static int pipe_reduction(floc_coll_req_t *c, int to_root)
{
    floc_node_t *n = c->ctx->coll->seg;
    const int me = c->v.rank, p = c->v.size, reader = !to_root || me == c->v.root;
    const size_t es = c->esize, per = chunk_elems(c), nch = (c->v.count + per - 1) / per;
    /* the input: sbuf, or rbuf in place (floc_iallreduce and floc_ireduce
     * leave rbuf alone for these algorithms) */
    const unsigned char *in = c->v.sbuf && c->v.sbuf != FLOC_IN_PLACE ? c->v.sbuf : c->v.rbuf;
    unsigned char *out = reader ? c->v.rbuf : NULL;
    floc_node_pipe_t *mine = floc_node_pipe(n, me);
    if (c->step == PIPE_START) {
        start(c, per);
        c->s.shm.copied = 0;
        c->step = PIPE_IN;
    }
    for (size_t i = c->s.shm.chunk; i < nch; c->s.shm.chunk = ++i, c->step = PIPE_IN) {
        const uint64_t id = c->s.shm.seq + i;
        const int b = (int)(id % n->pipe_depth);
        const size_t first = i * per, len = c->v.count - first < per ? c->v.count - first : per;
        /* step 1 of this chunk and, while waiting, of the next ones */
        if (!run_ahead(c, in, per, nch, i, 0, to_root))
            return FLOC_ERR_AGAIN;
        switch (c->step) {
        case PIPE_IN: {
            if (!all_reached(n, me, p, 0, b, id))
                return FLOC_ERR_AGAIN;
            size_t m0, mlen = piece(c, to_root, len, me, &m0);   /* my piece */
            fold_piece(c, in, out, to_root && me == c->v.root ? NULL : floc_node_result(n, me, b),
                       b, first, m0, m0 + mlen);
            publish(&mine->res[b], id);
            c->step = PIPE_RES;
        }
            /* fall through */
        case PIPE_RES:
            if (reader && !all_reached(n, me, p, 1, b, id))
                return FLOC_ERR_AGAIN;
            for (int k = 0; reader && k < p; k++) {
                size_t k0, klen = piece(c, to_root, len, k, &k0);
                if (k != me && klen)
                    memcpy(out + (first + k0) * es, floc_node_result(n, k, b), klen * es);
            }
            publish(&mine->consumed, id);
            break;
        default:
            return FLOC_ERR_INVALID;
        }
    }
    return 0;
}

/* on floc_mem_alloc buffers everywhere, the fold of allreduce_mapped.c
 * instead (any_load: even on an oversubscribed node) */
static int allreduce(floc_coll_req_t *c, int any_load)
{
    if (!c->s.shm.piped) {
        int ret = floc_shm_mapped_allreduce(c, any_load);
        if (ret != FLOC_SHM_NOT_MAPPED)
            return ret;
        c->s.shm.piped = 1;
        c->step = PIPE_START;
    }
    return pipe_reduction(c, 0);
}

int floc_shm_pipe_allreduce(floc_coll_req_t *c)
{
    return allreduce(c, 0);
}

int floc_shm_mapped_pipe_allreduce(floc_coll_req_t *c)
{
    return allreduce(c, 1);
}

/*
 * Allgather: every block travels in chunks; per chunk each locality
 * streams its own into its chunk buffer (running ahead as the reduction
 * does, c->s.shm.copied chunks so far) and copies the others' out once all are
 * there.  Its own block goes from sbuf to its place in rbuf directly.
 */
int floc_shm_pipe_allgather(floc_coll_req_t *c)
{
    floc_node_t *n = c->ctx->coll->seg;
    const int me = c->v.rank, p = c->v.size;
    const size_t es = c->esize, per = chunk_elems(c), nch = (c->v.count + per - 1) / per;
    const size_t block = c->v.count * es;
    unsigned char *all = c->v.rbuf;
    const unsigned char *mine = c->v.sbuf == FLOC_IN_PLACE ? all + (size_t)me * block : c->v.sbuf;
    if (c->step == PIPE_START) {
        start(c, per);
        c->s.shm.copied = 0;
        c->step = PIPE_IN;
        if (mine != all + (size_t)me * block)
            memcpy(all + (size_t)me * block, mine, block);
    }
    for (size_t i = c->s.shm.chunk; i < nch; c->s.shm.chunk = ++i) {
        const uint64_t id = c->s.shm.seq + i;
        const int b = (int)(id % n->pipe_depth);
        const size_t first = i * per, len = c->v.count - first < per ? c->v.count - first : per;
        if (!run_ahead(c, mine, per, nch, i, 1, 0) || !all_reached(n, me, p, 0, b, id))
            return FLOC_ERR_AGAIN;
        for (int k = 0; k < p; k++)
            if (k != me)
                memcpy(all + (size_t)k * block + first * es, floc_node_chunk(n, k, b), len * es);
        publish(&floc_node_pipe(n, me)->consumed, id);
    }
    return 0;
}

int floc_shm_pipe_reduce(floc_coll_req_t *c)
{
    return pipe_reduction(c, 1);
}
