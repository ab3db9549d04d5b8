/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alltoall_pairwise.c - pairwise exchange: in step s (1..p-1) locality r
 * sends its block for r + s and receives the block of r - s, so every
 * pair meets exactly once and no locality is flooded.  Any p.  Cost:
 * (p-1) (alpha + n beta), n the block size.
 */
#include <string.h>

#include "algs.h"

int floc_alltoall_pairwise(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t bytes = c->v.count * c->esize;
    const char *in = c->v.sbuf;
    char *out = c->v.rbuf;
    if (c->step == 0) {
        memcpy(out + (size_t)r * bytes, in + (size_t)r * bytes, bytes);
        c->step = 1;
    }
    int s = c->step;
    if (s >= p)
        return 0;
    int to = (r + s) % p, from = (r - s + p) % p;
    int ret = floc_coll_post_recv(c, out + (size_t)from * bytes, bytes, from, s);
    if (!ret)
        ret = floc_coll_post_send(c, in + (size_t)to * bytes, bytes, to, s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
