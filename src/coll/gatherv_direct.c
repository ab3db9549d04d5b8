/*
 * gatherv_direct.c - gatherv, scatterv and allgatherv: blocks of their
 * own size (counts[q] elements at displs[q]).  Gatherv and scatterv go
 * directly between the root and every locality, all transfers in flight
 * at once; allgatherv goes around the ring as allgather does.
 */
#include <string.h>

#include "coll.h"

static int direct_v(floc_coll_req_t *c, int to_root)
{
    const size_t es = c->esize;
    if (c->step)
        return 0;
    c->step = 1;
    int ret = 0;
    if (c->rank == c->root) {
        char *all = to_root ? c->rbuf : (char *)c->sbuf;
        char *mine = all + c->displs[c->rank] * es;
        size_t mybytes = c->counts[c->rank] * es;
        /* mybytes 0: the buffer may be NULL */
        if (mybytes && to_root && c->sbuf != FLOC_IN_PLACE)
            memcpy(mine, c->sbuf, mybytes);
        else if (mybytes && !to_root && c->rbuf != FLOC_IN_PLACE)
            memcpy(c->rbuf, mine, mybytes);
        for (int q = 0; q < c->size && !ret; q++) {
            if (q == c->rank)
                continue;
            char *at = all + c->displs[q] * es;
            ret = to_root ? floc_coll_post_recv(c, at, c->counts[q] * es, q, 0)
                          : floc_coll_post_send(c, at, c->counts[q] * es, q, 0);
        }
    } else {
        ret = to_root ? floc_coll_post_send(c, c->sbuf, c->count * es, c->root, 0)
                      : floc_coll_post_recv(c, c->rbuf, c->count * es, c->root, 0);
    }
    return ret ? ret : FLOC_ERR_AGAIN;
}

int floc_gatherv_direct(floc_coll_req_t *c)
{
    return direct_v(c, 1);
}

int floc_scatterv_direct(floc_coll_req_t *c)
{
    return direct_v(c, 0);
}

int floc_allgatherv_ring(floc_coll_req_t *c)
{
    const int p = c->size, r = c->rank;
    const size_t es = c->esize;
    char *all = c->rbuf;
    if (c->step == 0 && c->sbuf != FLOC_IN_PLACE)
        memcpy(all + c->displs[r] * es, c->sbuf, c->counts[r] * es);
    int s = c->step;
    if (s >= p - 1)
        return 0;
    int sb = ((r - s) % p + p) % p, rb = ((r - s - 1) % p + p) % p;
    int ret = floc_coll_post_recv(c, all + c->displs[rb] * es, c->counts[rb] * es, (r - 1 + p) % p, s);
    if (!ret)
        ret = floc_coll_post_send(c, all + c->displs[sb] * es, c->counts[sb] * es, (r + 1) % p, s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
