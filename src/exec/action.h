/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action.h - remote actions (floc/action.h), what their files share.
 * Internal.
 *
 *   action_table.c  names, ids and handlers
 *   action.c        the caller's side: calls, posts, flush, credits, batches
 *   action_answer.c the answers a caller gets, running a handler
 *   action_serve.c  the mailbox and the target's side: handlers, replies
 *
 * Every message is one tagged message of at most ACT_MSG bytes in the
 * actions' own context id (FLOC_CID_ACTIONS, internal tag space), so it
 * never meets a user's receive or a collective's.  The target keeps
 * ACT_MAILBOX receives posted from any source; the progress hook copies
 * what arrived to a queue and reposts at once, and the service (run by
 * the wait loop and the progress thread without the lock) takes the
 * queue one message at a time: handlers may wait for floc themselves,
 * and a nested wait serves the queue further.
 */
#ifndef FLOC_ACTION_H
#define FLOC_ACTION_H

#include <stdint.h>

#include "../core/ctx.h"
#include "../p2p/p2p.h"

enum {
    ACT_CALL = 1,   /* run, reply wanted (token: the caller's slot) */
    ACT_POST,       /* run, no reply; a large one is answered by ACT_READ */
    ACT_REPLY,      /* a call's status and reply (token: the caller's slot) */
    ACT_READ,       /* a large post's arguments were read: the caller may go on */
    ACT_ACK,        /* a large reply was read: the target frees it (seq: its hold) */
    ACT_CREDIT,     /* credits only */
    ACT_FLUSH,      /* answer once seq of my posts have run (token: the caller's slot) */
    ACT_FLUSHED,
    ACT_BATCH       /* small posts, one after the other (seq: how many) */
};
/* In an ACT_BATCH message, each post: this, then len bytes, to a multiple of 8 */
typedef struct act_rec {
    uint64_t id;
    uint64_t len;
} act_rec_t;
/* Posts of up to this many bytes of arguments go in batches */
#define ACT_BATCH_MAX 512
#define ACT_LARGE 1u    /* flag: the data is read through the remote key that follows */
#define ACT_UNKNOWN 2u  /* flag of a reply: the target does not serve the action */

typedef struct act_hdr {
    uint8_t type, flags;
    uint16_t credits;   /* given back to the receiver with this message */
    int32_t status;     /* ACT_REPLY: the handler's */
    uint32_t token;     /* the caller's slot */
    uint32_t seq;       /* ACT_FLUSH: posts sent; ACT_REPLY/ACK: the target's hold */
    uint64_t id;        /* the action */
    uint64_t len;       /* argument or reply bytes */
} act_hdr_t;

#define ACT_MSG FLOC_MSG_EAGER                     /* bytes of a message at most */
#define ACT_INLINE (ACT_MSG - sizeof(act_hdr_t))  /* data carried in it */
#define ACT_MAILBOX 16                            /* receives kept posted */
_Static_assert(ACT_INLINE == FLOC_ACTION_EAGER, "FLOC_ACTION_EAGER is the inline capacity");

/* A received message waiting for the service */
typedef struct act_msg {
    struct act_msg *next;
    int source;   /* world id */
    size_t len;
    union {
        act_hdr_t hdr;
        unsigned char bytes[ACT_MSG];
    } u;
} act_msg_t;

/* The caller's record of a call, post wait or flush (index: the token) */
enum { SLOT_FREE, SLOT_CALL, SLOT_POST, SLOT_FLUSH };
typedef struct act_slot {
    int kind, target, done, status;
    void *reply;
    size_t cap, len;          /* reply capacity; the reply's full length */
    size_t *reply_len;
    floc_mem_t *args_mem;     /* large arguments exposed to the target */
    uint32_t next_free;
    int waited;               /* a floc_request_t refers to it */
    int dropped;              /* its caller gave up: the reply is written nowhere */
    int copying;              /* the reply is being written into `reply` (lock let go) */
} act_slot_t;

/* A large reply the target keeps until its caller read it (ACT_ACK) */
typedef struct act_hold {
    void *data;
    floc_mem_t *mem;
    int caller;               /* -1: free */
} act_hold_t;

/* A flush waiting at the target for a caller's posts to run */
typedef struct act_flush {
    struct act_flush *next;
    int source;
    uint32_t token, seq;
} act_flush_t;

typedef struct act_entry {
    uint64_t id;
    char *name;
    floc_action_fn fn;
    void *user;
} act_entry_t;

struct floc_actions {
    floc_ctx_t *ctx;          /* the world */
    /* the table (action_table.c): open addressing on the id */
    act_entry_t *table;
    size_t table_cap, table_n;
    /* the mailbox (action_serve.c) */
    floc_request_t *posted[ACT_MAILBOX];
    int head;                 /* the oldest posted box */
    unsigned rounds;
    unsigned char *boxes;     /* ACT_MAILBOX receive buffers of ACT_MSG bytes */
    act_msg_t *queue, **queue_tail, *spare;
    size_t spares;
    /* per peer (world ids) */
    int *credits;             /* calls/posts I may still send it */
    uint32_t *posts_sent;     /* posts I sent it */
    uint32_t *posts_flushed;  /* of those, known to have run */
    uint32_t *posts_run;      /* its posts I ran */
    int *owed;                /* credits I owe it */
    unsigned char **batch;    /* small posts waiting to go to it (ACT_INLINE bytes) */
    uint32_t *batch_len, *batch_n;
    int *dirty, ndirty;       /* the peers with a batch waiting, a list */
    unsigned char *queued;    /* per peer: on that list */
    act_flush_t *flushes;
    /* the caller's slots (action.c) */
    act_slot_t *slots;
    uint32_t nslots, free_slot;   /* free list head, UINT32_MAX: empty */
    uint32_t live_slots;          /* not free: what a loss may have to fail */
    void *big;                /* the buffer large arguments are read into */
    size_t big_cap;
    int big_busy;
    /* large replies held for their callers */
    act_hold_t *holds;
    uint32_t nholds;
};

/* action_table.c */
floc_action_t floc_act_hash(const char *name);
const act_entry_t *floc_act_lookup(const struct floc_actions *a, floc_action_t id);
int floc_act_table_add(struct floc_actions *a, const char *name, floc_action_fn fn, void *user,
                       floc_action_t *id);
/* The same under a given id (the unit test forges a collision with it) */
int floc_act_table_put(struct floc_actions *a, floc_action_t id, const char *name,
                       floc_action_fn fn, void *user, floc_action_t *out);
void floc_act_table_fini(struct floc_actions *a);

/* action_serve.c */
/* (floc_action_init, exec.h: the mailbox posted, the hook and the service
 * registered, at floc_init) */
/* Send a message to world id `to` (header + data, copied): the provider
 * takes it at once or a request carries it.  Caller holds the lock. */
int floc_act_send(struct floc_actions *a, int to, const act_hdr_t *h, const void *data,
                  size_t len);
/* The credits this locality owes `to`, taken to ride on a message.
 * Caller holds the lock. */
uint16_t floc_act_take_owed(struct floc_actions *a, int to);

/* action.c: send the batches waiting (those with a credit).  Caller holds the lock. */
int floc_act_send_batches(struct floc_actions *a);
/* action.c: a message for the caller's side that needs no waiting (a
 * credit, READ, FLUSHED, an inline REPLY), taken straight from the box
 * by the progress hook: 1 if it was.  Caller holds the lock. */
int floc_act_quick(struct floc_actions *a, int source, const unsigned char *msg, size_t len);
/* action.c: the caller's side of a message that arrived (REPLY, READ,
 * FLUSHED, CREDIT).  Caller does NOT hold the lock. */
void floc_act_caller_msg(struct floc_actions *a, act_msg_t *m);
/* A slot's end: its exposure released, back on the free list.  Caller
 * holds the lock. */
void floc_act_slot_free(struct floc_actions *a, uint32_t token);
/* A slot answered (or failed) with status: done, its exposure released,
 * freed if nobody waits for it.  Caller holds the lock. */
void floc_act_slot_done(struct floc_actions *a, uint32_t token, int status);
/* Run a handler here (a local call or a message's): status, reply
 * copied to out[0, cap) with its full length in *len (calls) or to a
 * buffer of its own (*heap, large remote replies).  Caller does NOT hold
 * the lock. */
struct floc_action_call {
    floc_ctx_t *ctx;
    int source;
    int want_reply, replied;
    void *out;                /* where a reply that fits goes */
    size_t cap, len;
    void *heap;               /* a reply that did not fit (malloc'd) */
};
int floc_act_run(struct floc_actions *a, floc_action_call_t *call, floc_action_t id,
                 const void *args, size_t len);

#endif
