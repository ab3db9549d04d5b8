/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * credit.c - floc's credit for user messages through the fabric.
 *
 * Why: a provider keeps every message that arrives before its receive,
 * and tcp;ofi_rxm keeps a 16 KiB buffer for each: 1,000,000 unmatched
 * 8-byte messages grew a receiver by 15.2 GiB.  So, as on the node path
 * (src/p2p/local_wire.c), a sender may have at most FLOC_MSG_CREDIT user
 * messages (an eager message, or the header of a long one) that the
 * receiver's receives have not yet taken.  The receiver counts the ones
 * its receives take per sender and gives them back in batches of half the
 * credit, by a 4-byte message of floc's own (FLOC_TAG_CREDIT, injected on
 * the main endpoint).  A sender out of credit for a locality holds its
 * later user messages to it, in order, on a list of its own: a
 * nonblocking send returns with its request pending, a blocking one
 * waits driving progress (as MPI allows a standard send to), and floc's
 * own traffic to that locality (collectives, actions, RMA) goes on past
 * them.  Credit arrives through a standing receive of floc's own, posted
 * at open and again after each arrival.
 *
 * Held messages must not block a receive that wants a later one (MPI
 * lets a receive of tag B take a message sent after unreceived ones of
 * tag A): a sender that starts holding tells the receiver (a credit
 * message of 0), and a receiver whose user receives have waited
 * LEND_AFTER without taking anything lends another half of the credit
 * to each stalled sender that one of those receives names (or to all of
 * them, for a receive from any source), taken back from the next
 * messages its receives take.  Only then do more messages pile up than
 * the credit: as on the node path (docs/p2p.md), while a receive waits
 * that they do not match.  (A loan to a sender no waiting receive names
 * would only fill the receiver with messages it does not want yet: on
 * shm, whose pool is bounded, that hung 8 localities sending to one
 * that took them sender by sender.)
 *
 * Bounds: per ordered pair, FLOC_MSG_CREDIT messages held by the
 * receiver's provider unless lent more, and a few credit messages in
 * flight.  A long message's data parts follow its header at once, so its
 * bytes are held as well (one part per 64 MiB).
 */
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include "../core/ctx.h"
#include "fabric.h"

/* standing receives for credit messages (one: each in the provider's list of
 * posted receives is scanned by every arriving message; a credit message
 * that finds none waits as an unexpected one, a few per peer at most) */
#define CREDIT_RX 1
/* seconds a user receive waits, nothing taken, before stalled senders get a loan */
#define LEND_AFTER 0.001

struct floc_credit {
    uint32_t full;               /* credit per pair (FLOC_MSG_CREDIT) */
    uint32_t *left;              /* per destination: messages that may still go */
    uint32_t *owed;              /* per source: taken by receives, not yet given back */
    floc_request_t **held_head;  /* per destination: sends waiting for credit, in order */
    floc_request_t **held_tail;
    uint32_t *lent;              /* per source: credit lent beyond the bound, not yet taken back */
    uint8_t *stalled;            /* per source: it said it holds messages for want of credit */
    uint32_t *want;              /* per source: user receives waiting that name it */
    uint32_t want_any;           /* user receives waiting from any source */
    uint8_t *tell;               /* per destination: "stalled" not yet sent (provider busy) */
    int nstalled;                /* sources with stalled set */
    int give_back;               /* some owed credit is waiting for the provider */
    int telling;                 /* some tell is set */
    int repost;                  /* a standing receive completed */
    unsigned posted;             /* user receives posted since a receive last took a message */
    double posted_at;            /* when the first of them was (or the last loan) */
    floc_request_t *rx[CREDIT_RX];
};

/*
 * libfabric's shm keeps the messages that arrive before their receives in
 * the entries of its receive queue, one pool for every sender; with none
 * left it stops reading its command queue, so a receive that wants a
 * message queued behind waits for ever (8 localities, 7 sending 256
 * each to one that took them sender by sender: 1792 > 1024 entries, a
 * hang).  So on shm the senders' credit together fits the pool, a
 * quarter of it left for floc's own messages.  Loans (below) may still
 * pass it: a receive that wants a message behind more unreceived ones
 * than the pool holds cannot get it through shm (the node path holds any
 * number: docs/p2p.md).
 */
static uint32_t pool_share(const floc_fabric_t *f, size_t p, uint32_t full)
{
    if (p < 2 || strcmp(f->prov_name, "shm") != 0)
        return full;
    const size_t pool = f->fi.info->rx_attr->size;
    const size_t share = (pool - pool / 4) / (p - 1);
    if (share >= full)
        return full;
    FLOC_INFO(FLOC_LOG_FABRIC, "credit %zu messages a pair, not %u: %zu localities share shm's "
              "%zu-entry receive queue", share ? share : 1, full, p, pool);
    return share ? (uint32_t)share : 1;
}

/* (again) a standing receive; its op and buffer descriptor are set once */
static int post_rx(floc_ctx_t *ctx, floc_request_t *req)
{
    req->status = 0;
    return floc_fabric_submit(ctx, req);
}

int floc_credit_open(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    uint32_t full = (uint32_t)ctx->cfg.msg_credit;
    if (!full)
        return 0;   /* FLOC_MSG_CREDIT=0: the provider's own bounds only */
    if (f->inject_size < sizeof(uint32_t)) {
        FLOC_WARN(FLOC_LOG_FABRIC, "provider %s injects no %zu-byte messages: no credit for "
                  "user messages (a receiver's provider holds what senders send ahead)",
                  f->prov_name, sizeof(uint32_t));
        return 0;
    }
    floc_credit_t *c = f->credit = calloc(1, sizeof *c);
    if (!c)
        return FLOC_ERR_NOMEM;
    const size_t p = (size_t)ctx->size;
    c->full = full = pool_share(f, p, full);
    c->left = malloc(p * sizeof *c->left);
    c->owed = calloc(p, sizeof *c->owed);
    c->held_head = calloc(p, sizeof *c->held_head);
    c->held_tail = calloc(p, sizeof *c->held_tail);
    c->lent = calloc(p, sizeof *c->lent);
    c->stalled = calloc(p, sizeof *c->stalled);
    c->tell = calloc(p, sizeof *c->tell);
    c->want = calloc(p, sizeof *c->want);
    if (!c->left || !c->owed || !c->held_head || !c->held_tail || !c->lent || !c->stalled ||
        !c->tell || !c->want)
        return FLOC_ERR_NOMEM;
    for (size_t r = 0; r < p; r++)
        c->left[r] = full;
    for (int i = 0; i < CREDIT_RX; i++) {
        floc_request_t *req = floc_req_alloc(ctx, NULL);
        if (!req)
            return FLOC_ERR_NOMEM;
        ctx->reqs.live--;   /* floc's own, never the user's */
        req->magic = FLOC_REQ_PART;
        req->describe = floc_fabric_describe;
        req->fini = floc_fab_req_fini;
        c->rx[i] = req;
        floc_fab_req_t *fr = floc_fab_req(req);
        fr->msg = FLOC_MSG_CREDIT;
        if (!(fr->bounce = floc_tagged_bounce_get(ctx)))
            return FLOC_ERR_NOMEM;
        fr->op = (floc_fab_op_t){.kind = FLOC_OP_RECV, .buf = fr->bounce,
                                 .len = sizeof(uint32_t), .addr = FI_ADDR_UNSPEC,
                                 .tag = FLOC_TAG_CREDIT};
        int ret = floc_fab_local_desc(ctx, req, 0, fr->bounce, sizeof(uint32_t), FI_RECV);
        if (!ret)
            ret = post_rx(ctx, req);
        if (ret)
            return ret;
    }
    return 0;
}

/* after the endpoints are closed: nothing lands in the receives any more */
void floc_credit_close(floc_ctx_t *ctx)
{
    floc_credit_t *c = ctx->fab->credit;
    if (!c)
        return;
    for (int i = 0; i < CREDIT_RX; i++)
        if (c->rx[i])
            floc_req_release(ctx, c->rx[i]);
    free(c->left);
    free(c->owed);
    free(c->held_head);
    free(c->held_tail);
    free(c->lent);
    free(c->stalled);
    free(c->tell);
    free(c->want);
    free(c);
    ctx->fab->credit = NULL;
}

int floc_credit_ready(const floc_ctx_t *ctx, int dest)
{
    const floc_credit_t *c = ctx->fab->credit;
    return !c || (c->left[dest] && !c->held_head[dest]);
}

void floc_credit_spend(floc_ctx_t *ctx, int dest)
{
    floc_credit_t *c = ctx->fab->credit;
    if (c)
        c->left[dest]--;
}

/* one credit message: n > 0 credit for dest, 0 "I am stalled" (1 sent,
 * or it never will be; 0 the provider is busy) */
static int send_credit(floc_ctx_t *ctx, int dest, uint32_t n)
{
    floc_fabric_t *f = ctx->fab;
    ssize_t r = fi_tinjectdata(f->fi.ep, &n, sizeof n, (uint64_t)ctx->rank, f->addrs[dest],
                               FLOC_TAG_CREDIT);
    if (r == -FI_EAGAIN)
        return 0;
    if (r)   /* the peer is gone, most likely: its messages do not matter any more */
        FLOC_DEBUG(FLOC_LOG_FABRIC, "credit message to locality %d: %s", dest,
                   fi_strerror((int)-r));
    return 1;
}

/* req->cancel of a held send (floc_cancel, or a blocking send giving up
 * after FLOC_ERR_TIMEOUT): off the list, complete with FLOC_ERR_CANCELED,
 * and nothing is ever sent from its buffer.  Sent already: nothing to do
 * (it completes as it would have).  Caller holds the lock. */
static int held_cancel(floc_request_t *req)
{
    floc_ctx_t *ctx = req->ctx;
    floc_credit_t *c = ctx->fab->credit;
    const int dest = floc_fab_req(req)->source;
    for (floc_request_t **link = &c->held_head[dest], *prev = NULL; *link;
         prev = *link, link = &(*link)->next) {
        if (*link != req)
            continue;
        *link = req->next;
        if (c->held_tail[dest] == req)
            c->held_tail[dest] = prev;
        req->next = NULL;
        floc_req_op_done(ctx, req, FLOC_ERR_CANCELED);
        return 0;
    }
    return 0;
}

void floc_credit_hold(floc_ctx_t *ctx, int dest, floc_request_t *req)
{
    floc_credit_t *c = ctx->fab->credit;
    req->pending++;   /* until it is sent */
    req->cancel = held_cancel;
    req->next = NULL;
    if (c->held_tail[dest]) {
        c->held_tail[dest]->next = req;
    } else {
        c->held_head[dest] = req;
        FLOC_DEBUG(FLOC_LOG_FABRIC, "no credit for a message to locality %d: held until its "
                   "receives take older ones", dest);
        if (!send_credit(ctx, dest, 0))
            c->tell[dest] = 1, c->telling = 1;
    }
    c->held_tail[dest] = req;
}

/* the least owed worth a message */
static uint32_t batch(const floc_credit_t *c)
{
    return c->full / 2 ? c->full / 2 : 1;
}

/* give source back what this locality's receives took (0: try later) */
static int give_back(floc_ctx_t *ctx, int source)
{
    floc_credit_t *c = ctx->fab->credit;
    if (!send_credit(ctx, source, c->owed[source]))
        return 0;
    c->owed[source] = 0;
    if (c->stalled[source])   /* this unstalls it */
        c->stalled[source] = 0, c->nstalled--;
    return 1;
}

void floc_credit_posted(floc_ctx_t *ctx, floc_request_t *req, int source)
{
    floc_credit_t *c = ctx->fab->credit;
    if (!c)
        return;
    if (!c->posted++)
        c->posted_at = floc_now();
    floc_fab_req_t *fr = floc_fab_req(req);
    if (source == FLOC_ANY_SOURCE)
        c->want_any++;
    else if (source >= 0 && source < ctx->size)
        c->want[source]++;
    else
        return;
    fr->wanted = 1;
    fr->wants = source;
}

void floc_credit_unwant(floc_ctx_t *ctx, floc_request_t *req)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    floc_credit_t *c = ctx && ctx->fab ? ctx->fab->credit : NULL;
    if (!fr->wanted)
        return;
    fr->wanted = 0;
    if (!c)
        return;
    if (fr->wants == FLOC_ANY_SOURCE)
        c->want_any--;
    else
        c->want[fr->wants]--;
}

void floc_credit_received(floc_ctx_t *ctx, floc_request_t *req, int source)
{
    floc_credit_t *c = ctx->fab->credit;
    floc_credit_unwant(ctx, req);
    if (!c || source < 0 || source >= ctx->size)
        return;
    c->posted = 0;
    if (c->lent[source]) {
        c->lent[source]--;   /* a loan comes back first */
        return;
    }
    if (++c->owed[source] >= batch(c) && !give_back(ctx, source))
        c->give_back = 1;
}

int floc_credit_arrived(floc_ctx_t *ctx, floc_request_t *req, size_t len, uint64_t data)
{
    floc_credit_t *c = ctx->fab->credit;
    const int from = (int)(data & ~(uint64_t)FLOC_CQ_HEADER);
    uint32_t n;
    c->repost = 1;
    if (len != sizeof n || from < 0 || from >= ctx->size) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "a credit message of %zu bytes from locality %d", len, from);
        return 0;
    }
    memcpy(&n, floc_fab_req(req)->bounce, sizeof n);
    if (!n) {
        if (!c->stalled[from])
            c->stalled[from] = 1, c->nstalled++;
        return 0;
    }
    c->left[from] += n;
    /* what waited for it goes now, in order */
    while (c->left[from] && c->held_head[from]) {
        floc_request_t *h = c->held_head[from];
        if (!(c->held_head[from] = h->next))
            c->held_tail[from] = NULL;
        h->next = NULL;
        h->cancel = NULL;   /* a send on its way: the fabric's (nothing to cancel) */
        c->left[from]--;
        floc_req_op_done(ctx, h, floc_tagged_send_held(ctx, h));
    }
    if (c->held_head[from] && !send_credit(ctx, from, 0))   /* still stalled: say so again */
        c->tell[from] = 1, c->telling = 1;
    return 0;
}

void floc_credit_repost_later(floc_ctx_t *ctx)
{
    if (ctx->fab->credit)
        ctx->fab->credit->repost = 1;
}

/* receives wait, nothing arrives, senders are stalled: lend credit to
 * those the waiting receives name */
static void lend(floc_ctx_t *ctx, floc_credit_t *c)
{
    for (int r = 0; r < ctx->size && c->nstalled; r++)
        if (c->stalled[r] && (c->want[r] || c->want_any) && send_credit(ctx, r, batch(c))) {
            FLOC_DEBUG(FLOC_LOG_FABRIC, "a receive waits: %u more messages lent to locality %d",
                       batch(c), r);
            c->lent[r] += batch(c);
            c->stalled[r] = 0;
            c->nstalled--;
        }
}

int floc_credit_progress(floc_ctx_t *ctx)
{
    floc_credit_t *c = ctx->fab->credit;
    if (!c || !(c->give_back | c->repost | c->telling | (c->nstalled && c->posted)))
        return 0;
    int ret = 0;
    if (c->repost) {
        c->repost = 0;
        for (int i = 0; i < CREDIT_RX && !ret; i++)
            if (!c->rx[i]->pending)
                ret = post_rx(ctx, c->rx[i]);
    }
    if (c->give_back) {
        c->give_back = 0;
        for (int r = 0; r < ctx->size; r++)
            if (c->owed[r] >= batch(c) && !give_back(ctx, r))
                c->give_back = 1;
    }
    if (c->telling) {
        c->telling = 0;
        for (int r = 0; r < ctx->size; r++)
            if (c->tell[r] && (c->tell[r] = !send_credit(ctx, r, 0)))
                c->telling = 1;
    }
    if (c->nstalled && c->posted) {
        const double now = floc_now();
        if (now - c->posted_at > LEND_AFTER) {
            lend(ctx, c);
            c->posted_at = now;
        }
    }
    return ret;
}
