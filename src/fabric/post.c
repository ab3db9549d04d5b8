/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * post.c - posting fabric operations, and the backlog of those the
 * provider could not take yet.
 */
#include <rdma/fi_atomic.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>
#include <rdma/fi_tagged.h>

#include "../core/ctx.h"
#include "fabric.h"

static const char *const op_names[] = {"none", "fi_tsenddata", "fi_trecv", "fi_writemsg",
                                       "fi_readmsg", "fi_fetch_atomic"};

/* One attempt: the libfabric return code (-FI_EAGAIN: try again later). */
ssize_t floc_fabric_post_once(floc_ctx_t *ctx, floc_request_t *req)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    floc_fab_op_t *op = &fr->op;
    struct fid_ep *ep = op->rail ? ctx->fab->nrail->fi.ep : ctx->fab->fi.ep;
    ssize_t ret;

    switch (op->kind) {
    case FLOC_OP_SEND:
        return fi_tsenddata(ep, op->buf, op->len, op->desc[0], op->data, op->addr, op->tag,
                            &fr->fictx);
    case FLOC_OP_RECV:
        ret = fi_trecv(ep, op->buf, op->len, op->desc[0], op->addr, op->tag, 0, &fr->fictx);
        /* shm takes posted receives and unexpected messages from one pool
         * (rx_size): when it is empty, the receive waits for a free entry */
        return ret == -FI_ENOMEM ? -FI_EAGAIN : ret;
    case FLOC_OP_WRITE:
    case FLOC_OP_READ: {
        struct iovec iov = {.iov_base = op->buf, .iov_len = op->len};
        struct fi_rma_iov riov = {.addr = op->raddr, .len = op->len, .key = op->rkey};
        struct fi_msg_rma msg = {.msg_iov = &iov, .desc = op->desc, .iov_count = 1,
                                 .addr = op->addr, .rma_iov = &riov, .rma_iov_count = 1,
                                 .context = &fr->fictx, .data = 0};
        return op->kind == FLOC_OP_WRITE ? fi_writemsg(ep, &msg, op->flags)
                                         : fi_readmsg(ep, &msg, op->flags);
    }
    case FLOC_OP_FETCH_ADD: {
        uint64_t *b = op->buf;
        return fi_fetch_atomic(ep, &b[0], 1, op->desc[0], &b[1], op->desc[1], op->addr, op->raddr,
                               op->rkey, FI_UINT64, FI_SUM, &fr->fictx);
    }
    default:
        return -FI_EINVAL;
    }
}

static void backlog_push(floc_fabric_t *f, floc_request_t *req)
{
    req->next = NULL;
    if (f->backlog_tail)
        f->backlog_tail->next = req;
    else
        f->backlog_head = req;
    f->backlog_tail = req;
}

/*
 * Order is kept per destination (per address for sends and RMA, one
 * queue for all receives): an op the provider refuses blocks the later
 * ops of its destination only, never those to other localities.
 */
static uint64_t rail_key(int rail, fi_addr_t addr)
{
    return (uint64_t)addr | (uint64_t)rail << 62;
}

uint64_t floc_fabric_order_key(floc_request_t *req)
{
    const floc_fab_op_t *op = &floc_fab_req(req)->op;
    return op->kind == FLOC_OP_RECV ? ~(uint64_t)0 : rail_key(op->rail, op->addr);
}

int floc_fabric_drain_backlog(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    uint64_t blocked[16];
    size_t nblocked = 0;
    int posted = 0;
    floc_request_t **link = &f->backlog_head, *prev = NULL;

    while (*link) {
        floc_request_t *req = *link;
        uint64_t key = floc_fabric_order_key(req);
        int skip = 0;
        for (size_t i = 0; i < nblocked; i++)
            skip |= blocked[i] == key;
        ssize_t ret = skip ? -FI_EAGAIN : floc_fabric_post_once(ctx, req);
        if (ret == -FI_EAGAIN) {
            if (!skip) {
                if (nblocked == sizeof blocked / sizeof blocked[0])
                    break;   /* enough for one pass */
                blocked[nblocked++] = key;
            }
            prev = req;
            link = &req->next;
            continue;
        }
        /* unlink */
        *link = req->next;
        if (f->backlog_tail == req)
            f->backlog_tail = prev;
        req->next = NULL;
        if (ret) {
            /* It was accepted as pending: fail it like a completion would. */
            floc_req_op_done(ctx, req,
                             floc_fabric_err((int)ret, op_names[floc_fab_req(req)->op.kind]));
            continue;
        }
        posted++;
    }
    return posted;
}

/* Is an older op to the same destination still waiting? */
int floc_fabric_backlog_has(const floc_fabric_t *f, uint64_t key)
{
    for (floc_request_t *r = f->backlog_head; r; r = r->next)
        if (floc_fabric_order_key(r) == key)
            return 1;
    return 0;
}

/* Take a receive back from the provider (floc_cancel, a blocking call
 * giving up): from the backlog at once, else fi_cancel, whose completion
 * (FI_ECANCELED) comes through the queue.  Sends and RMA are too far
 * along once handed over: they complete as they would have. */
static int fab_cancel(floc_request_t *req)
{
    floc_ctx_t *ctx = req->ctx;
    floc_fabric_t *f = ctx->fab;
    floc_fab_req_t *fr = floc_fab_req(req);
    if (fr->op.kind != FLOC_OP_RECV || fr->bulk_tag)
        return 0;   /* not a receive, or its message has matched already */
    for (floc_request_t **link = &f->backlog_head, *prev = NULL; *link;
         prev = *link, link = &(*link)->next) {
        if (*link != req)
            continue;
        *link = req->next;
        if (f->backlog_tail == req)
            f->backlog_tail = prev;
        req->next = NULL;
        floc_req_op_done(ctx, req, FLOC_ERR_CANCELED);
        return 0;
    }
    struct fid_ep *ep = fr->op.rail ? f->nrail->fi.ep : f->fi.ep;
    ssize_t r = fi_cancel(&ep->fid, &fr->fictx);
    if (r && r != -FI_ENOENT)
        FLOC_DEBUG(FLOC_LOG_FABRIC, "fi_cancel: %s", fi_strerror((int)-r));
    return 0;
}

int floc_fabric_submit(floc_ctx_t *ctx, floc_request_t *req)
{
    floc_fabric_t *f = ctx->fab;
    if (!req->cancel)
        req->cancel = fab_cancel;
    if (!req->describe)
        req->describe = floc_fabric_describe;
    req->pending++;
    if (f->backlog_head && floc_fabric_backlog_has(f, floc_fabric_order_key(req))) {
        /* keep the order: behind what already waits for this destination */
        backlog_push(f, req);
        floc_fabric_drain_backlog(ctx);
        return 0;
    }
    ssize_t ret = floc_fabric_post_once(ctx, req);
    if (ret == 0)
        return 0;
    if (ret == -FI_EAGAIN) {
        backlog_push(f, req);
        return 0;
    }
    req->pending--;
    return floc_fabric_err((int)ret, op_names[floc_fab_req(req)->op.kind]);
}

int floc_fabric_backlog_holds(floc_ctx_t *ctx, int rail, fi_addr_t addr)
{
    return ctx->fab->backlog_head && floc_fabric_backlog_has(ctx->fab, rail_key(rail, addr));
}
