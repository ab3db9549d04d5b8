/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alltoallv_pairwise.c - alltoall with a block of its own size for every
 * pair: the pairwise exchange of alltoall_pairwise.c (step s: send to
 * r + s, receive from r - s), each block counts[to] elements from
 * sbuf + displs[to] and rcounts[from] into rbuf + rdispls[from].  Empty
 * blocks still travel (as zero-byte messages): a step's two sides then
 * need no knowledge of each other's counts to stay in step.  Any p.
 */
#include <string.h>

#include "algs.h"

int floc_alltoallv_pairwise(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t es = c->esize;
    const char *in = c->v.sbuf;
    char *out = c->v.rbuf;
    if (c->step == 0) {
        if (c->v.counts[r])
            memcpy(out + c->v.rdispls[r] * es, in + c->v.displs[r] * es, c->v.counts[r] * es);
        c->step = 1;
    }
    int s = c->step;
    if (s >= p)
        return 0;
    int to = (r + s) % p, from = (r - s + p) % p;
    int ret = floc_coll_post_recv(c, out + c->v.rdispls[from] * es, c->v.rcounts[from] * es, from,
                                  s);
    if (!ret)
        ret = floc_coll_post_send(c, in + c->v.displs[to] * es, c->v.counts[to] * es, to, s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
