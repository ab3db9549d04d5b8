/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/coll.h - element types, reduction operations and the collectives.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_COLL_API_H
#define FLOC_COLL_API_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Data types and reduction operations                                 */
/* ------------------------------------------------------------------ */
typedef enum {
    FLOC_INT8, FLOC_INT16, FLOC_INT32, FLOC_INT64,
    FLOC_UINT8, FLOC_UINT16, FLOC_UINT32, FLOC_UINT64,
    FLOC_FLOAT, FLOC_DOUBLE,
    FLOC_BYTE,           /* raw bytes: data movement and bitwise ops only */
    /* value + index pairs, for FLOC_MINLOC / FLOC_MAXLOC */
    FLOC_INT32_INDEX,    /* floc_int32_index_t */
    FLOC_INT64_INDEX,    /* floc_int64_index_t */
    FLOC_FLOAT_INDEX,    /* floc_float_index_t */
    FLOC_DOUBLE_INDEX,   /* floc_double_index_t */
    FLOC_DTYPE_COUNT
} floc_dtype_t;

typedef struct { int32_t value; int64_t index; } floc_int32_index_t;
typedef struct { int64_t value; int64_t index; } floc_int64_index_t;
typedef struct { float value; int64_t index; } floc_float_index_t;
typedef struct { double value; int64_t index; } floc_double_index_t;

typedef enum {
    FLOC_SUM, FLOC_PROD, FLOC_MIN, FLOC_MAX,
    FLOC_BAND, FLOC_BOR, FLOC_BXOR,   /* integer types and FLOC_BYTE */
    FLOC_LAND, FLOC_LOR,              /* integer types: result 0 or 1 */
    FLOC_MINLOC, FLOC_MAXLOC,         /* pair types: the extreme value and its
                                         index (the smaller index on ties) */
    FLOC_OP_COUNT
} floc_op_t;

/*
 * floc_dtype_of(x): the floc_dtype_t of the type of expression x (C11),
 * for the typed forms of the calls that take a value through a void
 * pointer (FLOC_PV_FILL and the like, floc/pv.h): a type floc has no
 * dtype for does not compile.  char is FLOC_BYTE; long follows its size.
 */
#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define floc_dtype_of(x)                                                                 \
    _Generic((x),                                                                        \
        char: FLOC_BYTE, signed char: FLOC_INT8, unsigned char: FLOC_UINT8,              \
        short: FLOC_INT16, unsigned short: FLOC_UINT16,                                  \
        int: FLOC_INT32, unsigned: FLOC_UINT32,                                          \
        long: (sizeof(long) == 8 ? FLOC_INT64 : FLOC_INT32),                             \
        unsigned long: (sizeof(long) == 8 ? FLOC_UINT64 : FLOC_UINT32),                  \
        long long: FLOC_INT64, unsigned long long: FLOC_UINT64,                          \
        float: FLOC_FLOAT, double: FLOC_DOUBLE,                                          \
        floc_int32_index_t: FLOC_INT32_INDEX, floc_int64_index_t: FLOC_INT64_INDEX,      \
        floc_float_index_t: FLOC_FLOAT_INDEX, floc_double_index_t: FLOC_DOUBLE_INDEX)
#endif

/* Size in bytes of one element of dt, or FLOC_ERR_INVALID. */
FLOC_API int floc_dtype_size(floc_dtype_t dt);

/*
 * inout[i] = in[i] op inout[i] for i < count, as MPI_Reduce_local.  Signed
 * integers wrap (two's complement) instead of overflowing; MIN/MAX with a
 * NaN return the second operand's element.  Errors: FLOC_ERR_INVALID for
 * NULL buffers (count > 0), an unknown dt or op, or an op that dt does
 * not support (SUM of FLOC_BYTE, bitwise ops on floating point, MINLOC on
 * a plain type...).
 */
FLOC_API int floc_reduce_local(const void *in, void *inout, size_t count, floc_dtype_t dt,
                               floc_op_t op);

/* ------------------------------------------------------------------ */
/* Collectives (over all localities of the context)                    */
/* ------------------------------------------------------------------ */
/*
 * Every locality calls the same collectives in the same order.  With one
 * locality each has its one-locality meaning (allreduce and broadcast
 * copy, as MPI does: no op is applied; barrier returns at once).  Algorithms are chosen by size and
 * locality count, or forced with FLOC_<COLL>_ALGO (FLOC_BARRIER_ALGO=
 * dissemination, FLOC_BCAST_ALGO=binomial, FLOC_ALLREDUCE_ALGO=
 * recursive_doubling|ring).  Results are bit-identical on every
 * locality, and on every run for the same inputs, count and algorithm.
 * Errors: FLOC_ERR_INVALID (bad root, NULL buffer with count > 0, unknown
 * dtype/op or a pair that does not go together, count overflow),
 * FLOC_ERR_PEER_LOST, FLOC_ERR_TIMEOUT (FLOC_WAIT_TIMEOUT).
 */
/* as sbuf: rbuf holds the input (as rbuf of floc_scatter: the root keeps
 * its block in place).  A plain void pointer, so that it passes for both
 * const void *sbuf and void *rbuf without a cast, as MPI_IN_PLACE does. */
#define FLOC_IN_PLACE ((void *)1)

FLOC_API int floc_barrier(floc_ctx_t *ctx);
/* buf (count elements): input at root, output everywhere else. */
FLOC_API int floc_broadcast(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root);
/* rbuf[i] = op over all localities of sbuf[i]; sbuf may be FLOC_IN_PLACE or equal rbuf. */
FLOC_API int floc_allreduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                            floc_dtype_t dt, floc_op_t op);

/* Reduce to root: rbuf (count elements) is only written at the root;
 * FLOC_IN_PLACE as sbuf at the root only. */
FLOC_API int floc_reduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                         floc_dtype_t dt, floc_op_t op, int root);
/* Fixed block of count elements per locality, blocks in locality order:
 * gather fills rbuf (count * n, root only); scatter reads sbuf (count * n,
 * root only); allgather fills rbuf (count * n) everywhere; alltoall sends
 * block q of sbuf to locality q and puts block q from it in rbuf (both
 * count * n).  FLOC_IN_PLACE: as sbuf of gather/allgather (own block
 * already in place in rbuf), as rbuf of scatter at the root. */
FLOC_API int floc_gather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                         floc_dtype_t dt, int root);
FLOC_API int floc_scatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                          floc_dtype_t dt, int root);
FLOC_API int floc_allgather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                            floc_dtype_t dt);
FLOC_API int floc_alltoall(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                           floc_dtype_t dt);

/* Reduce count * n elements and leave block r (count elements) on locality r. */
FLOC_API int floc_reduce_scatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                                 floc_dtype_t dt, floc_op_t op);
/* Prefix reductions: rbuf on locality r = op over localities 0..r (scan)
 * or 0..r-1 (exscan; rbuf of locality 0 is left untouched). */
FLOC_API int floc_scan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                       floc_dtype_t dt, floc_op_t op);
FLOC_API int floc_exscan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                         floc_dtype_t dt, floc_op_t op);
/* Blocks of their own size: locality q's block has counts[q] elements at
 * element offset displs[q] of the vector (counts/displs needed at the root,
 * everywhere for allgatherv). */
FLOC_API int floc_gatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                          const size_t *rcounts, const size_t *displs, floc_dtype_t dt, int root);
FLOC_API int floc_scatterv(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts,
                           const size_t *displs, void *rbuf, size_t rcount, floc_dtype_t dt,
                           int root);
FLOC_API int floc_allgatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                             const size_t *rcounts, const size_t *displs, floc_dtype_t dt);
/* Alltoall with blocks of their own size (MPI_Alltoallv): this locality
 * sends scounts[q] elements from element offset sdispls[q] of sbuf to
 * locality q and receives rcounts[q] elements from q at rdispls[q] of
 * rbuf; q's scounts[me] must equal my rcounts[q] (else FLOC_ERR_MISMATCH
 * on the localities that see it).  Counts may be zero. */
FLOC_API int floc_alltoallv(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts,
                            const size_t *sdispls, void *rbuf, const size_t *rcounts,
                            const size_t *rdispls, floc_dtype_t dt);

/*
 * Nonblocking forms: the same arguments plus *req, completed by floc_wait
 * or floc_test.  Several may be outstanding at once (started in the same
 * order on every locality) and complete in any order; buffers are
 * borrowed until completion.
 */
FLOC_API int floc_ibarrier(floc_ctx_t *ctx, floc_request_t **req);
FLOC_API int floc_ibroadcast(floc_ctx_t *ctx, void *buf, size_t count, floc_dtype_t dt, int root,
                             floc_request_t **req);
FLOC_API int floc_iallreduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                             floc_dtype_t dt, floc_op_t op, floc_request_t **req);
FLOC_API int floc_ireduce(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                          floc_dtype_t dt, floc_op_t op, int root, floc_request_t **req);
FLOC_API int floc_igather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                          floc_dtype_t dt, int root, floc_request_t **req);
FLOC_API int floc_iscatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                           floc_dtype_t dt, int root, floc_request_t **req);
FLOC_API int floc_iallgather(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                             floc_dtype_t dt, floc_request_t **req);
FLOC_API int floc_ialltoall(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                            floc_dtype_t dt, floc_request_t **req);
FLOC_API int floc_ireduce_scatter(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                                  floc_dtype_t dt, floc_op_t op, floc_request_t **req);
FLOC_API int floc_iscan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                        floc_dtype_t dt, floc_op_t op, floc_request_t **req);
FLOC_API int floc_iexscan(floc_ctx_t *ctx, const void *sbuf, void *rbuf, size_t count,
                          floc_dtype_t dt, floc_op_t op, floc_request_t **req);
FLOC_API int floc_igatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                           const size_t *rcounts, const size_t *displs, floc_dtype_t dt, int root,
                           floc_request_t **req);
FLOC_API int floc_iscatterv(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts,
                            const size_t *displs, void *rbuf, size_t rcount, floc_dtype_t dt,
                            int root, floc_request_t **req);
FLOC_API int floc_iallgatherv(floc_ctx_t *ctx, const void *sbuf, size_t scount, void *rbuf,
                              const size_t *rcounts, const size_t *displs, floc_dtype_t dt,
                              floc_request_t **req);
FLOC_API int floc_ialltoallv(floc_ctx_t *ctx, const void *sbuf, const size_t *scounts,
                             const size_t *sdispls, void *rbuf, const size_t *rcounts,
                             const size_t *rdispls, floc_dtype_t dt, floc_request_t **req);

/*
 * Which algorithm: floc_coll_algorithm gives the one a call of
 * `collective` ("allreduce", "bcast", "gather", ... as FLOC_<COLL>_ALGO
 * names them) with `bytes` per locality would run on ctx now (after
 * FLOC_<COLL>_ALGO, and its fallback when the forced one cannot run
 * here), floc_coll_last_algorithm the one its last call ran; "none" when
 * there is nothing to exchange (one locality, count 0).  *name is a
 * constant string.  FLOC_LOG_LEVEL=debug logs every choice too.
 */
FLOC_API int floc_coll_algorithm(floc_ctx_t *ctx, const char *collective, size_t bytes,
                                 const char **name);
FLOC_API int floc_coll_last_algorithm(floc_ctx_t *ctx, const char *collective, const char **name);

#ifdef __cplusplus
}
#endif
#endif /* FLOC_COLL_API_H */
