/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/action.h - remote actions: run a function on another locality.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_ACTION_API_H
#define FLOC_ACTION_API_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Remote actions (HPX actions, UPC++ rpc, GASNet active messages)     */
/* ------------------------------------------------------------------ */
/*
 * An action is a function registered under a name on every locality that
 * serves it; its id is a 64-bit hash of the name, the same everywhere, so
 * no exchange is needed.  A call to an id the target does not know
 * completes with FLOC_ERR_INVALID, the caller's log naming the action and
 * the target (a table that differs between localities is found at its
 * first use, never by a hang).
 *
 * Arguments and replies of any size: up to FLOC_ACTION_EAGER bytes travel
 * in the message; larger ones are read one-sidedly from the caller's
 * buffer (arguments) or from the target's copy (replies), so the caller's
 * buffer is borrowed until the request completes (floc_post: until it
 * returns).
 *
 * Where handlers run: on the target, inside whatever floc call is waiting
 * there (floc_wait, a collective, floc_progress...), outside floc's lock;
 * with FLOC_PROGRESS=thread also in the progress thread, so a target that
 * computes without calling floc still serves.  A handler may call
 * floc_async, floc_post and the blocking floc_call (back to its caller
 * too: a -> b -> a works) and the one-sided calls; not collectives.
 * Handlers never run concurrently with each other (with a progress
 * thread, one may run while the application's threads do).  An action
 * on oneself is a direct call.
 *
 * Back-pressure: at most FLOC_ACTION_CREDITS calls and posts per target
 * are in flight; the next waits (driving progress, serving others) for
 * the target to run one.  A lost target completes the calls to it with
 * FLOC_ERR_PEER_LOST.  Actions run on the world's localities: on a team
 * `locality` is a team rank and floc_action_source gives the world id.
 * docs/exec.md has the protocol and the limits.
 */
typedef uint64_t floc_action_t;
typedef struct floc_action_call floc_action_call_t;
/* Runs on the target with the caller's argument bytes (valid until it
 * returns); returns 0 or a negative FLOC_ERR_* code, which becomes the
 * caller's status. */
typedef int (*floc_action_fn)(floc_action_call_t *call, const void *args, size_t len, void *user);

#define FLOC_ACTION_EAGER 4064      /* argument and reply bytes carried in the message */
#define FLOC_ACTION_CREDITS 64      /* calls and posts in flight per target */
#define FLOC_ACTION_NAME_MAX 255    /* longest name */

/*
 * Register fn under name (local: every locality that serves the action
 * registers it; those that only call it need not).  *id is the name's
 * id.  Errors: FLOC_ERR_INVALID (NULL pointers, empty or too long name,
 * the name registered already, or another name with the same id: renamed
 * it is).
 */
FLOC_API int floc_action_register(floc_ctx_t *ctx, const char *name, floc_action_fn fn, void *user,
                                  floc_action_t *id);
/* The id of a name (no registration needed to call it). */
FLOC_API floc_action_t floc_action_id(const char *name);
/* Inside a handler: the reply (at most once; copied).  FLOC_ERR_STATE on
 * a second reply or for a floc_post (nobody waits for a reply). */
FLOC_API int floc_action_reply(floc_action_call_t *call, const void *data, size_t len);
/* Inside a handler: the caller's locality (world id). */
FLOC_API int floc_action_source(const floc_action_call_t *call);
/*
 * Run action on locality with args[0, len); the reply lands in
 * reply[0, cap) (reply may be NULL when cap is 0), its full size in
 * *reply_len (may be NULL) at completion: FLOC_ERR_TRUNCATED if it was
 * longer than cap (the first cap bytes are there).  floc_wait/floc_test on
 * *req give the handler's status.
 */
FLOC_API int floc_async(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args,
                        size_t len, void *reply, size_t cap, size_t *reply_len,
                        floc_request_t **req);
/* The blocking form. */
FLOC_API int floc_call(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args,
                       size_t len, void *reply, size_t cap, size_t *reply_len);
/* One way: no reply, no status (a handler's error is logged at the
 * target).  Returns when args may be reused. */
FLOC_API int floc_post(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args,
                       size_t len);
/* Returns when every action this locality posted has run (its handler
 * returned).  Errors: FLOC_ERR_PEER_LOST when a target was lost. */
FLOC_API int floc_action_flush(floc_ctx_t *ctx);
/*
 * Run action on every locality of ctx with the same arguments; locality
 * k's reply goes to replies + k * cap, its size to reply_lens[k]
 * (reply_lens may be NULL).  Not collective: only the caller calls it.
 * The first error of a handler (or FLOC_ERR_TRUNCATED) is returned, after
 * every call completed.
 */
FLOC_API int floc_action_on_all(floc_ctx_t *ctx, floc_action_t action, const void *args,
                                size_t len, void *replies, size_t cap, size_t *reply_lens);

/*
 * Actions on the elements of a partitioned vector (floc/pv.h): run
 * `action` on the owners of global elements idx[0, count), one call per
 * owner carrying all of its indices (in the order given) and args, and
 * wait for them all.  On the owner the handler (registered as any action)
 * calls floc_pv_apply_unpack on what it received to get the vector, its
 * local part and the local indices of the elements, then reads or
 * updates them in place.  Not collective; as for floc_pv_put, the vector
 * must be made (and filled) everywhere first: a floc_pv_fence after
 * making it.  Returns the first handler error.  Errors: FLOC_ERR_INVALID (an index >= n, NULL idx with count >
 * 0), FLOC_ERR_NOMEM, FLOC_ERR_PEER_LOST.
 */
typedef struct floc_pv_apply_view {
    floc_pv_t *pv;          /* the owner's handle of the vector */
    void *local;            /* its local part (as floc_pv_local gives it) */
    const uint64_t *lidx;   /* the elements' indices in that part */
    size_t count;
    const void *args;       /* the caller's args */
    size_t len;
} floc_pv_apply_view_t;
FLOC_API int floc_pv_apply(floc_pv_t *pv, const size_t *idx, size_t count, floc_action_t action,
                           const void *args, size_t len);
/* In the handler: what floc_pv_apply sent (FLOC_ERR_INVALID if it is not
 * that, or the vector is not alive here). */
FLOC_API int floc_pv_apply_unpack(const floc_action_call_t *call, const void *args, size_t len,
                                  floc_pv_apply_view_t *view);

#ifdef __cplusplus
}
#endif
#endif /* FLOC_ACTION_API_H */
