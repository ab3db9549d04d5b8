/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allgather_bruck.c - Bruck's allgather, in ceil(lg p) rounds for any p.
 *
 * Counting blocks relative to r (block r + i is relative i), after
 * round k a locality has relative blocks [0, 2^k); in round k it sends
 * the first min(2^k, p - 2^k) of them to r - 2^k and receives as many
 * from r + 2^k as its relative [2^k, ..).  Runs of blocks that pass the
 * last rank move as two messages, the same split at both ends, so every
 * block lands in place without a final rotation.  Cost: ceil(lg p) alpha
 * + ((p-1)/p) N beta (N the gathered vector): the small-block choice on
 * many localities.
 *
 * State: step k = round k posted (step 0: nothing yet).
 */
#include <string.h>

#include "algs.h"

/* relative blocks [a, a + n) of base rank b, with peer; tags 2k, 2k + 1 */
static int run(floc_coll_req_t *c, int send, int b, int a, int n, int peer, int k)
{
    const int p = c->v.size;
    const size_t bytes = c->v.count * c->esize;
    char *all = c->v.rbuf;
    int first = (b + a) % p, n1 = first + n > p ? p - first : n;
    int ret =
        send ? floc_coll_post_send(c, all + (size_t)first * bytes, (size_t)n1 * bytes, peer, 2 * k)
             : floc_coll_post_recv(c, all + (size_t)first * bytes, (size_t)n1 * bytes, peer, 2 * k);
    if (ret || n1 == n)
        return ret;
    return send ? floc_coll_post_send(c, all, (size_t)(n - n1) * bytes, peer, 2 * k + 1)
                : floc_coll_post_recv(c, all, (size_t)(n - n1) * bytes, peer, 2 * k + 1);
}

int floc_allgather_bruck(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    if (c->step == 0 && c->v.sbuf != FLOC_IN_PLACE)
        memcpy((char *)c->v.rbuf + (size_t)r * c->v.count * c->esize, c->v.sbuf,
               c->v.count * c->esize);
    const int k = c->step, d = 1 << k;
    if (d >= p)
        return 0;
    const int n = d < p - d ? d : p - d;
    /* what r + d has as its relative [0, n) is r's relative [d, d + n) */
    int ret = run(c, 0, r, d, n, (r + d) % p, k);
    if (!ret)
        ret = run(c, 1, r, 0, n, floc_coll_mod(r - d, p), k);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
