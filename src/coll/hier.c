/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hier.c - hierarchical barrier, broadcast, allreduce, reduce, allgather,
 * gather and scatter for jobs of several nodes (alltoall: hier_alltoall.c): a step through each
 * node's segment among the localities of that node, a step over the
 * fabric among one leader per node (its
 * lowest locality), and a step through the node segments again.  Between
 * nodes only the leaders talk, once each; inside a node the handoffs cost
 * a cache line instead of a fabric message (DESIGN: "node-local step,
 * inter-node step over one leader per node, node-local step").
 *
 * A phase runs an algorithm of the flat tables on c itself under the view
 * of a group: the localities of this node (rank = index on the node,
 * node-segment algorithms), or the leaders (rank = node id, fabric
 * algorithms, c->v.map turning ranks into locality ids).  The job's view is
 * put back after every call, so the engine and the flow control see the
 * job's collective.  Every locality of a node takes the same node phases
 * in the same order: the segment's sequence numbers stay in step.  A node
 * with one locality skips its node phases; a node's phases are chosen by
 * size on the node, the leaders' by size and node count: the same choice
 * wherever it must agree.
 *
 * Reductions: each node folds its localities in order, the leaders fold
 * the nodes' results, and every locality receives the leaders' result:
 * the same bits everywhere, and on every run of the same layout.
 *
 * Cost, N nodes of q localities, n bytes: two node steps through the
 * segment (alpha_shm + n beta_shm each, plus n gamma for a reduction's
 * fold of q inputs) and the leaders' algorithm with p = N over the
 * fabric (its own model, e.g. lg N (alpha + n beta) for a small
 * allreduce), instead of the flat algorithm with p = N q where every
 * step pays the fabric's alpha.  Allgather moves N q blocks through each
 * leader and broadcasts the whole vector on each node.
 */
#include <stdlib.h>
#include <string.h>

#include "algs.h"
#include "hier.h"
#include "select.h"
#include "engine.h"
#include "../core/ctx.h"
#include "../node/node.h"

/* A node step through the fabric numbers its messages from here in the
 * last node phase: they never match the first one's (a node phase is a
 * few algorithm steps among the localities of one node) */
#define NODE_LAST_TAGS (1 << 14)

/* where the context's localities sit (the world's, or a team's) */
const floc_node_place_t *floc_hier_at(const floc_coll_req_t *c)
{
    return c->ctx->coll->at;
}

static view_t node_view(const floc_coll_req_t *c, int root, const void *sbuf)
{
    const floc_node_place_t *a = floc_hier_at(c);
    return (view_t){.rank = a->me, .size = a->p, .root = root, .map = a->here, .sbuf = sbuf,
                    .rbuf = c->v.rbuf, .count = c->v.count,
                    .tag_base = c->phase == PHASE_NODE_LAST ? NODE_LAST_TAGS : 0};
}

static view_t leaders_view(const floc_coll_req_t *c, int root)
{
    const floc_ctx_t *ctx = c->ctx;
    return (view_t){.rank = ctx->node_id, .size = ctx->num_nodes, .root = root,
                    .map = floc_hier_at(c)->leaders, .sbuf = FLOC_IN_PLACE, .rbuf = c->v.rbuf,
                    .count = c->v.count};
}

/* One call of alg's step under view v; the job's view back after it. */
static int run(floc_coll_req_t *c, const floc_coll_alg_t *alg, view_t v)
{
    const view_t job = c->v;
    c->v = v;
    int ret = alg->step(c);
    c->v = job;
    return ret;
}

/* the next phase starts its algorithm afresh */
static void next_phase(floc_coll_req_t *c)
{
    c->phase++;
    c->step = 0;
    memset(&c->s, 0, sizeof c->s);
}

/* Is this locality its node's leader?  (Index 0 on its node.) */
int floc_hier_leader(const floc_coll_req_t *c)
{
    return floc_hier_at(c)->me == 0;
}

/*
 * The phase machine they share: what(c, ph, &alg, &v) says
 * what this locality runs in phase ph (0: nothing).  Phases run until one
 * waits (FLOC_ERR_AGAIN) or fails.
 */

int floc_hier_phases(floc_coll_req_t *c, floc_hier_phase_fn what)
{
    if (c->phase == PHASE_START)
        next_phase(c);
    while (c->phase < PHASE_END) {
        const floc_coll_alg_t *alg = NULL;
        view_t v;
        if (what(c, c->phase, &alg, &v)) {
            if (c->step == 0)
                FLOC_DEBUG(FLOC_LOG_COLL, "hierarchical %s, %s step: %s among %d (%s)",
                           floc_coll_kind_name(c->alg->kind),
                           c->phase == PHASE_LEADERS ? "leaders'" : "node", alg->name, v.size,
                           alg->flags & FLOC_ALG_SHM ? "through the node's segment"
                                                     : "through the fabric");
            int ret = run(c, alg, v);
            if (ret)
                return ret;
        }
        next_phase(c);
    }
    return 0;
}

/* The leaders' step: alg of kind among the leaders, root a node id (the
 * others: nothing). */
int floc_hier_leaders_step(floc_coll_req_t *c, floc_coll_kind_t kind, size_t bytes, int root,
                        const floc_coll_alg_t **alg, view_t *v)
{
    if (!floc_hier_leader(c))
        return 0;
    *alg = floc_coll_select_fabric(c->ctx, kind, bytes, c->ctx->num_nodes);
    *v = leaders_view(c, root);
    return 1;
}

/* A node step: the segment's algorithm of kind among this node's
 * localities, root an index on the node (a node of one: nothing); the
 * fabric's where the segment cannot take it, or there was none when the
 * collective started (a team's group segment opens at its first
 * blocking call that would use it: all of a node's members decide the
 * same); without a segment, the transport's own node step if it has one
 * (the simulated job's model of the segment) */
int floc_hier_node_step(floc_coll_req_t *c, floc_coll_kind_t kind, size_t bytes, int root,
                     const void *sbuf, const floc_coll_alg_t **alg, view_t *v)
{
    const int p = floc_hier_at(c)->p;
    if (p < 2)
        return 0;
    const floc_coll_transport_t *x = c->ctx->coll->xport;
    *alg = c->node_seg ? floc_coll_select_node(c->ctx, kind, bytes) : NULL;
    if (!*alg && x->node_step)
        *alg = x->node_step(kind);
    if (!*alg)
        *alg = floc_coll_select_fabric(c->ctx, kind, bytes, p);
    *v = node_view(c, root, sbuf);
    return 1;
}

/* arrival in each node, the leaders' barrier, departure */
static int barrier_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    switch (phase) {
    case PHASE_NODE_FIRST: case PHASE_NODE_LAST:
        return floc_hier_node_step(c, FLOC_COLL_BARRIER, 0, 0, NULL, alg, v);
    case PHASE_LEADERS:
        return floc_hier_leaders_step(c, FLOC_COLL_BARRIER, 0, 0, alg, v);
    default:
        return 0;
    }
}

int floc_barrier_hier(floc_coll_req_t *c)
{
    return floc_hier_phases(c, barrier_phase);
}

/* the root's node first, then the leaders from the root's node's leader,
 * then every other node from its leader */
static int bcast_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    const floc_ctx_t *ctx = c->ctx;
    const size_t bytes = c->v.count * c->esize;
    const int root_node = ctx->node_of[c->v.root], at_root_node = ctx->node_id == root_node;
    switch (phase) {
    case PHASE_NODE_FIRST:
        return at_root_node &&
               floc_hier_node_step(c, FLOC_COLL_BCAST, bytes, floc_hier_at(c)->local_of[c->v.root], NULL, alg, v);
    case PHASE_LEADERS:
        return floc_hier_leaders_step(c, FLOC_COLL_BCAST, bytes, root_node, alg, v);
    case PHASE_NODE_LAST:
        return !at_root_node && floc_hier_node_step(c, FLOC_COLL_BCAST, bytes, 0, NULL, alg, v);
    default:
        return 0;
    }
}

int floc_bcast_hier(floc_coll_req_t *c)
{
    return floc_hier_phases(c, bcast_phase);
}

/* rbuf holds this locality's contribution (floc_iallreduce put it
 * there): reduce to the leader in each node, allreduce among the
 * leaders in place, broadcast from the leader in each node */
static int allreduce_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    const size_t bytes = c->v.count * c->esize;
    switch (phase) {
    case PHASE_NODE_FIRST:
        return floc_hier_node_step(c, FLOC_COLL_REDUCE, bytes, 0, floc_hier_leader(c) ? FLOC_IN_PLACE : c->v.rbuf, alg,
                         v);
    case PHASE_LEADERS:
        return floc_hier_leaders_step(c, FLOC_COLL_ALLREDUCE, bytes, 0, alg, v);
    case PHASE_NODE_LAST:
        return floc_hier_node_step(c, FLOC_COLL_BCAST, bytes, 0, NULL, alg, v);
    default:
        return 0;
    }
}

int floc_allreduce_hier(floc_coll_req_t *c)
{
    return floc_hier_phases(c, allreduce_phase);
}

/*
 * Reduce: each node reduces to its representative (the root on the
 * root's node, the leader elsewhere), the representatives reduce to the
 * root.  The root's contribution is in rbuf (floc_ireduce put it there);
 * another representative folds into c->hold, which starts as a copy of
 * its input (rbuf is not a non-root's to write).  Nothing in the last
 * phase.
 */
static int is_rep(const floc_coll_req_t *c)
{
    const floc_ctx_t *ctx = c->ctx;
    return ctx->node_id == ctx->node_of[c->v.root] ? ctx->rank == c->v.root : floc_hier_leader(c);
}

/* The representatives' view (rank = node id): the leaders, but the root
 * for its node; the caller adds the buffers. */
static view_t reps_view(floc_coll_req_t *c)
{
    floc_ctx_t *ctx = c->ctx;
    int *reps = ctx->coll->reps;
    memcpy(reps, floc_hier_at(c)->leaders, (size_t)ctx->num_nodes * sizeof *reps);
    reps[ctx->node_of[c->v.root]] = floc_ctx_world_id(ctx, c->v.root);
    return (view_t){.rank = ctx->node_id, .size = ctx->num_nodes,
                    .root = ctx->node_of[c->v.root], .map = reps, .count = c->v.count};
}

/* this node's representative, as an index on the node */
static int rep_index(const floc_coll_req_t *c)
{
    const floc_ctx_t *ctx = c->ctx;
    return ctx->node_id == ctx->node_of[c->v.root] ? floc_hier_at(c)->local_of[c->v.root] : 0;
}

static int reduce_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t bytes = c->v.count * c->esize;
    const int root = ctx->rank == c->v.root, rep = is_rep(c);
    switch (phase) {
    case PHASE_NODE_FIRST:
        if (!floc_hier_node_step(c, FLOC_COLL_REDUCE, bytes,
                       rep_index(c), rep ? FLOC_IN_PLACE : c->v.sbuf, alg, v))
            return 0;
        if (rep && !root)
            v->rbuf = c->hold;
        return 1;
    case PHASE_LEADERS:
        if (!rep)
            return 0;
        /* the leaders, but the root for its node; the partial result of a
         * representative other than the root: c->hold (its input alone
         * on a node of one) */
        *alg = floc_coll_select_fabric(ctx, FLOC_COLL_REDUCE, bytes, ctx->num_nodes);
        *v = reps_view(c);
        v->sbuf = root ? FLOC_IN_PLACE : n->p > 1 ? c->hold : c->v.sbuf;
        v->rbuf = root ? c->v.rbuf : NULL;
        return 1;
    default:
        return 0;
    }
}

int floc_reduce_hier(floc_coll_req_t *c)
{
    if (c->phase == PHASE_START && is_rep(c) && c->ctx->rank != c->v.root && floc_hier_at(c)->p > 1) {
        const size_t bytes = c->v.count * c->esize;
        if (!(c->hold = malloc(bytes ? bytes : 1)))
            return FLOC_ERR_NOMEM;
        memcpy(c->hold, c->v.sbuf, bytes);
    }
    return floc_hier_phases(c, reduce_phase);
}

/*
 * Allgather of small blocks: each node gathers its blocks at its leader
 * into c->hold (nodes one after another, a node's blocks in the order of
 * its localities), the leaders exchange their nodes' parts (allgatherv
 * among num_nodes), each leader puts the blocks in locality order into
 * rbuf, and each node broadcasts rbuf from its leader.  A node's
 * localities need not have neighbouring ids: the leader's reordering
 * takes care of that.  c->hold at a leader: the blocks of every node,
 * then the leaders' counts and displacements.
 */
static size_t counts_at(const floc_coll_req_t *c)
{
    const size_t all = (size_t)c->ctx->size * c->v.count * c->esize;
    return (all + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t);
}

static size_t *hold_counts(const floc_coll_req_t *c)
{
    return (size_t *)((char *)c->hold + counts_at(c));
}

static const void *own_block(const floc_coll_req_t *c)
{
    return c->v.sbuf == FLOC_IN_PLACE
               ? (const char *)c->v.rbuf + (size_t)c->ctx->rank * c->v.count * c->esize
               : c->v.sbuf;
}

/* c->hold for every node's blocks in node order, then the counts and
 * displacements (elements) of the leaders' v-collective */
static int hold_all(floc_coll_req_t *c)
{
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t nn = (size_t)c->ctx->num_nodes;
    if (!(c->hold = malloc(counts_at(c) + 2 * nn * sizeof(size_t))))
        return FLOC_ERR_NOMEM;
    size_t *counts = hold_counts(c), *displs = counts + nn, to = 0;
    for (size_t d = 0; d < nn; d++) {
        counts[d] = (size_t)n->node_size[d] * c->v.count;
        displs[d] = to;
        to += counts[d];
    }
    return 0;
}

/* block k of the job in c->hold (node order) */
static char *held_block(const floc_coll_req_t *c, int k)
{
    const floc_ctx_t *ctx = c->ctx;
    const size_t *displs = hold_counts(c) + ctx->num_nodes;
    return (char *)c->hold + (displs[ctx->node_of[k]] * c->esize +
                              (size_t)floc_hier_at(c)->index_on_node[k] * c->v.count * c->esize);
}

/* the blocks of `all` (locality order) to c->hold (node order), or back */
static void reorder(floc_coll_req_t *c, char *all, int to_hold)
{
    const size_t bytes = c->v.count * c->esize;
    for (int k = 0; k < c->ctx->size; k++) {
        char *h = held_block(c, k), *a = all + (size_t)k * bytes;
        memcpy(to_hold ? h : a, to_hold ? a : h, bytes);
    }
}

/* this locality's own block into c->hold (the node gather puts it there
 * too, but a node of one has no node gather) */
static void hold_own(floc_coll_req_t *c)
{
    memcpy(held_block(c, c->ctx->rank), own_block(c), c->v.count * c->esize);
}

static int allgather_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    floc_ctx_t *ctx = c->ctx;
    const size_t bytes = c->v.count * c->esize, nn = (size_t)ctx->num_nodes;
    const size_t *counts = floc_hier_leader(c) ? hold_counts(c) : NULL, *displs = counts ? counts + nn : NULL;
    switch (phase) {
    case PHASE_NODE_FIRST:
        if (!floc_hier_node_step(c, FLOC_COLL_GATHER, bytes, 0, own_block(c), alg, v))
            return 0;
        v->rbuf = floc_hier_leader(c) ? (char *)c->hold + displs[ctx->node_id] * c->esize : NULL;
        return 1;
    case PHASE_LEADERS:
        if (!floc_hier_leaders_step(c, FLOC_COLL_ALLGATHERV, bytes, 0, alg, v))
            return 0;
        v->rbuf = c->hold;
        v->counts = counts, v->displs = displs;
        return 1;
    case PHASE_LOCAL:
        if (floc_hier_leader(c))   /* node order -> locality order */
            reorder(c, c->v.rbuf, 0);
        return 0;
    case PHASE_NODE_LAST:
        if (!floc_hier_node_step(c, FLOC_COLL_BCAST, bytes * (size_t)ctx->size, 0, NULL, alg, v))
            return 0;
        v->count = c->v.count * (size_t)ctx->size;   /* the whole vector */
        return 1;
    default:
        return 0;
    }
}

int floc_allgather_hier(floc_coll_req_t *c)
{
    if (c->phase == PHASE_START && floc_hier_leader(c)) {
        if (hold_all(c))
            return FLOC_ERR_NOMEM;
        hold_own(c);
    }
    return floc_hier_phases(c, allgather_phase);
}

/* c->hold of a representative (gather, scatter): every node's blocks at
 * the root (hold_all), this node's at another of a node of 2 or more */
static int rep_hold(floc_coll_req_t *c)
{
    if (c->ctx->rank == c->v.root)
        return hold_all(c) ? FLOC_ERR_NOMEM : 0;
    const int q = floc_hier_at(c)->p;
    if (q < 2)
        return 0;   /* its own block travels from sbuf */
    return (c->hold = malloc((size_t)q * c->v.count * c->esize)) ? 0 : FLOC_ERR_NOMEM;
}

/*
 * Gather of small blocks: each node gathers its blocks at its
 * representative (the root on the root's node, the leader elsewhere: as
 * for reduce), the representatives gatherv their nodes' parts to the
 * root, which puts the blocks in locality order into rbuf.  At the root
 * c->hold is every node's blocks in node order, then the counts and
 * displacements of the gatherv; at another representative of a node of
 * two or more, its node's blocks.  Nothing in the last phase.
 */
static int gather_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t bytes = c->v.count * c->esize, nn = (size_t)ctx->num_nodes;
    const int root = ctx->rank == c->v.root, rep = is_rep(c);
    const size_t *counts = root ? hold_counts(c) : NULL, *displs = counts ? counts + nn : NULL;
    switch (phase) {
    case PHASE_NODE_FIRST:
        if (!floc_hier_node_step(c, FLOC_COLL_GATHER, bytes, rep_index(c), own_block(c), alg, v))
            return 0;
        v->rbuf = !rep ? NULL : root ? (char *)c->hold + displs[ctx->node_id] * c->esize : c->hold;
        return 1;
    case PHASE_LEADERS:
        if (!rep)
            return 0;
        *alg = floc_coll_select_fabric(ctx, FLOC_COLL_GATHERV, bytes, ctx->num_nodes);
        *v = reps_view(c);
        v->count = (size_t)n->p * c->v.count, v->counts = counts, v->displs = displs;
        v->rbuf = root ? c->hold : NULL;
        v->sbuf = root ? FLOC_IN_PLACE : n->p > 1 ? c->hold : own_block(c);
        return 1;
    case PHASE_LOCAL:
        if (root)   /* node order -> locality order */
            reorder(c, c->v.rbuf, 0);
        return 0;
    default:
        return 0;
    }
}

int floc_gather_hier(floc_coll_req_t *c)
{
    if (c->phase == PHASE_START && is_rep(c)) {
        if (rep_hold(c))
            return FLOC_ERR_NOMEM;
        if (c->ctx->rank == c->v.root)
            hold_own(c);
    }
    return floc_hier_phases(c, gather_phase);
}

/*
 * Scatter of small blocks, the gather backwards: the root puts its
 * blocks in node order into c->hold, scatters the nodes' parts to their
 * representatives (scatterv among the nodes, keeping its own node's part
 * in place), and each representative scatters its node's part through
 * the node.  Nothing in the first phase.
 */
static int scatter_phase(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg, view_t *v)
{
    floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    const size_t bytes = c->v.count * c->esize, nn = (size_t)ctx->num_nodes;
    const int root = ctx->rank == c->v.root, rep = is_rep(c);
    const size_t *counts = root ? hold_counts(c) : NULL, *displs = counts ? counts + nn : NULL;
    switch (phase) {
    case PHASE_LEADERS:
        if (!rep)
            return 0;
        *alg = floc_coll_select_fabric(ctx, FLOC_COLL_SCATTERV, bytes, ctx->num_nodes);
        *v = reps_view(c);
        v->count = (size_t)n->p * c->v.count, v->counts = counts, v->displs = displs;
        v->sbuf = root ? c->hold : NULL;
        v->rbuf = root ? (void *)FLOC_IN_PLACE : n->p > 1 ? c->hold : c->v.rbuf;
        return 1;
    case PHASE_NODE_LAST:
        if (!floc_hier_node_step(c, FLOC_COLL_SCATTER, bytes, rep_index(c),
                       !rep ? NULL : root ? (char *)c->hold + displs[ctx->node_id] * c->esize
                                          : c->hold,
                       alg, v))
            return 0;
        return 1;   /* (a root in place keeps its block in sbuf: rbuf says so) */
    default:
        return 0;
    }
}

int floc_scatter_hier(floc_coll_req_t *c)
{
    floc_ctx_t *ctx = c->ctx;
    const floc_node_place_t *n = floc_hier_at(c);
    if (c->phase == PHASE_START && is_rep(c)) {
        const size_t bytes = c->v.count * c->esize;
        if (rep_hold(c))
            return FLOC_ERR_NOMEM;
        if (ctx->rank == c->v.root) {
            reorder(c, (char *)c->v.sbuf, 1);   /* locality order -> node order */
            /* alone on its node: no node step gives it its block */
            if (n->p == 1 && c->v.rbuf != FLOC_IN_PLACE)
                memcpy(c->v.rbuf, (const char *)c->v.sbuf + (size_t)ctx->rank * bytes, bytes);
        }
    }
    return floc_hier_phases(c, scatter_phase);
}
