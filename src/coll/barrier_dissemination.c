/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * barrier_dissem.c - dissemination barrier (Hensgen, Finkel, Manber).
 *
 * Round k: send a token to (rank + 2^k) mod p, receive one from
 * (rank - 2^k) mod p.  After ceil(lg p) rounds every locality has heard,
 * directly or not, from every other.  Any p.  Cost: ceil(lg p) alpha.
 * State: step = round.
 */
#include "algs.h"

static char token_out, token_in;   /* contents never read: zero-byte would do */

/* the rounds, with their tags' steps starting at tag_base */
static int dissemination(floc_coll_req_t *c, int tag_base)
{
    int dist = 1 << c->step;
    if (dist >= c->v.size)
        return 0;
    int to = (c->v.rank + dist) % c->v.size, from = (c->v.rank - dist + c->v.size) % c->v.size;
    int ret = floc_coll_post_recv(c, &token_in, 0, from, tag_base + c->step);
    if (!ret)
        ret = floc_coll_post_send(c, &token_out, 0, to, tag_base + c->step);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}

int floc_barrier_dissemination(floc_coll_req_t *c)
{
    return dissemination(c, 0);
}

int floc_coll_sync_step(floc_coll_req_t *c)
{
    /* tags of their own: the collective's last messages may still be
     * unmatched at a peer that has not finished it */
    return dissemination(c, FLOC_COLL_SYNC_STEP);
}
