/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bcast_scatter_allgather.c - broadcast of large messages (van de Geijn):
 * the root scatters the vector in p blocks (block q to locality q, all
 * at once), then a ring allgather puts every block everywhere.  Each
 * locality moves about 2n bytes instead of n lg p down a tree.  Cost:
 * (p-1) alpha + ((p-1)/p) n beta for the scatter (at the root) plus
 * (p-1) alpha + ((p-1)/p) n beta for the allgather.  Any p.
 *
 * State: step 0 scatter posted, 1 + s = allgather step s posted.
 */
#include "algs.h"

int floc_bcast_scatter_allgather(floc_coll_req_t *c)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t bytes = c->v.count * c->esize;   /* blocks cut at byte granularity */
    char *buf = c->v.rbuf;
    int ret = 0;
    if (c->step == 0) {
        c->step = 1;
        if (r == c->v.root) {
            for (int q = 0; q < p && !ret; q++) {
                size_t o, len = floc_coll_block(bytes, p, q, &o);
                if (q != r)
                    ret = floc_coll_post_send(c, buf + o, len, q, 0);
            }
        } else {
            size_t o, len = floc_coll_block(bytes, p, r, &o);
            ret = floc_coll_post_recv(c, buf + o, len, c->v.root, 0);
        }
        return ret ? ret : FLOC_ERR_AGAIN;
    }
    int s = c->step - 1;
    if (s >= p - 1)
        return 0;
    size_t so, sn = floc_coll_block(bytes, p, floc_coll_mod(r - s, p), &so);
    size_t ro, rn = floc_coll_block(bytes, p, floc_coll_mod(r - s - 1, p), &ro);
    /* the ring is uniform: the root too receives (identical) blocks, which
     * keeps every step a plain send/receive pair */
    ret = floc_coll_post_recv(c, buf + ro, rn, (r - 1 + p) % p, 1 + s);
    if (!ret)
        ret = floc_coll_post_send(c, buf + so, sn, (r + 1) % p, 1 + s);
    c->step++;
    return ret ? ret : FLOC_ERR_AGAIN;
}
