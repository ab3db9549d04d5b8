/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reduce_binomial.c - binomial-tree reduce to a root.
 *
 * Relative rank v = rank - root (mod p).  Round k: a locality whose bit k
 * is set sends its partial result to v - 2^k and is done; the others
 * receive from v + 2^k (if it exists) and combine.  Any p.  The tree, and
 * so the order of combination, is fixed: the same bits on every run.
 * Cost: ceil(lg p) (alpha + n beta + n gamma).
 *
 * State: s.binomial.mask = 2^k of the round in flight, .sent once sent,
 * .recvd once a child's block was received.
 */
#include <string.h>

#include "algs.h"


int floc_reduce_binomial(floc_coll_req_t *c)
{
    const int p = c->v.size, v = (c->v.rank - c->v.root + p) % p;
    const size_t bytes = c->v.count * c->esize;
    char *acc = c->v.rank == c->v.root ? c->v.rbuf : c->tmp;
    char *child = (char *)c->tmp + (c->v.rank == c->v.root ? 0 : bytes);

    if (c->step == 0) {
        /* scratch: the partial result (non-roots) and a child's block */
        int ret = floc_coll_tmp(c, 2 * bytes + 1);
        if (ret)
            return ret;
        acc = c->v.rank == c->v.root ? c->v.rbuf : c->tmp;
        child = (char *)c->tmp + (c->v.rank == c->v.root ? 0 : bytes);
        if (c->v.rank != c->v.root)
            memcpy(acc, c->v.sbuf, bytes);
        c->s.binomial.mask = 1;
        c->step = 1;
    } else if (c->s.binomial.sent) {
        return 0;
    } else if (c->s.binomial.recvd) {
        c->reduce(child, acc, c->v.count);   /* acc = child op acc */
        c->s.binomial.recvd = 0;
        c->s.binomial.mask <<= 1;
    }
    for (; c->s.binomial.mask < p; c->s.binomial.mask <<= 1) {
        int mask = c->s.binomial.mask, ret;
        if (v & mask) {
            c->s.binomial.sent = 1;
            ret = floc_coll_post_send(c, acc, bytes, (v - mask + c->v.root) % p, 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
        if (v + mask < p) {
            c->s.binomial.recvd = 1;
            ret = floc_coll_post_recv(c, child, bytes, (v + mask + c->v.root) % p, 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
    }
    return 0;
}
