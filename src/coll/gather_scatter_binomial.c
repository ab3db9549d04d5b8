/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gather_binomial.c - gather and scatter down a binomial tree.
 *
 * Ranks are renumbered relative to the root (v = rank - root mod p).
 * Locality v heads the subtree v .. v + size(v) - 1, size(v) = min(lowest
 * set bit of v, p - v) (the whole job for v = 0); its children are v + m
 * for m = 1, 2, 4, .. below that bit.  Gather: each locality collects its
 * subtree's blocks, in v order, and passes them up in one message;
 * scatter: the reverse.  Any p.  Cost: ceil(lg p) alpha + ((p-1)/p) N
 * beta at the root (N = all blocks): the choice for small blocks, where
 * the root's p - 1 message costs of the direct exchange dominate.
 *
 * The root keeps the blocks in rank order, so a run of v that passes
 * the end of the ranks (v = p - root) is moved as two messages (tags 0
 * and 1), at both ends alike.  Leaves send from / receive into the user
 * buffer; inner localities stage their subtree in tmp.
 *
 * State: gather: step 0 receives from the children posted, 1 the send to
 * the parent posted; scatter: 0 receive from the parent, 1 the sends.
 */
#include <string.h>

#include "algs.h"

static int lowbit_of(int v, int p)
{
    int m = 1;
    while (m < p && !(v & m))
        m <<= 1;
    return m;
}

static int subtree_size(int v, int p)
{
    int lb = lowbit_of(v, p);
    return lb < p - v ? lb : p - v;
}

/* where block v sits: the root's vector in rank order, else tmp from v0 */
static char *at(const floc_coll_req_t *c, char *base, int v0, int v)
{
    const size_t bytes = c->v.count * c->esize;
    if (c->v.rank == c->v.root)
        return base + (size_t)((v + c->v.root) % c->v.size) * bytes;
    return base + (size_t)(v - v0) * bytes;
}

/* post the transfer of blocks v in [a, a + n) with peer, split where the
 * ranks wrap around */
static int transfer(floc_coll_req_t *c, int send, char *base, int v0, int a, int n, int peer)
{
    const size_t bytes = c->v.count * c->esize;
    const int wrap = c->v.size - c->v.root;
    int n1 = a < wrap && a + n > wrap ? wrap - a : n;
    int ret = send ? floc_coll_post_send(c, at(c, base, v0, a), (size_t)n1 * bytes, peer, 0)
                   : floc_coll_post_recv(c, at(c, base, v0, a), (size_t)n1 * bytes, peer, 0);
    if (ret || n1 == n)
        return ret;
    return send
               ? floc_coll_post_send(c, at(c, base, v0, a + n1), (size_t)(n - n1) * bytes, peer, 1)
               : floc_coll_post_recv(c, at(c, base, v0, a + n1), (size_t)(n - n1) * bytes, peer, 1);
}

static int real(const floc_coll_req_t *c, int v)
{
    return (v + c->v.root) % c->v.size;
}

/* children of v: post one transfer per child subtree */
static int children(floc_coll_req_t *c, int send, char *base, int v)
{
    const int p = c->v.size;
    int ret = 0;
    for (int m = 1; m < lowbit_of(v, p) && v + m < p && !ret; m <<= 1)
        ret = transfer(c, send, base, v, v + m, subtree_size(v + m, p), real(c, v + m));
    return ret;
}

/* the staging area: the root's vector, or tmp for an inner locality */
static int stage(floc_coll_req_t *c, int v, char *vec, char **base)
{
    if (c->v.rank == c->v.root) {
        *base = vec;
        return 0;
    }
    if (subtree_size(v, c->v.size) == 1) {
        *base = NULL;
        return 0;
    }
    int ret = floc_coll_tmp(c, (size_t)subtree_size(v, c->v.size) * c->v.count * c->esize);
    if (ret)
        return ret;
    *base = c->tmp;
    return 0;
}

int floc_gather_binomial(floc_coll_req_t *c)
{
    const int p = c->v.size, v = floc_coll_mod(c->v.rank - c->v.root, p);
    const size_t bytes = c->v.count * c->esize;
    char *base;
    int ret = stage(c, v, c->v.rbuf, &base);
    if (ret)
        return ret;
    switch (c->step) {
    case 0:
        c->step = 1;
        if (base && c->v.sbuf != FLOC_IN_PLACE)
            memcpy(at(c, base, v, v), c->v.sbuf, bytes);
        if ((ret = children(c, 0, base, v)))
            return ret;
        if (c->nbatch)
            return FLOC_ERR_AGAIN;
        /* a leaf: straight on */
        /* fall through */
    case 1:
        if (v == 0)
            return 0;
        c->step = 2;
        ret = base ? transfer(c, 1, base, v, v, subtree_size(v, p), real(c, v - lowbit_of(v, p)))
                   : floc_coll_post_send(c, c->v.sbuf, bytes, real(c, v - lowbit_of(v, p)), 0);
        return ret ? ret : FLOC_ERR_AGAIN;
    default:
        return 0;
    }
}

int floc_scatter_binomial(floc_coll_req_t *c)
{
    const int p = c->v.size, v = floc_coll_mod(c->v.rank - c->v.root, p);
    const size_t bytes = c->v.count * c->esize;
    char *base;
    int ret = stage(c, v, (char *)c->v.sbuf, &base);
    if (ret)
        return ret;
    switch (c->step) {
    case 0:
        c->step = 1;
        if (v != 0) {
            ret = base
                      ? transfer(c, 0, base, v, v, subtree_size(v, p), real(c, v - lowbit_of(v, p)))
                      : floc_coll_post_recv(c, c->v.rbuf, bytes, real(c, v - lowbit_of(v, p)), 0);
            return ret ? ret : FLOC_ERR_AGAIN;
        }
        /* the root sends at once */
        /* fall through */
    case 1:
        c->step = 2;
        if (base && c->v.rbuf != FLOC_IN_PLACE)
            memcpy(c->v.rbuf, at(c, base, v, v), bytes);
        if ((ret = children(c, 1, base, v)))
            return ret;
        return c->nbatch ? FLOC_ERR_AGAIN : 0;
    default:
        return 0;
    }
}
