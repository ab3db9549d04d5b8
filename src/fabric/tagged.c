/*
 * tagged.c - point-to-point tagged messages (the control plane).
 *
 * The 64-bit libfabric tag carries the sender's locality id, so a receive
 * from a given source (or any source, any tag) is a tag match, without
 * FI_DIRECTED_RECV.  Requested ordering FI_ORDER_SAS keeps messages of one
 * pair in sending order.
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
    if (!(any_ok && tag == FLOC_ANY_TAG) && tag < 0)
        return FLOC_INVALID("%s: tag %d is negative", func, tag);
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

static int post_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                     floc_request_t *req)
{
    void *desc = NULL;
    int ret;
    if (ctx->fab.mr_local && len) {
        if ((ret = floc_mr_cache_get(ctx, buf, len, FI_SEND, &req->mr_entry[0])))
            return ret;
        desc = fi_mr_desc(req->mr_entry[0]->mr);
    }
    req->pending = 1;
    FLOC_FI_POST(ctx, ret, fi_tsend(ctx->fab.ep, buf, len, desc, ctx->fab.addrs[dest], tag, req));
    if (ret) {
        req->pending = 0;
        return ret == FLOC_FI_LOST ? FLOC_ERR_PEER_LOST : floc_fabric_err(ret, "fi_tsend");
    }
    return 0;
}

static int post_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag, int internal,
                     floc_request_t *req)
{
    uint64_t match = internal ? FLOC_TAG_INTERNAL : 0, ignore = 0;
    void *desc = NULL;
    int ret;

    if (source == FLOC_ANY_SOURCE)
        ignore |= FLOC_TAG_SRC_MASK;
    else
        match |= (uint64_t)source << FLOC_TAG_SRC_SHIFT;
    if (tag == FLOC_ANY_TAG)
        ignore |= FLOC_TAG_USER_MASK;
    else
        match |= (uint32_t)tag;
    if (ctx->fab.mr_local && len) {
        if ((ret = floc_mr_cache_get(ctx, buf, len, FI_RECV, &req->mr_entry[0])))
            return ret;
        desc = fi_mr_desc(req->mr_entry[0]->mr);
    }
    req->capacity = len;
    req->pending = 1;
    FLOC_FI_POST(ctx, ret, fi_trecv(ctx->fab.ep, buf, len, desc, FI_ADDR_UNSPEC, match, ignore, req));
    if (ret) {
        req->pending = 0;
        return ret == FLOC_FI_LOST ? FLOC_ERR_PEER_LOST : floc_fabric_err(ret, "fi_trecv");
    }
    return 0;
}

static uint64_t send_tag(const floc_ctx_t *ctx, int tag, int internal)
{
    return (internal ? FLOC_TAG_INTERNAL : 0) | ((uint64_t)ctx->rank << FLOC_TAG_SRC_SHIFT) |
           (uint32_t)tag;
}

int floc_tagged_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                      int internal, floc_request_t **out)
{
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    int ret = req ? post_send(ctx, buf, len, dest, send_tag(ctx, tag, internal), req)
                  : FLOC_ERR_NOMEM;
    if (ret && req)
        floc_req_release(ctx, req);
    floc_ctx_unlock(ctx);
    if (!ret)
        *out = req;
    return ret;
}

int floc_tagged_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag, int internal,
                      floc_msg_status_t *status, floc_request_t **out)
{
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    int ret = req ? post_recv(ctx, buf, len, source, tag, internal, req) : FLOC_ERR_NOMEM;
    if (ret && req)
        floc_req_release(ctx, req);
    else if (req)
        req->msg_out = status;
    floc_ctx_unlock(ctx);
    if (!ret)
        *out = req;
    return ret;
}

int floc_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag, floc_request_t **req)
{
    int ret = check_peer(ctx, __func__, buf, len, dest, 0, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("floc_isend: req (output) is NULL");
    return floc_tagged_isend(ctx, buf, len, dest, tag, 0, req);
}

int floc_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
               floc_msg_status_t *status, floc_request_t **req)
{
    int ret = check_peer(ctx, __func__, buf, len, source, 1, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("floc_irecv: req (output) is NULL");
    return floc_tagged_irecv(ctx, buf, len, source, tag, 0, status, req);
}

int floc_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    int ret = check_peer(ctx, __func__, buf, len, dest, 0, tag);
    if (ret)
        return ret;
    if (len <= ctx->fab.inject_size) {
        /* Small: the provider copies buf now; no completion to wait for. */
        floc_ctx_lock(ctx);
        FLOC_FI_POST(ctx, ret, fi_tinject(ctx->fab.ep, buf, len, ctx->fab.addrs[dest],
                                          send_tag(ctx, tag, 0)));
        floc_ctx_unlock(ctx);
        if (ret)
            return ret == FLOC_FI_LOST ? FLOC_ERR_PEER_LOST : floc_fabric_err(ret, "fi_tinject");
        return 0;
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
