/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * request.h - requests: the handle of every nonblocking operation.
 * Internal.
 *
 * A request is either a plain operation of a transport (the fabric:
 * `pending` counts its operations still in flight, completions credit
 * them with floc_req_op_done) or a composite one (collectives,
 * partitioned-vector accesses: `progress` advances a state machine).
 * The transport that posts an operation keeps what it needs (libfabric's
 * context, the posted operation, registrations) in the request's
 * extension, `ext`: its size is fixed when the pool is made, so this
 * layer names no transport.
 *
 * Requests come from a per-context pool that is only freed at finalize,
 * so a request stays addressable for the context's lifetime: a second
 * floc_wait on a freed request is detected (magic) instead of touching
 * freed memory.
 */
#ifndef FLOC_REQUEST_H
#define FLOC_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "floc.h"

#define FLOC_REQ_LIVE  0x52455131u  /* handed to the user */
#define FLOC_REQ_FREE  0x66726565u  /* in the pool */
#define FLOC_REQ_ORPHAN 0x4f525048u /* user gave up (peer lost): freed on its last completion */
#define FLOC_REQ_PART  0x50415254u  /* a part of another request (its parent's), never the user's */

struct floc_request {
    uint32_t magic;
    uint16_t gen;              /* bumped at every allocation: in the user's handle */
    int status;                /* first error seen, or 0 */
    int pending;               /* transport operations in flight */
    int done;                  /* composite: state machine finished */
    int hidden;                /* a layer's own long-lived request: not live (floc_req_hide) */
    int own_loss;              /* completes itself with FLOC_ERR_PEER_LOST when its own peer
                                * is lost (an action call): a loss elsewhere does not end
                                * its waits */
    floc_ctx_t *ctx;
    /* tagged receive bookkeeping */
    size_t capacity;
    floc_msg_status_t msg;
    floc_msg_status_t *msg_out;
    /* composite requests: 0 done, FLOC_ERR_AGAIN pending, < 0 error */
    int (*progress)(floc_request_t *req);
    /* called when the request goes back to the pool: a composite's
     * cleanup, or the transport's (its registrations) */
    void (*fini)(floc_request_t *req);
    /* floc_cancel: 0 when the cancellation is under way or the op cannot
     * be canceled any more (it then completes as it would have); set by
     * whoever posted the op (NULL: nothing to cancel) */
    int (*cancel)(floc_request_t *req);
    /* a wait that gives up on the request calls it, without the lock,
     * before letting it go: whatever another thread may still be
     * writing into the caller's memory for it ends first, and nothing is
     * written after (an action call's reply: src/exec/action.c) */
    void (*quiesce)(floc_request_t *req);
    /* one line about the request for the log (finalize with live ones) */
    void (*describe)(floc_request_t *req, char *buf, size_t len);
    void *priv;
    /* a part of a larger operation (the chunks of a message): its
     * completion completes one of the parent's pending parts, then it
     * goes back to the pool */
    floc_request_t *parent;
    /* internal ops (floc_put): not handed out; on completion *counter is
     * bumped and the request goes straight back to the pool */
    uint64_t *counter;
    int *counter_status;       /* where the first failure of such ops is kept */
    void *heap;                /* freed with the request (a bounce buffer) */
    floc_request_t *next;      /* pool free list, or a transport's queue */
    max_align_t ext[];         /* the transport's part (floc_req_pool_init's ext_bytes) */
};

typedef struct floc_req_pool {
    floc_request_t *free;
    void **slabs;
    size_t nslabs, cap_slabs;
    size_t elem;               /* bytes per request, extension included */
    int tagging;               /* handles carry the generation (request.c) */
    size_t live;               /* handed out and not yet freed (orphans excluded) */
} floc_req_pool_t;

/* ext_bytes: room the transports need in every request. */
void floc_req_pool_init(floc_req_pool_t *pool, size_t ext_bytes);
void floc_req_pool_fini(floc_req_pool_t *pool);
/* Caller holds the context lock.  internal: see `counter` above. */
floc_request_t *floc_req_alloc(floc_ctx_t *ctx, uint64_t *counter);
/* The same with only the common part cleared: for a request whose
 * transport part (floc_req_ext) its caller fills in whole, or that has
 * none.  Clearing all of it (416 bytes) was a tenth of an 8-byte send's
 * time through the node path (perf/p2p_bench bw). */
floc_request_t *floc_req_alloc_bare(floc_ctx_t *ctx);
void floc_req_release(floc_ctx_t *ctx, floc_request_t *req);
/* Wait for req without freeing it: the wait's error or req->status. */
int floc_req_wait(floc_request_t *req, double timeout);
/* Wait for req and free it, for a blocking call that posted it: on a
 * timeout (or a lost peer) the request is canceled where it can be and
 * left to the pool (finalize reaps it), so no request outlives the call
 * unreachable. */
int floc_req_wait_blocking(floc_request_t *req);
/* The same for a handle a public call gave (floc_async ...), for the
 * blocking calls built on them: their buffers are never written after
 * they return, whatever they return. */
int floc_req_wait_handle(floc_request_t *h, const char *func);
/* Is req complete (a composite's state machine advanced once)?  Caller
 * holds the lock. */
int floc_req_complete(floc_request_t *req);
/* Free req now if complete, else orphan it (freed on its last completion). */
void floc_req_finish(floc_request_t *req);
/* The same with the lock held (a composite request giving up its parts);
 * returns 1 if req was orphaned with ops still in flight. */
int floc_req_abandon(floc_ctx_t *ctx, floc_request_t *req);
/* Called for each finished transport op of req (status 0 or error). */
void floc_req_op_done(floc_ctx_t *ctx, floc_request_t *req, int status);
/* A layer's own request that lives as long as the layer (a posted
 * receive of the actions' mailbox): not counted among the live ones that
 * make finalize refuse.  Caller holds the lock. */
void floc_req_hide(floc_ctx_t *ctx, floc_request_t *req);
/* A request that is complete already (a copy done in the call). */
floc_request_t *floc_req_complete_new(floc_ctx_t *ctx);
/* Log the live requests (up to a few), for finalize's FLOC_ERR_BUSY. */
void floc_req_pool_dump(floc_ctx_t *ctx);
/* 1 if a request handed out on ctx (a team) is still live, described in
 * what.  Caller holds the lock. */
int floc_req_live_on(const floc_ctx_t *ctx, char *what, size_t len);

/*
 * The handle a user holds: the request's address with its generation in
 * the top 16 bits (user addresses fit in 48 bits here), so a handle kept
 * after its request was freed and reused is refused instead of taking
 * over the new operation (as libuv and UCX guard theirs).  Internal code
 * passes plain addresses (generation 0: not checked).
 */
floc_request_t *floc_req_handle(floc_request_t *req);
#define FLOC_REQ_GEN_SHIFT 48
/* Does handle h (not NULL) name req, a live request handed out? */
static inline int floc_req_names(const floc_request_t *h, const floc_request_t *req)
{
    const uint16_t gen = (uint16_t)((uintptr_t)h >> FLOC_REQ_GEN_SHIFT);
    return req->magic == FLOC_REQ_LIVE && !req->counter && (!gen || gen == req->gen);
}
/* The live request behind handle h, or FLOC_ERR_INVALID (logged with func). */
int floc_req_resolve(floc_request_t *h, floc_request_t **req, const char *func);

/* The transport's part of a request, and the request a part belongs to. */
static inline void *floc_req_ext(floc_request_t *req)
{
    return req->ext;
}
static inline floc_request_t *floc_req_of_ext(void *ext)
{
    return (floc_request_t *)(void *)((char *)ext - offsetof(floc_request_t, ext));
}

#endif
