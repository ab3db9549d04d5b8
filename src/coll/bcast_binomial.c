/*
 * bcast_binomial.c - binomial-tree broadcast.
 *
 * Ranks are renumbered relative to the root (v = rank - root mod p).
 * Locality v receives from v minus its lowest set bit, then sends to
 * v + 2^k for every 2^k below that bit (largest first, so the deepest
 * subtrees start first).  Any p.  Cost: ceil(lg p) (alpha + n beta):
 * the small-message choice; large messages want scatter + allgather.
 */
#include "coll.h"

int floc_bcast_binomial(floc_coll_args_t *a)
{
    const int p = a->size, v = (a->rank - a->root + p) % p;
    const size_t bytes = a->count * a->esize;
    int mask = 1;
    while (mask < p && !(v & mask))
        mask <<= 1;
    if (v != 0) {
        int parent = ((v - mask) + a->root) % p;
        int ret = floc_coll_recv(a, a->rbuf, bytes, parent, 0);
        if (ret)
            return ret;
    }
    for (mask >>= 1; mask > 0; mask >>= 1) {
        if (v + mask < p) {
            int child = (v + mask + a->root) % p;
            int ret = floc_coll_send(a, a->rbuf, bytes, child, 0);
            if (ret)
                return ret;
        }
    }
    return 0;
}
