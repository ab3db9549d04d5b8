/*
 * reduce_binomial.c - binomial-tree reduce to a root.
 *
 * Relative rank v = rank - root (mod p).  Round k: a locality whose bit k
 * is set sends its partial result to v - 2^k and is done; the others
 * receive from v + 2^k (if it exists) and combine.  Any p.  The tree, and
 * so the order of combination, is fixed: the same bits on every run.
 * Cost: ceil(lg p) (alpha + n beta + n gamma).
 *
 * State: st[MASK] = 2^k of the round in flight, st[SENT] once sent.
 */
#include <string.h>

#include "coll.h"

enum { MASK, SENT, RECVD };

int floc_reduce_binomial(floc_coll_req_t *c)
{
    const int p = c->size, v = (c->rank - c->root + p) % p;
    const size_t bytes = c->count * c->esize;
    char *acc = c->rank == c->root ? c->rbuf : c->tmp;
    char *child = (char *)c->tmp + (c->rank == c->root ? 0 : bytes);

    if (c->step == 0) {
        /* scratch: the partial result (non-roots) and a child's block */
        int ret = floc_coll_tmp(c, 2 * bytes + 1);
        if (ret)
            return ret;
        acc = c->rank == c->root ? c->rbuf : c->tmp;
        child = (char *)c->tmp + (c->rank == c->root ? 0 : bytes);
        if (c->rank != c->root)
            memcpy(acc, c->sbuf, bytes);
        c->st[MASK] = 1;
        c->step = 1;
    } else if (c->st[SENT]) {
        return 0;
    } else if (c->st[RECVD]) {
        c->reduce(child, acc, c->count);   /* acc = child op acc */
        c->st[RECVD] = 0;
        c->st[MASK] <<= 1;
    }
    for (; c->st[MASK] < p; c->st[MASK] <<= 1) {
        int mask = c->st[MASK], ret;
        if (v & mask) {
            c->st[SENT] = 1;
            ret = floc_coll_post_send(c, acc, bytes, (v - mask + c->root) % p, 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
        if (v + mask < p) {
            c->st[RECVD] = 1;
            ret = floc_coll_post_recv(c, child, bytes, (v + mask + c->root) % p, 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
    }
    return 0;
}
