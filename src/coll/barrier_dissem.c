/*
 * barrier_dissem.c - dissemination barrier (Hensgen, Finkel, Manber).
 *
 * Round k: send a token to (rank + 2^k) mod p, receive from
 * (rank - 2^k) mod p.  After ceil(lg p) rounds every locality has heard,
 * directly or not, from every other.  Works for any p, no power of two
 * needed.  Cost: ceil(lg p) alpha.
 */
#include "coll.h"

int floc_barrier_dissemination(floc_coll_args_t *a)
{
    char out = 0, in = 0;
    int step = 0;
    for (int dist = 1; dist < a->size; dist <<= 1, step++) {
        int to = (a->rank + dist) % a->size, from = (a->rank - dist + a->size) % a->size;
        int ret = floc_coll_sendrecv(a, &out, 1, to, &in, 1, from, step);
        if (ret)
            return ret;
    }
    return 0;
}
