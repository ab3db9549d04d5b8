/*
 * tagged.c - point-to-point tagged messages (the control plane).
 *
 * Matching uses exact tags only: a receive from one locality names its
 * address (FI_DIRECTED_RECV), a receive from any locality passes
 * FI_ADDR_UNSPEC, and the sender's id travels as remote CQ data.  No
 * ignore masks: libfabric 1.17's shm provider matches an *unexpected*
 * message against a receive's tag without its ignore bits, so a wildcard
 * receive posted after the message arrived never completes (seen here;
 * the provider also reports the receive's tag instead of the message's).
 * Requested ordering FI_ORDER_SAS keeps messages of one pair in order.
 */
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include "../core/ctx.h"

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

/* floc's own messages to a locality of this node take the node rail;
 * user messages never (see fabric.h) */
static int tag_rail(floc_ctx_t *ctx, uint64_t tag, int peer)
{
    return (tag & FLOC_TAG_INTERNAL) && peer != FLOC_ANY_SOURCE && floc_fabric_rail(&ctx->fab, peer);
}

static int post_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                     floc_request_t *req)
{
    int ret;
    const int rail = tag_rail(ctx, tag, dest);
    req->op = (floc_fab_op_t){.kind = FLOC_OP_SEND, .buf = (void *)buf, .len = len,
                              .addr = floc_fabric_addr(&ctx->fab, rail, dest), .rail = rail,
                              .tag = tag, .data = (uint64_t)ctx->rank};
    if (floc_fabric_mr_local(&ctx->fab, rail) && len) {
        if ((ret = floc_mr_cache_get(ctx, buf, len, FI_SEND, &req->mr_entry[0])))
            return ret;
        req->op.desc[0] = floc_fabric_desc(req->mr_entry[0], rail);
    }
    FLOC_TRACE(FLOC_LOG_FABRIC, "tsend req %p len %zu to %d tag %016llx", (void *)req, len, dest,
               (unsigned long long)tag);
    return floc_fabric_submit(ctx, req);
}

static int post_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag, int internal,
                     floc_request_t *req)
{
    int ret;
    const uint64_t full_tag = (internal ? FLOC_TAG_INTERNAL : 0) | (uint32_t)tag;
    const int rail = tag_rail(ctx, full_tag, source);
    req->op = (floc_fab_op_t){
        .kind = FLOC_OP_RECV, .buf = buf, .len = len, .rail = rail,
        .addr = source == FLOC_ANY_SOURCE ? FI_ADDR_UNSPEC : floc_fabric_addr(&ctx->fab, rail, source),
        .tag = full_tag};
    if (floc_fabric_mr_local(&ctx->fab, rail) && len) {
        if ((ret = floc_mr_cache_get(ctx, buf, len, FI_RECV, &req->mr_entry[0])))
            return ret;
        req->op.desc[0] = floc_fabric_desc(req->mr_entry[0], rail);
    }
    req->capacity = len;
    FLOC_TRACE(FLOC_LOG_FABRIC, "trecv req %p len %zu from %d tag %016llx", (void *)req, len,
               source, (unsigned long long)req->op.tag);
    return floc_fabric_submit(ctx, req);
}

static uint64_t send_tag(int tag, int internal)
{
    return (internal ? FLOC_TAG_INTERNAL : 0) | (uint32_t)tag;
}

int floc_tagged_post(floc_ctx_t *ctx, int send, void *buf, size_t len, int peer, int tag,
                     int internal, floc_msg_status_t *status, floc_request_t **out)
{
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req)
        return FLOC_ERR_NOMEM;
    int ret = send ? post_send(ctx, buf, len, peer, send_tag(tag, internal), req)
                   : post_recv(ctx, buf, len, peer, tag, internal, req);
    if (ret) {
        floc_req_release(ctx, req);
        return ret;
    }
    req->msg_out = status;
    *out = req;
    return 0;
}

int floc_tagged_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                      int internal, floc_request_t **out)
{
    floc_ctx_lock(ctx);
    int ret = floc_tagged_post(ctx, 1, (void *)buf, len, dest, tag, internal, NULL, out);
    floc_ctx_unlock(ctx);
    return ret;
}

int floc_tagged_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag, int internal,
                      floc_msg_status_t *status, floc_request_t **out)
{
    floc_ctx_lock(ctx);
    int ret = floc_tagged_post(ctx, 0, buf, len, source, tag, internal, status, out);
    floc_ctx_unlock(ctx);
    return ret;
}

/*
 * A small user message by injection: the provider copies buf at once and
 * reports no completion (a send window of 16-byte messages: 57-62 MB/s,
 * 45-52 with a completion per message).  Only when nothing older to dest waits
 * in the backlog: message order.  1: sent, 0: not now, < 0: error.
 * Caller holds the lock.
 */
static int try_inject(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    if (len > ctx->fab.inject_size || floc_fabric_backlog_holds(ctx, 0, ctx->fab.addrs[dest]))
        return 0;
    ssize_t r = fi_tinjectdata(ctx->fab.fi.ep, buf, len, (uint64_t)ctx->rank,
                               ctx->fab.addrs[dest], send_tag(tag, 0));
    if (r == -FI_EAGAIN)
        return 0;
    return r ? floc_fabric_err((int)r, "fi_tinjectdata") : 1;
}

int floc_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag, floc_request_t **req)
{
    int ret = check_peer(ctx, __func__, buf, len, dest, 0, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    floc_ctx_lock(ctx);
    ret = try_inject(ctx, buf, len, dest, tag);
    if (ret == 1) {
        /* sent: a request that is complete already */
        *req = floc_req_alloc(ctx, NULL);
        if (*req)
            (*req)->done = 1;
        ret = *req ? 0 : FLOC_ERR_NOMEM;
    } else if (ret == 0) {
        ret = floc_tagged_post(ctx, 1, (void *)buf, len, dest, tag, 0, NULL, req);
    }
    floc_ctx_unlock(ctx);
    return ret;
}

int floc_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
               floc_msg_status_t *status, floc_request_t **req)
{
    int ret = check_peer(ctx, __func__, buf, len, source, 1, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    return floc_tagged_irecv(ctx, buf, len, source, tag, 0, status, req);
}

int floc_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    int ret = check_peer(ctx, __func__, buf, len, dest, 0, tag);
    if (ret)
        return ret;
    if (len <= ctx->fab.inject_size) {
        /* Small: injected (no completion to wait for) once the provider
         * has room, unless older messages to dest wait in the backlog. */
        floc_ctx_lock(ctx);
        int done = 0;
        while (!floc_fabric_backlog_holds(ctx, 0, ctx->fab.addrs[dest])) {
            int r = try_inject(ctx, buf, len, dest, tag);
            if (r != 0) {
                ret = r < 0 ? r : 0;
                done = 1;
                break;
            }
            floc_fabric_progress(ctx);
            if (floc_ctx_peer_lost(ctx)) {
                ret = FLOC_ERR_PEER_LOST;
                done = 1;
                break;
            }
        }
        floc_ctx_unlock(ctx);
        if (done)
            return ret;
    }
    floc_request_t *req;
    ret = floc_tagged_isend(ctx, buf, len, dest, tag, 0, &req);
    return ret ? ret : floc_wait(req);
}

int floc_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
              floc_msg_status_t *status)
{
    floc_request_t *req;
    int ret = floc_irecv(ctx, buf, len, source, tag, status, &req);
    return ret ? ret : floc_wait(req);
}
