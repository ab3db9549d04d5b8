/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv.h - partitioned vectors: the object and what the pv files share.
 * Internal.
 *
 *   pv.c      create/destroy, queries, fence
 *   access.c  one-sided get/put of global ranges (RMA through the owners' keys)
 *   fill.c    element-wise algorithms on the worker threads (exec/): fill,
 *             iota, for_each, transform, zeros, full
 *   reduce.c  reductions combined with a collective: reduce, dot, min/max
 *   scan.c    inclusive and exclusive scans
 *   move.c    moving whole vectors: copy between distributions (an all-to-all
 *             exchange pulled with RMA), redistribute, gather, scatter
 *
 * Each locality's part is one calloc'd array, registered for remote read
 * and write once at creation; the keys of all parts are allgathered then,
 * so a get/put needs no handshake: one RMA transfer per owner touched.
 */
#ifndef FLOC_PV_H
#define FLOC_PV_H

#include <stddef.h>
#include <stdint.h>

#include "../core/ctx.h"
#include "dist.h"

#define FLOC_PV_MAGIC 0x70763031u /* "pv01" */
#define FLOC_PV_MAX_ESIZE 16       /* the largest dtype (the pair types) */
#define FLOC_PV_USER_GRAIN ((size_t)4096)  /* parts of user kernels: costly per element */

struct floc_pv {
    uint32_t magic;
    floc_ctx_t *ctx;
    floc_dtype_t dt;
    size_t esize;              /* bytes per element */
    floc_dist_t dist;
    floc_dist_map_t map;
    int rank, size;
    void *data;                /* this locality's part, NULL when empty */
    size_t nlocal;
    floc_mem_t *mem;           /* its registration, NULL when empty */
    int allocated;             /* data and mem from floc_mem_alloc (freed together) */
    floc_rkey_t *rkeys;        /* every locality's key (len 0: empty part) */
    size_t inflight;           /* nonblocking gets/puts handed out, not yet freed */
    uint64_t serial;           /* its place among its context's vectors, the same everywhere */
    floc_pv_t *next_live;      /* the world's list (floc_pv_apply finds vectors by serial) */
};

/* Check a pv handle at a public entry point (logs, FLOC_ERR_INVALID). */
int floc_pv_check(const floc_pv_t *pv, const char *func);
#define FLOC_CHECK_PV(pv)                                                       \
    do {                                                                        \
        int floc_chk_ = floc_pv_check((pv), __func__);                          \
        if (floc_chk_)                                                          \
            return floc_chk_;                                                   \
    } while (0)

/* The algorithms' common ground (pv.c): worker parts for this
 * locality's part (at least grain elements each), the barrier that ends
 * an algorithm that wrote a vector, and the check of two vectors an
 * algorithm combines (same context, length and distribution; and dtype
 * when same_dtype).  func: the public call, for the log. */
int floc_pv_parts(floc_pv_t *pv, size_t grain);
int floc_pv_written(floc_pv_t *pv);
int floc_pv_check_pair(const floc_pv_t *a, const floc_pv_t *b, int same_dtype, const char *func);

/* The typed forms: is a scalar of dtype dt (`what`, for the message) one
 * of pv's elements? */
int floc_pv_check_scalar(const floc_pv_t *pv, floc_dtype_t dt, const char *what, const char *func);

/* 1 if a and b have the same length and distribution (parts match). */
int floc_pv_same_layout(const floc_pv_t *a, const floc_pv_t *b);

/*
 * Copy the elements of locality k's part with local indices [lo, hi)
 * between that part's layout (`part`, starting at local index lo) and a
 * buffer of the global range starting at `first` (`range`): to_range = 1
 * unpacks part -> range, 0 packs range -> part.  Runs of contiguous
 * elements go in one memcpy.
 */
void floc_pv_copy_run(const floc_pv_t *pv, int k, size_t lo, size_t hi, size_t first,
                         void *part, void *range, int to_range);

#endif
