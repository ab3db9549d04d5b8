/*
 * tagged.c - tagged messages through libfabric: floc's own (collectives,
 * control) and the users' (src/p2p/msg.c checks and calls these).
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
#include "fabric.h"

/* floc's own messages to a locality of this node take the node rail;
 * user messages never (see fabric.h) */
static int tag_rail(floc_ctx_t *ctx, uint64_t tag, int peer)
{
    return (tag & FLOC_TAG_INTERNAL) && peer != FLOC_ANY_SOURCE && floc_fabric_rail(ctx->fab, peer);
}

static uint64_t full_tag(int tag, int internal)
{
    return (internal ? FLOC_TAG_INTERNAL : 0) | (uint32_t)tag;
}

static int post_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                     floc_request_t *req)
{
    const int rail = tag_rail(ctx, tag, dest);
    floc_fab_req(req)->op = (floc_fab_op_t){
        .kind = FLOC_OP_SEND, .buf = (void *)buf, .len = len,
        .addr = floc_fabric_addr(ctx->fab, rail, dest), .rail = rail, .tag = tag,
        .data = (uint64_t)ctx->rank};
    int ret = floc_fab_local_desc(ctx, req, 0, buf, len, FI_SEND);
    if (ret)
        return ret;
    FLOC_TRACE(FLOC_LOG_FABRIC, "tsend req %p len %zu to %d tag %016llx", (void *)req, len, dest,
               (unsigned long long)tag);
    return floc_fabric_submit(ctx, req);
}

static int post_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, uint64_t tag,
                     floc_request_t *req)
{
    const int rail = tag_rail(ctx, tag, source);
    floc_fab_req(req)->op = (floc_fab_op_t){
        .kind = FLOC_OP_RECV, .buf = buf, .len = len, .rail = rail, .tag = tag,
        .addr = source == FLOC_ANY_SOURCE ? FI_ADDR_UNSPEC
                                          : floc_fabric_addr(ctx->fab, rail, source)};
    int ret = floc_fab_local_desc(ctx, req, 0, buf, len, FI_RECV);
    if (ret)
        return ret;
    req->capacity = len;
    FLOC_TRACE(FLOC_LOG_FABRIC, "trecv req %p len %zu from %d tag %016llx", (void *)req, len,
               source, (unsigned long long)tag);
    return floc_fabric_submit(ctx, req);
}

int floc_tagged_post(floc_ctx_t *ctx, int send, void *buf, size_t len, int peer, int tag,
                     int internal, floc_msg_status_t *status, floc_request_t **out)
{
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req)
        return FLOC_ERR_NOMEM;
    const uint64_t t = full_tag(tag, internal);
    int ret = send ? post_send(ctx, buf, len, peer, t, req) : post_recv(ctx, buf, len, peer, t, req);
    if (ret) {
        floc_req_release(ctx, req);
        return ret;
    }
    req->msg_out = status;
    *out = req;
    return 0;
}

size_t floc_tagged_inject_max(const floc_ctx_t *ctx)
{
    return ctx->fab->inject_size;
}

/*
 * A small user message by injection: the provider copies buf at once and
 * reports no completion (a send window of 16-byte messages: 57-62 MB/s,
 * 45-52 with a completion per message).  Only when nothing older to dest
 * waits in the backlog: message order.
 */
int floc_tagged_try_inject(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag)
{
    floc_fabric_t *f = ctx->fab;
    if (len > f->inject_size || floc_fabric_backlog_holds(ctx, 0, f->addrs[dest]))
        return 0;
    ssize_t r = fi_tinjectdata(f->fi.ep, buf, len, (uint64_t)ctx->rank, f->addrs[dest],
                               full_tag(tag, 0));
    if (r == -FI_EAGAIN)
        return 0;
    return r ? floc_fabric_err((int)r, "fi_tinjectdata") : 1;
}
