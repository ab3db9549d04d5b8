/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allreduce_recdbl.c - recursive-doubling allreduce (after MPICH's
 * allreduce_intra_recursive_doubling).
 *
 * Let p' be the largest power of two <= p and rem = p - p'.  First the
 * 2*rem lowest ranks pair up: each even one sends its vector to the odd
 * one above it and sits out.  The p' remaining localities then exchange
 * full vectors with partner (newrank XOR 2^k), k = 0..lg p' - 1, and
 * combine.  Finally the odd ranks hand the result back to their even
 * partner.  Cost: (lg p' + 2 [if rem]) (alpha + n beta + n gamma): the
 * small-message choice.
 *
 * Same bits everywhere: both partners of a step combine
 * op(lower rank's data, higher rank's data), the same operands in the
 * same order, so they hold identical bits after every step.
 *
 * State: step 0 fold, 1 fold done, 2 exchange posted (s.recdbl.mask = 2^k),
 * 3 hand back posted, 4 done.
 */
#include <string.h>

#include "algs.h"


/* acc = op(lower, higher); mine_is_lower says which one acc holds */
static void combine(floc_coll_req_t *c, void *acc, void *other, int mine_is_lower)
{
    if (mine_is_lower) {
        c->reduce(acc, other, c->v.count);   /* other = mine op other */
        memcpy(acc, other, c->v.count * c->esize);
    } else {
        c->reduce(other, acc, c->v.count);   /* acc = other op mine */
    }
}

static int real_rank(const floc_coll_req_t *c, int newrank)
{
    return newrank < c->s.recdbl.rem ? newrank * 2 + 1 : newrank + c->s.recdbl.rem;
}

/* post the exchange with partner newrank ^ mask, or move on */
static int exchange(floc_coll_req_t *c, size_t bytes)
{
    if (c->s.recdbl.newrank >= 0 && c->s.recdbl.mask < c->s.recdbl.pof2) {
        int dst = real_rank(c, c->s.recdbl.newrank ^ c->s.recdbl.mask);
        c->s.recdbl.partner = dst;
        c->step = 2;
        int ret = floc_coll_post_recv(c, c->tmp, bytes, dst,
                                      1 + __builtin_ctz((unsigned)c->s.recdbl.mask));
        if (!ret)
            ret = floc_coll_post_send(c, c->v.rbuf, bytes, dst,
                                      1 + __builtin_ctz((unsigned)c->s.recdbl.mask));
        return ret ? ret : FLOC_ERR_AGAIN;
    }
    /* hand the result back to the ranks that sat out */
    c->step = 3;
    int r = c->v.rank, tag = 1 + __builtin_ctz((unsigned)c->s.recdbl.pof2), ret = 0;
    if (r < 2 * c->s.recdbl.rem)
        ret = r % 2 ? floc_coll_post_send(c, c->v.rbuf, bytes, r - 1, tag)
                    : floc_coll_post_recv(c, c->v.rbuf, bytes, r + 1, tag);
    return ret ? ret : FLOC_ERR_AGAIN;
}

int floc_allreduce_recursive_doubling(floc_coll_req_t *c)
{
    const int r = c->v.rank;
    const size_t bytes = c->v.count * c->esize;
    int ret = 0;
    switch (c->step) {
    case 0: {
        if ((ret = floc_coll_tmp(c, bytes)))
            return ret;
        int pof2 = 1;
        while (pof2 * 2 <= c->v.size)
            pof2 *= 2;
        c->s.recdbl.pof2 = pof2;
        c->s.recdbl.rem = c->v.size - pof2;
        c->s.recdbl.mask = 1;
        c->step = 1;
        if (r < 2 * c->s.recdbl.rem) {
            c->s.recdbl.newrank = r % 2 ? r / 2 : -1;
            ret = r % 2 ? floc_coll_post_recv(c, c->tmp, bytes, r - 1, 0)
                        : floc_coll_post_send(c, c->v.rbuf, bytes, r + 1, 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
        c->s.recdbl.newrank = r - c->s.recdbl.rem;
        return exchange(c, bytes);
    }
    case 1:   /* fold done: odd ranks combine with the even one below */
        if (r < 2 * c->s.recdbl.rem && r % 2)
            combine(c, c->v.rbuf, c->tmp, 0);
        return exchange(c, bytes);
    case 2:   /* an exchange done */
        combine(c, c->v.rbuf, c->tmp, r < c->s.recdbl.partner);
        c->s.recdbl.mask <<= 1;
        return exchange(c, bytes);
    default:
        return 0;
    }
}
