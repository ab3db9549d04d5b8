/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action.c - remote actions, the caller's side and the public calls
 * (floc/action.h; the protocol in action.h and docs/exec.md).
 *
 * A call takes a credit for its target and a slot (its token), sends
 * ACT_CALL with the arguments inline or, past FLOC_ACTION_EAGER bytes, a
 * remote key the target reads them through; the reply comes back inline
 * or as a key the caller reads from, and gives the credit back.  The
 * request the user waits on looks at the slot.  Posts take a credit and
 * no slot (a large one waits for ACT_READ in a slot); the target gives
 * posts' credits back in batches.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "exec.h"
#include "../core/tool.h"

/* ---- slots (lock held) --------------------------------------------------- */

static int slot_new(struct floc_actions *a, int kind, int target, uint32_t *token)
{
    if (a->free_slot == UINT32_MAX) {
        uint32_t n = a->nslots ? 2 * a->nslots : 64;
        act_slot_t *s = realloc(a->slots, n * sizeof *s);
        if (!s)
            return FLOC_ERR_NOMEM;
        for (uint32_t i = a->nslots; i < n; i++)
            s[i] = (act_slot_t){.kind = SLOT_FREE, .next_free = i + 1 < n ? i + 1 : UINT32_MAX};
        a->slots = s;
        a->free_slot = a->nslots;
        a->nslots = n;
    }
    uint32_t t = a->free_slot;
    act_slot_t *s = &a->slots[t];
    a->free_slot = s->next_free;
    *s = (act_slot_t){.kind = kind, .target = target, .waited = 1};
    *token = t;
    a->live_slots++;
    return 0;
}

void floc_act_slot_free(struct floc_actions *a, uint32_t token)
{
    act_slot_t *s = &a->slots[token];
    floc_p2p_unexpose(s->args_mem);
    *s = (act_slot_t){.kind = SLOT_FREE, .next_free = a->free_slot};
    a->free_slot = token;
    a->live_slots--;
}

/* ---- waiting ------------------------------------------------------------- */

typedef struct credit_wait {
    struct floc_actions *a;
    int to;
} credit_wait_t;

static int has_credit(void *arg)
{
    credit_wait_t *c = arg;
    return c->a->credits[c->to] > 0 || floc_ctx_locality_lost(c->a->ctx, c->to);
}

typedef struct slot_wait {
    struct floc_actions *a;
    uint32_t token;
} slot_wait_t;

static int slot_done(void *arg)
{
    slot_wait_t *s = arg;
    return s->a->slots[s->token].done;
}

/* ---- sending ------------------------------------------------------------- */

/* Send a call or post to world id `to`: a credit first (waiting for one
 * serves the others meanwhile), then the message.  A large one exposes
 * args and keeps them in slot *token (kind), else no slot (*token =
 * UINT32_MAX) for a post. */
static int send_request(floc_ctx_t *ctx, struct floc_actions *a, int type, int to, floc_action_t id,
                        const void *args, size_t len, void *reply, size_t cap, size_t *reply_len,
                        uint32_t *token)
{
    floc_ctx_t *w = a->ctx;
    credit_wait_t cw = {a, to};
    int ret = floc_progress_wait_own(ctx, has_credit, &cw, 0.0);
    if (ret)
        return ret;
    if (floc_ctx_locality_lost(w, to))
        return FLOC_ERR_PEER_LOST;
    const int large = len > ACT_INLINE;
    act_hdr_t h = {.type = (uint8_t)type, .id = id, .len = len};
    *token = UINT32_MAX;
    floc_ctx_lock(w);
    if (type == ACT_CALL || large)
        ret = slot_new(a, type == ACT_CALL ? SLOT_CALL : SLOT_POST, to, token);
    if (!ret) {
        if (*token != UINT32_MAX) {
            /* where the answer goes, before it can come (a progress thread
             * may take it as soon as the message is out) */
            a->slots[*token].reply = reply;
            a->slots[*token].cap = cap;
            a->slots[*token].reply_len = reply_len;
        }
        h.token = *token;
        h.credits = floc_act_take_owed(a, to);
        if (large) {
            floc_rkey_t rkey;
            act_slot_t *s = &a->slots[*token];
            ret = floc_p2p_expose(w, args, len, &s->args_mem, &rkey);
            h.flags = ACT_LARGE;
            if (!ret)
                ret = floc_act_send(a, to, &h, &rkey, sizeof rkey);
        } else {
            ret = floc_act_send(a, to, &h, args, len);
        }
        if (ret) {
            a->owed[to] += h.credits;
            if (*token != UINT32_MAX)
                floc_act_slot_free(a, *token);
        } else {
            a->credits[to]--;
            if (type == ACT_POST)
                a->posts_sent[to]++;
        }
    }
    floc_ctx_unlock(w);
    return ret;
}

/* ---- batches of small posts -------------------------------------------- */

/* Send to's batch as one message (lock held, a credit available). */
static int send_batch(struct floc_actions *a, int to)
{
    act_hdr_t h = {.type = ACT_BATCH, .seq = a->batch_n[to], .len = a->batch_len[to]};
    h.credits = floc_act_take_owed(a, to);
    int ret = floc_act_send(a, to, &h, a->batch[to], a->batch_len[to]);
    if (ret) {
        a->owed[to] += h.credits;
        return ret;
    }
    a->credits[to]--;
    a->batch_len[to] = a->batch_n[to] = 0;
    return 0;
}

int floc_act_send_batches(struct floc_actions *a)
{
    int kept = 0, ret = 0;
    for (int i = 0; i < a->ndirty; i++) {
        const int to = a->dirty[i];
        if (a->batch_n[to] && floc_ctx_locality_lost(a->ctx, to))
            a->batch_len[to] = a->batch_n[to] = 0;   /* nobody to run them: flush says so */
        if (!ret && a->batch_n[to] && a->credits[to] > 0)
            ret = send_batch(a, to);
        if (a->batch_n[to])
            a->dirty[kept++] = to;
        else
            a->queued[to] = 0;
    }
    a->ndirty = kept;
    return ret;
}

/* Send to's batch now, waiting for a credit if need be (lock NOT held;
 * timeout as floc_progress_wait's). */
static int drain_batch(floc_ctx_t *ctx, struct floc_actions *a, int to, double timeout)
{
    for (;;) {
        floc_ctx_lock(a->ctx);
        int ret = 0, wait = 0;
        if (a->batch_n[to] && floc_ctx_locality_lost(a->ctx, to))
            ret = FLOC_ERR_PEER_LOST;
        else if (a->batch_n[to] && a->credits[to] > 0)
            ret = send_batch(a, to);
        else
            wait = a->batch_n[to] != 0;
        floc_ctx_unlock(a->ctx);
        if (ret || !wait)
            return ret;
        credit_wait_t cw = {a, to};
        if ((ret = floc_progress_wait_own(ctx, has_credit, &cw, timeout)))
            return ret;
    }
}

/* A small post: appended to to's batch (sent by the next round of
 * progress, when it is full, or by a flush). */
static int batch_post(floc_ctx_t *ctx, struct floc_actions *a, int to, floc_action_t id,
                      const void *args, size_t len)
{
    const size_t rec = sizeof(act_rec_t) + ((len + 7) & ~(size_t)7);
    floc_ctx_t *w = a->ctx;
    for (;;) {
        floc_ctx_lock(w);
        if (a->batch_len[to] + rec <= ACT_INLINE)
            break;
        floc_ctx_unlock(w);
        int ret = drain_batch(ctx, a, to, 0.0);
        if (ret)
            return ret;
    }
    int ret = 0;
    if (!a->batch[to] && !(a->batch[to] = malloc(ACT_INLINE)))
        ret = FLOC_ERR_NOMEM;
    if (!ret) {
        act_rec_t r = {id, len};
        unsigned char *p = a->batch[to] + a->batch_len[to];
        memcpy(p, &r, sizeof r);
        if (len)
            memcpy(p + sizeof r, args, len);
        a->batch_len[to] += (uint32_t)rec;
        a->batch_n[to]++;
        a->posts_sent[to]++;
        if (!a->queued[to]) {
            a->queued[to] = 1;
            a->dirty[a->ndirty++] = to;
        }
    }
    floc_ctx_unlock(w);
    return ret;
}

/* ---- the public calls ---------------------------------------------------- */

floc_action_t floc_action_id(const char *name)
{
    return name ? floc_act_hash(name) : 0;
}

int floc_action_register(floc_ctx_t *ctx, const char *name, floc_action_fn fn, void *user,
                         floc_action_t *id)
{
    FLOC_CHECK_CTX(ctx);
    if (!name || !fn || !id)
        return FLOC_INVALID("%s is NULL", !name ? "name" : !fn ? "fn" : "id");
    const size_t n = strlen(name);
    if (n == 0 || n > FLOC_ACTION_NAME_MAX)
        return FLOC_INVALID("the name has %zu characters (1 to %d)", n, FLOC_ACTION_NAME_MAX);
    struct floc_actions *a = ctx->world->actions;   /* made at floc_init */
    floc_ctx_lock(a->ctx);
    int ret = floc_act_table_add(a, name, fn, user, id);
    floc_ctx_unlock(a->ctx);
    return ret;
}

int floc_action_reply(floc_action_call_t *call, const void *data, size_t len)
{
    if (!call)
        return FLOC_INVALID("call is NULL");
    if (!data && len)
        return FLOC_INVALID("data is NULL");
    if (!call->want_reply) {
        /* not a warning: one handler may serve both floc_call and floc_post */
        FLOC_DEBUG(FLOC_LOG_API, "floc_action_reply: a posted action has nobody to reply to");
        return FLOC_ERR_STATE;
    }
    if (call->replied) {
        FLOC_WARN(FLOC_LOG_API, "floc_action_reply: this call has its reply already");
        return FLOC_ERR_STATE;
    }
    call->replied = 1;
    call->len = len;
    if (len <= call->cap) {
        if (len)
            memcpy(call->out, data, len);
    } else if (call->source == call->ctx->rank && call->out) {
        memcpy(call->out, data, call->cap);   /* a local call: truncated at the caller's cap */
    } else if (call->source != call->ctx->rank) {
        call->heap = malloc(len);
        if (!call->heap) {
            call->len = 0;
            return FLOC_ERR_NOMEM;
        }
        memcpy(call->heap, data, len);
    }
    return 0;
}

int floc_action_source(const floc_action_call_t *call)
{
    if (!call)
        return FLOC_INVALID("call is NULL");
    return call->source;
}

static int check_call(floc_ctx_t *ctx, int locality, const void *args, size_t len,
                      const void *reply, size_t cap)
{
    FLOC_CHECK_CTX(ctx);
    const int p = floc_num_localities(ctx);
    if (locality < 0 || locality >= p)
        return FLOC_INVALID("locality %d outside [0, %d)", locality, p);
    if (!args && len)
        return FLOC_INVALID("args is NULL with len %zu", len);
    if (!reply && cap)
        return FLOC_INVALID("reply is NULL with cap %zu", cap);
    if (floc_ctx_locality_lost(ctx, floc_ctx_world_id(ctx, locality)))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

static int call_progress(floc_request_t *req)
{
    struct floc_actions *a = req->ctx->world->actions;
    const uint32_t t = (uint32_t)(uintptr_t)req->priv;
    act_slot_t *s = &a->slots[t];
    if (!s->done)
        return FLOC_ERR_AGAIN;
    if (s->reply_len)
        *s->reply_len = s->len;
    return s->status;
}

static void call_fini(floc_request_t *req)
{
    struct floc_actions *a = req->ctx->world->actions;
    const uint32_t t = (uint32_t)(uintptr_t)req->priv;
    if (a->slots[t].done)
        floc_act_slot_free(a, t);
    else
        a->slots[t].waited = 0;   /* given up: freed when its answer comes */
}

/* req->quiesce: the caller gives up (a blocking call's timeout, a lost
 * target): a reply from now on is dropped, and one being copied into the
 * caller's buffer by another thread (the progress thread, the lock let
 * go for a large reply's read) is waited for. */
static void call_quiesce(floc_request_t *req)
{
    struct floc_actions *a = req->ctx->world->actions;
    const uint32_t t = (uint32_t)(uintptr_t)req->priv;
    floc_ctx_lock(a->ctx);
    a->slots[t].dropped = 1;
    /* a copy, or a read that ends by the peer timeout (by index: the
     * slots may move while the lock is let go) */
    while (a->slots[t].copying) {
        floc_ctx_unlock(a->ctx);
        sched_yield();
        floc_ctx_lock(a->ctx);
    }
    floc_ctx_unlock(a->ctx);
}

static void call_describe(floc_request_t *req, char *buf, size_t len)
{
    struct floc_actions *a = req->ctx->world->actions;
    const act_slot_t *s = &a->slots[(uint32_t)(uintptr_t)req->priv];
    snprintf(buf, len, "an action call to locality %d%s", s->target,
             s->done ? " (answered)" : "");
}

/* a call on this locality: the handler runs now */
static int call_here(floc_ctx_t *ctx, struct floc_actions *a, floc_action_t id, const void *args,
                     size_t len, void *reply, size_t cap, size_t *reply_len)
{
    (void)ctx;
    floc_action_call_t call = {.ctx = a->ctx, .source = a->ctx->rank, .want_reply = 1,
                               .out = reply, .cap = cap};
    int status = floc_act_run(a, &call, id, args, len);
    if (reply_len)
        *reply_len = call.len;
    return status ? status : call.len > cap ? FLOC_ERR_TRUNCATED : 0;
}

static int floc_async_impl(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args,
                           size_t len, void *reply, size_t cap, size_t *reply_len,
                           floc_request_t **req)
{
    int ret = check_call(ctx, locality, args, len, reply, cap);
    if (ret)
        return ret;
    if (!req)
        return FLOC_INVALID("req (output) is NULL");
    struct floc_actions *a = ctx->world->actions;
    const int to = floc_ctx_world_id(ctx, locality);
    floc_request_t *r;
    if (to == a->ctx->rank) {
        int status = call_here(ctx, a, action, args, len, reply, cap, reply_len);
        floc_ctx_lock(ctx);
        r = floc_req_complete_new(ctx);
        if (r) {
            r->status = status;
            r->own_loss = 1;
        }
        floc_ctx_unlock(ctx);
        if (!r)
            return FLOC_ERR_NOMEM;
        *req = floc_req_handle(r);
        return 0;
    }
    uint32_t token;
    if ((ret = send_request(ctx, a, ACT_CALL, to, action, args, len, reply, cap, reply_len,
                            &token)))
        return ret;
    floc_ctx_lock(ctx);
    r = floc_req_alloc(ctx, NULL);
    if (r) {
        r->progress = call_progress;
        r->own_loss = 1;   /* fail_lost completes it when its target is lost */
        r->fini = call_fini;
        r->quiesce = call_quiesce;
        r->describe = call_describe;
        r->priv = (void *)(uintptr_t)token;
    } else {
        a->slots[token].waited = 0;
    }
    floc_ctx_unlock(ctx);
    if (!r)
        return FLOC_ERR_NOMEM;
    *req = floc_req_handle(r);
    return 0;
}

int floc_async(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args, size_t len,
               void *reply, size_t cap, size_t *reply_len, floc_request_t **req)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_CALL, ctx, len, locality, 1);
    return floc_tool_leave(
        &t, floc_async_impl(ctx, locality, action, args, len, reply, cap, reply_len, req));
}

/* A blocking call that gives up (FLOC_ERR_TIMEOUT, a lost target) lets
 * its call go: its reply, when it comes, is dropped, never written into
 * a buffer its caller was told is free (floc_wait would leave the
 * request live, borrowing both buffers, for a wait again) */
static int floc_call_impl(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args,
                          size_t len, void *reply, size_t cap, size_t *reply_len)
{
    floc_request_t *h;
    int ret = floc_async(ctx, locality, action, args, len, reply, cap, reply_len, &h);
    return ret ? ret : floc_req_wait_handle(h, "floc_call");
}

int floc_call(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args, size_t len,
              void *reply, size_t cap, size_t *reply_len)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_CALL, ctx, len, locality, 0);
    return floc_tool_leave(&t,
                           floc_call_impl(ctx, locality, action, args, len, reply, cap, reply_len));
}

/* wait for an internal slot (a large post, a flush), then free it (or
 * leave it to its answer, after a timeout) */
static int wait_slot(floc_ctx_t *ctx, struct floc_actions *a, uint32_t token, double timeout)
{
    slot_wait_t sw = {a, token};
    int ret = floc_progress_wait_own(ctx, slot_done, &sw, timeout);
    floc_ctx_lock(a->ctx);
    if (!ret)
        ret = a->slots[token].status;
    if (a->slots[token].done)
        floc_act_slot_free(a, token);
    else
        a->slots[token].waited = 0;
    floc_ctx_unlock(a->ctx);
    return ret;
}

static int floc_post_impl(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args,
                          size_t len)
{
    int ret = check_call(ctx, locality, args, len, NULL, 0);
    if (ret)
        return ret;
    struct floc_actions *a = ctx->world->actions;
    const int to = floc_ctx_world_id(ctx, locality);
    if (to == a->ctx->rank) {
        floc_action_call_t call = {.ctx = a->ctx, .source = to};
        int status = floc_act_run(a, &call, action, args, len);
        if (status)
            FLOC_WARN(FLOC_LOG_API, "action 0x%016llx posted to this locality failed: %s",
                      (unsigned long long)action, floc_strerror(status));
        return 0;
    }
    if (floc_ctx_locality_lost(a->ctx, to))
        return FLOC_ERR_PEER_LOST;
    if (len <= ACT_BATCH_MAX)
        return batch_post(ctx, a, to, action, args, len);
    uint32_t token;
    if ((ret = send_request(ctx, a, ACT_POST, to, action, args, len, NULL, 0, NULL, &token)))
        return ret;
    return token == UINT32_MAX ? 0 : wait_slot(ctx, a, token, 0.0);
}

int floc_post(floc_ctx_t *ctx, int locality, floc_action_t action, const void *args, size_t len)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_POST, ctx, len, locality, 1);
    return floc_tool_leave(&t, floc_post_impl(ctx, locality, action, args, len));
}

/* flush the posts to world id t (lock NOT held) */
static int flush_one(floc_ctx_t *ctx, struct floc_actions *a, int t, double timeout)
{
    floc_ctx_t *w = a->ctx;
    int ret = drain_batch(ctx, a, t, timeout);
    if (ret)
        return ret;
    floc_ctx_lock(w);
    const uint32_t sent = a->posts_sent[t];
    uint32_t token = UINT32_MAX;
    if (sent != a->posts_flushed[t]) {
        if (floc_ctx_locality_lost(w, t))
            ret = FLOC_ERR_PEER_LOST;
        else if (!(ret = slot_new(a, SLOT_FLUSH, t, &token))) {
            act_hdr_t h = {.type = ACT_FLUSH, .token = token, .seq = sent};
            h.credits = floc_act_take_owed(a, t);
            if ((ret = floc_act_send(a, t, &h, NULL, 0))) {
                a->owed[t] += h.credits;
                floc_act_slot_free(a, token);
                token = UINT32_MAX;
            }
        }
    }
    floc_ctx_unlock(w);
    if (token != UINT32_MAX && !(ret = wait_slot(ctx, a, token, timeout))) {
        floc_ctx_lock(w);
        a->posts_flushed[t] = sent;
        floc_ctx_unlock(w);
    }
    return ret;
}

int floc_action_flush_within(floc_ctx_t *ctx, double timeout)
{
    struct floc_actions *a = ctx->world->actions;
    int first = 0;
    for (int t = 0; a && t < a->ctx->size; t++) {
        /* every target, even after one failed: the others' posts still run */
        int ret = flush_one(ctx, a, t, timeout);
        if (ret && !first)
            first = ret;
    }
    return first;
}

int floc_action_flush(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    return floc_action_flush_within(ctx, 0.0);
}

int floc_action_on_all(floc_ctx_t *ctx, floc_action_t action, const void *args, size_t len,
                       void *replies, size_t cap, size_t *reply_lens)
{
    FLOC_CHECK_CTX(ctx);
    const int p = floc_num_localities(ctx);
    if (!replies && cap)
        return FLOC_INVALID("replies is NULL with cap %zu", cap);
    floc_request_t **reqs = calloc((size_t)p, sizeof *reqs);
    if (!reqs)
        return FLOC_ERR_NOMEM;
    int ret = 0;
    for (int k = 0; k < p && !ret; k++)
        ret = floc_async(ctx, k, action, args, len, cap ? (char *)replies + (size_t)k * cap : NULL,
                         cap, reply_lens ? &reply_lens[k] : NULL, &reqs[k]);
    for (int k = 0; k < p; k++) {
        if (!reqs[k])
            continue;
        int r = floc_req_wait_handle(reqs[k], "floc_action_on_all");   /* (see floc_call) */
        if (r && !ret)
            ret = r;
    }
    free(reqs);
    return ret;
}
