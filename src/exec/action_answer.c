/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action_answer.c - remote actions: the answers a caller receives (a
 * reply inline or to be read one-sidedly, READ, FLUSHED, credits), and
 * running a handler (action.h).
 */
#include <stdio.h>
#include <string.h>

#include "action.h"

/* ---- the caller's side of arriving messages ------------------------------ */

/* The open slot `token` of kind waiting for `source`, or NULL (logged). */
static act_slot_t *slot_of(struct floc_actions *a, int source, const act_hdr_t *h, int kind)
{
    const uint32_t t = h->token;
    if (t >= a->nslots || a->slots[t].kind != kind || a->slots[t].target != source ||
        a->slots[t].done) {
        FLOC_WARN(FLOC_LOG_API, "an action message (type %d) from locality %d for no call of "
                  "ours: dropped", h->type, source);
        return NULL;
    }
    return &a->slots[t];
}

void floc_act_slot_done(struct floc_actions *a, uint32_t token, int status)
{
    act_slot_t *s = &a->slots[token];
    s->status = status;
    s->done = 1;
    floc_p2p_unexpose(s->args_mem);   /* the target has read them, or never will */
    s->args_mem = NULL;
    if (!s->waited)
        floc_act_slot_free(a, token);
}

/* a call's status from its reply's */
static int reply_status(const act_slot_t *s, const act_hdr_t *h, int status)
{
    return status ? status : h->len > s->cap ? FLOC_ERR_TRUNCATED : 0;
}

static void name_of(struct floc_actions *a, floc_action_t id, char *buf, size_t len)
{
    const act_entry_t *e = floc_act_lookup(a, id);
    if (e)
        snprintf(buf, len, "'%s' (0x%016llx)", e->name, (unsigned long long)id);
    else
        snprintf(buf, len, "0x%016llx", (unsigned long long)id);
}

static void on_reply(struct floc_actions *a, const act_msg_t *m)
{
    floc_ctx_t *w = a->ctx;
    const act_hdr_t *h = &m->u.hdr;
    floc_ctx_lock(w);
    act_slot_t *s = slot_of(a, m->source, h, SLOT_CALL);
    void *dst = s && s->waited && !s->dropped ? s->reply : NULL;
    const size_t n = s ? (h->len < s->cap ? h->len : s->cap) : 0;
    const int copying = dst && n;
    if (copying)
        s->copying = 1;   /* a caller giving up waits for the copy (call_quiesce) */
    floc_ctx_unlock(w);
    int status = h->status;
    if (h->flags & ACT_LARGE) {
        /* read it from the target's copy, then let it go */
        floc_rkey_t rkey;
        memcpy(&rkey, m->u.bytes + sizeof *h, sizeof rkey);
        if (s && dst && n) {
            int ret = floc_p2p_get_own(w, dst, n, &rkey);
            if (ret && !status)
                status = ret;
        }
        act_hdr_t ack = {.type = ACT_ACK, .seq = h->seq};
        floc_ctx_lock(w);
        ack.credits = floc_act_take_owed(a, m->source);
        if (floc_act_send(a, m->source, &ack, NULL, 0))
            a->owed[m->source] += ack.credits;
        floc_ctx_unlock(w);
    } else if (s && dst && n) {
        memcpy(dst, m->u.bytes + sizeof *h, n);
    }
    floc_ctx_lock(w);
    if (copying)   /* by token: the slots may have moved, the call may be done (its target lost) */
        a->slots[h->token].copying = 0;
    s = slot_of(a, m->source, h, SLOT_CALL);   /* again: the lock was let go */
    if (s) {   /* (a large reply: an unknown action's is never large) */
        s->len = h->len;
        floc_act_slot_done(a, h->token, reply_status(s, h, status));
    }
    floc_ctx_unlock(w);
}

int floc_act_quick(struct floc_actions *a, int source, const unsigned char *msg, size_t len)
{
    act_hdr_t h;
    if (len < sizeof h || source < 0 || source >= a->ctx->size)
        return 0;   /* the service drops it, saying why */
    memcpy(&h, msg, sizeof h);
    const int reply = h.type == ACT_REPLY && !(h.flags & ACT_LARGE) &&
                      len == sizeof h + h.len;
    if (!reply && h.type != ACT_CREDIT && h.type != ACT_READ && h.type != ACT_FLUSHED)
        return 0;
    a->credits[source] += h.credits;
    const int kind = reply ? SLOT_CALL : h.type == ACT_READ ? SLOT_POST : SLOT_FLUSH;
    act_slot_t *s = h.type == ACT_CREDIT ? NULL : slot_of(a, source, &h, kind);
    if (!s)
        return 1;
    int status = 0;
    if (reply) {
        if (h.flags & ACT_UNKNOWN) {
            char name[96];
            name_of(a, h.id, name, sizeof name);
            FLOC_WARN(FLOC_LOG_API, "locality %d does not serve action %s: its table differs "
                      "from this locality's", source, name);
        }
        const size_t n = h.len < s->cap ? h.len : s->cap;
        if (s->waited && !s->dropped && n)
            memcpy(s->reply, msg + sizeof h, n);
        s->len = h.len;
        status = reply_status(s, &h, h.status);
    }
    floc_act_slot_done(a, h.token, status);
    return 1;
}

void floc_act_caller_msg(struct floc_actions *a, act_msg_t *m)
{
    /* the others were taken by floc_act_quick in the progress hook */
    if (m->u.hdr.type == ACT_REPLY)
        on_reply(a, m);
    else
        FLOC_WARN(FLOC_LOG_API, "an action message of unknown type %d from locality %d: "
                  "dropped", m->u.hdr.type, m->source);
}

/* ---- running a handler --------------------------------------------------- */

int floc_act_run(struct floc_actions *a, floc_action_call_t *call, floc_action_t id,
                 const void *args, size_t len)
{
    floc_ctx_lock(a->ctx);
    const act_entry_t *e = floc_act_lookup(a, id);
    const act_entry_t found = e ? *e : (act_entry_t){0};
    floc_ctx_unlock(a->ctx);
    if (!e) {
        FLOC_WARN(FLOC_LOG_API, "locality %d called action 0x%016llx, which is not registered "
                  "here", call->source, (unsigned long long)id);
        return FLOC_ERR_INVALID;
    }
    /* one handler at a time, a call on oneself too (the service runs the
     * others' calls, perhaps in the progress thread right now) */
    const int took = floc_progress_handler_enter(a->ctx);
    int status = found.fn(call, args, len, found.user);
    floc_progress_handler_leave(a->ctx, took);
    if (status > 0) {
        FLOC_WARN(FLOC_LOG_API, "action '%s' returned %d: a handler returns 0 or a FLOC_ERR_* "
                  "code", found.name, status);
        status = FLOC_ERR_INVALID;
    }
    return status;
}

