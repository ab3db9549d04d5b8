/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg.c - the public tagged messages: floc_send, floc_recv and their
 * nonblocking forms.  Checks the arguments, then hands the message to
 * the fabric (src/fabric/tagged.c), which carries every user message
 * today, so that one provider keeps each pair's messages in order.
 *
 * On a team the peer is a team rank: the message goes to its world id,
 * in the team's tag space (its context id), and the request belongs to
 * the team (its receive's status names the sender by team rank, its
 * wait fails only when a member is lost).
 */
#include "../core/ctx.h"
#include "../fabric/fabric.h"
#include "../core/tool.h"

static int check_peer(floc_ctx_t *ctx, const char *func, const void *buf, size_t len, int peer,
                      int any_ok, int tag)
{
    FLOC_CHECK_CTX(ctx);
    if (!buf && len)
        return FLOC_INVALID("%s: buf is NULL", func);
    if (!(any_ok && peer == FLOC_ANY_SOURCE) && (peer < 0 || peer >= ctx->size))
        return FLOC_INVALID("%s: locality %d outside [0, %d)", func, peer, ctx->size);
    if (tag < 0)
        return FLOC_INVALID("%s: tag %d is negative", func, tag);
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

static int isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                 floc_request_t **req)
{
    int ret = check_peer(ctx, "floc_isend", buf, len, dest, 0, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("floc_isend: req (output) is NULL");
    floc_ctx_t *w = ctx->world;
    const int to = floc_ctx_world_id(ctx, dest);
    const uint64_t space = FLOC_TAG_SPACE(0, ctx->cid);
    floc_ctx_lock(ctx);
    ret = floc_tagged_try_inject(w, buf, len, to, tag, space);
    if (ret == 1) {
        /* sent: a request that is complete already */
        *req = floc_req_complete_new(ctx);
        ret = *req ? 0 : FLOC_ERR_NOMEM;
    } else if (ret == 0) {
        ret = floc_tagged_post(w, 1, (void *)buf, len, to, tag, space, NULL, req);
        if (!ret)
            (*req)->ctx = ctx;
    }
    floc_ctx_unlock(ctx);
    return ret;
}

static int irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                 floc_msg_status_t *status, floc_request_t **req, const char *func)
{
    int ret = check_peer(ctx, func, buf, len, source, 1, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    floc_ctx_lock(ctx);
    ret = floc_tagged_post(ctx->world, 0, buf, len, floc_ctx_world_id_any(ctx, source), tag,
                           FLOC_TAG_SPACE(0, ctx->cid), status, req);
    if (!ret)
        (*req)->ctx = ctx;
    floc_ctx_unlock(ctx);
    return ret;
}

static int floc_isend_impl(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                           floc_request_t **req)
{
    int ret = isend(ctx, buf, len, dest, tag, req);
    if (!ret)
        *req = floc_req_handle(*req);
    return ret;
}

int floc_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
               floc_request_t **req)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_SEND, ctx, len, dest, 1);
    return floc_tool_leave(&t, floc_isend_impl(ctx, buf, len, dest, tag, req));
}

static int floc_irecv_impl(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                           floc_msg_status_t *status, floc_request_t **req)
{
    int ret = irecv(ctx, buf, len, source, tag, status, req, "floc_irecv");
    if (!ret)
        *req = floc_req_handle(*req);
    return ret;
}

int floc_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
               floc_msg_status_t *status, floc_request_t **req)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_RECV, ctx, len, source, 1);
    return floc_tool_leave(&t, floc_irecv_impl(ctx, buf, len, source, tag, status, req));
}

/* The provider has no room yet: drive progress until it takes the
 * injection (1), it cannot (0: too large, or older messages to dest wait
 * in the backlog), or something fails. */
static int inject_blocking(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    floc_ctx_t *w = ctx->world;
    const int to = floc_ctx_world_id(ctx, dest);
    floc_ctx_lock(ctx);
    int ret;
    for (;;) {
        ret = floc_tagged_try_inject(w, buf, len, to, tag, FLOC_TAG_SPACE(0, ctx->cid));
        if (ret != 0 || floc_fabric_backlog_holds(w, 0, w->fab->addrs[to]))
            break;
        floc_progress_once(ctx);
        if (floc_ctx_peer_lost(ctx)) {
            ret = FLOC_ERR_PEER_LOST;
            break;
        }
    }
    floc_ctx_unlock(ctx);
    return ret;
}

static int floc_send_impl(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    int ret = check_peer(ctx, "floc_send", buf, len, dest, 0, tag);
    if (ret)
        return ret;
    /* small: injected (no completion to wait for) once the provider has room */
    if (len <= floc_tagged_inject_max(ctx->world) && (ret = inject_blocking(ctx, buf, len, dest, tag)))
        return ret < 0 ? ret : 0;
    floc_request_t *req;
    floc_ctx_lock(ctx);
    ret = floc_tagged_post(ctx->world, 1, (void *)buf, len, floc_ctx_world_id(ctx, dest), tag,
                           FLOC_TAG_SPACE(0, ctx->cid), NULL, &req);
    if (!ret)
        req->ctx = ctx;
    floc_ctx_unlock(ctx);
    return ret ? ret : floc_req_wait_blocking(req);
}

int floc_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_SEND, ctx, len, dest, 0);
    return floc_tool_leave(&t, floc_send_impl(ctx, buf, len, dest, tag));
}

static int floc_recv_impl(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                          floc_msg_status_t *status)
{
    floc_request_t *req;
    int ret = irecv(ctx, buf, len, source, tag, status, &req, "floc_recv");
    return ret ? ret : floc_req_wait_blocking(req);
}

int floc_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
              floc_msg_status_t *status)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_RECV, ctx, len, source, 0);
    return floc_tool_leave(&t, floc_recv_impl(ctx, buf, len, source, tag, status));
}
