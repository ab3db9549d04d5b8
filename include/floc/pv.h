/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/pv.h - partitioned vectors: distributed arrays.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_PV_API_H
#define FLOC_PV_API_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Partitioned vectors: distributed arrays                             */
/* ------------------------------------------------------------------ */
/*
 * A vector of n elements of one dtype cut across all localities, as HPX's
 * partitioned_vector: each locality owns and stores a part (its "local
 * part", a plain array in global index order), reachable by the others
 * one-sided.  Indices are size_t throughout (n may exceed 2^32).
 *
 *  FLOC_DIST_BLOCK          locality k holds one contiguous range; ranges in
 *                           locality order, floor(n/p) or ceil(n/p) long
 *                           (the longer ones first).  With block = r > 1
 *                           (floc_dist_block_rows): the same in whole rows
 *                           of r elements (n a multiple of r), so that the
 *                           local part of a row-major 2-D array is whole
 *                           rows.
 *  FLOC_DIST_CYCLIC         element i on locality i mod p, local index i / p.
 *  FLOC_DIST_BLOCK_CYCLIC   blocks of `block` elements dealt round robin:
 *                           element i on locality (i / b) mod p, local index
 *                           (i / (b p)) b + i mod b.
 *
 * Collective calls (marked so) are called by every locality in the same
 * order, like the collectives above, and may not be interleaved with
 * nonblocking collectives still in flight.  The algorithms run on each
 * local part with the locality's worker threads (FLOC_THREADS, default:
 * one per processing unit of the locality's binding, each pinned to its
 * own unit by hwloc), then combine with collectives.  Floating-point
 * results of reductions are the same on every locality and every run of
 * the same job shape, but may differ in the last bits from a serial loop
 * (they add in a different order).
 */
typedef struct floc_pv floc_pv_t;
typedef enum { FLOC_DIST_BLOCK, FLOC_DIST_CYCLIC, FLOC_DIST_BLOCK_CYCLIC } floc_dist_kind_t;
typedef struct {
    floc_dist_kind_t kind;
    size_t block;             /* BLOCK_CYCLIC: block size (> 0); BLOCK: row length
                                 (0 or 1: single elements); CYCLIC: ignored */
} floc_dist_t;

static inline floc_dist_t floc_dist_block(void) { floc_dist_t d = {FLOC_DIST_BLOCK, 0}; return d; }
static inline floc_dist_t floc_dist_block_rows(size_t row)
{
    floc_dist_t d = {FLOC_DIST_BLOCK, row};
    return d;
}
static inline floc_dist_t floc_dist_cyclic(void)
{
    floc_dist_t d = {FLOC_DIST_CYCLIC, 0};
    return d;
}
static inline floc_dist_t floc_dist_block_cyclic(size_t b)
{
    floc_dist_t d = {FLOC_DIST_BLOCK_CYCLIC, b};
    return d;
}

/*
 * Create (collective) a vector of n elements of dt, distributed by dist,
 * its elements zero.  n may be 0 or smaller than the locality count (some
 * local parts are then empty).  Errors: FLOC_ERR_INVALID (bad ctx, dtype,
 * dist, block 0, n * size overflowing), FLOC_ERR_NOMEM, FLOC_ERR_FABRIC,
 * FLOC_ERR_PEER_LOST.
 */
FLOC_API int floc_pv_create(floc_ctx_t *ctx, size_t n, floc_dtype_t dt, floc_dist_t dist,
                            floc_pv_t **pv);
/* The seed's shapes: a vector of zeros, and one with every element = *value. */
FLOC_API int floc_pv_zeros(floc_ctx_t *ctx, size_t n, floc_dtype_t dt, floc_dist_t dist,
                           floc_pv_t **pv);
FLOC_API int floc_pv_full(floc_ctx_t *ctx, size_t n, floc_dtype_t dt, floc_dist_t dist,
                          const void *value, floc_pv_t **pv);
/* Collective.  FLOC_ERR_BUSY (nothing freed) while nonblocking gets/puts
 * of this locality on pv are still live. */
FLOC_API int floc_pv_destroy(floc_pv_t *pv);

/* Queries (local, any time). */
FLOC_API int floc_pv_size(const floc_pv_t *pv, size_t *n);
FLOC_API int floc_pv_dtype(const floc_pv_t *pv, floc_dtype_t *dt);
FLOC_API int floc_pv_dist(const floc_pv_t *pv, floc_dist_t *dist);
/* This locality's part: *ptr (NULL when empty) and its element count. */
FLOC_API int floc_pv_local(floc_pv_t *pv, void **ptr, size_t *nlocal);
/* Element count of any locality's part. */
FLOC_API int floc_pv_local_count(const floc_pv_t *pv, int locality, size_t *nlocal);
/* Where global element gidx lives: owner locality and index in its part.
 * FLOC_ERR_INVALID if gidx >= n. */
FLOC_API int floc_pv_owner(const floc_pv_t *pv, size_t gidx, int *locality, size_t *lidx);
/* Global index of element lidx of locality's part.  FLOC_ERR_INVALID if
 * lidx is outside that part. */
FLOC_API int floc_pv_global_index(const floc_pv_t *pv, int locality, size_t lidx, size_t *gidx);

/*
 * One-sided element access: copy elements [first, first + count) out of
 * (get) or into (put) the vector, wherever they live.  Each owner's share
 * of the range is one RMA transfer (its elements of a range are
 * contiguous in its part); with FLOC_DIST_BLOCK the transfers go straight
 * between dst/src and the owners' memory, otherwise through a staging
 * buffer that is unpacked (get) or was packed (put) on this side.  count 0
 * is a no-op.  Not collective: use floc_pv_fence to order puts and gets
 * between localities.  Errors: FLOC_ERR_INVALID (range past n, NULL
 * buffer with count > 0), FLOC_ERR_NOMEM, FLOC_ERR_PEER_LOST.
 */
FLOC_API int floc_pv_get(floc_pv_t *pv, size_t first, size_t count, void *dst);
FLOC_API int floc_pv_put(floc_pv_t *pv, size_t first, size_t count, const void *src);
/* Nonblocking forms: dst/src are borrowed until *req completes (floc_wait). */
FLOC_API int floc_pv_iget(floc_pv_t *pv, size_t first, size_t count, void *dst,
                          floc_request_t **req);
FLOC_API int floc_pv_iput(floc_pv_t *pv, size_t first, size_t count, const void *src,
                          floc_request_t **req);
/*
 * Collective: every put completed before the fence (blocking puts, and
 * nonblocking ones already waited for), and every store into a local
 * part, is visible to every get and load after it.  FLOC_ERR_BUSY if this
 * locality still has nonblocking puts/gets on pv not waited for.
 */
FLOC_API int floc_pv_fence(floc_pv_t *pv);

/* ---- algorithms (all collective) ---- */
/* Every element = *value (one element of the vector's dtype). */
FLOC_API int floc_pv_fill(floc_pv_t *pv, const void *value);
/* Element i = *start + i, in the vector's dtype (integers wrap). */
FLOC_API int floc_pv_iota(floc_pv_t *pv, const void *start);
/*
 * User kernels over local segments: called from worker threads at once on
 * disjoint pieces of the local part; `data` holds `count` elements whose
 * first is element `lidx` of the part (floc_pv_global_index gives their
 * global indices).  A kernel must not call floc.
 */
typedef void (*floc_pv_for_each_fn)(void *data, size_t count, size_t lidx, void *arg);
typedef void (*floc_pv_transform_fn)(const void *in, void *out, size_t count, size_t lidx,
                                     void *arg);
FLOC_API int floc_pv_for_each(floc_pv_t *pv, floc_pv_for_each_fn fn, void *arg);
/* out = fn(in) element-wise over vectors of the same n and distribution
 * (dtypes may differ; out may be in). */
FLOC_API int floc_pv_transform(floc_pv_t *in, floc_pv_t *out, floc_pv_transform_fn fn, void *arg);
/*
 * *result (one element of the dtype, on every locality) = op over all
 * elements: FLOC_SUM, FLOC_PROD, FLOC_MIN, FLOC_MAX and the bitwise/
 * logical ops the dtype allows.  An empty vector gives op's identity
 * (0 for sum, 1 for product, the dtype's largest value for min...).
 */
FLOC_API int floc_pv_reduce(floc_pv_t *pv, floc_op_t op, void *result);
/* op over fn(element): fn writes `count` elements of rdt to out. */
FLOC_API int floc_pv_transform_reduce(floc_pv_t *pv, floc_pv_transform_fn fn, void *arg,
                                      floc_dtype_t rdt, floc_op_t op, void *result);
/* Smallest (FLOC_MIN) or largest (FLOC_MAX) element and its global index
 * (the smallest index among equal ones).  FLOC_ERR_INVALID on n = 0. */
FLOC_API int floc_pv_minmax(floc_pv_t *pv, floc_op_t op, void *value, size_t *gidx);
/* Sum of a[i] * b[i] (same n, dtype and distribution). */
FLOC_API int floc_pv_dot(floc_pv_t *a, floc_pv_t *b, void *result);
/* out[i] = op over in[0..i] (inclusive) or in[0..i-1] with out[0] = op's
 * identity (exclusive), in global index order; out may be in.  Same n and
 * dtype; the distributions may differ. */
FLOC_API int floc_pv_inclusive_scan(floc_pv_t *in, floc_pv_t *out, floc_op_t op);
FLOC_API int floc_pv_exclusive_scan(floc_pv_t *in, floc_pv_t *out, floc_op_t op);
/* dst = src element by element (same n and dtype, any two distributions:
 * moving between distributions is one all-to-all exchange). */
FLOC_API int floc_pv_copy(floc_pv_t *src, floc_pv_t *dst);
/* A new vector holding src's elements under another distribution. */
FLOC_API int floc_pv_redistribute(floc_pv_t *src, floc_dist_t dist, floc_pv_t **out);
/* The whole vector, in global order, into buf (n elements) on root; and
 * the other way round.  buf is ignored on the other localities. */
FLOC_API int floc_pv_gather(floc_pv_t *pv, int root, void *buf);
FLOC_API int floc_pv_scatter(floc_pv_t *pv, int root, const void *buf);

/*
 * Typed forms.  The calls above take their scalars (a value, a start, a
 * result) through a void pointer of the vector's dtype: floc_pv_iota on a
 * FLOC_DOUBLE vector with &one pointing to an int reads garbage.  The _as
 * forms say what the pointer points to and get FLOC_ERR_INVALID when it
 * is not the vector's dtype; the macros (C11) take that from the
 * pointer's own type: FLOC_PV_IOTA(pv, &one) does not compile for a type
 * floc has no dtype for, and fails for one that is not the vector's.
 */
FLOC_API int floc_pv_fill_as(floc_pv_t *pv, const void *value, floc_dtype_t value_dt);
FLOC_API int floc_pv_iota_as(floc_pv_t *pv, const void *start, floc_dtype_t start_dt);
FLOC_API int floc_pv_reduce_as(floc_pv_t *pv, floc_op_t op, void *result, floc_dtype_t result_dt);
FLOC_API int floc_pv_dot_as(floc_pv_t *a, floc_pv_t *b, void *result, floc_dtype_t result_dt);
FLOC_API int floc_pv_minmax_as(floc_pv_t *pv, floc_op_t op, void *value, floc_dtype_t value_dt,
                               size_t *gidx);
#ifdef floc_dtype_of
#define FLOC_PV_FILL(pv, ptr) floc_pv_fill_as((pv), (ptr), floc_dtype_of(*(ptr)))
#define FLOC_PV_IOTA(pv, ptr) floc_pv_iota_as((pv), (ptr), floc_dtype_of(*(ptr)))
#define FLOC_PV_REDUCE(pv, op, ptr) floc_pv_reduce_as((pv), (op), (ptr), floc_dtype_of(*(ptr)))
#define FLOC_PV_DOT(a, b, ptr) floc_pv_dot_as((a), (b), (ptr), floc_dtype_of(*(ptr)))
#define FLOC_PV_MINMAX(pv, op, ptr, gidx)                                                 \
    floc_pv_minmax_as((pv), (op), (ptr), floc_dtype_of(*(ptr)), (gidx))
/* a vector whose dtype is the value's own */
#define FLOC_PV_FULL(ctx, n, dist, ptr, pv)                                               \
    floc_pv_full((ctx), (n), floc_dtype_of(*(ptr)), (dist), (ptr), (pv))
#endif

#ifdef __cplusplus
}
#endif
#endif /* FLOC_PV_API_H */
