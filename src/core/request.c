/*
 * request.c - the request pool and completion bookkeeping (request.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

#define FLOC_REQ_SLAB 64

void floc_req_pool_init(floc_req_pool_t *pool, size_t ext_bytes)
{
    const size_t align = _Alignof(max_align_t);
    memset(pool, 0, sizeof *pool);
    pool->elem = (sizeof(floc_request_t) + ext_bytes + align - 1) / align * align;
}

void floc_req_pool_fini(floc_req_pool_t *pool)
{
    for (size_t i = 0; i < pool->nslabs; i++)
        free(pool->slabs[i]);
    free(pool->slabs);
    memset(pool, 0, sizeof *pool);
}

static int pool_grow(floc_req_pool_t *pool)
{
    if (pool->nslabs == pool->cap_slabs) {
        size_t cap = pool->cap_slabs ? pool->cap_slabs * 2 : 8;
        void **s = realloc(pool->slabs, cap * sizeof *s);
        if (!s)
            return FLOC_ERR_NOMEM;
        pool->slabs = s;
        pool->cap_slabs = cap;
    }
    char *slab = calloc(FLOC_REQ_SLAB, pool->elem);
    if (!slab)
        return FLOC_ERR_NOMEM;
    pool->slabs[pool->nslabs++] = slab;
    for (size_t i = 0; i < FLOC_REQ_SLAB; i++) {
        floc_request_t *r = (floc_request_t *)(void *)(slab + i * pool->elem);
        r->magic = FLOC_REQ_FREE;
        r->next = pool->free;
        pool->free = r;
    }
    return 0;
}

floc_request_t *floc_req_alloc(floc_ctx_t *ctx, uint64_t *counter)
{
    floc_req_pool_t *pool = &ctx->reqs;
    if (!pool->free && pool_grow(pool) != 0) {
        FLOC_ERROR(FLOC_LOG_CORE, "out of memory for requests");
        return NULL;
    }
    floc_request_t *req = pool->free;
    pool->free = req->next;
    memset(req, 0, pool->elem);
    req->magic = FLOC_REQ_LIVE;
    req->ctx = ctx;
    req->counter = counter;
    if (!counter)
        pool->live++;
    return req;
}

void floc_req_release(floc_ctx_t *ctx, floc_request_t *req)
{
    floc_req_pool_t *pool = &ctx->reqs;
    if (req->magic == FLOC_REQ_LIVE && !req->counter)
        pool->live--;
    if (req->fini)
        req->fini(req);
    req->fini = NULL;
    free(req->heap);
    req->magic = FLOC_REQ_FREE;
    req->next = pool->free;
    pool->free = req;
}

void floc_req_op_done(floc_ctx_t *ctx, floc_request_t *req, int status)
{
    if (status && !req->status)
        req->status = status;
    if (--req->pending > 0)
        return;
    if (req->counter) {
        /* floc_flush reports the first failure of an implicit put */
        if (req->status && req->counter_status && !*req->counter_status)
            *req->counter_status = req->status;
        (*req->counter)++;
        floc_req_release(ctx, req);
    } else if (req->magic == FLOC_REQ_ORPHAN) {
        /* The user stopped waiting (peer lost); its last op is now done. */
        floc_req_release(ctx, req);
    } else if (req->msg_out && req->status == 0) {
        *req->msg_out = req->msg;
    }
}

/* Caller holds the lock.  Advances a composite request's state machine. */
static int req_complete(floc_request_t *req)
{
    if (req->progress && !req->done) {
        int r = req->progress(req);
        if (r != FLOC_ERR_AGAIN) {
            req->done = 1;
            if (r < 0 && !req->status)
                req->status = r;
        }
    }
    return req->pending == 0 && (!req->progress || req->done);
}

static int req_complete_cb(void *arg)
{
    return req_complete(arg);
}

int floc_req_wait(floc_request_t *req, double timeout)
{
    int ret = floc_progress_wait(req->ctx, req_complete_cb, req, timeout);
    return ret ? ret : req->status;
}

int floc_req_abandon(floc_ctx_t *ctx, floc_request_t *req)
{
    if (req_complete(req) || req->progress) {
        /* complete, or composite: its fini hands the ops still in flight
         * over to the pool (orphans), so it can go now */
        floc_req_release(ctx, req);
        return 0;
    }
    /* Fabric ops still reference it: it goes back to the pool when the
     * last one completes, or at finalize. */
    if (req->magic == FLOC_REQ_LIVE && !req->counter)
        ctx->reqs.live--;
    req->magic = FLOC_REQ_ORPHAN;
    return 1;
}

void floc_req_finish(floc_request_t *req)
{
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    floc_req_abandon(ctx, req);
    floc_ctx_unlock(ctx);
}

floc_request_t *floc_req_complete_new(floc_ctx_t *ctx)
{
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (req)
        req->done = 1;
    return req;
}

static int check_req(const floc_request_t *req, const char *func)
{
    if (!req)
        return FLOC_INVALID("%s: req is NULL", func);
    if (req->magic != FLOC_REQ_LIVE || req->counter)
        return FLOC_INVALID("%s: req is not a live request (completed and freed already?)", func);
    return floc_ctx_check(req->ctx, func);
}

int floc_wait(floc_request_t *req)
{
    int ret = check_req(req, __func__);
    if (ret)
        return ret;
    /* a plain request complete already (a direct access, an injected
     * send): its status and back to the pool under one lock */
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    if (!req->progress && req->pending == 0) {
        ret = req->status;
        floc_req_abandon(ctx, req);
        floc_ctx_unlock(ctx);
        return ret;
    }
    floc_ctx_unlock(ctx);
    ret = floc_req_wait(req, 0.0);
    if (ret == FLOC_ERR_TIMEOUT) {
        floc_ctx_lock(req->ctx);
        int complete = req_complete(req);
        floc_ctx_unlock(req->ctx);
        if (!complete)
            return ret;   /* still live: the caller may wait again */
    }
    floc_req_finish(req);
    return ret;
}

int floc_test(floc_request_t *req, int *done)
{
    int ret = check_req(req, __func__);
    if (ret)
        return ret;
    if (!done)
        return FLOC_INVALID("done is NULL");
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    int n = floc_progress_once(ctx);
    int complete = req_complete(req);
    floc_ctx_unlock(ctx);
    if (complete) {
        ret = req->status;
    } else if (n < 0 || floc_ctx_peer_lost(ctx)) {
        ret = n < 0 ? n : FLOC_ERR_PEER_LOST;
    } else {
        *done = 0;
        return 0;
    }
    floc_req_finish(req);
    *done = 1;
    return ret;
}

int floc_waitall(size_t n, floc_request_t *reqs[])
{
    if (n && !reqs)
        return FLOC_INVALID("reqs is NULL");
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        int ret = floc_wait(reqs[i]);
        if (ret != FLOC_ERR_TIMEOUT)
            reqs[i] = NULL;
        if (ret && !first)
            first = ret;
    }
    return first;
}
