/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dist.h - the index maps of partitioned vectors: which locality owns a
 * global index and where, for block, cyclic and block-cyclic
 * distributions.  Pure functions of (n, p, distribution), unit-tested
 * exhaustively on small shapes (tests/unit/test_pv_dist.c).  Internal.
 *
 * Cyclic is block-cyclic with blocks of 1.  Every distribution stores a
 * locality's elements in global index order, so the elements a locality
 * owns in any global range [a, b) are one contiguous run of its part:
 * [below(k, a), below(k, b)).  get/put rest on that.
 */
#ifndef FLOC_PV_DIST_H
#define FLOC_PV_DIST_H

#include <stddef.h>

#include "floc.h"

typedef struct floc_dist_map {
    floc_dist_kind_t kind;
    size_t n;       /* elements */
    int p;          /* localities */
    size_t b;       /* block-cyclic: block size (1 for cyclic) */
    size_t bp;      /* b * p: one round of blocks */
    size_t u;       /* block: elements per row, the unit of the cut (1: elements) */
    size_t q, r;    /* block: n / u = q p + r rows, the first r localities hold q + 1 */
} floc_dist_map_t;

/* Fill *m; FLOC_ERR_INVALID (logged by the caller) if dist is unknown,
 * its block is 0 (block-cyclic), n is not whole rows (block with rows),
 * or b * p overflows. */
int floc_dist_map_init(floc_dist_map_t *m, size_t n, int p, floc_dist_t dist);
/* Elements of locality k with global index < g (g <= n). */
size_t floc_dist_below(const floc_dist_map_t *m, int k, size_t g);
/* Elements of locality k. */
size_t floc_dist_local_count(const floc_dist_map_t *m, int k);
/* Owner and local index of global index g < n. */
void floc_dist_owner(const floc_dist_map_t *m, size_t g, int *k, size_t *l);
/* Global index of local index l < local_count(k) of locality k. */
size_t floc_dist_global(const floc_dist_map_t *m, int k, size_t l);
/* The owners of the range [first, first + count), count > 0: *nowners
 * localities starting at *k0 and going up modulo p. */
void floc_dist_range_owners(const floc_dist_map_t *m, size_t first, size_t count, int *k0,
                            int *nowners);

#endif
