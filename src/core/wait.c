/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wait.c - the public calls on requests: wait, test, cancel, and their
 * forms over arrays (all, any, some), as MPI has them.
 *
 * Arrays: NULL entries are skipped (they are requests completed by an
 * earlier call: every call that frees a request sets its entry to NULL),
 * so a call that returned FLOC_ERR_TIMEOUT can simply be made again.
 * Every handle of the array is checked before anything waits.
 */
#include <stdlib.h>

#include "ctx.h"
#include "tool.h"

/* Free a complete request: its status, and the request back to the pool. */
static int take(floc_ctx_t *ctx, floc_request_t *req)
{
    int st = req->status;
    floc_req_abandon(ctx, req);
    return st;
}

/* Wait for a live request (resolved), then free it */
static int wait_live(floc_request_t *req)
{
    int ret;
    /* a plain request complete already (a direct access, an injected
     * send): its status and back to the pool under one lock */
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    if (!req->progress && req->pending == 0) {
        ret = take(ctx, req);
        floc_ctx_unlock(ctx);
        return ret;
    }
    floc_ctx_unlock(ctx);
    ret = floc_req_wait(req, 0.0);
    if (ret == FLOC_ERR_TIMEOUT) {
        floc_ctx_lock(ctx);
        int complete = floc_req_complete(req);
        floc_ctx_unlock(ctx);
        if (!complete)
            return ret;   /* still live: the caller may wait again */
    }
    floc_req_finish(req);
    return ret;
}

static int floc_wait_impl(floc_request_t *h)
{
    floc_request_t *req;
    int ret = floc_req_resolve(h, &req, "floc_wait");
    return ret ? ret : wait_live(req);
}

int floc_wait(floc_request_t *h)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_WAIT, NULL, 0, -1, 0);
    return floc_tool_leave(&t, floc_wait_impl(h));
}

int floc_test(floc_request_t *h, int *done)
{
    floc_request_t *req;
    int ret = floc_req_resolve(h, &req, "floc_test");
    if (ret)
        return ret;
    if (!done)
        return FLOC_INVALID("floc_test: done is NULL");
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    int n = floc_progress_once(ctx);
    int complete = floc_req_complete(req);
    floc_ctx_unlock(ctx);
    if (complete) {
        ret = req->status;
    } else if (n < 0 || (!req->own_loss && floc_ctx_peer_lost(ctx))) {
        ret = n < 0 ? n : FLOC_ERR_PEER_LOST;
    } else {
        *done = 0;
        return 0;
    }
    floc_req_finish(req);
    *done = 1;
    return ret;
}

int floc_cancel(floc_request_t *h)
{
    floc_request_t *req;
    int ret = floc_req_resolve(h, &req, "floc_cancel");
    if (ret)
        return ret;
    floc_ctx_t *ctx = req->ctx;
    floc_ctx_lock(ctx);
    if (req->progress && !req->cancel)
        ret = FLOC_INVALID("floc_cancel: a collective cannot be canceled (the other "
                           "localities take part in it)");
    else if (req->cancel && !floc_req_complete(req))
        ret = req->cancel(req);
    floc_ctx_unlock(ctx);
    return ret;
}

/* Resolve every non-NULL handle of an array into reqs; *ctx: their context. */
static int resolve_all(size_t n, floc_request_t *hs[], floc_request_t **reqs, floc_ctx_t **ctx,
                       const char *func)
{
    if (n && !hs)
        return FLOC_INVALID("%s: reqs is NULL", func);
    *ctx = NULL;
    for (size_t i = 0; i < n; i++) {
        reqs[i] = NULL;
        if (!hs[i])
            continue;
        int ret = floc_req_resolve(hs[i], &reqs[i], func);
        if (ret)
            return FLOC_INVALID("%s: entry %zu is not a live request", func, i);
        /* requests of several teams: waited for as the world's (a loss
         * anywhere then ends the wait; one team's: a loss in it) */
        *ctx = *ctx && reqs[i]->ctx != *ctx ? reqs[i]->ctx->world : reqs[i]->ctx;
    }
    return 0;
}

/* Each of these completes itself when its own peer is lost (own_loss) */
static int all_own(floc_request_t **reqs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (reqs[i] && !reqs[i]->own_loss)
            return 0;
    return 1;
}

/* A loss ends a wait for these, unless all_own */
static int loss_ends(floc_ctx_t *ctx, floc_request_t **reqs, size_t n)
{
    return floc_ctx_peer_lost(ctx) && !all_own(reqs, n);
}

static int floc_waitall_status_impl(size_t n, floc_request_t *hs[], int statuses[])
{
    floc_request_t *small[16], **reqs = n <= 16 ? small : malloc(n * sizeof *reqs);
    if (!reqs)
        return FLOC_ERR_NOMEM;
    floc_ctx_t *ctx;
    int first = resolve_all(n, hs, reqs, &ctx, "floc_waitall");
    for (size_t i = 0; !first && i < n; i++) {
        if (!reqs[i]) {
            if (statuses)
                statuses[i] = 0;
            continue;
        }
        /* resolve_all checked every handle; one given twice is stale by
         * its second turn (freed, or its generation moved on) */
        floc_request_t *req = reqs[i];
        int ret = floc_req_names(hs[i], req) ? wait_live(req)
                                             : floc_req_resolve(hs[i], &req, "floc_waitall");
        if (statuses)
            statuses[i] = ret;
        if (ret == FLOC_ERR_TIMEOUT) {
            first = ret;
            break;   /* the rest stay live: the call may be made again */
        }
        hs[i] = NULL;
        if (ret && !first) {
            first = ret;
            FLOC_DEBUG(FLOC_LOG_API, "floc_waitall: request %zu of %zu failed: %s", i, n,
                       floc_strerror(ret));
        }
    }
    if (reqs != small)
        free(reqs);
    return first;
}

int floc_waitall_status(size_t n, floc_request_t *hs[], int statuses[])
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_WAIT, NULL, 0, -1, 0);
    return floc_tool_leave(&t, floc_waitall_status_impl(n, hs, statuses));
}

int floc_waitall(size_t n, floc_request_t *reqs[])
{
    return floc_waitall_status(n, reqs, NULL);
}

typedef struct any_wait {
    size_t n;
    floc_request_t **reqs;
    size_t found;      /* first complete entry, n: none */
} any_wait_t;

static int any_complete(void *arg)
{
    any_wait_t *w = arg;
    for (size_t i = 0; i < w->n; i++)
        if (w->reqs[i] && floc_req_complete(w->reqs[i])) {
            w->found = i;
            return 1;
        }
    return 0;
}

/* wait (block = 1) or test for any complete request; 1 if one is */
static int find_any(floc_ctx_t *ctx, any_wait_t *w, int block, int *err)
{
    *err = 0;
    floc_ctx_lock(ctx);
    int n = block ? 0 : floc_progress_once(ctx);
    int found = any_complete(w);
    floc_ctx_unlock(ctx);
    if (found)
        return 1;
    const int own = all_own(w->reqs, w->n);
    if (block) {
        *err = own ? floc_progress_wait_own(ctx, any_complete, w, 0.0)
                   : floc_progress_wait(ctx, any_complete, w, 0.0);
        return *err == 0;
    }
    *err = n < 0 ? n : loss_ends(ctx, w->reqs, w->n) ? FLOC_ERR_PEER_LOST : 0;
    return 0;
}

static int any(size_t n, floc_request_t *hs[], size_t *index, int *done, int block,
               const char *func)
{
    if (!index)
        return FLOC_INVALID("%s: index is NULL", func);
    floc_request_t *small[16], **reqs = n <= 16 ? small : malloc(n * sizeof *reqs);
    if (!reqs)
        return FLOC_ERR_NOMEM;
    floc_ctx_t *ctx;
    int ret = resolve_all(n, hs, reqs, &ctx, func);
    *index = n;
    if (!ret && ctx) {
        any_wait_t w = {n, reqs, n};
        int err;
        if (find_any(ctx, &w, block, &err)) {
            floc_ctx_lock(ctx);
            ret = take(ctx, reqs[w.found]);
            floc_ctx_unlock(ctx);
            hs[w.found] = NULL;
            *index = w.found;
            if (done)
                *done = 1;
        } else {
            ret = err;
            if (done)
                *done = 0;
        }
    } else if (!ret && done) {
        *done = 1;   /* nothing to wait for */
    }
    if (reqs != small)
        free(reqs);
    return ret;
}

static int floc_waitany_impl(size_t n, floc_request_t *reqs[], size_t *index)
{
    return any(n, reqs, index, NULL, 1, "floc_waitany");
}

int floc_waitany(size_t n, floc_request_t *reqs[], size_t *index)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_WAIT, NULL, 0, -1, 0);
    return floc_tool_leave(&t, floc_waitany_impl(n, reqs, index));
}

int floc_testany(size_t n, floc_request_t *reqs[], size_t *index, int *done)
{
    if (!done)
        return FLOC_INVALID("floc_testany: done is NULL");
    return any(n, reqs, index, done, 0, "floc_testany");
}

int floc_testall(size_t n, floc_request_t *hs[], int statuses[], int *done)
{
    if (!done)
        return FLOC_INVALID("floc_testall: done is NULL");
    floc_request_t *small[16], **reqs = n <= 16 ? small : malloc(n * sizeof *reqs);
    if (!reqs)
        return FLOC_ERR_NOMEM;
    floc_ctx_t *ctx;
    int ret = resolve_all(n, hs, reqs, &ctx, "floc_testall");
    *done = 0;
    if (!ret && ctx) {
        floc_ctx_lock(ctx);
        int progress = floc_progress_once(ctx), all = 1;
        for (size_t i = 0; i < n && all; i++)
            all = !reqs[i] || floc_req_complete(reqs[i]);
        if (all) {
            /* all of them: every status, every request freed */
            for (size_t i = 0; i < n; i++) {
                int st = reqs[i] ? take(ctx, reqs[i]) : 0;
                if (statuses)
                    statuses[i] = st;
                if (st && !ret)
                    ret = st;
                hs[i] = NULL;
            }
            *done = 1;
        } else if (progress < 0 || loss_ends(ctx, reqs, n)) {
            ret = progress < 0 ? progress : FLOC_ERR_PEER_LOST;
        }
        floc_ctx_unlock(ctx);
    } else if (!ret) {
        *done = 1;
    }
    if (reqs != small)
        free(reqs);
    return ret;
}

static int floc_waitsome_impl(size_t n, floc_request_t *hs[], size_t *count, size_t indices[],
                              int statuses[])
{
    if (!count || (n && !indices))
        return FLOC_INVALID("floc_waitsome: %s is NULL", count ? "indices" : "count");
    size_t index;
    *count = 0;
    int first = floc_waitany(n, hs, &index);
    if (index == n)
        return first;   /* nothing to wait for, or the wait failed */
    indices[0] = index;
    if (statuses)
        statuses[0] = first;
    *count = 1;
    /* and whatever else is complete by now */
    for (;;) {
        int done = 0, st = floc_testany(n, hs, &index, &done);
        if (!done || index == n)
            return first;
        indices[*count] = index;
        if (statuses)
            statuses[*count] = st;
        ++*count;
        if (st && !first)
            first = st;
    }
}

int floc_waitsome(size_t n, floc_request_t *hs[], size_t *count, size_t indices[], int statuses[])
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_WAIT, NULL, 0, -1, 0);
    return floc_tool_leave(&t, floc_waitsome_impl(n, hs, count, indices, statuses));
}
