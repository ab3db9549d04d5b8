/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allgather_recursive_doubling.c - allgather by recursive doubling (p a
 * power of two): in round k locality r swaps everything it has (the 2^k
 * blocks of its aligned group) with partner r ^ 2^k, straight into
 * place.  Cost: lg p alpha + ((p-1)/p) N beta (N the gathered vector).
 * Other p: Bruck's algorithm (allgather_bruck.c), which has the same
 * cost for any p.
 *
 * State: step k = round k posted (step 0: nothing yet).
 */
#include <string.h>

#include "algs.h"

int floc_allgather_recursive_doubling(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    if (p & (p - 1))
        return floc_allgather_bruck(c);
    if (c->step == 0 && c->v.sbuf != FLOC_IN_PLACE)
        memcpy((char *)c->v.rbuf + (size_t)r * c->v.count * c->esize, c->v.sbuf,
               c->v.count * c->esize);
    const int k = c->step, m = 1 << k;
    if (m >= p)
        return 0;
    const size_t bytes = c->v.count * c->esize;
    char *all = c->v.rbuf;
    const int partner = r ^ m, mine = r & ~(m - 1), theirs = partner & ~(m - 1);
    int ret = floc_coll_post_recv(c, all + (size_t)theirs * bytes, (size_t)m * bytes, partner, k);
    if (!ret)
        ret = floc_coll_post_send(c, all + (size_t)mine * bytes, (size_t)m * bytes, partner, k);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
