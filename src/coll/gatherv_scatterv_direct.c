/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gatherv_scatterv_direct.c - gatherv and scatterv by direct exchange
 * with the root: blocks of their own size (counts[q] elements at
 * displs[q]) go straight between the root's vector and every locality,
 * all transfers in flight at once.  Cost at the root: (p-1) alpha +
 * N beta (N the whole vector), each block moved once.
 *
 * State: step 0 nothing posted, 1 the one batch posted.
 */
#include <string.h>

#include "algs.h"

static int direct_v(floc_coll_req_t *c, int to_root)
{
    const size_t es = c->esize;
    if (c->step)
        return 0;
    c->step = 1;
    int ret = 0;
    if (c->v.rank == c->v.root) {
        char *all = to_root ? c->v.rbuf : (char *)c->v.sbuf;
        char *mine = all + c->v.displs[c->v.rank] * es;
        size_t mybytes = c->v.counts[c->v.rank] * es;
        /* mybytes 0: the buffer may be NULL */
        if (mybytes && to_root && c->v.sbuf != FLOC_IN_PLACE)
            memcpy(mine, c->v.sbuf, mybytes);
        else if (mybytes && !to_root && c->v.rbuf != FLOC_IN_PLACE)
            memcpy(c->v.rbuf, mine, mybytes);
        for (int q = 0; q < c->v.size && !ret; q++) {
            if (q == c->v.rank)
                continue;
            char *at = all + c->v.displs[q] * es;
            ret = to_root ? floc_coll_post_recv(c, at, c->v.counts[q] * es, q, 0)
                          : floc_coll_post_send(c, at, c->v.counts[q] * es, q, 0);
        }
    } else {
        ret = to_root ? floc_coll_post_send(c, c->v.sbuf, c->v.count * es, c->v.root, 0)
                      : floc_coll_post_recv(c, c->v.rbuf, c->v.count * es, c->v.root, 0);
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
