/*
 * allreduce_ring.c - ring allreduce: reduce-scatter then allgather, each
 * around the ring (Patarasuk & Yuan), the bandwidth-optimal choice for
 * large vectors: every locality sends and receives 2(p-1)/p of the
 * vector.  Cost: 2(p-1) alpha + 2((p-1)/p) n beta + ((p-1)/p) n gamma.
 *
 * The vector is cut into p blocks (sizes differ by at most one element).
 * In reduce-scatter step s, locality r sends block (r - s) and receives
 * block (r - s - 1), which it combines as op(received, own): block b is
 * therefore reduced in one fixed order, x_b op x_b+1 op ... around the
 * ring; the allgather then copies the
 * finished blocks.  Every locality ends with the same bits, and the same
 * bits on every run.
 */
#include <stdlib.h>

#include "coll.h"

static size_t block_start(size_t count, int p, int b)
{
    size_t q = count / (size_t)p, rem = count % (size_t)p;
    return (size_t)b * q + ((size_t)b < rem ? (size_t)b : rem);
}

int floc_allreduce_ring(floc_coll_args_t *a)
{
    const int p = a->size, r = a->rank, right = (r + 1) % p, left = (r - 1 + p) % p;
    const size_t es = a->esize;
    char *buf = a->rbuf;
    size_t maxblk = a->count / (size_t)p + 1;
    char *tmp = malloc(maxblk * es);
    if (!tmp)
        return FLOC_ERR_NOMEM;
    int ret = 0, step = 0;

    for (int s = 0; s < p - 1 && !ret; s++, step++) {
        int sb = ((r - s) % p + p) % p, rb = ((r - s - 1) % p + p) % p;
        size_t so = block_start(a->count, p, sb), sn = block_start(a->count, p, sb + 1) - so;
        size_t ro = block_start(a->count, p, rb), rn = block_start(a->count, p, rb + 1) - ro;
        ret = floc_coll_sendrecv(a, buf + so * es, sn * es, right, tmp, rn * es, left, step);
        if (!ret)
            a->reduce(tmp, buf + ro * es, rn);   /* own = received op own */
    }
    for (int s = 0; s < p - 1 && !ret; s++, step++) {
        int sb = ((r + 1 - s) % p + p) % p, rb = ((r - s) % p + p) % p;
        size_t so = block_start(a->count, p, sb), sn = block_start(a->count, p, sb + 1) - so;
        size_t ro = block_start(a->count, p, rb), rn = block_start(a->count, p, rb + 1) - ro;
        ret = floc_coll_sendrecv(a, buf + so * es, sn * es, right, buf + ro * es, rn * es, left,
                                 step);
    }
    free(tmp);
    return ret;
}
