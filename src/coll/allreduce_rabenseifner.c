/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allreduce_rabenseifner.c - Rabenseifner's allreduce: reduce-scatter by
 * recursive halving, then allgather by recursive doubling.  Cost:
 * 2 lg p alpha + 2((p-1)/p) n beta + ((p-1)/p) n gamma: the bandwidth of
 * the ring with lg p instead of p messages, the choice for large vectors
 * on many localities.
 *
 * Non-powers of two fold first, as recursive doubling does: with p' the
 * largest power of two <= p and rem = p - p', each even rank below
 * 2 rem hands its vector to the odd one above and waits for the result.
 *
 * The p' others cut the vector into p' blocks.  Halving step with bit m
 * (m = p'/2 .. 1): partners newrank ^ m split their window of blocks in
 * two; the one without bit m keeps the lower half.  Each receives the
 * half it keeps and combines op(received, own).  After lg p' steps
 * locality newrank holds block newrank, fully reduced (in one fixed tree
 * order: same bits on every run).  Doubling steps (m = 1 .. p'/2) swap
 * windows until everyone has every block; blocks are copied, never
 * recombined, so every locality holds the same bits.
 *
 * State: step 0 fold posted, 1 halving posted, 2 doubling posted,
 * 3 hand back posted.
 */

#include "algs.h"


static int real_rank(const floc_coll_req_t *c, int newrank)
{
    return newrank < c->s.rabenseifner.rem ? newrank * 2 + 1 : newrank + c->s.rabenseifner.rem;
}

static int lg(int x)
{
    return __builtin_ctz((unsigned)x);
}

/* elements of blocks [lo, hi): length, first element in *first */
static size_t window(const floc_coll_req_t *c, int lo, int hi, size_t *first)
{
    *first = floc_block_start(c->v.count, c->s.rabenseifner.pof2, lo);
    return floc_block_start(c->v.count, c->s.rabenseifner.pof2, hi) - *first;
}

static int post_pair(floc_coll_req_t *c, void *into, size_t rlen, const void *from, size_t slen,
                     int peer, int tag)
{
    int ret = floc_coll_post_recv(c, into, rlen * c->esize, peer, tag);
    return ret ? ret : floc_coll_post_send(c, from, slen * c->esize, peer, tag);
}

/* post the next halving or doubling exchange, or the hand back */
static int next(floc_coll_req_t *c)
{
    char *buf = c->v.rbuf;
    const int me = c->s.rabenseifner.newrank, lgp = lg(c->s.rabenseifner.pof2);
    int m = c->s.rabenseifner.mask;
    if (me >= 0 && c->step == 1 && m >= 1) {   /* halving: keep one half */
        int lo = c->s.rabenseifner.lo, hi = c->s.rabenseifner.hi, mid = (lo + hi) / 2;
        int klo = me & m ? mid : lo, khi = me & m ? hi : mid;
        size_t kf, kn = window(c, klo, khi, &kf), sf, sn = window(c, klo == lo ? mid : lo,
                                                                   klo == lo ? hi : mid, &sf);
        c->s.rabenseifner.lo = klo;
        c->s.rabenseifner.hi = khi;
        return post_pair(c, c->tmp, kn, buf + sf * c->esize, sn, real_rank(c, me ^ m), 1 + lg(m));
    }
    if (me >= 0 && c->step == 1) {   /* halving done: now double */
        c->step = 2;
        c->s.rabenseifner.mask = m = 1;
    }
    if (me >= 0 && c->step == 2 && m < c->s.rabenseifner.pof2) {
        int lo = c->s.rabenseifner.lo, hi = c->s.rabenseifner.hi;
        int plo = me & m ? lo - m : hi, phi = me & m ? lo : hi + m;
        size_t mf, mn = window(c, lo, hi, &mf), pf, pn = window(c, plo, phi, &pf);
        c->s.rabenseifner.lo = lo < plo ? lo : plo;
        c->s.rabenseifner.hi = hi > phi ? hi : phi;
        return post_pair(c, buf + pf * c->esize, pn, buf + mf * c->esize, mn, real_rank(c, me ^ m),
                         2 + lgp + lg(m));
    }
    /* hand the result back to the ranks that sat out */
    c->step = 3;
    const int r = c->v.rank, tag = 2 + 2 * lgp;
    const size_t bytes = c->v.count * c->esize;
    if (r >= 2 * c->s.rabenseifner.rem)
        return 0;
    return r % 2 ? floc_coll_post_send(c, buf, bytes, r - 1, tag)
                 : floc_coll_post_recv(c, buf, bytes, r + 1, tag);
}

int floc_allreduce_rabenseifner(floc_coll_req_t *c)
{
    const int r = c->v.rank;
    int ret = 0;
    switch (c->step) {
    case 0: {
        int pof2 = 1;
        while (pof2 * 2 <= c->v.size)
            pof2 *= 2;
        c->s.rabenseifner.pof2 = pof2;
        c->s.rabenseifner.rem = c->v.size - pof2;
        const size_t bytes = c->v.count * c->esize;
        /* the fold receives a whole vector; halving at most half of it */
        if ((ret = floc_coll_tmp(c, bytes)))
            return ret;
        c->s.rabenseifner.newrank =
            r < 2 * c->s.rabenseifner.rem ? (r % 2 ? r / 2 : -1) : r - c->s.rabenseifner.rem;
        c->s.rabenseifner.lo = 0;
        c->s.rabenseifner.hi = pof2;
        c->s.rabenseifner.mask = pof2 / 2;
        if (r < 2 * c->s.rabenseifner.rem) {
            c->step = 5;   /* fold posted */
            ret = r % 2 ? floc_coll_post_recv(c, c->tmp, bytes, r - 1, 0)
                        : floc_coll_post_send(c, c->v.rbuf, bytes, r + 1, 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
        c->step = 1;
        break;
    }
    case 5:   /* fold done: the odd rank combines op(received, own) */
        if (r % 2)
            c->reduce(c->tmp, c->v.rbuf, c->v.count);
        c->step = 1;
        break;
    case 1: {   /* a halving exchange done: reduce the kept half */
        size_t kf, kn = window(c, c->s.rabenseifner.lo, c->s.rabenseifner.hi, &kf);
        c->reduce(c->tmp, (char *)c->v.rbuf + kf * c->esize, kn);
        c->s.rabenseifner.mask >>= 1;
        break;
    }
    case 2:
        c->s.rabenseifner.mask <<= 1;
        break;
    default:
        return 0;
    }
    ret = next(c);
    if (ret)
        return ret;
    return c->step == 3 && c->nbatch == 0 ? 0 : FLOC_ERR_AGAIN;
}
