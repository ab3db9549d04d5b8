/*
 * allreduce_recdbl.c - recursive-doubling allreduce (MPICH's
 * allreduce_intra_recursive_doubling, rewritten for floc).
 *
 * Let p' be the largest power of two <= p and rem = p - p'.  First the
 * 2*rem lowest ranks pair up: each even one sends its vector to the odd
 * one above it and sits out.  The p' remaining localities then exchange
 * full vectors with partner (newrank XOR 2^k) for k = 0..lg p' - 1 and
 * combine.  Finally the odd ranks hand the result back to their even
 * partner.  Cost: (lg p' + 2 [if rem]) (alpha + n beta + n gamma): the
 * small-message choice.
 *
 * Same bits everywhere: both partners of a step combine
 * op(lower rank's data, higher rank's data), the same operands in the
 * same order, so they hold identical bits after every step.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"

/* acc = op(lower, higher) where `mine_is_lower` tells which one acc holds. */
static void combine(floc_coll_args_t *a, void *acc, void *other, int mine_is_lower)
{
    if (mine_is_lower) {
        /* want mine op other: the kernel computes inout = in op inout */
        a->reduce(acc, other, a->count);
        memcpy(acc, other, a->count * a->esize);
    } else {
        a->reduce(other, acc, a->count);
    }
}

int floc_allreduce_recursive_doubling(floc_coll_args_t *a)
{
    const int p = a->size, r = a->rank;
    const size_t bytes = a->count * a->esize;
    void *tmp = malloc(bytes);
    if (!tmp)
        return FLOC_ERR_NOMEM;
    int pof2 = 1;
    while (pof2 * 2 <= p)
        pof2 *= 2;
    const int rem = p - pof2;
    int newrank, ret = 0, step = 0;

    /* fold the extra ranks in */
    if (r < 2 * rem) {
        if (r % 2 == 0) {
            ret = floc_coll_send(a, a->rbuf, bytes, r + 1, step);
            newrank = -1;
        } else {
            ret = floc_coll_recv(a, tmp, bytes, r - 1, step);
            if (!ret)
                combine(a, a->rbuf, tmp, 0);   /* even partner is the lower rank */
            newrank = r / 2;
        }
    } else {
        newrank = r - rem;
    }
    step++;

    if (!ret && newrank >= 0) {
        for (int mask = 1; mask < pof2 && !ret; mask <<= 1, step++) {
            int newdst = newrank ^ mask;
            int dst = newdst < rem ? newdst * 2 + 1 : newdst + rem;
            ret = floc_coll_sendrecv(a, a->rbuf, bytes, dst, tmp, bytes, dst, step);
            if (!ret)
                combine(a, a->rbuf, tmp, r < dst);
        }
    } else {
        step += __builtin_ctz((unsigned)pof2);
    }

    /* hand the result back to the ranks that sat out */
    if (!ret && r < 2 * rem) {
        if (r % 2)
            ret = floc_coll_send(a, a->rbuf, bytes, r - 1, step);
        else
            ret = floc_coll_recv(a, a->rbuf, bytes, r + 1, step);
    }
    free(tmp);
    return ret;
}
