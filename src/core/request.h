/*
 * request.h - requests: the handle of every nonblocking operation.
 *
 * A request is either a plain fabric operation (completed by CQ entries:
 * `pending` counts the fabric ops still in flight) or a composite one
 * (collectives: `progress` advances a state machine).  Requests come from
 * a per-context pool that is only freed at finalize, so a request handle
 * stays addressable for the context's lifetime: a second floc_wait on a
 * freed request is detected (magic) instead of touching freed memory.
 */
#ifndef FLOC_REQUEST_H
#define FLOC_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <rdma/fabric.h>
#include <rdma/fi_rma.h>

#include "floc.h"

#define FLOC_REQ_LIVE  0x52455131u  /* handed to the user */
#define FLOC_REQ_FREE  0x66726565u  /* in the pool */
#define FLOC_REQ_ORPHAN 0x4f525048u /* user gave up (peer lost): freed on its last completion */

/* A fabric operation as posted: kept in the request so that an op the
 * provider refuses for now (-FI_EAGAIN) can wait in the backlog. */
typedef enum {
    FLOC_OP_NONE = 0,
    FLOC_OP_SEND,      /* fi_tsenddata */
    FLOC_OP_RECV,      /* fi_trecv */
    FLOC_OP_WRITE,     /* fi_writemsg */
    FLOC_OP_READ,      /* fi_readmsg */
    FLOC_OP_FETCH_ADD  /* fi_fetch_atomic, uint64 sum */
} floc_op_kind_t;

typedef struct floc_fab_op {
    floc_op_kind_t kind;
    void *buf;           /* local buffer (FETCH_ADD: operand, result at buf+8) */
    size_t len;
    void *desc[2];
    fi_addr_t addr;
    int rail;            /* 1: the node rail (fabric.h) */
    uint64_t tag;        /* SEND/RECV */
    uint64_t data;       /* SEND: remote CQ data */
    uint64_t raddr, rkey;/* RMA */
    uint64_t flags;      /* WRITE/READ */
} floc_fab_op_t;

struct floc_request {
    struct fi_context2 fictx;  /* first: the request is the fabric op context */
    uint32_t magic;
    int status;                /* first error seen, or 0 */
    int pending;               /* fabric ops in flight */
    int done;                  /* composite: state machine finished */
    floc_ctx_t *ctx;
    /* tagged receive bookkeeping */
    size_t capacity;
    floc_msg_status_t msg;
    floc_msg_status_t *msg_out;
    /* composite requests (collectives): 0 done, FLOC_ERR_AGAIN pending, < 0 error */
    int (*progress)(floc_request_t *req);
    void (*fini)(floc_request_t *req);
    void *priv;
    /* internal ops (floc_put): not handed out; on completion *counter is
     * bumped and the request goes straight back to the pool */
    uint64_t *counter;
    /* resources released with the request: cached registrations of the
     * local buffers (FI_MR_LOCAL providers) and a heap bounce buffer */
    struct floc_mr_entry *mr_entry[2];
    void *heap;
    floc_fab_op_t op;          /* the fabric op, for (re)posting */
    floc_request_t *next;      /* pool free list, or the backlog */
};

typedef struct floc_req_pool {
    floc_request_t *free;
    void **slabs;
    size_t nslabs, cap_slabs;
    size_t live;               /* handed out and not yet freed (orphans excluded) */
} floc_req_pool_t;

void floc_req_pool_init(floc_req_pool_t *pool);
void floc_req_pool_fini(floc_req_pool_t *pool);
/* Caller holds the context lock.  internal: see `counter` above. */
floc_request_t *floc_req_alloc(floc_ctx_t *ctx, uint64_t *counter);
void floc_req_release(floc_ctx_t *ctx, floc_request_t *req);
/* Wait for req without freeing it: the wait's error or req->status. */
int floc_req_wait(floc_request_t *req, double timeout);
/* Free req now if complete, else orphan it (freed on its last completion). */
void floc_req_finish(floc_request_t *req);
/* The same with the lock held (a composite request giving up its parts);
 * returns 1 if req was orphaned with ops still in flight. */
int floc_req_abandon(floc_ctx_t *ctx, floc_request_t *req);
/* Called for each finished fabric op of req (status 0 or error). */
void floc_req_op_done(floc_ctx_t *ctx, floc_request_t *req, int status);

#endif
