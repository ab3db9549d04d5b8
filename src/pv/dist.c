/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dist.c - index maps of partitioned vectors (see dist.h).
 */
#include <stdint.h>

#include "dist.h"
#include "../core/partition.h"

int floc_dist_map_init(floc_dist_map_t *m, size_t n, int p, floc_dist_t dist)
{
    if (p <= 0)
        return FLOC_ERR_INVALID;
    *m = (floc_dist_map_t){.kind = dist.kind, .n = n, .p = p};
    switch (dist.kind) {
    case FLOC_DIST_BLOCK:
        /* whole rows of u elements (u 0 or 1: single elements) */
        m->u = dist.block > 1 ? dist.block : 1;
        if (n % m->u)
            return FLOC_ERR_INVALID;
        m->q = n / m->u / (size_t)p;
        m->r = n / m->u % (size_t)p;
        return 0;
    case FLOC_DIST_CYCLIC:
        m->b = 1;
        break;
    case FLOC_DIST_BLOCK_CYCLIC:
        if (dist.block == 0)
            return FLOC_ERR_INVALID;
        m->b = dist.block;
        break;
    default:
        return FLOC_ERR_INVALID;
    }
    if (m->b > SIZE_MAX / (size_t)p)
        return FLOC_ERR_INVALID;
    m->bp = m->b * (size_t)p;
    return 0;
}

/* first global index of locality k's block (block distribution) */
static size_t block_start(const floc_dist_map_t *m, int k)
{
    return m->u * floc_block_first(m->q, m->r, (size_t)k);
}

size_t floc_dist_below(const floc_dist_map_t *m, int k, size_t g)
{
    if (m->kind == FLOC_DIST_BLOCK) {
        size_t s = block_start(m, k), e = block_start(m, k + 1);
        return g <= s ? 0 : (g >= e ? e - s : g - s);
    }
    /* whole rounds give b each; the partial round gives what reaches
     * into k's block of it */
    size_t rounds = g / m->bp, rest = g % m->bp, kb = (size_t)k * m->b;
    size_t part = rest <= kb ? 0 : (rest - kb >= m->b ? m->b : rest - kb);
    return rounds * m->b + part;
}

size_t floc_dist_local_count(const floc_dist_map_t *m, int k)
{
    return floc_dist_below(m, k, m->n);
}

void floc_dist_owner(const floc_dist_map_t *m, size_t g, int *k, size_t *l)
{
    if (m->kind == FLOC_DIST_BLOCK) {
        const size_t row = g / m->u, big = m->r * (m->q + 1);   /* rows in the longer blocks */
        size_t lrow;
        if (row < big) {
            *k = (int)(row / (m->q + 1));
            lrow = row % (m->q + 1);
        } else {                          /* here q > 0, since g < n */
            *k = (int)(m->r + (row - big) / m->q);
            lrow = (row - big) % m->q;
        }
        *l = lrow * m->u + g % m->u;
        return;
    }
    *k = (int)((g / m->b) % (size_t)m->p);
    *l = (g / m->bp) * m->b + g % m->b;
}

size_t floc_dist_global(const floc_dist_map_t *m, int k, size_t l)
{
    if (m->kind == FLOC_DIST_BLOCK)
        return block_start(m, k) + l;
    return ((l / m->b) * (size_t)m->p + (size_t)k) * m->b + l % m->b;
}

void floc_dist_range_owners(const floc_dist_map_t *m, size_t first, size_t count, int *k0,
                            int *nowners)
{
    size_t l;
    int first_owner, last_owner;
    floc_dist_owner(m, first, &first_owner, &l);
    *k0 = first_owner;
    if (m->kind == FLOC_DIST_BLOCK) {
        floc_dist_owner(m, first + count - 1, &last_owner, &l);
        *nowners = last_owner - first_owner + 1;
        return;
    }
    /* blocks touched: from first's block to the last element's block */
    size_t blocks = (first + count - 1) / m->b - first / m->b + 1;
    *nowners = blocks >= (size_t)m->p ? m->p : (int)blocks;
}
