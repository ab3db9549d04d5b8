/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fabric.h - floc's libfabric layer: one RDM endpoint per context, an
 * address vector indexed by locality id, one completion queue, memory
 * registration with a cache, RMA, atomics and tagged messages, and the
 * heartbeats that find lost peers.  Internal.
 *
 * Every operation is posted with a request (core/request.h) whose
 * extension is a floc_fab_req_t: libfabric's context comes first in it,
 * so a completion leads back to its request.  The fabric's progress hook
 * (registered by floc_fabric_open) drains the completion queues and
 * credits each completion to its request.
 */
#ifndef FLOC_FABRIC_H
#define FLOC_FABRIC_H

#include <stddef.h>
#include <stdint.h>

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_eq.h>

#include "floc.h"
#include "../core/request.h"

/* A fabric operation as posted: kept in the request so that an op the
 * provider refuses for now (-FI_EAGAIN) can wait in the backlog. */
typedef enum {
    FLOC_OP_NONE = 0,
    FLOC_OP_SEND,      /* fi_tsenddata */
    FLOC_OP_RECV,      /* fi_trecv */
    FLOC_OP_WRITE,     /* fi_writemsg */
    FLOC_OP_READ,      /* fi_readmsg */
    FLOC_OP_FETCH_ADD  /* fi_fetch_atomic, uint64 sum */
} floc_op_kind_t;

typedef struct floc_fab_op {
    floc_op_kind_t kind;
    void *buf;           /* local buffer (FETCH_ADD: operand, result at buf+8) */
    size_t len;
    void *desc[2];
    fi_addr_t addr;
    int rail;            /* 1: the node rail (below) */
    uint64_t tag;        /* SEND/RECV */
    uint64_t data;       /* SEND: remote CQ data */
    uint64_t raddr, rkey;/* RMA */
    uint64_t flags;      /* WRITE/READ */
} floc_fab_op_t;

struct floc_mr_entry;

/* The fabric's part of a request (its extension, request.h). */
typedef struct floc_fab_req {
    struct fi_context2 fictx;         /* first: the op context libfabric hands back */
    struct floc_mr_entry *mr_entry[2];/* cached registrations of the local buffers */
    floc_fab_op_t op;                 /* the op, for (re)posting */
    /* tagged receives (tagged.c): where the message is wanted, and what
     * the protocol keeps while its parts arrive */
    unsigned msg;                     /* FLOC_MSG_* below, 0: not a message receive */
    void *ubuf;                       /* the receiver's buffer ... */
    size_t ucap;                      /* ... and its capacity */
    unsigned char *bounce;            /* a bounce buffer (capacity below the eager size) */
    unsigned char *drain;             /* truncation: where the bytes past ucap land */
    uint64_t next, end;               /* truncation: next byte to drain, message length */
    uint64_t bulk_tag;                /* the tag of the message's data parts */
    int source;
    /* a user receive still waiting for its message (credit.c): the source
     * it names, FLOC_ANY_SOURCE for any */
    int wants, wanted;
} floc_fab_req_t;

enum {
    FLOC_MSG_RECV = 1,    /* a receive of the message protocol (tagged.c) */
    FLOC_MSG_DRAIN = 2,   /* a part of a truncated message, drained one at a time */
    FLOC_MSG_CREDIT = 3,  /* a standing receive of credit messages (credit.c) */
};

/* Room every request keeps for the fabric (floc_req_pool_init). */
#define FLOC_FABRIC_REQ_EXT sizeof(floc_fab_req_t)

static inline floc_fab_req_t *floc_fab_req(floc_request_t *req)
{
    return (floc_fab_req_t *)floc_req_ext(req);
}

typedef struct floc_mr_entry {
    uintptr_t base;
    size_t len;
    uint64_t access;
    struct fid_mr *mr;
    struct fid_mr *node_mr;  /* on the node rail (same key), NULL without one */
    unsigned refs;
    uint64_t last_use;
    int standalone;          /* not in the cache (it was full): freed on release */
} floc_mr_entry_t;

/* Registration cache: registrations of local buffers reused by address
 * range, least recently used evicted when full and unreferenced. */
typedef struct floc_mr_cache {
    floc_mr_entry_t *entries;
    size_t n, cap;
    uint64_t clock;
    uint64_t hits, misses;
} floc_mr_cache_t;

/* The libfabric objects behind one endpoint.  floc opens three kinds (the
 * main provider, the node rail, the liveness watcher) the same way. */
typedef struct floc_fi_set {
    struct fi_info *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_ep *ep;
    struct fid_av *av;
    struct fid_cq *cq;
} floc_fi_set_t;

/*
 * The node rail, in jobs of several nodes with several localities on
 * this one: a second provider (shm) to the localities of this node, so
 * that floc's own traffic with them (collectives, RMA, atomics) never
 * goes through the network stack.  User tagged messages stay on the main
 * provider: a receive from any locality must see every message, and one
 * provider keeps each pair's messages in order.  Its registrations carry
 * the main provider's key (requested keys), so one remote key serves both.
 */
typedef struct floc_node_rail {
    floc_fi_set_t fi;
    fi_addr_t *addrs;        /* per locality: FI_ADDR_NOTAVAIL off this node */
    int mr_local, mr_endpoint, has_atomic, virt_addr;
    size_t inject_size;
} floc_node_rail_t;

typedef struct floc_fabric {
    floc_fi_set_t fi;        /* the main provider's */
    fi_addr_t *addrs;        /* fi_addr of every locality */
    char prov_name[64];

    /* provider properties */
    int virt_addr;           /* FI_MR_VIRT_ADDR: RMA addresses are virtual, else offsets */
    int prov_key;            /* FI_MR_PROV_KEY: provider picks keys */
    int mr_local;            /* FI_MR_LOCAL: local buffers need descriptors */
    int mr_endpoint;         /* FI_MR_ENDPOINT: bind MRs to the endpoint */
    int has_atomic;
    size_t inject_size;
    uint64_t next_key;       /* requested keys when !prov_key */
    uint64_t rkey_salt;      /* FNV-1a of the job's namespace: remote key checks */

    /* implicit (floc_put) writes: flush waits for done == issued */
    uint64_t puts_issued, puts_done;
    int put_status;          /* first failure among them, reported by flush */
    size_t live_mems;        /* user registrations (floc_mem_t) not yet released */
    struct floc_mem *mems;   /* the live ones and floc_p2p_expose's, a list (src/p2p/mem.c) */

    /* the message protocol (tagged.c): the number of the next large
     * message to every locality, and the bounce buffers of receives
     * smaller than the eager size */
    uint32_t *send_seq;
    struct floc_bounce_slab *bounce_slabs;
    unsigned char *bounce_free;

    /* ops refused with -FI_EAGAIN, posted in order by progress */
    floc_request_t *backlog_head, *backlog_tail;

    floc_mr_cache_t cache;
    int cache_enabled;

    struct floc_credit *credit;  /* credit for user messages (credit.c), NULL when off */
    struct floc_liveness *live;  /* the heartbeat watcher (liveness.c), NULL when off */
    floc_node_rail_t *nrail;     /* NULL when there is none */
} floc_fabric_t;

/* The rail of floc's own traffic to a locality: 1 = the node rail. */
static inline int floc_fabric_rail(const floc_fabric_t *f, int peer)
{
    return f->nrail && f->nrail->addrs[peer] != FI_ADDR_NOTAVAIL;
}
static inline fi_addr_t floc_fabric_addr(const floc_fabric_t *f, int rail, int peer)
{
    return rail ? f->nrail->addrs[peer] : f->addrs[peer];
}
/* Does a local buffer need a descriptor on this rail? */
static inline int floc_fabric_mr_local(const floc_fabric_t *f, int rail)
{
    return rail ? f->nrail->mr_local : f->mr_local;
}
static inline void *floc_fabric_desc(const floc_mr_entry_t *e, int rail)
{
    return fi_mr_desc(rail ? e->node_mr : e->mr);
}

struct floc_ctx;

/* ep.c: getinfo, open, exchange addresses (collective), register the
 * progress hook; close is safe on a partial open */
int floc_fabric_open(struct floc_ctx *ctx);
void floc_fabric_close(struct floc_ctx *ctx);
/* The provider floc takes for a locality of a job of num_nodes nodes with
 * local_size localities on its node, under cfg (FLOC_PROVIDER) and
 * FI_PROVIDER; why (if not NULL) says why in a few words.  *chosen is the
 * caller's to fi_freeinfo.  (floc_fabric_open and floc-info.) */
struct floc_config;
int floc_fabric_pick(const struct floc_config *cfg, int num_nodes, int local_size,
                     struct fi_info **chosen, char *why, size_t why_len);
/* Map a libfabric return code (negative) to a FLOC_ERR_*, logging what. */
int floc_fabric_err(int fi_ret, const char *what);
/* Open set's fabric, domain, CQ (cq_format), AV (one entry per locality)
 * and enabled endpoint from set->info; what names it in errors. */
int floc_fi_set_open(struct floc_ctx *ctx, floc_fi_set_t *set, enum fi_cq_format cq_format,
                     const char *what);
/* Remove the shm files in /dev/shm of floc's localities that are gone
 * (killed, or ended without closing their endpoints), whichever job and
 * launcher they had; a file whose owner lives is never touched. */
void floc_shm_reap(void);
/* The entries of shm's queues floc opens it with (ep.c): its receive
 * queue is the bounded pool of messages that came before their receives
 * (credit.c, the collectives' run-ahead in coll.h).  The same at every
 * locality of a job. */
size_t floc_fabric_shm_queue(const struct floc_ctx *ctx);
/* Give an endpoint to be opened from info this name (FI_ADDR_STR: shm). */
int floc_fi_info_name(struct fi_info *info, const char *name);
/* The zero pages of shm endpoint `name`'s file given back (objects.c):
 * after the endpoint is enabled, before its address is published. */
void floc_shm_trim(const char *name);
/* Close the endpoint alone (no completion arrives after it) ... */
void floc_fi_set_close_ep(floc_fi_set_t *set, const char *what);
/* ... and everything (the endpoint too if still open); safe on a partial set. */
void floc_fi_set_close(floc_fi_set_t *set, const char *what);

/*
 * liveness.c: floc's own detection of lost peers (FLOC_PEER_TIMEOUT).
 * open: a small endpoint of its own (shm_name: its shm file name, NULL for
 * other providers), whose name goes to the peers with the main one; start:
 * wire the peers' names (stride bytes apart) and start the watcher thread;
 * close: stop it and free everything (safe on a partial open).
 */
typedef struct floc_liveness floc_liveness_t;
int floc_liveness_open(struct floc_ctx *ctx, const char *shm_name, void *name, size_t *namelen);
int floc_liveness_start(struct floc_ctx *ctx, const char *names, size_t stride);
void floc_liveness_close(struct floc_ctx *ctx);
/* A watcher message as it arrives from a peer of a job of size
 * localities: 0 and its fields when it is one, -1 for anything else. */
int floc_liveness_decode(const void *buf, size_t len, int size, uint32_t *kind, int *from,
                         int *rank);

/* progress.c: drain up to a batch of completions; >= 0 handled, < 0 error.
 * Caller holds the context lock.  (The progress hook calls it.) */
int floc_fabric_progress(struct floc_ctx *ctx);
/* Log what the fabric still has in flight (the hook's dump). */
void floc_fabric_dump(struct floc_ctx *ctx);
/* One line about req's op into buf (for a collective's dump). */
void floc_fabric_describe(floc_request_t *req, char *buf, size_t len);

/*
 * post.c: hand req->op to the provider.  An op the provider cannot take
 * now (-FI_EAGAIN: queues full, first contact) waits in the backlog, in
 * order, and progress posts it later: a nonblocking call never blocks,
 * and messages between a pair keep their order.  Returns 0 (posted or
 * queued) or an error (then nothing is pending).  Caller holds the lock.
 */
int floc_fabric_submit(struct floc_ctx *ctx, floc_request_t *req);
/* One attempt to post req's op: libfabric's return code (-FI_EAGAIN: later). */
ssize_t floc_fabric_post_once(struct floc_ctx *ctx, floc_request_t *req);
/* The order an op keeps in the backlog: per destination, one for all receives. */
uint64_t floc_fabric_order_key(floc_request_t *req);
/* Does an op of that order key wait in the backlog? */
int floc_fabric_backlog_has(const floc_fabric_t *f, uint64_t key);
/* Does an op to (or, for FI_ADDR_UNSPEC, a receive) still wait in the backlog? */
int floc_fabric_backlog_holds(struct floc_ctx *ctx, int rail, fi_addr_t addr);
/* Post what waits in the backlog; >= 0 ops posted, < 0 error. */
int floc_fabric_drain_backlog(struct floc_ctx *ctx);
/*
 * Blocking form for ops whose buffer is only borrowed during the call
 * (FI_INJECT writes and tinject): retry while driving progress.  0, a
 * FLOC_ERR_* on error, FLOC_ERR_PEER_LOST if a peer was lost meanwhile.
 */
int floc_fabric_post_now(struct floc_ctx *ctx, floc_request_t *req);

/* mr.c: register on the main provider and, with the same key, on the
 * node rail (*node_mr NULL without one); access is FI_* flags */
int floc_mr_reg(struct floc_ctx *ctx, void *buf, size_t len, uint64_t access,
                struct fid_mr **mr, struct fid_mr **node_mr);
void floc_mr_close(struct fid_mr *mr, struct fid_mr *node_mr);
/* Descriptor for a local buffer (NULL when the provider needs none).
 * *entry must be released with floc_mr_cache_release after the op completes. */
int floc_mr_cache_get(struct floc_ctx *ctx, const void *buf, size_t len, uint64_t access,
                      floc_mr_entry_t **entry);
void floc_mr_cache_release(struct floc_ctx *ctx, floc_mr_entry_t *entry);
void floc_mr_cache_fini(struct floc_ctx *ctx);
/* What a fabric request holds goes back with it: its registrations,
 * its bounce buffer, its drain (the request's fini). */
void floc_fab_req_fini(floc_request_t *req);
/* The descriptor of an op's local buffer (slot 0 or 1 of req's op) where
 * its rail needs one, from the cache; released with the request. */
int floc_fab_local_desc(struct floc_ctx *ctx, floc_request_t *req, int slot, const void *buf,
                        size_t len, uint64_t access);
/* Look up / insert only (exposed for unit tests of the cache policy). */
floc_mr_entry_t *floc_mr_cache_find(floc_mr_cache_t *c, uintptr_t base, size_t len,
                                    uint64_t access);

/*
 * What a peer needs to reach a registered buffer: its virtual address at
 * the owner, the start of the registration it lies in, and the key.  Each
 * rail turns them into its own remote address (virtual, or an offset into
 * the registration: tcp;ofi_rxm's mode).
 */
typedef struct floc_rwin {
    uint64_t addr, base, key;
} floc_rwin_t;

/*
 * rma.c, for floc's own one-sided traffic (collectives, partitioned
 * vectors), caller holds the lock.  floc_rma_expose: register buf (via
 * the cache) for remote reads (writable = 0) or writes; *win is what a
 * peer passes to floc_rma_post; release *entry with floc_mr_cache_release
 * when no peer will touch buf any more.  floc_rma_post: read (write = 0)
 * or write len bytes at offset of owner's window, unchecked (floc made the
 * key); *out completes when the data is in place at both ends.
 */
int floc_rma_expose(struct floc_ctx *ctx, const void *buf, size_t len, int writable,
                    floc_mr_entry_t **entry, floc_rwin_t *win);
int floc_rma_post(struct floc_ctx *ctx, int write, void *local, size_t len, int owner,
                  const floc_rwin_t *win, uint64_t offset, floc_request_t **out);
/* The same into a request of the caller's (a user's nonblocking access). */
int floc_rma_post_req(struct floc_ctx *ctx, int write, void *local, size_t len, int owner,
                      const floc_rwin_t *win, uint64_t offset, floc_request_t *req);
/* A small write whose source is copied at once (FI_INJECT), counted in
 * puts_issued / puts_done: floc_rma_flush_wait waits for it. */
int floc_rma_put_inject(struct floc_ctx *ctx, const void *src, size_t len, int owner,
                        const floc_rwin_t *win, uint64_t offset);
/* Wait until every injected write is complete at its target; then the
 * first failure among them (once), or the wait's error. */
int floc_rma_flush_wait(struct floc_ctx *ctx, double timeout);
/* Post a fetch-add of value on the uint64 at offset of owner's window
 * (always the main provider: atomics of two providers on one word need
 * not be atomic with each other); the result lands at buf[1], buf[0] is
 * the operand (buf lives with req: req->heap). */
int floc_rma_fetch_add_post(struct floc_ctx *ctx, uint64_t *buf, int owner, const floc_rwin_t *win,
                            uint64_t offset, floc_request_t *req);

/*
 * tagged.c: post a send (send = 1) or receive; the caller holds the
 * lock.  internal = 1 for floc's own traffic (collectives, control),
 * kept apart from user tags.  Caller has checked the arguments.
 *
 * The message protocol: a message up to FLOC_MSG_EAGER bytes travels as
 * one; a longer one as a header (its length) followed by its data in
 * parts of up to FLOC_MSG_CHUNK bytes, which the receiver posts exactly
 * once it knows the length.  So no provider ever sees a receive shorter
 * than its message beyond its inline size (libfabric 1.17's shm and
 * tcp;ofi_rxm hang both sides then), and a truncated message completes
 * both sides: the receiver gets FLOC_ERR_TRUNCATED with the true length,
 * its buffer holds the message's first bytes, the rest is drained.
 */
#define FLOC_MSG_EAGER 4096u
#define FLOC_MSG_CHUNK ((size_t)64 << 20)
int floc_tagged_post(struct floc_ctx *ctx, int send, void *buf, size_t len, int peer, int tag,
                     uint64_t space, floc_msg_status_t *status, floc_request_t **out);
/* The protocol's work on a receive completion of req (FLOC_MSG_*): the
 * status to credit the op with (it may post the message's parts first).
 * Caller holds the lock. */
int floc_tagged_completion(struct floc_ctx *ctx, floc_request_t *req, size_t len, uint64_t data);
/* The bounce buffers (tagged.c): taken by receives, given back by their
 * fini, all freed at close (after the endpoints). */
unsigned char *floc_tagged_bounce_get(struct floc_ctx *ctx);
void floc_tagged_bounce_put(struct floc_ctx *ctx, unsigned char *b);
/* Post a user send that waited for credit (credit.c calls it). */
int floc_tagged_send_held(struct floc_ctx *ctx, floc_request_t *req);
void floc_tagged_fini(struct floc_ctx *ctx);
/* A small user message copied by the provider at once (no completion):
 * 1 sent, 0 not now (too large, older messages to dest wait, queues
 * full), < 0 error.  Caller holds the lock. */
int floc_tagged_try_inject(struct floc_ctx *ctx, const void *buf, size_t len, int dest, int tag,
                           uint64_t space);
/* Largest message floc_tagged_try_inject may take. */
size_t floc_tagged_inject_max(const struct floc_ctx *ctx);

/* Tag of tagged messages: bit 63 internal (collectives, control), bit
 * 62 the data parts of a long message (bits 31..0: its number from this
 * sender), else bits 61..32 the context id (0: the world, else a team:
 * traffic of one context never matches a receive of another) and bits
 * 30..0 the tag.  `space` of floc_tagged_post is the part above the tag.
 * The remote CQ data is the sender's locality id, with bit 31 set on the
 * header of a long message. */
#define FLOC_TAG_INTERNAL   (1ull << 63)
#define FLOC_TAG_BULK       (1ull << 62)
#define FLOC_TAG_SPACE(internal, cid) (((internal) ? FLOC_TAG_INTERNAL : 0) | ((uint64_t)(cid) << 32))
#define FLOC_CQ_HEADER      (1u << 31)
/* credit given back (credit.c): floc's own tag space of the fabric */
#define FLOC_TAG_CREDIT     (FLOC_TAG_SPACE(1, FLOC_CID_FABRIC) | 1u)

/*
 * credit.c: at most FLOC_MSG_CREDIT user messages per ordered pair that
 * the receiver's receives have not taken.  Open after the peers are
 * wired, close after the endpoints.  ready: may a user message to dest
 * go now (credit left, none held before it); spend: one went; hold: req
 * (its op filled in, dest in its source) waits for credit, pending + 1;
 * posted: user receive req (from source, or FLOC_ANY_SOURCE) was
 * posted; received: req took a user message (or a long one's header)
 * from source; unwant: req ends without one (its fini); arrived: a
 * standing receive's completion; progress: give back what the provider
 * refused, repost the standing receives, lend.  All with the lock held.
 */
typedef struct floc_credit floc_credit_t;
int floc_credit_open(struct floc_ctx *ctx);
void floc_credit_close(struct floc_ctx *ctx);
int floc_credit_ready(const struct floc_ctx *ctx, int dest);
void floc_credit_spend(struct floc_ctx *ctx, int dest);
void floc_credit_hold(struct floc_ctx *ctx, int dest, floc_request_t *req);
void floc_credit_posted(struct floc_ctx *ctx, floc_request_t *req, int source);
void floc_credit_received(struct floc_ctx *ctx, floc_request_t *req, int source);
void floc_credit_unwant(struct floc_ctx *ctx, floc_request_t *req);
int floc_credit_arrived(struct floc_ctx *ctx, floc_request_t *req, size_t len, uint64_t data);
void floc_credit_repost_later(struct floc_ctx *ctx);
int floc_credit_progress(struct floc_ctx *ctx);

#endif
