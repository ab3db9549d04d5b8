/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local_any.c - the node message path's receives from anyone in a job
 * of several nodes: posted on both paths, one half withdrawn when the
 * other wins (below; docs/p2p.md, "Several nodes").
 */
#include <stdlib.h>

#include "local.h"

/*
 * Receives from anyone in a job of several nodes.  The fabric carries the
 * messages of other nodes, this path those of this node, so a receive
 * from FLOC_ANY_SOURCE is posted on both: the user's request is the
 * fabric receive (the twin), held open by one extra pending count, and a
 * node half waits in the posted list here.  Whichever path brings a
 * message first wins:
 *  - the fabric: once its op is done (pending back to the hold), the node
 *    half leaves the list and the hold is released;
 *  - this path: the node half takes the message (claimed), its sender's
 *    later messages wait (frozen: their order), and the fabric half is
 *    canceled.  When the fabric reports back: canceled, the claimed
 *    message goes into the user's buffer; matched meanwhile by another
 *    node's message (a cancel comes too late once a message matched), the
 *    claimed one returns to the unexpected list, where it is still the
 *    first of its sender's.
 * A receive the user gave up (an orphan) never gets the claimed message.
 */
void floc_local_claim(floc_p2p_t *pp, floc_request_t *r, held_t *h)
{
    local_req_t *lr = lreq(r);
    lr->claimed = h;
    pp->peers[pp->local_of[h->source]].frozen++;
    floc_request_t *f = lr->twin;
    if (f->cancel)
        f->cancel(f);
}

/* the node half n of a receive from anyone, once its fabric half's op is done */
static void twin_resolve(floc_ctx_t *w, floc_p2p_t *pp, floc_request_t *n)
{
    local_req_t *lr = lreq(n);
    floc_request_t *f = lr->twin;
    held_t *h = lr->claimed;
    if (!h) {
        floc_local_unlink_posted(pp, n);   /* the fabric brought it (or it was canceled) */
    } else {
        pp->peers[pp->local_of[h->source]].frozen--;
        const int won = f->status == FLOC_ERR_CANCELED && f->magic == FLOC_REQ_LIVE;
        FLOC_DEBUG(FLOC_LOG_API, "a receive from anyone claimed locality %d's message: %s",
                   h->source, won ? "delivered" : "the fabric's came first, it stays held");
        if (won) {
            const floc_fab_req_t *fr = floc_fab_req(f);
            incoming_t m;
            int st = floc_local_take_held(w, pp, h, fr->ubuf, fr->ucap, &m);
            if (!st && m.len > fr->ucap) {
                floc_local_truncated(&m, fr->ucap);
                st = FLOC_ERR_TRUNCATED;
            }
            f->status = st;
            f->msg = (floc_msg_status_t){.source = m.source, .tag = m.tag, .len = m.len};
        } else {
            floc_local_hold(pp, h);
        }
    }
    floc_req_op_done(w, f, 0);   /* the hold */
    floc_req_release(w, n);
}

int floc_local_twins_progress(floc_ctx_t *w, floc_p2p_t *pp)
{
    int events = 0;
    for (floc_request_t **link = &pp->twins; *link;) {
        floc_request_t *n = *link;
        if (lreq(n)->twin->pending > 1) {
            link = &lreq(n)->twin_next;
            continue;
        }
        *link = lreq(n)->twin_next;
        twin_resolve(w, pp, n);
        events++;
    }
    return events;
}

int floc_local_mixed(const floc_ctx_t *ctx)
{
    const floc_p2p_t *pp = ctx->world->p2p;
    return pp && !pp->all;
}

int floc_local_recv_any_locked(floc_ctx_t *ctx, uint32_t cid, uint64_t space, void *buf,
                               size_t len, int tag, floc_msg_status_t *status,
                               floc_request_t **out)
{
    floc_ctx_t *w = ctx->world;
    floc_p2p_t *pp = w->p2p;
    const local_req_t want = {.state = RECV_POSTED, .peer = FLOC_ANY_SOURCE, .tag = tag,
                              .cid = cid, .buf = buf, .len = len};
    int ret = 0;
    held_t *h = floc_local_find_held(pp, &want, 1);
    if (h) {
        /* one of this node's came already: no fabric receive */
        floc_request_t *r =
            floc_local_new_req(ctx, RECV_POSTED, buf, len, FLOC_ANY_SOURCE, tag, cid);
        if (!r) {
            floc_local_hold(pp, h);
            ret = FLOC_ERR_NOMEM;
        } else {
            r->msg_out = status;
            incoming_t m;
            const int st = floc_local_take_held(w, pp, h, buf, len, &m);
            floc_local_recv_done(w, r, &m, st);
            *out = r;
        }
        return ret;
    }
    floc_request_t *f = NULL, *n = floc_req_alloc(ctx, NULL);
    if (n)
        floc_req_hide(ctx, n);
    ret = !n ? FLOC_ERR_NOMEM
             : floc_tagged_post(w, 0, buf, len, FLOC_ANY_SOURCE, tag, space, status, &f);
    if (ret) {
        if (n)
            floc_req_release(ctx, n);
        return ret;
    }
    f->ctx = ctx;
    f->pending++;   /* held open by the node half */
    *lreq(n) = want;
    lreq(n)->twin = f;
    n->describe = floc_local_describe;
    floc_local_post(pp, n);
    lreq(n)->twin_next = pp->twins;
    pp->twins = n;
    *out = f;
    return 0;
}

int floc_local_recv_any(floc_ctx_t *ctx, void *buf, size_t len, int tag,
                        floc_msg_status_t *status, floc_request_t **out)
{
    floc_ctx_lock(ctx);
    int ret = floc_local_recv_any_locked(ctx, ctx->cid, FLOC_TAG_SPACE(0, ctx->cid), buf, len,
                                         tag, status, out);
    floc_ctx_unlock(ctx);
    return ret;
}

