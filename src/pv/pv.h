/*
 * pv.h - partitioned vectors: the object and what the pv files share.
 * Internal.
 *
 *   pv.c      create/destroy, queries, fence
 *   access.c  one-sided get/put of global ranges (RMA through the owners' keys)
 *   algo.c    the local-part algorithms on the worker threads (exec/), combined
 *             with collectives: fill, iota, for_each, transform, reduce, dot,
 *             min/max, scan
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
};

/* Check a pv handle at a public entry point (logs, FLOC_ERR_INVALID). */
int floc_pv_check(const floc_pv_t *pv, const char *func);
#define FLOC_CHECK_PV(pv)                                                       \
    do {                                                                        \
        int floc_chk_ = floc_pv_check((pv), __func__);                          \
        if (floc_chk_)                                                          \
            return floc_chk_;                                                   \
    } while (0)

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
