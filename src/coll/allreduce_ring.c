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
 * ring; the allgather then copies the finished blocks.  Every locality
 * ends with the same bits, and the same bits on every run.
 *
 * State: step s in [0, 2(p-1)) is the exchange in flight (step 0: none).
 */
#include <stdlib.h>

#include "coll.h"

static size_t block_start(size_t count, int p, int b)
{
    size_t q = count / (size_t)p, rem = count % (size_t)p;
    return (size_t)b * q + ((size_t)b < rem ? (size_t)b : rem);
}

static int mod(int x, int p)
{
    return ((x % p) + p) % p;
}

int floc_allreduce_ring(floc_coll_req_t *c)
{
    const int p = c->size, r = c->rank, right = (r + 1) % p, left = (r - 1 + p) % p;
    const size_t es = c->esize;
    char *buf = c->rbuf;

    if (c->step == 0 && !c->tmp && !(c->tmp = malloc((c->count / (size_t)p + 1) * es)))
        return FLOC_ERR_NOMEM;
    /* the exchange of step - 1 completed: reduce what arrived */
    int s = c->step - 1;
    if (s >= 0 && s < p - 1) {
        int rb = mod(r - s - 1, p);
        size_t ro = block_start(c->count, p, rb), rn = block_start(c->count, p, rb + 1) - ro;
        c->reduce(c->tmp, buf + ro * es, rn);   /* own = received op own */
    }
    s = c->step;
    if (s >= 2 * (p - 1))
        return 0;
    int sb, rb;
    if (s < p - 1) {           /* reduce-scatter */
        sb = mod(r - s, p);
        rb = mod(r - s - 1, p);
    } else {                   /* allgather of the finished blocks */
        int t = s - (p - 1);
        sb = mod(r + 1 - t, p);
        rb = mod(r - t, p);
    }
    size_t so = block_start(c->count, p, sb), sn = block_start(c->count, p, sb + 1) - so;
    size_t ro = block_start(c->count, p, rb), rn = block_start(c->count, p, rb + 1) - ro;
    void *into = s < p - 1 ? c->tmp : (void *)(buf + ro * es);
    int ret = floc_coll_post_recv(c, into, rn * es, left, s);
    if (!ret)
        ret = floc_coll_post_send(c, buf + so * es, sn * es, right, s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
