/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local_wire.c - the node message path's rings (local.h): cells in and
 * out, eager and rendezvous sends, FIN answers, and the matching of
 * arriving messages against posted receives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "local.h"

/* ---- the rings' data ---------------------------------------------------- */

/*
 * A message's data: the first cell's 48 bytes, then FLOC_NODE_CONT_DATA
 * (60) bytes in each continuation cell, after the cell's own position
 * word.  Every cell of a ring starts with its position + 1 (the header's
 * stored last): the receiver, looking for the next header at position
 * t, must never mistake what an older lap left there for it, and data
 * there (a count, an index) could read as t + 1.
 */
static void payload_put(const floc_p2p_t *pp, floc_node_cell_t *cells, uint64_t i,
                        const void *src, size_t len)
{
    if (!len)
        return;   /* (src may be NULL) */
    const size_t first = len < FLOC_NODE_CELL_DATA ? len : FLOC_NODE_CELL_DATA;
    memcpy(cells[i & pp->mask].data, src, first);
    const unsigned char *s = (const unsigned char *)src + first;
    len -= first;
    /* whole cells by a copy of constant size (inlined moves) */
    for (; len >= FLOC_NODE_CONT_DATA; s += FLOC_NODE_CONT_DATA, len -= FLOC_NODE_CONT_DATA) {
        floc_node_cell_t *c = &cells[++i & pp->mask];
        atomic_store_explicit(&c->seq, (uint32_t)(i + 1), memory_order_relaxed);
        memcpy((unsigned char *)c + sizeof c->seq, s, FLOC_NODE_CONT_DATA);
    }
    if (len) {
        floc_node_cell_t *c = &cells[++i & pp->mask];
        atomic_store_explicit(&c->seq, (uint32_t)(i + 1), memory_order_relaxed);
        memcpy((unsigned char *)c + sizeof c->seq, s, len);
    }
}

static void payload_get(const floc_p2p_t *pp, const floc_node_cell_t *cells, uint64_t i,
                        void *dst, size_t len)
{
    if (!len)
        return;   /* (dst may be NULL) */
    const size_t first = len < FLOC_NODE_CELL_DATA ? len : FLOC_NODE_CELL_DATA;
    memcpy(dst, cells[i & pp->mask].data, first);
    unsigned char *d = (unsigned char *)dst + first;
    len -= first;
    for (; len >= FLOC_NODE_CONT_DATA; d += FLOC_NODE_CONT_DATA, len -= FLOC_NODE_CONT_DATA)
        memcpy(d, (const unsigned char *)&cells[++i & pp->mask] + sizeof(uint32_t),
               FLOC_NODE_CONT_DATA);
    if (len)
        memcpy(d, (const unsigned char *)&cells[++i & pp->mask] + sizeof(uint32_t), len);
}

/* room for k more cells in a ring of n whose receiver took *seen (the
 * shared count re-read only when the ring looks full) */
static int room(uint64_t head, uint64_t *seen, const _Atomic uint64_t *taken, unsigned k,
                unsigned n)
{
    if (head + k - *seen <= n)
        return 1;
    *seen = atomic_load_explicit(taken, memory_order_acquire);
    return head + k - *seen <= n;
}

/* ---- sending ------------------------------------------------------------ */

/*
 * Put a message into q's ring: 1 sent and complete (eager), 2 sent as a
 * rendezvous (req now waits for its FIN), 0 not now (no room; or it must
 * go as a rendezvous and there is no request to wait with).
 */
int floc_local_try_send(floc_p2p_t *pp, peer_t *q, const void *buf, size_t len, int tag,
                        uint32_t cid, floc_request_t *req)
{
    int eager = len <= pp->eager_max;
    unsigned k = eager ? cells_for(len) : 1;
    if (eager && !room(q->eager_sent, &q->seen_credit, &q->out->credit.v, k,
                       (unsigned)pp->credit_cells)) {
        eager = 0;   /* out of credit: the receiver has not matched enough yet */
        k = 1;
    }
    if ((!eager && !req) || !room(q->head, &q->seen_taken, &q->out->taken.v, k, pp->cells))
        return 0;
    floc_node_cell_t *cells = floc_node_cells(q->out);
    floc_node_cell_t *c = &cells[q->head & pp->mask];
    c->kind = eager ? CELL_EAGER : CELL_RTS;
    c->cid = (uint16_t)cid;
    c->tag = (uint32_t)tag;
    c->len = eager ? (uint32_t)len : 0;
    if (eager) {
        payload_put(pp, cells, q->head, buf, len);
    } else {
        const rts_body_t b = {(uint64_t)(uintptr_t)buf, len, (uint64_t)(uintptr_t)req};
        memcpy(c->data, &b, sizeof b);
    }
    atomic_store_explicit(&c->seq, (uint32_t)(q->head + 1), memory_order_release);
    q->head += k;
    if (eager) {
        q->eager_sent += k;
        return 1;
    }
    lreq(req)->state = SEND_RTS;
    req->next = q->rts;
    q->rts = req;
    return 2;
}

/* a FIN into q's control ring, if it has room */
static int put_fin(floc_p2p_t *pp, peer_t *q, fin_body_t body)
{
    if (!room(q->ctl_head, &q->ctl_seen, &q->out->ctl_taken.v, 1, pp->ctl_cells))
        return 0;
    floc_node_cell_t *c =
        &floc_node_cells(q->out)[pp->cells + (q->ctl_head & (pp->ctl_cells - 1))];
    c->kind = CELL_FIN;
    memcpy(c->data, &body, sizeof body);
    atomic_store_explicit(&c->seq, (uint32_t)(q->ctl_head + 1), memory_order_release);
    q->ctl_head++;
    return 1;
}

/* a FIN to q (its rendezvous `cookie` is read), or kept until there is room */
static void send_fin(floc_p2p_t *pp, peer_t *q, fin_body_t body)
{
    if (!q->fins && put_fin(pp, q, body))
        return;
    fin_wait_t *f = malloc(sizeof *f);
    if (!f) {
        /* the sender's request then waits until its peer timeout */
        FLOC_ERROR(FLOC_LOG_API, "out of memory for an answer to locality %d", q->world);
        return;
    }
    *f = (fin_wait_t){NULL, body};
    if (q->fins_tail)
        q->fins_tail->next = f;
    else
        q->fins = f;
    q->fins_tail = f;
}

int floc_local_flush_fins(floc_p2p_t *pp, peer_t *q)
{
    int sent = 0;
    while (q->fins && put_fin(pp, q, q->fins->body)) {
        fin_wait_t *f = q->fins;
        q->fins = f->next;
        if (!q->fins)
            q->fins_tail = NULL;
        free(f);
        sent++;
    }
    return sent;
}

int floc_local_flush_queued(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q)
{
    int sent = 0;
    while (q->queued) {
        floc_request_t *req = q->queued, *next = req->next;
        local_req_t *lr = lreq(req);
        const int r = floc_local_try_send(pp, q, lr->buf, lr->len, lr->tag, lr->cid, req);
        if (!r)
            break;
        q->queued = next;
        if (!next)
            q->queued_tail = NULL;
        if (r == 1) {
            req->next = NULL;
            floc_req_op_done(w, req, 0);
        }
        sent++;
    }
    return sent;
}

/* ---- receiving ---------------------------------------------------------- */


int floc_local_matches(const local_req_t *lr, const incoming_t *m)
{
    return lr->cid == m->cid && (lr->peer == FLOC_ANY_SOURCE || lr->peer == m->source) &&
           (lr->tag == FLOC_ANY_TAG || lr->tag == m->tag);
}

void floc_local_post(floc_p2p_t *pp, floc_request_t *req)
{
    match_list_t *l = list_of(pp, lreq(req)->cid);
    floc_local_append(&l->posted, &l->posted_tail, req);
}

floc_request_t *floc_local_find_posted(floc_p2p_t *pp, const incoming_t *m)
{
    for (floc_request_t *r = list_of(pp, m->cid)->posted; r; r = r->next)
        if (floc_local_matches(lreq(r), m))
            return r;
    return NULL;
}

/* take the first posted receive m matches off the list */
floc_request_t *floc_local_take_posted(floc_p2p_t *pp, const incoming_t *m)
{
    match_list_t *l = list_of(pp, m->cid);
    for (floc_request_t **link = &l->posted, *prev = NULL; *link;
         prev = *link, link = &(*link)->next) {
        floc_request_t *r = *link;
        if (!floc_local_matches(lreq(r), m))
            continue;
        *link = r->next;
        if (l->posted_tail == r)
            l->posted_tail = prev;
        r->next = NULL;
        return r;
    }
    return NULL;
}

void floc_local_unlink_posted(floc_p2p_t *pp, floc_request_t *req)
{
    match_list_t *l = list_of(pp, lreq(req)->cid);
    floc_local_unlink(&l->posted, &l->posted_tail, req);
}

/* the sender's bytes [addr, addr + len) into dst, one copy */
static int cma_read(const peer_t *q, void *dst, uint64_t addr, size_t len)
{
    size_t done = 0;
    while (done < len) {
        struct iovec here = {(char *)dst + done, len - done};
        struct iovec there = {(void *)(uintptr_t)(addr + done), len - done};
        const ssize_t n = process_vm_readv(q->pid, &here, 1, &there, 1, 0);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        FLOC_ERROR(FLOC_LOG_API, "reading a %zu-byte message from locality %d: %s", len,
                   q->world, n < 0 ? strerror(errno) : "nothing read");
        return n < 0 && errno == ESRCH ? FLOC_ERR_PEER_LOST : FLOC_ERR_SYSTEM;
    }
    return 0;
}

void floc_local_truncated(const incoming_t *m, size_t cap)
{
    FLOC_WARN(FLOC_LOG_API, "message of %zu bytes from locality %d (tag %d) truncated to the "
              "%zu-byte receive buffer (%zu bytes more)", m->len, m->source, m->tag, cap,
              m->len - cap);
}

/* m's bytes are in place (or failed with status): complete the receive */
void floc_local_recv_done(floc_ctx_t *w, floc_request_t *r, const incoming_t *m, int status)
{
    local_req_t *lr = lreq(r);
    if (!status && m->len > lr->len) {
        floc_local_truncated(m, lr->len);
        status = FLOC_ERR_TRUNCATED;
    }
    lr->state = RECV_DONE;
    r->msg = (floc_msg_status_t){.source = m->source, .tag = m->tag, .len = m->len};
    floc_req_op_done(w, r, status);
}

int floc_local_fetch(floc_p2p_t *pp, const incoming_t *m, void *buf, size_t cap)
{
    peer_t *q = &pp->peers[pp->local_of[m->source]];
    const int status = cma_read(q, buf, m->addr, m->len < cap ? m->len : cap);
    send_fin(pp, q, (fin_body_t){m->cookie, status});
    return status;
}

/* a rendezvous matched: read it, answer its sender, complete the receive */
static void rendezvous(floc_ctx_t *w, floc_p2p_t *pp, floc_request_t *r, const incoming_t *m)
{
    floc_local_recv_done(w, r, m, floc_local_fetch(pp, m, lreq(r)->buf, lreq(r)->len));
}

/* a credit of k eager cells back to q's sender */
void floc_local_credit_back(peer_t *q, unsigned k)
{
    q->credit += k;
    atomic_store_explicit(&q->in->credit.v, q->credit, memory_order_release);
}

/* h joins the unexpected list */
void floc_local_hold(floc_p2p_t *pp, held_t *h)
{
    match_list_t *l = list_of(pp, h->cid);
    h->next = NULL;
    if (l->unexp_tail)
        l->unexp_tail->next = h;
    else
        l->unexp = h;
    l->unexp_tail = h;
    pp->peers[pp->local_of[h->source]].held++;
}

/* the message at q's ring tail (cell c) */
static void incoming_cell(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q, const floc_node_cell_t *c)
{
    incoming_t m = {.kind = c->kind, .source = q->world, .tag = (int)c->tag, .cid = c->cid};
    unsigned k = 1;
    if (m.kind == CELL_EAGER) {
        m.len = c->len;
        k = cells_for(m.len);
    } else {
        rts_body_t b;
        memcpy(&b, c->data, sizeof b);
        m.len = (size_t)b.len;
        m.addr = b.addr;
        m.cookie = b.cookie;
    }
    const floc_node_cell_t *cells = floc_node_cells(q->in);
    floc_request_t *r = floc_local_find_posted(pp, &m);
    held_t *h = NULL;
    /* kept here: unexpected, or claimed by a receive posted on the
     * fabric too (its fabric half is being withdrawn, local.c) */
    if (!r || lreq(r)->twin) {
        h = malloc(sizeof *h + (m.kind == CELL_EAGER ? m.len : 0));
        if (!h)
            return;   /* left in the ring: tried again at the next progress */
        *h = (held_t){.kind = m.kind, .source = m.source, .tag = m.tag, .cid = m.cid,
                      .len = m.len, .addr = m.addr, .cookie = m.cookie};
    }
    if (r)
        floc_local_unlink_posted(pp, r);
    if (r && lreq(r)->twin) {
        floc_local_claim(pp, r, h);
        r = NULL;
    }
    if (m.kind == CELL_EAGER) {
        if (r) {
            const size_t cap = lreq(r)->len;
            payload_get(pp, cells, q->tail, lreq(r)->buf, m.len < cap ? m.len : cap);
        } else {
            payload_get(pp, cells, q->tail, h->data, m.len);
        }
    }
    q->tail += k;
    atomic_store_explicit(&q->in->taken.v, q->tail, memory_order_release);
    if (h) {
        if (!q->frozen)
            floc_local_hold(pp, h);
        return;
    }
    if (m.kind == CELL_EAGER) {
        floc_local_credit_back(q, k);
        floc_local_recv_done(w, r, &m, 0);
    } else {
        rendezvous(w, pp, r, &m);
    }
}

/* a FIN from q: its receiver has read one of our rendezvous sends */
static void fin_cell(floc_ctx_t *w, peer_t *q, const floc_node_cell_t *c)
{
    fin_body_t b;
    memcpy(&b, c->data, sizeof b);
    for (floc_request_t **link = &q->rts; *link; link = &(*link)->next) {
        floc_request_t *r = *link;
        if ((uint64_t)(uintptr_t)r != b.cookie)
            continue;
        *link = r->next;
        r->next = NULL;
        /* the receiver's failure to read is its own to report */
        floc_req_op_done(w, r, 0);
        return;
    }
    FLOC_WARN(FLOC_LOG_API, "an answer from locality %d to no send of ours", q->world);
}

/* is a receive posted that could take a message of cid from source? */
static int wanted(floc_p2p_t *pp, uint32_t cid, int source)
{
    for (floc_request_t *r = list_of(pp, cid)->posted; r; r = r->next) {
        const local_req_t *lr = lreq(r);
        if (lr->cid == cid && (lr->peer == FLOC_ANY_SOURCE || lr->peer == source))
            return 1;
    }
    return 0;
}

int floc_local_drain(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q)
{
    int events = 0;
    floc_node_cell_t *cells = floc_node_cells(q->in);
    for (;;) {
        floc_node_cell_t *c = &cells[pp->cells + (q->ctl_tail & (pp->ctl_cells - 1))];
        if (atomic_load_explicit(&c->seq, memory_order_acquire) != (uint32_t)(q->ctl_tail + 1))
            break;
        fin_cell(w, q, c);
        q->ctl_tail++;
        atomic_store_explicit(&q->in->ctl_taken.v, q->ctl_tail, memory_order_release);
        events++;
    }
    while (!q->frozen) {
        const floc_node_cell_t *c = &cells[q->tail & pp->mask];
        if (atomic_load_explicit(&c->seq, memory_order_acquire) != (uint32_t)(q->tail + 1))
            break;
        if (q->held >= HELD_MAX && !pp->probing && !wanted(pp, c->cid, q->world))
            break;   /* held enough of its: it waits in the ring */
        const uint64_t before = q->tail;
        incoming_cell(w, pp, q, c);
        if (q->tail == before)
            break;   /* no memory to hold it: later */
        events++;
    }
    return events;
}

