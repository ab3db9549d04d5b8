/*
 * barrier_dissem.c - dissemination barrier (Hensgen, Finkel, Manber).
 *
 * Round k: send a token to (rank + 2^k) mod p, receive one from
 * (rank - 2^k) mod p.  After ceil(lg p) rounds every locality has heard,
 * directly or not, from every other.  Any p.  Cost: ceil(lg p) alpha.
 * State: step = round.
 */
#include "coll.h"

static char token_out, token_in;   /* contents never read: zero-byte would do */

int floc_barrier_dissemination(floc_coll_req_t *c)
{
    int dist = 1 << c->step;
    if (dist >= c->size)
        return 0;
    int to = (c->rank + dist) % c->size, from = (c->rank - dist + c->size) % c->size;
    int ret = floc_coll_post_recv(c, &token_in, 0, from, c->step);
    if (!ret)
        ret = floc_coll_post_send(c, &token_out, 0, to, c->step);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
