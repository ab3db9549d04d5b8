/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allgatherv_ring.c - allgatherv around the ring, as allgather_ring.c
 * with blocks of their own size (counts[q] elements at displs[q]): in
 * step s locality r passes block (r - s) to its right neighbour and
 * receives block (r - s - 1) from its left one, straight into place.
 * Any p.  Cost: (p-1) alpha + (N - n_r) beta, N the whole vector.
 *
 * State: step s = the exchange of step s posted.
 */
#include <string.h>

#include "algs.h"

int floc_allgatherv_ring(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t es = c->esize;
    char *all = c->v.rbuf;
    if (c->step == 0 && c->v.sbuf != FLOC_IN_PLACE)
        memcpy(all + c->v.displs[r] * es, c->v.sbuf, c->v.counts[r] * es);
    int s = c->step;
    if (s >= p - 1)
        return 0;
    int sb = ((r - s) % p + p) % p, rb = ((r - s - 1) % p + p) % p;
    int ret = floc_coll_post_recv(c, all + c->v.displs[rb] * es, c->v.counts[rb] * es,
                                  (r - 1 + p) % p, s);
    if (!ret)
        ret = floc_coll_post_send(c, all + c->v.displs[sb] * es, c->v.counts[sb] * es, (r + 1) % p,
                                  s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
