/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hier.h - what the hierarchical algorithms share (hier.c, and
 * hier_alltoall.c): the phases of a collective over the nodes and the
 * steps a phase runs.  Internal to src/coll.
 */
#ifndef FLOC_COLL_HIER_H
#define FLOC_COLL_HIER_H

#include "algs.h"
#include "../node/node.h"

/* PHASE_LOCAL: work of this locality alone between the leaders' step
 * and the last node step (nothing to run) */
/* PHASE_PACK: the same between the first node step and the leaders' */
enum { PHASE_START, PHASE_NODE_FIRST, PHASE_PACK, PHASE_LEADERS, PHASE_LOCAL, PHASE_NODE_LAST,
       PHASE_END };

typedef floc_coll_view_t view_t;

/* what(c, ph, &alg, &v) says what this locality runs in phase ph (0:
 * nothing); floc_hier_phases runs them until one waits or fails */
typedef int (*floc_hier_phase_fn)(floc_coll_req_t *c, int phase, const floc_coll_alg_t **alg,
                                  view_t *v);
int floc_hier_phases(floc_coll_req_t *c, floc_hier_phase_fn what);
/* where the context's localities sit; is this locality its node's leader */
const floc_node_place_t *floc_hier_at(const floc_coll_req_t *c);
int floc_hier_leader(const floc_coll_req_t *c);
/* a node step (kind among this node's localities, root an index there)
 * and the leaders' step (kind among the leaders, root a node id): 0 when
 * this locality has nothing to run, else 1 with *alg and *v set */
int floc_hier_node_step(floc_coll_req_t *c, floc_coll_kind_t kind, size_t bytes, int root,
                        const void *sbuf, const floc_coll_alg_t **alg, view_t *v);
int floc_hier_leaders_step(floc_coll_req_t *c, floc_coll_kind_t kind, size_t bytes, int root,
                           const floc_coll_alg_t **alg, view_t *v);

#endif
