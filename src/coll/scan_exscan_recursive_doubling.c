/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * scan_recdbl.c - inclusive and exclusive prefix reductions by recursive
 * doubling (as MPICH's scan): every locality keeps `partial`, the
 * reduction of the block of localities it has heard from, and `result`,
 * the part of it from lower ranks (plus itself for the inclusive scan).
 * Round k exchanges partial with rank XOR 2^k; data from a lower rank is
 * folded into both, data from a higher rank into partial only.  Any p
 * (a partner past p - 1 is skipped).  Cost: ceil(lg p) (alpha + n beta +
 * 2 n gamma).  The combination order depends only on the ranks: the same
 * bits on every run.
 *
 * State: s.scan.mask; tmp = partial, then the received block.
 */
#include <string.h>

#include "algs.h"


static int scan_step(floc_coll_req_t *c, int exclusive)
{
    const int p = c->v.size, r = c->v.rank;
    const size_t bytes = c->v.count * c->esize;
    char *partial, *in;
    if (c->step == 0) {
        int ret = floc_coll_tmp(c, 2 * bytes);
        if (ret)
            return ret;
        const void *mine = c->v.sbuf == FLOC_IN_PLACE ? c->v.rbuf : c->v.sbuf;
        memcpy(c->tmp, mine, bytes);
        c->s.scan.mask = 1;
        c->s.scan.have = !exclusive;   /* does rbuf hold a value yet? */
        c->step = 1;
    } else {
        partial = c->tmp;
        in = partial + bytes;
        int q = c->s.scan.partner;
        if (q < r) {
            /* lower ranks come first in the order of combination */
            if (c->s.scan.have) {
                c->reduce(in, c->v.rbuf, c->v.count);
            } else {
                memcpy(c->v.rbuf, in, bytes);
                c->s.scan.have = 1;
            }
            c->reduce(in, partial, c->v.count);
        } else {
            /* partial = partial op in: in -> tmp order kept by swapping */
            c->reduce(partial, in, c->v.count);
            memcpy(partial, in, bytes);
        }
        c->s.scan.mask <<= 1;
    }
    partial = c->tmp;
    in = partial + bytes;
    while (c->s.scan.mask < p) {
        int q = r ^ c->s.scan.mask;
        if (q < p) {
            c->s.scan.partner = q;
            int tag = __builtin_ctz((unsigned)c->s.scan.mask);
            int ret = floc_coll_post_recv(c, in, bytes, q, tag);
            if (!ret)
                ret = floc_coll_post_send(c, partial, bytes, q, tag);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
        c->s.scan.mask <<= 1;
    }
    return 0;
}

int floc_scan_recursive_doubling(floc_coll_req_t *c)
{
    return scan_step(c, 0);
}

int floc_exscan_recursive_doubling(floc_coll_req_t *c)
{
    return scan_step(c, 1);
}
