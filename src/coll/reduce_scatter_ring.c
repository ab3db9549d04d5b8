/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reduce_scatter_ring.c - reduce-scatter with equal blocks, around the
 * ring: in step s locality r sends its partial block (r - s - 1) to the
 * right and receives partial block (r - s - 2) from the left, combining
 * op(received, own).  After p-1 steps it holds block r, reduced in one
 * fixed order (x_r+1 op x_r+2 op ... op x_r).  Cost: (p-1) alpha +
 * ((p-1)/p) N (beta + gamma), N = the whole vector: bandwidth-optimal.
 *
 * State: step s = exchange in flight; tmp = working copy of the vector
 * followed by one receive block.
 */
#include <string.h>

#include "algs.h"

int floc_reduce_scatter_ring(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t blk = c->v.count * c->esize;
    if (c->step == 0) {
        int ret = floc_coll_tmp(c, blk * ((size_t)p + 1));
        if (ret)
            return ret;
        memcpy(c->tmp, c->v.sbuf, blk * (size_t)p);
    }
    char *work = c->tmp, *in = work + blk * (size_t)p;
    int s = c->step - 1;
    if (s >= 0) {   /* the exchange of step s completed */
        int rb = ((r - s - 2) % p + p) % p;
        c->reduce(in, work + (size_t)rb * blk, c->v.count);
    }
    s = c->step;
    if (s >= p - 1) {
        memcpy(c->v.rbuf, work + (size_t)r * blk, blk);
        return 0;
    }
    int sb = ((r - s - 1) % p + p) % p;
    int ret = floc_coll_post_recv(c, in, blk, (r - 1 + p) % p, s);
    if (!ret)
        ret = floc_coll_post_send(c, work + (size_t)sb * blk, blk, (r + 1) % p, s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
