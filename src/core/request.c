/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * request.c - the request pool, the handles users hold, and completion
 * bookkeeping (request.h).  The public waits are in wait.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

#define FLOC_REQ_SLAB 64

void floc_req_pool_init(floc_req_pool_t *pool, size_t ext_bytes)
{
    const size_t align = _Alignof(max_align_t);
    memset(pool, 0, sizeof *pool);
    pool->elem = (sizeof(floc_request_t) + ext_bytes + align - 1) / align * align;
    pool->tagging = 1;
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
    /* a slab above 48 bits of address (5-level paging) leaves no room
     * for the generation: handles are then plain addresses */
    if ((uintptr_t)(slab + FLOC_REQ_SLAB * pool->elem) >> FLOC_REQ_GEN_SHIFT)
        pool->tagging = 0;
    pool->slabs[pool->nslabs++] = slab;
    for (size_t i = 0; i < FLOC_REQ_SLAB; i++) {
        floc_request_t *r = (floc_request_t *)(void *)(slab + i * pool->elem);
        r->magic = FLOC_REQ_FREE;
        r->next = pool->free;
        pool->free = r;
    }
    return 0;
}

/* a request off the free list with its first `zero` bytes cleared
 * (inline: a constant size clears without a call) */
static inline floc_request_t *take(floc_ctx_t *ctx, uint64_t *counter, size_t zero)
{
    floc_req_pool_t *pool = &ctx->world->reqs;   /* a team's come from its world's */
    if (!pool->free && pool_grow(pool) != 0) {
        FLOC_ERROR(FLOC_LOG_CORE, "out of memory for requests");
        return NULL;
    }
    floc_request_t *req = pool->free;
    pool->free = req->next;
    uint16_t gen = (uint16_t)(req->gen + 1);
    memset(req, 0, zero);
    req->gen = gen ? gen : 1;   /* 0 marks an untagged (internal) handle */
    req->magic = FLOC_REQ_LIVE;
    req->ctx = ctx;
    req->counter = counter;
    if (!counter)
        pool->live++;
    return req;
}

floc_request_t *floc_req_alloc(floc_ctx_t *ctx, uint64_t *counter)
{
    return take(ctx, counter, ctx->world->reqs.elem);
}

floc_request_t *floc_req_alloc_bare(floc_ctx_t *ctx)
{
    return take(ctx, NULL, sizeof(floc_request_t));
}

floc_request_t *floc_req_complete_new(floc_ctx_t *ctx)
{
    floc_request_t *req = floc_req_alloc_bare(ctx);   /* no transport part to read */
    if (req)
        req->done = 1;
    return req;
}

void floc_req_hide(floc_ctx_t *ctx, floc_request_t *req)
{
    if (req->magic == FLOC_REQ_LIVE && !req->counter && !req->hidden)
        ctx->world->reqs.live--;
    req->hidden = 1;
}

void floc_req_release(floc_ctx_t *ctx, floc_request_t *req)
{
    floc_req_pool_t *pool = &ctx->world->reqs;
    if (req->magic == FLOC_REQ_LIVE && !req->counter && !req->hidden)
        pool->live--;
    if (req->fini)
        req->fini(req);
    req->fini = NULL;
    free(req->heap);
    req->magic = FLOC_REQ_FREE;
    req->next = pool->free;
    pool->free = req;
}

floc_request_t *floc_req_handle(floc_request_t *req)
{
    if (!req || !req->ctx->world->reqs.tagging)
        return req;
    return (floc_request_t *)((uintptr_t)req | (uintptr_t)req->gen << FLOC_REQ_GEN_SHIFT);
}

int floc_req_resolve(floc_request_t *h, floc_request_t **out, const char *func)
{
    if (!h)
        return FLOC_INVALID("%s: req is NULL", func);
    floc_request_t *req =
        (floc_request_t *)((uintptr_t)h & (((uintptr_t)1 << FLOC_REQ_GEN_SHIFT) - 1));
    if (!floc_req_names(h, req))
        return FLOC_INVALID("%s: req is not a live request (completed and freed already?)", func);
    int ret = floc_ctx_check(req->ctx, func);
    if (!ret)
        *out = req;
    return ret;
}

void floc_req_op_done(floc_ctx_t *ctx, floc_request_t *req, int status)
{
    if (status && !req->status)
        req->status = status;
    if (--req->pending > 0)
        return;
    if (req->parent) {
        /* a part of a larger operation: the parent's part is done */
        floc_request_t *parent = req->parent;
        int st = req->status;
        floc_req_release(ctx, req);
        floc_req_op_done(ctx, parent, st);
    } else if (req->counter) {
        /* floc_flush reports the first failure of an implicit put */
        if (req->status && req->counter_status && !*req->counter_status)
            *req->counter_status = req->status;
        (*req->counter)++;
        floc_req_release(ctx, req);
    } else if (req->magic == FLOC_REQ_ORPHAN) {
        /* The user stopped waiting (peer lost); its last op is now done. */
        floc_req_release(ctx, req);
    } else if (req->msg_out && (req->status == 0 || req->status == FLOC_ERR_TRUNCATED)) {
        /* a truncated message's status says how long it was; a team's
         * receive names its sender by team rank */
        *req->msg_out = req->msg;
        req->msg_out->source = floc_ctx_rank_of(req->ctx, req->msg.source);
    }
}

int floc_req_complete(floc_request_t *req)
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
    return floc_req_complete(arg);
}

int floc_req_wait(floc_request_t *req, double timeout)
{
    int ret = req->own_loss ? floc_progress_wait_own(req->ctx, req_complete_cb, req, timeout)
                            : floc_progress_wait(req->ctx, req_complete_cb, req, timeout);
    return ret ? ret : req->status;
}

int floc_req_abandon(floc_ctx_t *ctx, floc_request_t *req)
{
    if (floc_req_complete(req) || req->progress) {
        /* complete, or composite: its fini hands the ops still in flight
         * over to the pool (orphans), so it can go now */
        floc_req_release(ctx, req);
        return 0;
    }
    /* Transport ops still reference it: it goes back to the pool when
     * the last one completes, or at finalize. */
    if (req->magic == FLOC_REQ_LIVE && !req->counter && !req->hidden)
        ctx->world->reqs.live--;
    req->magic = FLOC_REQ_ORPHAN;
    return 1;
}

/* (without the lock) a request given up before it completed writes
 * nothing into its caller's memory any more (request.h) */
static void quiesce(floc_request_t *req)
{
    if (!req->quiesce)
        return;   /* (set when the request is made, never after: no lock on every wait) */
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    void (*fn)(floc_request_t *) = floc_req_complete(req) ? NULL : req->quiesce;
    floc_ctx_unlock(ctx);
    if (fn)
        fn(req);
}

void floc_req_finish(floc_request_t *req)
{
    floc_ctx_t *ctx = req->ctx;
    quiesce(req);
    floc_ctx_lock(ctx);
    floc_req_abandon(ctx, req);
    floc_ctx_unlock(ctx);
}

int floc_req_wait_blocking(floc_request_t *req)
{
    int ret = floc_req_wait(req, 0.0);
    floc_ctx_t *ctx = req->ctx;
    quiesce(req);
    floc_ctx_lock(ctx);
    if (ret == FLOC_ERR_TIMEOUT || ret == FLOC_ERR_PEER_LOST) {
        /* giving up: take the op back from the transport where it can be */
        if (req->cancel && !floc_req_complete(req))
            req->cancel(req);
    }
    floc_req_abandon(ctx, req);
    floc_ctx_unlock(ctx);
    return ret;
}

int floc_req_wait_handle(floc_request_t *h, const char *func)
{
    floc_request_t *req = NULL;
    const int ret = floc_req_resolve(h, &req, func);
    return ret ? ret : floc_req_wait_blocking(req);
}

void floc_req_pool_dump(floc_ctx_t *ctx)
{
    floc_req_pool_t *pool = &ctx->world->reqs;
    int shown = 0;
    for (size_t s = 0; s < pool->nslabs; s++)
        for (size_t i = 0; i < FLOC_REQ_SLAB; i++) {
            floc_request_t *r = (floc_request_t *)(void *)((char *)pool->slabs[s] + i * pool->elem);
            if (r->magic != FLOC_REQ_LIVE || r->counter || r->parent || r->hidden)
                continue;
            if (shown++ == 8) {
                FLOC_WARN(FLOC_LOG_API, "  ... and %zu more", pool->live - 8);
                return;
            }
            char what[160] = "a request";
            if (r->describe)
                r->describe(r, what, sizeof what);
            const int complete = r->pending == 0 && (!r->progress || r->done);
            FLOC_WARN(FLOC_LOG_API, "  live: %s%s", what,
                      complete ? " (complete, not waited for)" : "");
        }
}

int floc_req_live_on(const floc_ctx_t *ctx, char *what, size_t len)
{
    const floc_req_pool_t *pool = &ctx->world->reqs;
    for (size_t s = 0; s < pool->nslabs; s++)
        for (size_t i = 0; i < FLOC_REQ_SLAB; i++) {
            floc_request_t *r = (floc_request_t *)(void *)((char *)pool->slabs[s] + i * pool->elem);
            if (r->magic != FLOC_REQ_LIVE || r->ctx != ctx || r->counter || r->parent || r->hidden)
                continue;
            snprintf(what, len, "a request");
            if (r->describe)
                r->describe(r, what, len);
            return 1;
        }
    return 0;
}
