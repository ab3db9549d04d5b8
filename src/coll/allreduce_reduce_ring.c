/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allreduce_ring.c - ring allreduce: reduce-scatter then allgather, each
 * around the ring (Patarasuk & Yuan), the bandwidth-optimal choice for
 * large vectors: every locality sends and receives 2(p-1)/p of the
 * vector.  Cost: 2(p-1) alpha + 2((p-1)/p) n beta + ((p-1)/p) n gamma.
 *
 * The vector is cut into p blocks (sizes differ by at most one element).
 * In reduce-scatter step s, locality r sends block (r - s) and receives
 * block (r - s - 1), which it combines as op(received, own): block b is
 * therefore reduced in one fixed order, x_b op x_b+1 op ... around the
 * ring; the allgather then copies the finished blocks straight into
 * place.  Every locality ends with the same bits, and the same bits on
 * every run.
 *
 * Pipelining: in the reduce-scatter each block travels in K chunks of
 * about FLOC_RING_CHUNK_BYTES, through two landing slots.  Transfer t
 * (step t / K, chunk t % K) is posted before chunk t - 1 is reduced, so
 * the neighbour copies the next chunk while this locality reduces the
 * last one, and a reduced chunk is still in cache when it is combined.
 * A chunk is forwarded K transfers after it arrived, so with K >= 2 it
 * is always reduced by then.
 *
 * State: step = batches posted; batch t < T = (p-1) K is reduce-scatter
 * transfer t, batch T + a is allgather step a (whole blocks).
 */

#include <string.h>

#include "algs.h"

/* Measured here (2 cores, shm, floc_coll_bench allreduce, FLOC_ALLREDUCE_ALGO=ring):
 * 512 KiB chunks vs whole blocks, 2 localities: 4 MiB 630 vs 742 us,
 * 16 MiB 5010 vs 5935 us; 4 localities: 4 MiB 2939 vs 3063 us, 16 MiB
 * 15465 vs 18232 us.  128 KiB and 2 MiB chunks were within 5% of 512 KiB. */
#define FLOC_RING_CHUNK_BYTES (512u << 10)


/* the vector being reduced: rbuf, or for a reduce away from the root a
 * working copy of sbuf after the two slots */
static char *work(const floc_coll_req_t *c)
{
    if (c->s.ring.to_root && c->v.rank != c->v.root)
        return (char *)c->tmp + 2 * (size_t)c->s.ring.slot_bytes;
    return c->v.rbuf;
}

/* chunk j of block b: length in elements, first element in *first */
static size_t chunk(const floc_coll_req_t *c, int b, int j, size_t *first)
{
    size_t bfirst, blen = floc_coll_block(c->v.count, c->v.size, b, &bfirst);
    size_t len = floc_coll_block(blen, c->s.ring.nchunk, j, first);
    *first += bfirst;
    return len;
}

static void *slot(const floc_coll_req_t *c, int t)
{
    return (char *)c->tmp + (size_t)(t % 2) * (size_t)c->s.ring.slot_bytes;
}

/* reduce-scatter transfer t has landed: own chunk = received op own */
static void reduce_chunk(floc_coll_req_t *c, int t)
{
    const int K = c->s.ring.nchunk, s = t / K;
    size_t first, len = chunk(c, floc_coll_mod(c->v.rank - s - 1, c->v.size), t % K, &first);
    c->reduce(slot(c, t), work(c) + first * c->esize, len);
}

static int post_batch(floc_coll_req_t *c, int t)
{
    const int p = c->v.size, r = c->v.rank, K = c->s.ring.nchunk, T = (p - 1) * K;
    const int left = floc_coll_mod(r - 1, p), right = (r + 1) % p;
    const size_t es = c->esize;
    char *buf = work(c);
    size_t so, sn, ro, rn;
    void *into;
    if (t >= T && c->s.ring.to_root) {
        /* reduce: block r + 1 is complete here; each sends it to the root */
        if (r != c->v.root) {
            sn = floc_coll_block(c->v.count, p, (r + 1) % p, &so);
            return floc_coll_post_send(c, buf + so * es, sn * es, c->v.root, t);
        }
        int ret = 0;
        for (int q = 0; q < p && !ret; q++)
            if (q != r) {
                rn = floc_coll_block(c->v.count, p, (q + 1) % p, &ro);
                ret = floc_coll_post_recv(c, buf + ro * es, rn * es, q, t);
            }
        return ret;
    }
    if (t < T) {
        const int s = t / K, j = t % K;
        sn = chunk(c, floc_coll_mod(r - s, p), j, &so);
        rn = chunk(c, floc_coll_mod(r - s - 1, p), j, &ro);
        into = slot(c, t);
    } else {
        const int a = t - T;
        sn = floc_coll_block(c->v.count, p, floc_coll_mod(r + 1 - a, p), &so);
        rn = floc_coll_block(c->v.count, p, floc_coll_mod(r - a, p), &ro);
        into = buf + ro * es;
    }
    int ret = floc_coll_post_recv(c, into, rn * es, left, t);
    return ret ? ret : floc_coll_post_send(c, buf + so * es, sn * es, right, t);
}

static int ring(floc_coll_req_t *c)
{
    const int p = c->v.size;
    if (c->step == 0) {
        size_t max_block = c->v.count / (size_t)p + 1;
        size_t k = (max_block * c->esize + FLOC_RING_CHUNK_BYTES - 1) / FLOC_RING_CHUNK_BYTES;
        if (k > (size_t)(1 << 24) / (size_t)p)   /* transfer numbers stay ints */
            k = (size_t)(1 << 24) / (size_t)p;
        if (k < 1)
            k = 1;
        c->s.ring.nchunk = (int)k;
        c->s.ring.slot_bytes = (int)(((max_block + k - 1) / k) * c->esize);
        const size_t vec = c->v.count * c->esize;
        const int copy = c->s.ring.to_root && c->v.rank != c->v.root;
        int ret = floc_coll_tmp(c, 2 * (size_t)c->s.ring.slot_bytes + (copy ? vec : 0));
        if (ret)
            return ret;
        if (copy)
            memcpy(work(c), c->v.sbuf, vec);
        c->step = 1;
        ret = post_batch(c, 0);
        return ret ? ret : FLOC_ERR_AGAIN;
    }
    const int T = (p - 1) * c->s.ring.nchunk, batches = T + (c->s.ring.to_root ? 1 : p - 1);
    const int t = c->step - 1;   /* the batch that just completed */
    /* with one chunk per block the next send is the chunk just received */
    const int reduce_after_post = c->s.ring.nchunk > 1 && t + 1 < T;
    if (t < T && !reduce_after_post)
        reduce_chunk(c, t);
    if (t + 1 == batches)
        return 0;
    int ret = post_batch(c, t + 1);
    if (reduce_after_post)
        reduce_chunk(c, t);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}

int floc_allreduce_ring(floc_coll_req_t *c)
{
    c->s.ring.to_root = 0;
    return ring(c);
}

/* reduce: the same reduce-scatter, then every block straight to the root
 * (each locality moves (p-1)/p of the vector plus one block, instead of
 * the whole vector lg p times up a tree) */
int floc_reduce_ring(floc_coll_req_t *c)
{
    c->s.ring.to_root = 1;
    return ring(c);
}
