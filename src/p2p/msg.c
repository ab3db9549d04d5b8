/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg.c - the public tagged messages: floc_send, floc_recv, their
 * nonblocking forms and the probes.  Checks the arguments, then hands
 * the message to the node message path (local.c) when the peer takes
 * it (decided once, at init), else to the fabric (src/fabric/tagged.c).
 * A pair's messages always take one path, which keeps them in order.
 *
 * On a team the peer is a team rank: the message goes to its world id,
 * in the team's tag space (its context id), and the request belongs to
 * the team (its receive's status names the sender by team rank, its
 * wait fails only when a member is lost).
 */
#include "../core/ctx.h"
#include "../fabric/fabric.h"
#include "../core/tool.h"
#include "../node/node.h"
#include "local.h"

/* check_peer, isend and irecv are inlined into each public call: the
 * calls between them cost a receive of 8 bytes ~60 of its ~400
 * instructions (callgrind, perf/p2p_bench bw) */
#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE int check_peer(floc_ctx_t *ctx, const char *func, const void *buf, size_t len,
                             int peer, int any_ok, int tag)
{
    FLOC_CHECK_CTX(ctx);
    if (!buf && len)
        return FLOC_INVALID("%s: buf is NULL", func);
    if (!(any_ok && peer == FLOC_ANY_SOURCE) && (peer < 0 || peer >= ctx->size))
        return FLOC_INVALID("%s: locality %d outside [0, %d)", func, peer, ctx->size);
    if (tag < 0 && !(any_ok && tag == FLOC_ANY_TAG))
        return FLOC_INVALID("%s: tag %d is negative", func, tag);
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

/* FLOC_ANY_TAG (and probes) through the fabric: libfabric 1.17's shm
 * provider matches an unexpected message without a receive's ignore bits
 * (src/fabric/tagged.c), so a wildcard there could wait for ever */
static int any_tag_refused(const floc_ctx_t *ctx, const char *func)
{
    const floc_node_t *n = ctx->world->node;
    FLOC_ERROR(FLOC_LOG_API, "%s: FLOC_ANY_TAG and probes need the node message path, and "
               "this message %s", func,
               !ctx->world->cfg.node_p2p ? "would come through the fabric (FLOC_NODE_P2P=0)"
               : n && !n->single           ? "may come from another node"
                                           : "would come through the fabric (no node segment)");
    return FLOC_ERR_NOT_SUPPORTED;
}

ALWAYS_INLINE int isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                        floc_request_t **req)
{
    int ret = check_peer(ctx, "floc_isend", buf, len, dest, 0, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("floc_isend: req (output) is NULL");
    floc_ctx_t *w = ctx->world;
    const int to = floc_ctx_world_id(ctx, dest);
    if (floc_local_reaches_inline(ctx, to)) {
        ret = floc_local_send(ctx, buf, len, to, tag, req);
        if (!ret)
            (*req)->ctx = ctx;
        return ret;
    }
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

ALWAYS_INLINE int irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                        floc_msg_status_t *status, floc_request_t **req, const char *func)
{
    int ret = check_peer(ctx, func, buf, len, source, 1, tag);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    const int from = floc_ctx_world_id_any(ctx, source);
    if (floc_local_reaches_inline(ctx, from)) {
        ret = floc_local_recv(ctx, buf, len, from, tag, status, req);
        if (!ret)
            (*req)->ctx = ctx;
        return ret;
    }
    if (tag == FLOC_ANY_TAG)
        return any_tag_refused(ctx, func);
    if (from == FLOC_ANY_SOURCE && floc_local_mixed(ctx)) {
        ret = floc_local_recv_any(ctx, buf, len, tag, status, req);
        if (!ret)
            (*req)->ctx = ctx;
        return ret;
    }
    floc_ctx_lock(ctx);
    ret = floc_tagged_post(ctx->world, 0, buf, len, from, tag,
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
 * injection (1), it cannot (0: too large, older messages to dest wait in
 * the backlog, or dest's credit is spent: the message is then held, which
 * tells dest; src/fabric/credit.c), or something fails. */
static int inject_blocking(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    floc_ctx_t *w = ctx->world;
    const int to = floc_ctx_world_id(ctx, dest);
    floc_ctx_lock(ctx);
    int ret;
    for (;;) {
        ret = floc_tagged_try_inject(w, buf, len, to, tag, FLOC_TAG_SPACE(0, ctx->cid));
        if (ret != 0 || floc_fabric_backlog_holds(w, 0, w->fab->addrs[to]) ||
            !floc_credit_ready(w, to))
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
    const int to = floc_ctx_world_id(ctx, dest);
    if (floc_local_reaches_inline(ctx, to))
        return floc_local_send(ctx, buf, len, to, tag, NULL);
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

static int probe(floc_ctx_t *ctx, int source, int tag, int block, int *flag,
                 floc_msg_status_t *status, const char *func)
{
    int ret = check_peer(ctx, func, NULL, 0, source, 1, tag);
    if (ret)
        return ret;
    if (!block && !flag)
        return FLOC_INVALID("%s: flag (output) is NULL", func);
    const int from = floc_ctx_world_id_any(ctx, source);
    if (!floc_local_reaches_inline(ctx, from))
        return any_tag_refused(ctx, func);
    floc_msg_status_t st;
    ret = floc_local_probe(ctx, from, tag, block, &st);
    if (ret < 0)
        return ret;
    if (flag)
        *flag = ret;
    if (ret && status) {
        st.source = floc_ctx_rank_of(ctx, st.source);
        *status = st;
    }
    return 0;
}

int floc_iprobe(floc_ctx_t *ctx, int source, int tag, int *flag, floc_msg_status_t *status)
{
    return probe(ctx, source, tag, 0, flag, status, "floc_iprobe");
}

int floc_probe(floc_ctx_t *ctx, int source, int tag, floc_msg_status_t *status)
{
    return probe(ctx, source, tag, 1, NULL, status, "floc_probe");
}
