/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * partition.h - cutting count items into p blocks whose sizes differ by
 * at most one, the larger ones first: block b starts at b q + min(b, r)
 * with q = count / p, r = count % p.  The one cut floc makes everywhere:
 * the collectives' blocks, the worker threads' parts, the partitioned
 * vectors' block distribution, the cores a locality binds to.  Internal.
 */
#ifndef FLOC_PARTITION_H
#define FLOC_PARTITION_H

#include <stddef.h>

/* First item of block b, q and r given (callers that cut often keep them). */
static inline size_t floc_block_first(size_t q, size_t r, size_t b)
{
    return b * q + (b < r ? b : r);
}

/* First item of block b of count items cut into p blocks (b may be p: the end). */
static inline size_t floc_block_start(size_t count, int p, int b)
{
    return floc_block_first(count / (size_t)p, count % (size_t)p, (size_t)b);
}

/* Length of block b; its first item in *first. */
static inline size_t floc_block_len(size_t count, int p, int b, size_t *first)
{
    *first = floc_block_start(count, p, b);
    return floc_block_start(count, p, b + 1) - *first;
}

#endif
