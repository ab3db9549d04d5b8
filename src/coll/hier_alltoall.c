/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hier_alltoall.c - the hierarchical alltoall (phases and steps of
 * hier.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hier.h"
#include "../core/ctx.h"

/*
 * Alltoall of small blocks: each node gathers its localities' send
 * vectors at its leader (q x p blocks, q localities on the node), the
 * leader packs them by destination node, the leaders exchange
 * (alltoallv among the nodes: q_a x q_b blocks from node a to node b),
 * each leader sorts what came into its localities' receive vectors, and
 * scatters those through the node.  Between nodes N (N - 1) messages
 * instead of p (p - 1).  c->hold at a leader: the gathered vectors, the
 * packed ones, the received ones and the sorted ones (q x p blocks each),
 * then the alltoallv's counts and displacements (elements).
 */
typedef struct a2a_hold {
    char *gathered, *packed, *received, *sorted;
    size_t *scounts, *sdispls, *rcounts, *rdispls;
} a2a_hold_t;

static a2a_hold_t a2a_parts(const floc_coll_req_t *c)
{
    const size_t vec = (size_t)floc_hier_at(c)->p * (size_t)c->ctx->size * c->v.count * c->esize;
    const size_t area = (vec + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t);
    const size_t nn = (size_t)c->ctx->num_nodes;
    char *h = c->hold;
    size_t *cnt = (size_t *)(h + 4 * area);
    return (a2a_hold_t){h, h + area, h + 2 * area, h + 3 * area,
                        cnt, cnt + nn, cnt + 2 * nn, cnt + 3 * nn};
}

static int a2a_hold(floc_coll_req_t *c)
{
    floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t vec = (size_t)n->p * (size_t)ctx->size * c->v.count * c->esize;
    const size_t area = (vec + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t);
    const size_t nn = (size_t)ctx->num_nodes;
    if (!(c->hold = malloc(4 * area + 4 * nn * sizeof(size_t))))
        return FLOC_ERR_NOMEM;
    a2a_hold_t h = a2a_parts(c);
    const size_t q = (size_t)n->p;
    for (size_t d = 0, s = 0, r = 0; d < nn; d++) {
        h.scounts[d] = h.rcounts[d] = q * (size_t)n->node_size[d] * c->v.count;
        h.sdispls[d] = s, h.rdispls[d] = r;
        s += h.scounts[d], r += h.rcounts[d];
    }
    /* the leader's own vector (the node gather puts it there too) */
    memcpy(h.gathered, c->v.sbuf, (size_t)ctx->size * c->v.count * c->esize);
    return 0;
}

/* the gathered vectors by destination node: to node b, for each of this
 * node's localities i in order, its blocks for b's localities in order */
static void a2a_pack(floc_coll_req_t *c)
{
    const floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t b = c->v.count * c->esize, p = (size_t)ctx->size;
    a2a_hold_t h = a2a_parts(c);
    for (int i = 0; i < n->p; i++)
        for (int k = 0; k < ctx->size; k++) {
            const int d = ctx->node_of[k];
            const size_t at_d = (size_t)i * (size_t)n->node_size[d] + (size_t)n->index_on_node[k];
            memcpy(h.packed + h.sdispls[d] * c->esize + at_d * b,
                   h.gathered + ((size_t)i * p + (size_t)k) * b, b);
        }
}

/* what came from node a (its locality i's block for this node's j at
 * i * q + j) into each of this node's localities' vectors, sources in
 * locality order */
static void a2a_sort(floc_coll_req_t *c)
{
    const floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t b = c->v.count * c->esize, p = (size_t)ctx->size, q = (size_t)n->p;
    a2a_hold_t h = a2a_parts(c);
    for (int k = 0; k < ctx->size; k++) {
        const char *from = h.received + h.rdispls[ctx->node_of[k]] * c->esize +
                           (size_t)n->index_on_node[k] * q * b;
        for (size_t j = 0; j < q; j++)
            memcpy(h.sorted + (j * p + (size_t)k) * b, from + j * b, b);
    }
    if (q == 1)   /* no node step gives the leader its vector */
        memcpy(c->v.rbuf, h.sorted, p * b);
}

static int alltoall_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    floc_ctx_t *ctx = c->ctx;
    const size_t vec = c->v.count * c->esize * (size_t)ctx->size;
    const int lead = floc_hier_leader(c);
    a2a_hold_t h = lead ? a2a_parts(c) : (a2a_hold_t){0};
    switch (phase) {
    case PHASE_NODE_FIRST:
        if (!floc_hier_node_step(c, FLOC_COLL_GATHER, vec, 0, c->v.sbuf, alg, v))
            return 0;
        v->count = c->v.count * (size_t)ctx->size;
        v->rbuf = h.gathered;
        return 1;
    case PHASE_PACK:
        if (lead)
            a2a_pack(c);
        return 0;
    case PHASE_LEADERS:
        if (!floc_hier_leaders_step(c, FLOC_COLL_ALLTOALLV, c->v.count * c->esize, 0, alg, v))
            return 0;
        v->sbuf = h.packed, v->rbuf = h.received;
        v->counts = h.scounts, v->displs = h.sdispls, v->rcounts = h.rcounts,
        v->rdispls = h.rdispls;
        return 1;
    case PHASE_LOCAL:
        if (lead)
            a2a_sort(c);
        return 0;
    case PHASE_NODE_LAST:
        if (!floc_hier_node_step(c, FLOC_COLL_SCATTER, vec, 0, h.sorted, alg, v))
            return 0;
        v->count = c->v.count * (size_t)ctx->size;
        return 1;
    default:
        return 0;
    }
}

int floc_alltoall_hier(floc_coll_req_t *c)
{
    if (c->phase == PHASE_START && floc_hier_leader(c) && a2a_hold(c))
        return FLOC_ERR_NOMEM;
    return floc_hier_phases(c, alltoall_phase);
}
