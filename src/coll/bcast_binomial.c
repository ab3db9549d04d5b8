/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bcast_binomial.c - binomial-tree broadcast.
 *
 * Ranks are renumbered relative to the root (v = rank - root mod p).
 * Locality v receives from v minus its lowest set bit, then sends to
 * v + 2^k for every 2^k below that bit.  Any p.  Cost: ceil(lg p)
 * (alpha + n beta): the small-message choice; large messages want
 * scatter + allgather.  State: step 0 receive, 1 send to children, 2 done.
 */
#include "algs.h"

int floc_bcast_binomial(floc_coll_req_t *c)
{
    const int p = c->v.size, v = (c->v.rank - c->v.root + p) % p;
    const size_t bytes = c->v.count * c->esize;
    int lowbit = 1;
    while (lowbit < p && !(v & lowbit))
        lowbit <<= 1;
    int ret = 0;
    if (c->step == 0 && v != 0) {
        c->step = 1;
        ret = floc_coll_post_recv(c, c->v.rbuf, bytes, (v - lowbit + c->v.root) % p, 0);
        return ret ? ret : FLOC_ERR_AGAIN;
    }
    if (c->step <= 1) {   /* the root starts here at once */
        c->step = 2;
        for (int mask = lowbit >> 1; mask > 0 && !ret; mask >>= 1)
            if (v + mask < p)
                ret = floc_coll_post_send(c, c->v.rbuf, bytes, (v + mask + c->v.root) % p, 0);
        return ret ? ret : FLOC_ERR_AGAIN;
    }
    return 0;
}
