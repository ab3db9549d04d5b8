/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local.h - the node message path's state, shared by its two halves.
 * Internal to src/p2p.
 *
 *   local.c       the calls, matching of receives against held messages,
 *                 messages to oneself, losses, the progress hook, life
 *   local_wire.c  the rings: cells in and out, eager and rendezvous
 *                 sends, answers, matching of arriving messages
 *   local_any.c   receives from anyone in a job of several nodes
 *
 * The protocol is described at the top of local.c and in docs/p2p.md.
 */
#ifndef FLOC_P2P_LOCAL_H
#define FLOC_P2P_LOCAL_H

#include <sys/types.h>

#include "../core/ctx.h"
#include "../fabric/fabric.h"
#include "../node/node.h"
#include "p2p.h"

#define HELD_MAX 256          /* a sender's messages held unexpected before its ring waits */

enum { CELL_EAGER = 1, CELL_RTS = 2, CELL_FIN = 3, HELD_SELF = 4 };

typedef struct rts_body {
    uint64_t addr, len, cookie;
} rts_body_t;

typedef struct fin_body {
    uint64_t cookie;
    int32_t status;
} fin_body_t;

_Static_assert(sizeof(rts_body_t) <= FLOC_NODE_CELL_DATA, "a rendezvous is one cell");

/* RECV_MATCHED: a receive that found its rendezvous message held; it is
 * read at the next progress (local.c, "fetches") */
enum { SEND_QUEUED = 1, SEND_RTS, RECV_POSTED, RECV_MATCHED, RECV_DONE };

/* a request's part for this path (its extension, the fabric's room) */
typedef struct local_req {
    int state;
    int peer;                 /* world id; a receive: or FLOC_ANY_SOURCE */
    int tag;                  /* a receive: or FLOC_ANY_TAG */
    uint32_t cid;
    void *buf;
    size_t len;               /* a send: its length; a receive: its capacity */
    /* a receive from FLOC_ANY_SOURCE in a job of several nodes: this
     * request is the node half of the user's fabric receive `twin`
     * (local.c, "Receives from anyone") */
    floc_request_t *twin;
    /* the node message it took and has not read: until the twin is
     * withdrawn, or (RECV_MATCHED) until the next progress reads it */
    struct held *claimed;
    floc_request_t *twin_next;
} local_req_t;

_Static_assert(sizeof(local_req_t) <= FLOC_FABRIC_REQ_EXT, "fits the requests' extension");

/* a message that came before its receive */
typedef struct held {
    struct held *next;
    int kind;                 /* CELL_EAGER (data below), CELL_RTS, HELD_SELF */
    int source, tag;
    uint32_t cid;
    size_t len;
    uint64_t addr, cookie;    /* a rendezvous: the sender's buffer and request */
    floc_request_t *self;     /* HELD_SELF: the send waiting for its receive */
    unsigned char data[];
} held_t;

/* a FIN that found the control ring full */
typedef struct fin_wait {
    struct fin_wait *next;
    fin_body_t body;
} fin_wait_t;

typedef struct peer {
    int world;                /* its locality id */
    pid_t pid;
    int lost;                 /* its loss handled */
    /* sending to it */
    floc_node_queue_t *out;
    uint64_t head, seen_taken, eager_sent, seen_credit, ctl_head, ctl_seen;
    floc_request_t *queued, *queued_tail;  /* sends waiting for room, in order */
    floc_request_t *rts;                   /* rendezvous sends waiting for their FIN */
    fin_wait_t *fins, *fins_tail;
    /* receiving from it */
    floc_node_queue_t *in;
    uint64_t tail, ctl_tail, credit;
    int held;                 /* its messages in the unexpected lists */
    int frozen;               /* its messages claimed by a receive being withdrawn from the
                                 fabric: none of its later ones is taken until that ends */
} peer_t;

/* posted receives in the order posted, unexpected messages in the order
 * they came: the matching of some context ids */
typedef struct match_list {
    floc_request_t *posted, *posted_tail;
    held_t *unexp, *unexp_tail;
} match_list_t;
#define MATCH_LISTS 8

struct floc_p2p {
    floc_ctx_t *world;
    const int *local_of;      /* world id -> slot on this node, -1 elsewhere */
    int me, p;
    int all;                  /* every locality of the job is on this node */
    unsigned cells, mask;     /* data cells per ring */
    unsigned ctl_cells;       /* control cells per ring: a quarter of that (after the data) */
    size_t eager_max;
    uint64_t credit_cells;
    peer_t *peers;            /* by slot (this locality's own: its messages to itself) */
    /* posted receives and unexpected messages, a pair of lists per few
     * context ids (a message only ever matches in its own: the actions'
     * 16 mailbox receives are not in the way of a user's) */
    match_list_t lists[MATCH_LISTS];
    int probing;              /* probes waiting: drain whatever is held */
    /* receives matched to held rendezvous messages, to read at the next
     * progress, in the order matched (linked by next) */
    floc_request_t *fetches, *fetches_tail;
    floc_request_t *twins;    /* node halves of receives from anyone (twin_next) */
};

/* floc_local_reaches' rule, inline for the public calls (msg.c): every
 * message they carry asks it once */
static inline int floc_local_reaches_inline(const floc_ctx_t *ctx, int peer)
{
    const floc_p2p_t *pp = ctx->world->p2p;
    if (!pp)
        return 0;
    return peer == FLOC_ANY_SOURCE ? pp->all : pp->local_of[peer] >= 0;
}

/* a receive of a public call (msg.c): the caller checked the arguments */
static inline int floc_local_recv(floc_ctx_t *ctx, void *buf, size_t len, int from, int tag,
                                  floc_msg_status_t *status, floc_request_t **out)
{
    floc_ctx_lock(ctx);
    int ret = floc_local_irecv_locked(ctx, ctx->cid, buf, len, from, tag, status, out);
    floc_ctx_unlock(ctx);
    return ret;
}

/* take req off a list linked by `next` (head, tail): 1 if it was on it */
static inline int floc_local_unlink(floc_request_t **head, floc_request_t **tail,
                                    floc_request_t *req)
{
    for (floc_request_t **link = head, *prev = NULL; *link; prev = *link, link = &(*link)->next) {
        if (*link != req)
            continue;
        *link = req->next;
        if (*tail == req)
            *tail = prev;
        req->next = NULL;
        return 1;
    }
    return 0;
}

/* req joins the end of a list linked by `next` (head, tail) */
static inline void floc_local_append(floc_request_t **head, floc_request_t **tail,
                                     floc_request_t *req)
{
    req->next = NULL;
    if (*tail)
        (*tail)->next = req;
    else
        *head = req;
    *tail = req;
}

/* the lists of context id cid: the actions' apart, teams' spread */
static inline match_list_t *list_of(floc_p2p_t *pp, uint32_t cid)
{
    return &pp->lists[cid == FLOC_CID_ACTIONS ? MATCH_LISTS - 1 : cid % (MATCH_LISTS - 1)];
}

static inline local_req_t *lreq(floc_request_t *req)
{
    return (local_req_t *)floc_req_ext(req);
}

static inline unsigned cells_for(size_t len)
{
    return len <= FLOC_NODE_CELL_DATA
               ? 1
               : 1 + (unsigned)((len - FLOC_NODE_CELL_DATA + FLOC_NODE_CONT_DATA - 1) /
                                FLOC_NODE_CONT_DATA);
}

typedef struct incoming {
    int kind, source, tag;
    uint32_t cid;
    size_t len;
    uint64_t addr, cookie;
} incoming_t;

/* local_wire.c */
/* Put a message into q's ring: 1 sent and complete (eager), 2 sent as a
 * rendezvous (req now waits for its FIN), 0 not now (no room; or it must
 * go as a rendezvous and there is no request to wait with). */
int floc_local_try_send(floc_p2p_t *pp, peer_t *q, const void *buf, size_t len, int tag,
                        uint32_t cid, floc_request_t *req);
/* what waits for room in q's rings; the events handled */
int floc_local_flush_fins(floc_p2p_t *pp, peer_t *q);
int floc_local_flush_queued(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q);
/* q's answers, then its messages (as far as the credit rule lets) */
int floc_local_drain(floc_ctx_t *w, floc_p2p_t *pp, peer_t *q);
int floc_local_matches(const local_req_t *lr, const incoming_t *m);
/* a receive joins the end of its posted list */
void floc_local_post(floc_p2p_t *pp, floc_request_t *req);
floc_request_t *floc_local_find_posted(floc_p2p_t *pp, const incoming_t *m);
floc_request_t *floc_local_take_posted(floc_p2p_t *pp, const incoming_t *m);
void floc_local_unlink_posted(floc_p2p_t *pp, floc_request_t *req);
void floc_local_recv_done(floc_ctx_t *w, floc_request_t *r, const incoming_t *m, int status);
/* a rendezvous message's data into [buf, buf + cap), its sender answered:
 * 0 or the read's error */
int floc_local_fetch(floc_p2p_t *pp, const incoming_t *m, void *buf, size_t cap);
void floc_local_truncated(const incoming_t *m, size_t cap);
/* local.c: a request of this path (pending, its part filled in) */
floc_request_t *floc_local_new_req(floc_ctx_t *ctx, int state, void *buf, size_t len, int peer,
                                   int tag, uint32_t cid);
void floc_local_describe(floc_request_t *req, char *buf, size_t len);
/* a held message's data into [buf, buf + cap), its sender's side of it
 * completed (credit back, the FIN of a rendezvous, a send to itself); h
 * is freed, *m says what it was: 0, or the error reading it */
int floc_local_take_held(floc_ctx_t *w, floc_p2p_t *pp, held_t *h, void *buf, size_t cap,
                         incoming_t *m);
/* the first held message a receive (or probe) like lr takes, off its list
 * if take */
held_t *floc_local_find_held(floc_p2p_t *pp, const local_req_t *lr, int take);

/* local_any.c: node half r of a receive from anyone took message h from
 * its sender's ring (r is off the posted list): withdraw the fabric half */
void floc_local_claim(floc_p2p_t *pp, floc_request_t *r, held_t *h);
/* the receives from anyone whose fabric half is done: the events */
int floc_local_twins_progress(floc_ctx_t *w, floc_p2p_t *pp);
void floc_local_credit_back(peer_t *q, unsigned k);
void floc_local_hold(floc_p2p_t *pp, held_t *h);

#endif
