/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local.c - the node message path: tagged messages between the
 * localities of one node through the node segment's queues (node.h),
 * matched by floc itself.  docs/p2p.md tells the protocol for users.
 *
 * Size classes (a pair's messages share one ring, so they stay in order
 * whatever their sizes):
 *   eager, up to eager_max bytes (3828 with 256-cell rings): the data in
 *     the cells, one cache line up to 48 bytes.  Complete for the sender
 *     once written.  Counted against the sender's credit with this
 *     receiver (credit_cells, returned as the receiver matches them): a
 *     message that would pass it goes as a rendezvous instead, so a
 *     receiver never holds more eager data of one sender than that.
 *   rendezvous, larger or out of credit: one cell with the sender's
 *     address and length.  The receiver, once matched, reads the data
 *     itself with process_vm_readv (one copy; the two directions of a
 *     pair move at once, each receiver pulling its own) and answers FIN
 *     in its control ring; the sender's request then completes.
 *
 * A receive posted when its rendezvous message is already held does not
 * read it in the call: it is read at the next progress (a window of
 * receives posted after the sender started would otherwise read every
 * message before this locality posts its own sends, and a pair
 * exchanging large messages would move one direction at a time).
 *
 * Matching: posted receives in the order posted, unexpected messages in
 * the order they arrived.  A message takes the first posted receive
 * that matches it (context id; source or FLOC_ANY_SOURCE; tag or
 * FLOC_ANY_TAG), a new receive the first unexpected message that
 * matches it.
 *
 * Bounded unexpected messages: a sender's ring is drained into the
 * unexpected list while fewer than HELD_MAX of its messages are held
 * there, or while a receive that could take one of its messages is
 * posted or probed (without that, a receive for a message behind the
 * held ones would wait for ever).  Beyond, the sender finds the ring
 * full and waits, driving progress: held memory per sender is at most
 * the credit's eager data and HELD_MAX rendezvous headers.
 *
 * A message to itself skips the rings: the send meets the receive, or
 * waits in the unexpected list (a copy up to eager_max, while fewer than
 * HELD_MAX are held; else the send's own buffer until a receive comes).
 *
 * Everything here runs under the context lock, from the calls and from
 * the progress hook; a receive's buffer is written only while its
 * request is posted here, so a receive canceled or failed (a lost peer)
 * is never written afterwards.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local.h"

/* ---- losses ------------------------------------------------------------- */

static void fail_list(floc_ctx_t *w, floc_request_t **list)
{
    while (*list) {
        floc_request_t *r = *list;
        *list = r->next;
        r->next = NULL;
        floc_req_op_done(w, r, FLOC_ERR_PEER_LOST);
    }
}

/* q's locality is lost: what waits for it fails; its messages held here
 * that still need it (rendezvous) go */
static void peer_lost(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q)
{
    q->lost = 1;
    fail_list(w, &q->queued);
    q->queued_tail = NULL;
    fail_list(w, &q->rts);
    for (floc_request_t *r = pp->fetches, *next; r; r = next) {
        next = r->next;
        held_t *h = lreq(r)->claimed;
        if (h->source != q->world)
            continue;
        floc_local_unlink(&pp->fetches, &pp->fetches_tail, r);
        free(h);
        lreq(r)->claimed = NULL;
        lreq(r)->state = RECV_DONE;
        floc_req_op_done(w, r, FLOC_ERR_PEER_LOST);
    }
    for (int b = 0; b < MATCH_LISTS; b++) {
        match_list_t *l = &pp->lists[b];
        for (floc_request_t *r = l->posted, *next; r; r = next) {
            next = r->next;
            if (lreq(r)->peer == q->world) {
                floc_local_unlink_posted(pp, r);
                floc_req_op_done(w, r, FLOC_ERR_PEER_LOST);
            }
        }
        for (held_t **link = &l->unexp, *prev = NULL; *link;) {
            held_t *h = *link;
            if (h->source == q->world && h->kind == CELL_RTS) {
                *link = h->next;
                if (l->unexp_tail == h)
                    l->unexp_tail = prev;
                q->held--;
                free(h);
            } else {
                prev = h;
                link = &h->next;
            }
        }
    }
}

/* ---- the progress hook -------------------------------------------------- */

/* a matched receive reads its held rendezvous message (and answers its
 * sender) */
static void fetch(floc_ctx_t *w, floc_p2p_t *pp, floc_request_t *r)
{
    local_req_t *lr = lreq(r);
    held_t *h = lr->claimed;
    lr->claimed = NULL;
    incoming_t m;
    const int st = floc_local_take_held(w, pp, h, lr->buf, lr->len, &m);
    floc_local_recv_done(w, r, &m, st);
}

static int fetch_matched(floc_ctx_t *w, floc_p2p_t *pp)
{
    int events = 0;
    while (pp->fetches) {
        floc_request_t *r = pp->fetches;
        floc_local_unlink(&pp->fetches, &pp->fetches_tail, r);
        fetch(w, pp, r);
        events++;
    }
    return events;
}

static int local_progress(floc_ctx_t *w, void *arg)
{
    floc_p2p_t *pp = arg;
    int events = 0;
    if (pp->fetches)
        events += fetch_matched(w, pp);
    if (pp->twins)
        events += floc_local_twins_progress(w, pp);
    const int check_lost = atomic_load_explicit(&w->lost, memory_order_acquire);
    for (int k = 0; k < pp->p; k++) {
        peer_t *q = &pp->peers[k];
        if (k == pp->me || q->lost)
            continue;
        if (check_lost && floc_ctx_locality_lost(w, q->world)) {
            peer_lost(w, pp, q);
            continue;
        }
        events += floc_local_drain(w, pp, q);
        if (q->fins)
            events += floc_local_flush_fins(pp, q);
        if (q->queued)
            events += floc_local_flush_queued(w, pp, q);
    }
    return events;
}

static void local_dump(floc_ctx_t *w, void *arg)
{
    (void)w;
    floc_p2p_t *pp = arg;
    int posted = 0, held = 0;
    for (int b = 0; b < MATCH_LISTS; b++) {
        for (floc_request_t *r = pp->lists[b].posted; r; r = r->next)
            posted++;
        for (held_t *h = pp->lists[b].unexp; h; h = h->next)
            held++;
    }
    int matched = 0;
    for (floc_request_t *r = pp->fetches; r; r = r->next)
        matched++;
    FLOC_WARN(FLOC_LOG_API, "node messages: %d receives posted, %d matched to be read, %d "
              "messages unexpected", posted, matched, held);
    for (int k = 0; k < pp->p; k++) {
        const peer_t *q = &pp->peers[k];
        int queued = 0, rts = 0;
        for (floc_request_t *r = q->queued; r; r = r->next)
            queued++;
        for (floc_request_t *r = q->rts; r; r = r->next)
            rts++;
        if (queued || rts || q->fins)
            FLOC_WARN(FLOC_LOG_API, "  to locality %d: %d sends waiting for room, %d for their "
                      "receiver%s", q->world, queued, rts, q->fins ? ", answers waiting" : "");
    }
}

/* ---- requests ----------------------------------------------------------- */

/* a send to itself waiting for its receive (HELD_SELF): off its own list
 * of held messages, so that no receive reads its buffer; 1 if it was there */
static int withdraw_self(floc_p2p_t *pp, floc_request_t *req)
{
    match_list_t *l = list_of(pp, lreq(req)->cid);
    for (held_t **link = &l->unexp, *prev = NULL; *link; prev = *link, link = &(*link)->next) {
        held_t *h = *link;
        if (h->kind != HELD_SELF || h->self != req)
            continue;
        *link = h->next;
        if (l->unexp_tail == h)
            l->unexp_tail = prev;
        pp->peers[pp->local_of[h->source]].held--;
        free(h);
        return 1;
    }
    return 0;
}

static int local_cancel(floc_request_t *req)
{
    floc_ctx_t *w = req->ctx->world;
    floc_p2p_t *pp = w->p2p;
    local_req_t *lr = lreq(req);
    if (lr->state == SEND_RTS && lr->peer == w->rank) {
        /* to itself: nobody reads it until a receive of its own takes it
         * (a blocking send to itself that gave up must not be read
         * afterwards from a buffer its caller was told is free) */
        if (withdraw_self(pp, req))
            floc_req_op_done(w, req, FLOC_ERR_CANCELED);
    } else if (lr->state == RECV_MATCHED) {
        /* matched already: it completes as it would have, now, so that
         * nothing writes its buffer after the caller gave it up */
        floc_local_unlink(&pp->fetches, &pp->fetches_tail, req);
        fetch(w, pp, req);
    } else if (lr->state == RECV_POSTED) {
        floc_local_unlink_posted(pp, req);
        lr->state = RECV_DONE;
        floc_req_op_done(w, req, FLOC_ERR_CANCELED);
    } else if (lr->state == SEND_QUEUED) {
        peer_t *q = &pp->peers[pp->local_of[lr->peer]];
        if (floc_local_unlink(&q->queued, &q->queued_tail, req))
            floc_req_op_done(w, req, FLOC_ERR_CANCELED);
    }
    /* a rendezvous under way completes as it would have (its receiver
     * may be reading the buffer) */
    return 0;
}

void floc_local_describe(floc_request_t *req, char *buf, size_t len)
{
    const local_req_t *lr = lreq(req);
    const int send = lr->state == SEND_QUEUED || lr->state == SEND_RTS;
    snprintf(buf, len, "node message %s %zu bytes %s locality %d tag %d", send ? "send" : "receive",
             lr->len, send ? "to" : "from", lr->peer, lr->tag);
}

floc_request_t *floc_local_new_req(floc_ctx_t *ctx, int state, void *buf, size_t len, int peer,
                                   int tag, uint32_t cid)
{
    floc_request_t *req = floc_req_alloc_bare(ctx);   /* its part set in full below */
    if (!req)
        return NULL;
    *lreq(req) = (local_req_t){.state = state, .peer = peer, .tag = tag, .cid = cid, .buf = buf,
                               .len = len};
    req->pending = 1;
    req->cancel = local_cancel;
    req->describe = floc_local_describe;
    return req;
}

/* ---- the calls ---------------------------------------------------------- */

int floc_local_reaches(const floc_ctx_t *ctx, int peer)
{
    return floc_local_reaches_inline(ctx, peer);
}

/* A held message's data into [buf, buf + cap), its sender's side of it
 * completed (credit back, the FIN of a rendezvous, a send to itself);
 * h is freed, *m says what it was.  0, or the error reading it. */
int floc_local_take_held(floc_ctx_t *w, floc_p2p_t *pp, held_t *h, void *buf, size_t cap,
                         incoming_t *m)
{
    *m = (incoming_t){.kind = h->kind, .source = h->source, .tag = h->tag, .cid = h->cid,
                      .len = h->len, .addr = h->addr, .cookie = h->cookie};
    const size_t n = h->len < cap ? h->len : cap;
    int status = 0;
    if (h->kind == CELL_EAGER) {
        if (n)   /* (buf may be NULL with nothing to take) */
            memcpy(buf, h->data, n);
        if (h->source != w->rank)
            floc_local_credit_back(&pp->peers[pp->local_of[h->source]], cells_for(h->len));
    } else if (h->kind == HELD_SELF) {
        if (n)
            memcpy(buf, (const void *)(uintptr_t)h->addr, n);
        floc_req_op_done(w, h->self, 0);
    } else {
        status = floc_local_fetch(pp, m, buf, cap);
    }
    free(h);
    return status;
}

/* the first held message a receive (or probe) of lr's kind takes, off the
 * list if take */
held_t *floc_local_find_held(floc_p2p_t *pp, const local_req_t *lr, int take)
{
    match_list_t *l = list_of(pp, lr->cid);
    for (held_t **link = &l->unexp, *prev = NULL; *link; prev = *link, link = &(*link)->next) {
        held_t *h = *link;
        const incoming_t m = {.source = h->source, .tag = h->tag, .cid = h->cid};
        if (!floc_local_matches(lr, &m))
            continue;
        if (take) {
            *link = h->next;
            if (l->unexp_tail == h)
                l->unexp_tail = prev;
            pp->peers[pp->local_of[h->source]].held--;
        }
        return h;
    }
    return NULL;
}

/* a message to itself: into its receive, held, or (0) not now without a request */
static int self_send(floc_ctx_t *w, floc_p2p_t *pp, const void *buf, size_t len, int tag,
                     uint32_t cid, floc_request_t *req)
{
    const incoming_t m = {.kind = CELL_EAGER, .source = w->rank, .tag = tag, .cid = cid,
                          .len = len};
    floc_request_t *r = floc_local_take_posted(pp, &m);
    if (r) {
        const size_t n = len < lreq(r)->len ? len : lreq(r)->len;
        if (n)   /* (either buffer may be NULL with nothing to copy) */
            memcpy(lreq(r)->buf, buf, n);
        floc_local_recv_done(w, r, &m, 0);
        return 1;
    }
    const int copy = len <= pp->eager_max && pp->peers[pp->me].held < HELD_MAX;
    if (!copy && !req)
        return 0;
    held_t *h = malloc(sizeof *h + (copy ? len : 0));
    if (!h)
        return FLOC_ERR_NOMEM;
    *h = (held_t){.kind = copy ? CELL_EAGER : HELD_SELF, .source = w->rank, .tag = tag,
                  .cid = cid, .len = len, .addr = (uint64_t)(uintptr_t)buf, .self = req};
    if (!copy)
        lreq(req)->state = SEND_RTS;
    else if (len)
        memcpy(h->data, buf, len);
    floc_local_hold(pp, h);
    return copy ? 1 : 2;
}

/* a send now, or 0 (no room, or it needs a request to wait with) */
static int send_now(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q, uint32_t cid, const void *buf,
                    size_t len, int to, int tag, floc_request_t *req)
{
    return to == w->rank ? self_send(w, pp, buf, len, tag, cid, req)
           : q->queued  ? 0
                        : floc_local_try_send(pp, q, buf, len, tag, cid, req);
}

int floc_local_send_now(floc_ctx_t *w, uint32_t cid, const void *buf, size_t len, int to, int tag)
{
    floc_p2p_t *pp = w->p2p;
    peer_t *q = &pp->peers[pp->local_of[to]];
    return q->lost ? FLOC_ERR_PEER_LOST : send_now(w, pp, q, cid, buf, len, to, tag, NULL);
}

int floc_local_isend_locked(floc_ctx_t *ctx, uint32_t cid, const void *buf, size_t len, int to,
                            int tag, floc_request_t **out)
{
    floc_ctx_t *w = ctx->world;
    floc_p2p_t *pp = w->p2p;
    peer_t *q = &pp->peers[pp->local_of[to]];
    if (q->lost)
        return FLOC_ERR_PEER_LOST;
    floc_request_t *req = floc_local_new_req(ctx, SEND_QUEUED, (void *)buf, len, to, tag, cid);
    if (!req)
        return FLOC_ERR_NOMEM;
    const int ret = send_now(w, pp, q, cid, buf, len, to, tag, req);
    if (ret < 0) {
        floc_req_release(ctx, req);
        return ret;
    }
    if (ret == 1)
        req->pending = 0;
    if (ret == 0)
        floc_local_append(&q->queued, &q->queued_tail, req);
    *out = req;
    return 0;
}

int floc_local_send(floc_ctx_t *ctx, const void *buf, size_t len, int to, int tag,
                    floc_request_t **out)
{
    floc_ctx_t *w = ctx->world;
    floc_ctx_lock(ctx);
    /* the fast way: done at once, no request (a blocking send), or a
     * request complete already */
    int ret = floc_local_send_now(w, ctx->cid, buf, len, to, tag);
    if (ret == 1) {
        ret = 0;
        if (out && !(*out = floc_req_complete_new(ctx)))
            ret = FLOC_ERR_NOMEM;
        floc_ctx_unlock(ctx);
        return ret;
    }
    floc_request_t *req = NULL;
    if (ret == 0)
        ret = floc_local_isend_locked(ctx, ctx->cid, buf, len, to, tag, &req);
    floc_ctx_unlock(ctx);
    if (ret || out) {
        if (!ret)
            *out = req;
        return ret;
    }
    return floc_req_wait_blocking(req);
}

int floc_local_irecv_locked(floc_ctx_t *ctx, uint32_t cid, void *buf, size_t len, int from,
                            int tag, floc_msg_status_t *status, floc_request_t **out)
{
    floc_ctx_t *w = ctx->world;
    floc_p2p_t *pp = w->p2p;
    if (from != FLOC_ANY_SOURCE && pp->peers[pp->local_of[from]].lost)
        return FLOC_ERR_PEER_LOST;
    floc_request_t *req = floc_local_new_req(ctx, RECV_POSTED, buf, len, from, tag, cid);
    if (!req)
        return FLOC_ERR_NOMEM;
    req->msg_out = status;
    held_t *h = list_of(pp, cid)->unexp ? floc_local_find_held(pp, lreq(req), 1) : NULL;
    if (h && h->kind == CELL_RTS) {
        /* read at the next progress (see the top) */
        lreq(req)->state = RECV_MATCHED;
        lreq(req)->claimed = h;
        floc_local_append(&pp->fetches, &pp->fetches_tail, req);
    } else if (h) {
        incoming_t m;
        const int st = floc_local_take_held(w, pp, h, buf, len, &m);
        floc_local_recv_done(w, req, &m, st);
    } else {
        floc_local_post(pp, req);
    }
    *out = req;
    return 0;
}

/* a probe's question, as a receive would ask it */
typedef struct probe {
    floc_p2p_t *pp;
    local_req_t want;
    floc_msg_status_t *status;
} probe_t;

static int probe_found(void *arg)
{
    probe_t *pr = arg;
    const held_t *h = floc_local_find_held(pr->pp, &pr->want, 0);
    if (h && pr->status)
        *pr->status = (floc_msg_status_t){.source = h->source, .tag = h->tag, .len = h->len};
    return h != NULL;
}

int floc_local_probe(floc_ctx_t *ctx, int from, int tag, int block, floc_msg_status_t *status)
{
    floc_ctx_t *w = ctx->world;
    probe_t pr = {w->p2p, {.state = RECV_POSTED, .peer = from, .tag = tag, .cid = ctx->cid},
                  status};
    floc_ctx_lock(ctx);
    pr.pp->probing++;
    int ret = floc_progress_once(w);
    int found = ret < 0 ? 0 : probe_found(&pr);
    floc_ctx_unlock(ctx);
    if (ret >= 0 && !found && block) {
        ret = floc_progress_wait(ctx, probe_found, &pr, 0.0);
        found = ret == 0;
    }
    floc_ctx_lock(ctx);
    pr.pp->probing--;
    floc_ctx_unlock(ctx);
    return ret < 0 ? ret : found;
}

/* ---- life --------------------------------------------------------------- */

int floc_local_possible(const floc_ctx_t *w)
{
    const floc_node_t *n = w->node;
    /* a job of one locality: its messages to itself need no segment */
    if (w->size == 1)
        return w->cfg.node_p2p;
    return n && n->enabled && n->q_cells && w->cfg.node_p2p && n->cma;
}

/* the path of a job of one locality: no rings, only the lists of posted
 * receives and held messages, so that FLOC_ANY_TAG and the probes work
 * as in any other job (the fabric's path refuses them) */
static int self_only(floc_p2p_t *pp)
{
    static const int slot_of_zero[1] = {0};
    if (!(pp->peers = calloc(1, sizeof *pp->peers)))
        return FLOC_ERR_NOMEM;
    pp->local_of = slot_of_zero;
    pp->p = pp->all = 1;
    /* the eager limit of the smallest jobs' rings (256 cells) */
    pp->eager_max = FLOC_NODE_CELL_DATA + (size_t)(256 / 4 - 1) * FLOC_NODE_CONT_DATA;
    pp->peers[0].pid = getpid();
    return 0;
}

/* pp into the progress loop and the world (freed on failure) */
static int attach_path(floc_ctx_t *w, floc_p2p_t *pp)
{
    int ret = floc_progress_hook_add(w, local_progress, local_dump, pp);
    if (ret) {
        free(pp->peers);
        free(pp);
        return ret;
    }
    w->p2p = pp;
    if (pp->cells)
        FLOC_INFO(FLOC_LOG_API, "node messages through the segment: eager up to %zu bytes, "
                  "%u-cell rings", pp->eager_max, pp->cells);
    else
        FLOC_INFO(FLOC_LOG_API, "messages to itself through the node message path (a job of "
                  "one locality): eager up to %zu bytes", pp->eager_max);
    return 0;
}

int floc_local_init(floc_ctx_t *w)
{
    floc_node_t *n = w->node;
    if (!floc_local_possible(w)) {
        if (n && n->enabled && !n->cma)
            FLOC_INFO(FLOC_LOG_API, "node messages through the fabric: process_vm_readv is not "
                      "allowed between the localities");
        return 0;
    }
    floc_p2p_t *pp = calloc(1, sizeof *pp);
    if (pp && w->size == 1) {
        pp->world = w;
        if (self_only(pp) == 0)
            return attach_path(w, pp);
        free(pp);
        return FLOC_ERR_NOMEM;
    }
    if (!pp || !(pp->peers = calloc((size_t)n->p, sizeof *pp->peers))) {
        free(pp);
        return FLOC_ERR_NOMEM;
    }
    pp->world = w;
    pp->local_of = n->at.local_of;
    pp->me = n->me;
    pp->p = n->p;
    pp->all = n->single;
    pp->cells = n->q_cells;
    pp->mask = n->q_cells - 1;
    pp->ctl_cells = n->q_cells / 4;
    /* a quarter of the ring per eager message, two rings' worth of credit */
    pp->eager_max = FLOC_NODE_CELL_DATA + (size_t)(pp->cells / 4 - 1) * FLOC_NODE_CONT_DATA;
    pp->credit_cells = 2 * (uint64_t)pp->cells;
    for (int k = 0; k < n->p; k++) {
        peer_t *q = &pp->peers[k];
        q->world = n->at.here[k];
        q->pid = (pid_t)atomic_load_explicit(&floc_node_slot(n, k)->pid, memory_order_relaxed);
        q->out = floc_node_queue(n, n->me, k);
        q->in = floc_node_queue(n, k, n->me);
    }
    return attach_path(w, pp);
}

void floc_local_fini(floc_ctx_t *w)
{
    floc_p2p_t *pp = w->p2p;
    if (!pp)
        return;
    while (pp->twins) {
        floc_request_t *n = pp->twins;
        pp->twins = lreq(n)->twin_next;
        free(lreq(n)->claimed);
        floc_req_release(w, n);
    }
    for (floc_request_t *r = pp->fetches; r; r = r->next)
        free(lreq(r)->claimed);
    for (int b = 0; b < MATCH_LISTS; b++)
        while (pp->lists[b].unexp) {
            held_t *h = pp->lists[b].unexp;
            pp->lists[b].unexp = h->next;
            free(h);
        }
    for (int k = 0; k < pp->p; k++)
        while (pp->peers[k].fins) {
            fin_wait_t *f = pp->peers[k].fins;
            pp->peers[k].fins = f->next;
            free(f);
        }
    free(pp->peers);
    free(pp);
    w->p2p = NULL;
}
