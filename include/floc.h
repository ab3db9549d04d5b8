/*
 * floc.h - the one public header of floc, a C11 communication layer for
 * HPC codes: localities discovered through PMIx, data moved one-sided
 * through libfabric, threads placed with hwloc.
 *
 * Conventions (every function below follows them):
 *  - Functions return int: 0 (FLOC_SUCCESS) or a negative FLOC_ERR_* code;
 *    floc_strerror() names it.  The reason of every error is logged once
 *    (FLOC_LOG_LEVEL=warn shows it).  Nothing in floc aborts or exits.
 *  - Output arguments come last and are written only on success.
 *  - Handles are pointers to incomplete structs; the library frees what it
 *    allocated in the matching destroy/finalize call.
 *  - User buffers belong to the caller; a nonblocking call borrows them
 *    until its request completes.
 *  - Thread safety: a context and everything created from it may be used
 *    by one thread at a time (FLOC_THREAD_SINGLE/FUNNELED) unless the
 *    context was created with FLOC_THREAD_MULTIPLE.  floc_strerror and the
 *    pure query functions are always safe.
 */
#ifndef FLOC_H
#define FLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FLOC_BUILDING) && defined(__GNUC__)
#define FLOC_API __attribute__((visibility("default")))
#else
#define FLOC_API
#endif

#define FLOC_VERSION(maj, min) (((maj) << 16) | (min))
#define FLOC_VERSION_MAJOR 0
#define FLOC_VERSION_MINOR 1
#define FLOC_API_VERSION FLOC_VERSION(FLOC_VERSION_MAJOR, FLOC_VERSION_MINOR)

/* ------------------------------------------------------------------ */
/* Error codes: one list generates the enum and floc_strerror().       */
/* ------------------------------------------------------------------ */
#define FLOC_ERRNO_MAP(X)                                                        \
    X(SUCCESS,        0, "success")                                              \
    X(ERR_INVALID,   -1, "invalid argument")                                     \
    X(ERR_NOMEM,     -2, "out of memory")                                        \
    X(ERR_PEER_LOST, -3, "a peer locality was lost")                             \
    X(ERR_TIMEOUT,   -4, "operation timed out")                                  \
    X(ERR_AGAIN,     -5, "resource temporarily unavailable, retry")             \
    X(ERR_NOT_SUPPORTED, -6, "operation not supported by this provider/build")   \
    X(ERR_BUSY,      -7, "object still has pending operations")                  \
    X(ERR_FABRIC,    -8, "fabric (libfabric) error")                             \
    X(ERR_LAUNCH,    -9, "launcher (PMIx) error")                                \
    X(ERR_ACCESS,   -10, "remote access outside a registered region")           \
    X(ERR_TRUNCATED,-11, "message larger than the receive buffer")              \
    X(ERR_SYSTEM,   -12, "operating-system or hwloc error")

typedef enum {
#define FLOC_ERRNO_ENUM_(name, val, msg) FLOC_##name = (val),
    FLOC_ERRNO_MAP(FLOC_ERRNO_ENUM_)
#undef FLOC_ERRNO_ENUM_
} floc_status_t;

/* Name of an error code; never NULL.  Unknown codes give "unknown error". */
FLOC_API const char *floc_strerror(int err);

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */
typedef struct floc_ctx floc_ctx_t;

typedef enum {
    FLOC_THREAD_SINGLE = 0,   /* one thread calls floc */
    FLOC_THREAD_FUNNELED,     /* only the thread that called floc_init */
    FLOC_THREAD_MULTIPLE      /* any thread, serialised inside floc */
} floc_thread_level_t;

typedef enum {
    FLOC_BIND_DEFAULT = 0,    /* FLOC_BIND from the environment, else auto */
    FLOC_BIND_AUTO,           /* core share unless oversubscribed or already bound */
    FLOC_BIND_NONE,
    FLOC_BIND_CORE,           /* this locality's share of the node's cores */
    FLOC_BIND_SOCKET          /* the package holding that share */
} floc_bind_t;

typedef enum {
    FLOC_PROGRESS_DEFAULT = 0, /* FLOC_PROGRESS from the environment, else inline */
    FLOC_PROGRESS_INLINE,      /* progress made inside floc calls only */
    FLOC_PROGRESS_THREAD       /* plus a progress thread pinned in the locality */
} floc_progress_mode_t;

/*
 * Context attributes.  Start from FLOC_ATTR_INIT; fields are only ever
 * appended, `size` tells the library which ones the caller knows about.
 * Environment variables (FLOC_PROVIDER, FLOC_BIND, FLOC_PROGRESS, ...)
 * apply where a field is left at its default.
 */
typedef struct floc_attr {
    size_t               size;          /* sizeof(floc_attr_t) */
    floc_thread_level_t  thread_level;
    floc_bind_t          bind;
    floc_progress_mode_t progress;
    const char          *provider;      /* libfabric provider name, NULL = auto */
    double               wait_timeout;  /* seconds a blocking wait may take, 0 = none */
} floc_attr_t;

#define FLOC_ATTR_INIT                                                          \
    { sizeof(floc_attr_t), FLOC_THREAD_SINGLE, FLOC_BIND_DEFAULT,               \
      FLOC_PROGRESS_DEFAULT, NULL, 0.0 }

/*
 * Join the job.  Discovers the locality's id and the job size through PMIx
 * (any PMIx launcher: floc-run, mpirun, prterun, srun --mpi=pmix), opens a
 * libfabric endpoint and exchanges addresses with every peer.  With no
 * launcher the program runs as a single locality.  argc/argv may be NULL.
 * Collective over all localities.
 * Errors: FLOC_ERR_INVALID (ctx NULL, bad attr), FLOC_ERR_BUSY (a context is
 * already live in this process), FLOC_ERR_LAUNCH, FLOC_ERR_FABRIC,
 * FLOC_ERR_NOMEM, FLOC_ERR_SYSTEM.
 */
FLOC_API int floc_init(int *argc, char ***argv, const floc_attr_t *attr, floc_ctx_t **ctx);

/*
 * Leave the job: completes this locality's outstanding RMA, synchronises
 * with the peers (bounded when a peer was lost), closes the endpoint and
 * frees ctx.  Collective.  Returns FLOC_ERR_BUSY (and frees nothing) while
 * requests or memory registrations created from ctx are still live;
 * FLOC_ERR_INVALID for NULL or a context that is not live (finalized twice).
 * FLOC_ERR_PEER_LOST still frees everything: ctx is gone afterwards.
 */
FLOC_API int floc_finalize(floc_ctx_t *ctx);

/* Number of localities in the job, or FLOC_ERR_INVALID for a bad ctx. */
FLOC_API int floc_num_localities(const floc_ctx_t *ctx);
/* This locality's id in [0, floc_num_localities), or FLOC_ERR_INVALID. */
FLOC_API int floc_locality_id(const floc_ctx_t *ctx);
/* Rank among the localities of this node, and their number. */
FLOC_API int floc_local_rank(const floc_ctx_t *ctx);
FLOC_API int floc_local_size(const floc_ctx_t *ctx);
/* Node this locality runs on, in [0, floc_num_nodes). */
FLOC_API int floc_node_id(const floc_ctx_t *ctx);
FLOC_API int floc_num_nodes(const floc_ctx_t *ctx);
/* Node id of another locality, or FLOC_ERR_INVALID if out of range. */
FLOC_API int floc_locality_node(const floc_ctx_t *ctx, int locality);
/* Name of the libfabric provider in use ("shm", "tcp;ofi_rxm", ...), or NULL. */
FLOC_API const char *floc_provider_name(const floc_ctx_t *ctx);

/*
 * Drive communication progress once (drains completions, never blocks).
 * Returns the number of completions handled (>= 0) or an error.
 */
FLOC_API int floc_progress(floc_ctx_t *ctx);

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */
typedef struct floc_request floc_request_t;

/*
 * Wait for a request to complete, then free it.  Returns the operation's
 * status: 0, FLOC_ERR_PEER_LOST, FLOC_ERR_TIMEOUT (wait_timeout passed;
 * the request stays live and may be waited on again), FLOC_ERR_ACCESS...
 * FLOC_ERR_INVALID for NULL or a request that was already freed.
 */
FLOC_API int floc_wait(floc_request_t *req);
/*
 * Make progress and report whether req is complete (*done = 1, and the
 * request is freed; the return value is then the operation's status) or
 * not (*done = 0, returns 0).
 */
FLOC_API int floc_test(floc_request_t *req, int *done);
/* floc_wait on each of n requests; returns the first error met. */
FLOC_API int floc_waitall(size_t n, floc_request_t *reqs[]);

/* ------------------------------------------------------------------ */
/* Memory registration and one-sided (RMA) access                      */
/* ------------------------------------------------------------------ */
typedef struct floc_mem floc_mem_t;

/*
 * A remote key: plain data describing a registered region, made by its
 * owner with floc_mem_rkey() and handed to peers (by message, or a
 * collective).  A peer can reach [0, len) of the region and nothing else:
 * ranges outside it are refused before anything is sent, and a key that
 * floc_mem_rkey did not produce (altered, corrupted) is refused by its
 * check field.  A key of a region its owner has deregistered is refused by
 * providers that check keys at the target (tcp, verbs); libfabric's shm
 * provider moves data by address (CMA) and does not check, so deregister
 * only when peers are done with a region.
 */
typedef struct floc_rkey {
    uint64_t addr;   /* virtual address of the region's start at its owner */
    uint64_t len;    /* bytes */
    uint64_t key;    /* provider key */
    int32_t  owner;  /* locality that registered the region */
    uint32_t check;  /* integrity check of the fields above, within this job */
} floc_rkey_t;

enum {
    FLOC_MEM_REMOTE_READ  = 1u << 0,
    FLOC_MEM_REMOTE_WRITE = 1u << 1,
    FLOC_MEM_REMOTE_ATOMIC = 1u << 2,
    FLOC_MEM_REMOTE_ALL = 7u
};

/*
 * Register [buf, buf+len) for remote access (access: FLOC_MEM_* flags).
 * Not collective.  Errors: FLOC_ERR_INVALID (NULL buf, len 0, bad flags),
 * FLOC_ERR_FABRIC, FLOC_ERR_NOMEM.
 */
FLOC_API int floc_mem_register(floc_ctx_t *ctx, void *buf, size_t len, unsigned access,
                               floc_mem_t **mem);
/* The remote key of a registration, to be sent to peers. */
FLOC_API int floc_mem_rkey(const floc_mem_t *mem, floc_rkey_t *rkey);
/* Remove a registration.  Peers must no longer access it. */
FLOC_API int floc_mem_deregister(floc_mem_t *mem);

/*
 * Allocate len bytes of zeroed memory for remote access (access: FLOC_MEM_*
 * flags), registered like floc_mem_register: *buf is the memory, *mem its
 * registration, floc_mem_rkey makes its key.  Not collective.  The other
 * localities of this node reach it with plain copies (floc_put, floc_get and
 * their nonblocking forms are a memcpy there: no provider, no system call;
 * floc_atomic_fetch_add a CPU atomic in single-node jobs) wherever the
 * node has its shared segment; every other access goes through the fabric
 * as for registered memory.  The MPI_Win_allocate of floc.  Free it with
 * floc_mem_free (not floc_mem_deregister).  Pages are allocated at first
 * touch, as with calloc.  Errors: FLOC_ERR_INVALID (NULL pointers, len 0,
 * bad flags), FLOC_ERR_NOMEM, FLOC_ERR_SYSTEM (the system has no memfd),
 * FLOC_ERR_FABRIC, FLOC_ERR_NOT_SUPPORTED (atomics the provider lacks).
 */
FLOC_API int floc_mem_alloc(floc_ctx_t *ctx, size_t len, unsigned access, void **buf,
                            floc_mem_t **mem);
/* Deregister and free memory from floc_mem_alloc.  Peers must no longer
 * access it. */
FLOC_API int floc_mem_free(floc_mem_t *mem);

/*
 * Write len bytes from src to byte offset `offset` of the region rkey
 * describes (on locality rkey->owner).  Returns once src may be reused;
 * the write is complete at the target after floc_flush().
 * len 0 is a no-op.  Errors: FLOC_ERR_INVALID (NULL pointers, owner out of
 * range), FLOC_ERR_ACCESS (offset+len outside the region),
 * FLOC_ERR_PEER_LOST, FLOC_ERR_FABRIC.
 */
FLOC_API int floc_put(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey,
                      size_t offset);
/* Read len bytes at `offset` of the remote region into dst; blocking. */
FLOC_API int floc_get(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey,
                      size_t offset);
/* Nonblocking forms: buffers are borrowed until *req completes. */
FLOC_API int floc_iput(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey,
                       size_t offset, floc_request_t **req);
FLOC_API int floc_iget(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey,
                       size_t offset, floc_request_t **req);
/*
 * Atomically add `value` to the uint64_t at `offset` (8-byte aligned) of the
 * remote region and return its previous value in *old.  Blocking.
 * FLOC_ERR_NOT_SUPPORTED when the provider offers no atomics.
 */
FLOC_API int floc_atomic_fetch_add(floc_ctx_t *ctx, const floc_rkey_t *rkey, size_t offset,
                                   uint64_t value, uint64_t *old);
/* Wait until every floc_put issued by this locality is complete at its target. */
FLOC_API int floc_flush(floc_ctx_t *ctx);

/* ------------------------------------------------------------------ */
/* Tagged messages (control plane, point-to-point)                     */
/* ------------------------------------------------------------------ */
#define FLOC_ANY_SOURCE (-1)
#define FLOC_TAG_MAX    0x7fffffff

typedef struct floc_msg_status {
    int    source;  /* sender's locality id */
    int    tag;
    size_t len;     /* bytes received */
} floc_msg_status_t;

/*
 * Send len bytes to locality dest with tag (0..FLOC_TAG_MAX).  Messages
 * between one pair with matching tags arrive in the order sent.
 * Blocking: returns when buf may be reused.
 */
FLOC_API int floc_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag);
/*
 * Receive into buf (capacity len) a message from source (or FLOC_ANY_SOURCE)
 * with exactly this tag (there is no wildcard tag).  status may be NULL.
 * A longer message gives FLOC_ERR_TRUNCATED.
 */
FLOC_API int floc_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                       floc_msg_status_t *status);
FLOC_API int floc_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                        floc_request_t **req);
/* status, if not NULL, is written when the request completes. */
FLOC_API int floc_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                        floc_msg_status_t *status, floc_request_t **req);

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
#define FLOC_IN_PLACE ((const void *)1)   /* as sbuf: rbuf holds the input */

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
 *                           (the longer ones first).
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
    size_t block;             /* block size for BLOCK_CYCLIC (> 0), ignored otherwise */
} floc_dist_t;

static inline floc_dist_t floc_dist_block(void) { floc_dist_t d = {FLOC_DIST_BLOCK, 0}; return d; }
static inline floc_dist_t floc_dist_cyclic(void) { floc_dist_t d = {FLOC_DIST_CYCLIC, 0}; return d; }
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

#ifdef __cplusplus
}
#endif
#endif /* FLOC_H */
