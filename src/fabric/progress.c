/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * progress.c - drain the completion queues in bounded batches and credit
 * each completion to its request; what the fabric still holds, for the
 * log after a timeout.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>

#include "../core/ctx.h"
#include "fabric.h"

#define FLOC_CQ_BATCH 16

static void split_tag(floc_request_t *req, const struct fi_cq_tagged_entry *e)
{
    /* the sender's id is the remote CQ data of every floc message */
    req->msg.source = (e->flags & FI_REMOTE_CQ_DATA) ? (int)(e->data & ~(uint64_t)FLOC_CQ_HEADER)
                                                     : -1;
    req->msg.tag = (int)(e->tag & 0x7fffffff);
    req->msg.len = e->len;
}

static int handle_error(floc_ctx_t *ctx, struct fid_cq *cq)
{
    struct fi_cq_err_entry err = {0};
    int ret = (int)fi_cq_readerr(cq, &err, 0);
    if (ret == -FI_EAGAIN)
        return 0;
    if (ret < 0)
        return floc_fabric_err(ret, "fi_cq_readerr");

    floc_request_t *req = err.op_context ? floc_req_of_ext(err.op_context) : NULL;
    int status;
    /* providers disagree on the sign of err.err */
    int code = err.err < 0 ? -err.err : err.err;
    if (code == FI_ECANCELED) {
        status = FLOC_ERR_CANCELED;   /* floc_cancel asked for it */
    } else if (code == FI_ETRUNC) {
        /* never from floc's own protocol (tagged.c): a sender that is not floc */
        status = FLOC_ERR_TRUNCATED;
        FLOC_WARN(FLOC_LOG_FABRIC, "message of %zu bytes truncated by the provider (%zu bytes "
                  "more than the receive buffer)", (size_t)(err.len + err.olen), (size_t)err.olen);
    } else {
        char buf[256];
        FLOC_ERROR(FLOC_LOG_FABRIC, "completion error: %s (%s)", fi_strerror(code),
                   fi_cq_strerror(cq, err.prov_errno, err.err_data, buf, sizeof buf));
        status = floc_fabric_err(-code, "completion");
    }
    if (req && floc_fab_req(req)->msg == FLOC_MSG_CREDIT)
        floc_credit_repost_later(ctx);   /* a standing receive: posted again */
    if (req)
        floc_req_op_done(ctx, req, status);
    return 1;
}

static int drain_cq(floc_ctx_t *ctx, struct fid_cq *cq)
{
    struct fi_cq_tagged_entry e[FLOC_CQ_BATCH];
    ssize_t n = fi_cq_read(cq, e, FLOC_CQ_BATCH);
    if (n == -FI_EAGAIN)
        return 0;
    if (n == -FI_EAVAIL)
        return handle_error(ctx, cq);
    if (n < 0)
        return floc_fabric_err((int)n, "fi_cq_read");
    for (ssize_t i = 0; i < n; i++) {
        if (!e[i].op_context)
            continue;
        floc_request_t *req = floc_req_of_ext(e[i].op_context);
        FLOC_TRACE(FLOC_LOG_FABRIC, "completion req %p flags %llx len %zu tag %016llx", (void *)req,
                   (unsigned long long)e[i].flags, e[i].len, (unsigned long long)e[i].tag);
        int status = 0;
        if (e[i].flags & FI_RECV) {
            split_tag(req, &e[i]);
            if (floc_fab_req(req)->msg)
                status = floc_tagged_completion(ctx, req, e[i].len, e[i].data);
        }
        floc_req_op_done(ctx, req, status);
    }
    return (int)n;
}

int floc_fabric_progress(floc_ctx_t *ctx)
{
    if (!ctx->fab->fi.cq)
        return 0;
    int posted = ctx->fab->backlog_head ? floc_fabric_drain_backlog(ctx) : 0;
    int n = drain_cq(ctx, ctx->fab->fi.cq);
    if (n >= 0 && ctx->fab->nrail) {
        int m = drain_cq(ctx, ctx->fab->nrail->fi.cq);
        n = m < 0 ? m : n + m;
    }
    if (n < 0)
        return n;
    int ret = floc_credit_progress(ctx);
    if (ret)
        return ret;
    return n ? n : posted > 0;
}

/*
 * Blocking form of floc_fabric_submit for ops whose buffer is only
 * borrowed during the call (FI_INJECT writes): retry while driving
 * progress (it lives here because it drives progress).
 */
int floc_fabric_post_now(floc_ctx_t *ctx, floc_request_t *req)
{
    unsigned spins = 0;
    req->pending++;
    for (;;) {
        /* the backlog goes first: it holds older messages */
        if (!ctx->fab->backlog_head ||
            !floc_fabric_backlog_has(ctx->fab, floc_fabric_order_key(req))) {
            ssize_t ret = floc_fabric_post_once(ctx, req);
            if (ret == 0)
                return 0;
            if (ret != -FI_EAGAIN) {
                req->pending--;
                return floc_fabric_err((int)ret, "posting an injected write");
            }
        }
        floc_fabric_progress(ctx);
        if (floc_ctx_peer_lost(ctx)) {
            req->pending--;
            return FLOC_ERR_PEER_LOST;
        }
        if (++spins > 64)
            sched_yield();
    }
}

static const char *const kind_names[] = {"none", "send", "recv", "write", "read", "fetch-add"};

/* the locality an op goes to (-1: any) */
static int op_peer(const floc_ctx_t *ctx, const floc_fab_op_t *op)
{
    if (op->addr == FI_ADDR_UNSPEC)
        return -1;
    for (int r = 0; r < ctx->size; r++)
        if (floc_fabric_addr(ctx->fab, op->rail, r) == op->addr)
            return r;
    return -1;
}

void floc_fabric_describe(floc_request_t *req, char *buf, size_t len)
{
    const floc_fab_req_t *fr = floc_fab_req(req);
    const floc_fab_op_t *op = &fr->op;
    const int peer = op_peer(req->ctx, op);
    const int msg = op->kind == FLOC_OP_SEND || op->kind == FLOC_OP_RECV;
    char who[32];
    if (peer < 0)
        snprintf(who, sizeof who, "any locality");
    else
        snprintf(who, sizeof who, "locality %d", peer);
    snprintf(buf, len, "%s%s of %zu bytes %s %s%s%s",
             msg && (op->tag & FLOC_TAG_INTERNAL) ? "floc's own " : "",
             kind_names[op->kind <= FLOC_OP_FETCH_ADD ? op->kind : 0],
             fr->msg == FLOC_MSG_RECV ? fr->ucap : op->len,
             op->kind == FLOC_OP_SEND || op->kind == FLOC_OP_WRITE ? "to" : "from", who,
             msg ? ", tag " : "", "");
    if (msg) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%d", (int)(op->tag & 0x7fffffff));
    }
}

void floc_fabric_dump(floc_ctx_t *ctx)
{
    int nb = 0, nrecv = 0;
    for (floc_request_t *r = ctx->fab->backlog_head; r; r = r->next, nb++)
        nrecv += floc_fab_req(r)->op.kind == FLOC_OP_RECV;
    if (nb)
        FLOC_WARN(FLOC_LOG_FABRIC, "backlog: %d ops waiting for the provider (%d receives)", nb,
                  nrecv);
}
