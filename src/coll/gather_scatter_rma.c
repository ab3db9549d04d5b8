/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gather_rma.c - gather and scatter by one-sided access to the root's
 * vector: the root exposes it (a cached registration), tells every
 * locality where it is, and each locality writes its block into place
 * (gather) or reads it from there (scatter), then reports done.  Every
 * block moves once, zero-copy, driven by the locality that owns it, and
 * the root does no per-block work at all.  Cost: 3 (alpha) per locality
 * (where, the access, done) plus one n beta: for large blocks, where the
 * root's own copying would be the bottleneck.
 *
 * State, root: step 0 "where" sent and "done" receives posted, 1 done.
 * Others: 0 "where" receive posted, 1 access posted, 2 "done" sent.
 */
#include <string.h>

#include "algs.h"

static int one_sided(floc_coll_req_t *c, int write)
{
    const int p = c->v.size, root = c->v.root;
    const size_t bytes = c->v.count * c->esize;
    int ret = 0;
    if (c->v.rank == root) {
        if (c->step)
            return 0;
        c->step = 1;
        char *vec = write ? c->v.rbuf : (char *)c->v.sbuf;
        if (write && c->v.sbuf != FLOC_IN_PLACE)
            memcpy(vec + (size_t)root * bytes, c->v.sbuf, bytes);
        if (!write && c->v.rbuf != FLOC_IN_PLACE)
            memcpy(c->v.rbuf, vec + (size_t)root * bytes, bytes);
        if ((ret = floc_coll_expose(c, vec, bytes * (size_t)p, write)))
            return ret;
        for (int q = 0; q < p && !ret; q++) {
            if (q == root)
                continue;
            ret = floc_coll_post_send(c, &c->remote, sizeof c->remote, q, 0);
            if (!ret)
                ret = floc_coll_post_recv(c, NULL, 0, q, 1);
        }
        return ret ? ret : FLOC_ERR_AGAIN;
    }
    switch (c->step) {
    case 0:
        c->step = 1;
        ret = floc_coll_post_recv(c, &c->remote, sizeof c->remote, root, 0);
        break;
    case 1:
        c->step = 2;
        ret = floc_coll_post_rma(c, write, write ? (void *)c->v.sbuf : c->v.rbuf, bytes, root,
                                 &c->remote, (uint64_t)c->v.rank * bytes);
        break;
    case 2:
        c->step = 3;
        ret = floc_coll_post_send(c, NULL, 0, root, 1);
        break;
    default:
        return 0;
    }
    return ret ? ret : FLOC_ERR_AGAIN;
}

int floc_gather_rma(floc_coll_req_t *c)
{
    return one_sided(c, 1);
}

int floc_scatter_rma(floc_coll_req_t *c)
{
    return one_sided(c, 0);
}
