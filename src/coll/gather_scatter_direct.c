/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gather_direct.c - gather and scatter by direct exchange with the root: every
 * block goes straight to (or from) its place in the root's buffer, with
 * all p-1 transfers in flight at once.  Cost at the root: (p-1) alpha +
 * (p-1) n beta, each block moved once (single copy on shm).  The
 * small-p choice; a binomial tree would cut the root's alpha term.
 */
#include <string.h>

#include "algs.h"

static int direct(floc_coll_req_t *c, int to_root)
{
    const int p = c->v.size;
    const size_t bytes = c->v.count * c->esize;
    if (c->step)
        return 0;   /* the one batch completed */
    c->step = 1;
    int ret = 0;
    if (c->v.rank == c->v.root) {
        char *all = to_root ? c->v.rbuf : (char *)c->v.sbuf;
        char *mine = all + (size_t)c->v.rank * bytes;
        if (to_root) {
            if (c->v.sbuf != FLOC_IN_PLACE)
                memcpy(mine, c->v.sbuf, bytes);
        } else if (c->v.rbuf != FLOC_IN_PLACE) {
            memcpy(c->v.rbuf, mine, bytes);
        }
        for (int q = 0; q < p && !ret; q++) {
            if (q == c->v.rank)
                continue;
            ret = to_root ? floc_coll_post_recv(c, all + (size_t)q * bytes, bytes, q, 0)
                          : floc_coll_post_send(c, all + (size_t)q * bytes, bytes, q, 0);
        }
    } else {
        ret = to_root ? floc_coll_post_send(c, c->v.sbuf, bytes, c->v.root, 0)
                      : floc_coll_post_recv(c, c->v.rbuf, bytes, c->v.root, 0);
    }
    return ret ? ret : FLOC_ERR_AGAIN;
}

int floc_gather_direct(floc_coll_req_t *c)
{
    return direct(c, 1);
}

int floc_scatter_direct(floc_coll_req_t *c)
{
    return direct(c, 0);
}
