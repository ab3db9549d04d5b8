/*
 * allgather_recdbl.c - allgather in ceil(lg p) rounds.
 *
 * Recursive doubling (p a power of two): in round k locality r swaps
 * everything it has (the 2^k blocks of its aligned group) with partner
 * r ^ 2^k, straight into place.  Cost: lg p alpha + ((p-1)/p) N beta.
 *
 * Bruck (any p; recursive doubling's choice when p is not a power of
 * two): counting blocks relative to r (block r + i is relative i), after
 * round k a locality has relative blocks [0, 2^k); in round k it sends
 * the first min(2^k, p - 2^k) of them to r - 2^k and receives as many
 * from r + 2^k as its relative [2^k, ..).  Runs of blocks that pass the
 * last rank move as two messages, the same split at both ends, so every
 * block lands in place without a final rotation.  Cost: ceil(lg p) alpha
 * + ((p-1)/p) N beta.
 *
 * State: step k = round k posted (step 0: nothing yet).
 */
#include <string.h>

#include "coll.h"

static int own_block(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize;
    if (c->sbuf != FLOC_IN_PLACE)
        memcpy((char *)c->rbuf + (size_t)c->rank * bytes, c->sbuf, bytes);
    return 0;
}

/* relative blocks [a, a + n) of base rank b, with peer; tags 2k, 2k + 1 */
static int run(floc_coll_req_t *c, int send, int b, int a, int n, int peer, int k)
{
    const int p = c->size;
    const size_t bytes = c->count * c->esize;
    char *all = c->rbuf;
    int first = (b + a) % p, n1 = first + n > p ? p - first : n;
    int ret = send ? floc_coll_post_send(c, all + (size_t)first * bytes, (size_t)n1 * bytes, peer, 2 * k)
                   : floc_coll_post_recv(c, all + (size_t)first * bytes, (size_t)n1 * bytes, peer, 2 * k);
    if (ret || n1 == n)
        return ret;
    return send ? floc_coll_post_send(c, all, (size_t)(n - n1) * bytes, peer, 2 * k + 1)
                : floc_coll_post_recv(c, all, (size_t)(n - n1) * bytes, peer, 2 * k + 1);
}

int floc_allgather_bruck(floc_coll_req_t *c)
{
    const int p = c->size, r = c->rank;
    if (c->step == 0)
        own_block(c);
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

int floc_allgather_recursive_doubling(floc_coll_req_t *c)
{
    const int p = c->size, r = c->rank;
    if (p & (p - 1))
        return floc_allgather_bruck(c);
    if (c->step == 0)
        own_block(c);
    const int k = c->step, m = 1 << k;
    if (m >= p)
        return 0;
    const size_t bytes = c->count * c->esize;
    char *all = c->rbuf;
    const int partner = r ^ m, mine = r & ~(m - 1), theirs = partner & ~(m - 1);
    int ret = floc_coll_post_recv(c, all + (size_t)theirs * bytes, (size_t)m * bytes, partner, k);
    if (!ret)
        ret = floc_coll_post_send(c, all + (size_t)mine * bytes, (size_t)m * bytes, partner, k);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
