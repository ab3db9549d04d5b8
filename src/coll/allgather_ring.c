/*
 * allgather_ring.c - ring allgather: in step s locality r passes block
 * (r - s) to its right neighbour and receives block (r - s - 1) from its
 * left one, straight into place.  Any p.  Cost: (p-1) alpha +
 * ((p-1)/p) N beta (N = the whole gathered vector): bandwidth-optimal.
 */
#include <string.h>

#include "coll.h"

int floc_allgather_ring(floc_coll_req_t *c)
{
    const int p = c->size, r = c->rank;
    const size_t bytes = c->count * c->esize;
    char *all = c->rbuf;
    if (c->step == 0 && c->sbuf != FLOC_IN_PLACE)
        memcpy(all + (size_t)r * bytes, c->sbuf, bytes);
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
