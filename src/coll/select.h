/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * select.h - choosing a collective's algorithm.  Internal.
 *
 * The choice is a pure function of what every locality of the group
 * knows alike (floc_coll_where_t, the kind, the bytes), so every
 * locality picks the same algorithm without talking; the unit tests call
 * it with made-up situations.
 */
#ifndef FLOC_COLL_SELECT_H
#define FLOC_COLL_SELECT_H

#include "coll.h"

struct floc_ctx;

/* Where a collective runs: what the rules and the algorithms' flags are
 * checked against.  The same on every locality of the group. */
typedef struct floc_coll_where {
    int p;                /* localities in the group */
    int nodes;            /* nodes of the job */
    int segment;          /* a single-node job whose localities share the node segment */
    size_t segment_max;   /* bytes of the segment's buffers (FLOC_ALG_SEGMENT) */
    int no_pipeline;      /* ... which has no pipelined area (a team's: FLOC_ALG_PIPELINE) */
    int cma;              /* ... and may read each other's memory (FLOC_ALG_CMA) */
    int hier;             /* several nodes, each node's localities on their segment */
    size_t hier_small_max;/* bytes a FLOC_ALG_HIER_SMALL algorithm takes */
    size_t hier_max;      /* bytes a hierarchical algorithm takes (a team's: its group segments') */
} floc_coll_where_t;

/* A rule: the first row of a kind whose bounds hold and whose algorithm
 * can run (its flags, checked against where) is chosen. */
typedef struct floc_coll_rule {
    floc_coll_kind_t kind;
    const char *alg;      /* a name in the table of kind */
    int pmin, pmax;       /* localities, inclusive (0: no bound) */
    size_t bmin, bmax;    /* bytes per locality, inclusive (bmax 0: no bound) */
    size_t per_rank_below;/* bytes / p below this (0: no bound) */
    int min_nodes;        /* jobs of at least this many nodes only (0: any) */
    int one_per_node;     /* only with one locality a node (the hierarchical
                             algorithms' leaders), not a flat job's many */
} floc_coll_rule_t;

/* The whole table and the rules, for floc-info and the tests. */
const floc_coll_alg_t *floc_coll_algs(size_t *n);
const floc_coll_rule_t *floc_coll_rules(size_t *n);
/* The entry of kind named name, or NULL. */
const floc_coll_alg_t *floc_coll_alg_find(floc_coll_kind_t kind, const char *name);
/* Name of a kind as the settings spell it ("allreduce"). */
const char *floc_coll_kind_name(floc_coll_kind_t kind);

/* Can a run where w, of `bytes` per locality? */
int floc_coll_alg_usable(const floc_coll_alg_t *a, const floc_coll_where_t *w, size_t bytes);
/* The rules' choice for kind; fabric_only: among the algorithms that
 * neither use shared memory nor are hierarchical (the leaders' step). */
const floc_coll_alg_t *floc_coll_choose(const floc_coll_where_t *w, floc_coll_kind_t kind,
                                        size_t bytes, int fabric_only);

/* For a call of ctx: FLOC_<COLL>_ALGO's algorithm when it can run here,
 * else the rules' choice. */
const floc_coll_alg_t *floc_coll_select(struct floc_ctx *ctx, floc_coll_kind_t kind, size_t bytes);
/* The phases of the hierarchical algorithms: the algorithm of the
 * context's segment among its localities on this node (NULL: that
 * segment cannot take it), and the fabric's among p localities (the
 * leaders, or a node's localities without a segment). */
const floc_coll_alg_t *floc_coll_select_node(const struct floc_ctx *ctx, floc_coll_kind_t kind,
                                             size_t bytes);
const floc_coll_alg_t *floc_coll_select_fabric(const struct floc_ctx *ctx, floc_coll_kind_t kind,
                                               size_t bytes, int p);

#endif
