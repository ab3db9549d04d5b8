/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allgather_ring.c - ring allgather: in step s locality r passes block
 * (r - s) to its right neighbour and receives block (r - s - 1) from its
 * left one, straight into place.  Any p.  Cost: (p-1) alpha +
 * ((p-1)/p) N beta (N = the whole gathered vector): bandwidth-optimal.
 */
#include <string.h>

#include "algs.h"

int floc_allgather_ring(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t bytes = c->v.count * c->esize;
    char *all = c->v.rbuf;
    if (c->step == 0 && c->v.sbuf != FLOC_IN_PLACE)
        memcpy(all + (size_t)r * bytes, c->v.sbuf, bytes);
    int s = c->step;
    if (s >= p - 1)
        return 0;
    int sb = ((r - s) % p + p) % p, rb = ((r - s - 1) % p + p) % p;
    int ret = floc_coll_post_recv(c, all + (size_t)rb * bytes, bytes, (r - 1 + p) % p, s);
    if (!ret)
        ret = floc_coll_post_send(c, all + (size_t)sb * bytes, bytes, (r + 1) % p, s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
