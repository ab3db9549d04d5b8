/* SPDX-License-Identifier: BSD-3-Clause */
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

#if defined(__GNUC__)
#define FLOC_NORETURN __attribute__((noreturn))
#else
#define FLOC_NORETURN
#endif

#define FLOC_VERSION(maj, min) (((maj) << 16) | (min))
#define FLOC_VERSION_MAJOR 0
#define FLOC_VERSION_MINOR 1
#define FLOC_API_VERSION FLOC_VERSION(FLOC_VERSION_MAJOR, FLOC_VERSION_MINOR)

/*
 * The version of the library a program runs with, FLOC_VERSION(major,
 * minor), and as text ("0.1.0").  A program compiled against one header
 * and run with another library can tell: floc_version() !=
 * FLOC_API_VERSION.  Minor versions add to the API; a major one may
 * change it (docs/abi.md).
 */
FLOC_API unsigned floc_version(void);
FLOC_API const char *floc_version_string(void);

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
    X(ERR_BUSY,      -7, "still in use: requests or registrations are live")     \
    X(ERR_FABRIC,    -8, "fabric (libfabric) error")                             \
    X(ERR_LAUNCH,    -9, "launcher (PMIx) error")                                \
    X(ERR_ACCESS,   -10, "remote access outside a registered region")           \
    X(ERR_TRUNCATED,-11, "message larger than the receive buffer")              \
    X(ERR_SYSTEM,   -12, "operating-system or hwloc error")                     \
    X(ERR_CANCELED, -13, "the operation was canceled")                          \
    X(ERR_MISMATCH, -14, "the localities called different collectives or arguments") \
    X(ERR_STATE,    -15, "not allowed now: already initialized, finalized, or a forked child")

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
/* Threads the partitioned-vector algorithms run on in this locality, the
 * calling one included (FLOC_THREADS, else one per core of its share). */
FLOC_API int floc_num_threads(floc_ctx_t *ctx);
/* Name of the libfabric provider in use ("shm", "tcp;ofi_rxm", ...), or NULL. */
FLOC_API const char *floc_provider_name(const floc_ctx_t *ctx);

/*
 * Drive communication progress once (drains completions, never blocks).
 * Returns the number of completions handled (>= 0) or an error.
 */
FLOC_API int floc_progress(floc_ctx_t *ctx);

/*
 * End the whole job, as MPI_Abort does: msg is logged, the launcher is
 * told (it reports the locality, the code and the message, and ends the
 * other localities; under floc-run they first get FLOC_ERR_PEER_LOST),
 * and this process exits with status code (1..255; 1 for any other code).
 * ctx may be NULL or not live (the process exits all the same).  Never
 * returns.
 */
FLOC_API FLOC_NORETURN void floc_abort(floc_ctx_t *ctx, int code, const char *msg);

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */
typedef struct floc_request floc_request_t;

/*
 * Wait for a request to complete, then free it.  Returns the operation's
 * status: 0, FLOC_ERR_PEER_LOST, FLOC_ERR_TIMEOUT (wait_timeout passed;
 * the request stays live and may be waited on again), FLOC_ERR_CANCELED,
 * FLOC_ERR_TRUNCATED, FLOC_ERR_ACCESS...  FLOC_ERR_INVALID for NULL or a
 * request that was already freed (also after its memory went to another
 * operation: a handle carries a generation).
 */
FLOC_API int floc_wait(floc_request_t *req);
/*
 * Make progress and report whether req is complete (*done = 1, and the
 * request is freed; the return value is then the operation's status) or
 * not (*done = 0, returns 0).
 */
FLOC_API int floc_test(floc_request_t *req, int *done);
/*
 * Ask for req to be canceled: a receive not yet matched by a message, or
 * an operation still waiting in floc's queues, then completes with
 * FLOC_ERR_CANCELED and nothing is written into its buffer afterwards;
 * one that is too far along completes as it would have.  Either way the
 * request must still be waited for (or tested).  Collectives cannot be
 * canceled (FLOC_ERR_INVALID).
 */
FLOC_API int floc_cancel(floc_request_t *req);

/*
 * Arrays of requests.  NULL entries are skipped; every request a call
 * frees has its entry set to NULL, so a call that returned
 * FLOC_ERR_TIMEOUT can be made again with the same array.
 *
 * floc_waitall: wait for every request; the first error met (statuses,
 * if not NULL, gets each request's status, 0 for NULL entries).
 * floc_waitany: wait until one completes, free it, set *index (n when
 * every entry is NULL) and return its status.  floc_testany: the same
 * without waiting (*done = 0: none complete).  floc_testall: if every
 * request is complete, free them all (*done = 1, statuses filled, the
 * first error returned), else free none (*done = 0).  floc_waitsome: wait
 * until at least one completes, then free every complete one: *count of
 * them, their indices and statuses.
 */
FLOC_API int floc_waitall(size_t n, floc_request_t *reqs[]);
FLOC_API int floc_waitall_status(size_t n, floc_request_t *reqs[], int statuses[]);
FLOC_API int floc_waitany(size_t n, floc_request_t *reqs[], size_t *index);
FLOC_API int floc_testany(size_t n, floc_request_t *reqs[], size_t *index, int *done);
FLOC_API int floc_testall(size_t n, floc_request_t *reqs[], int statuses[], int *done);
FLOC_API int floc_waitsome(size_t n, floc_request_t *reqs[], size_t *count, size_t indices[],
                           int statuses[]);

/* The rest of the API, by subject. */
#ifdef __cplusplus
}
#endif
#include "floc/rma.h"      /* memory registration, remote keys, put/get/fetch-add */
#include "floc/msg.h"      /* tagged messages */
#include "floc/coll.h"     /* element types, reductions, collectives */
#include "floc/pv.h"       /* partitioned vectors */
#include "floc/team.h"     /* teams: split, dup, node team */
#include "floc/action.h"   /* remote actions */
#include "floc/tool.h"     /* tools: the interception point for profilers */

#endif /* FLOC_H */
