/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action_serve.c - the actions' mailbox and the target's side (action.h).
 *
 * The progress hook (under the lock) only moves what arrived in the
 * posted receives to a queue and reposts them; the service (no lock)
 * runs what is queued: handlers, the reads of large arguments, replies.
 * A handler that waits (floc_call inside it) runs the service again from
 * that wait, so the queue never stalls behind it, and the receives are
 * reposted before anything runs, so a deep a -> b -> a recursion cannot
 * use them all up.
 */
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "exec.h"

#define ACT_TAG 1
#define ACT_SPACE FLOC_TAG_SPACE(1, FLOC_CID_ACTIONS)

/* A mailbox receive: from anyone, through the node message path where
 * the localities are on this node (all of them, or posted on both paths
 * in a job of several nodes, src/p2p/local.c), else the fabric.  Caller
 * holds the lock (or is init). */
static int post_box(struct floc_actions *a, int i)
{
    floc_request_t *r;
    floc_ctx_t *w = a->ctx;
    unsigned char *box = a->boxes + (size_t)i * ACT_MSG;
    int ret = floc_local_reaches(w, FLOC_ANY_SOURCE)
                  ? floc_local_irecv_locked(w, FLOC_CID_ACTIONS, box, ACT_MSG, FLOC_ANY_SOURCE,
                                            ACT_TAG, NULL, &r)
              : floc_local_mixed(w)
                  ? floc_local_recv_any_locked(w, FLOC_CID_ACTIONS, ACT_SPACE, box, ACT_MSG,
                                               ACT_TAG, NULL, &r)
                  : floc_tagged_post(w, 0, box, ACT_MSG, FLOC_ANY_SOURCE, ACT_TAG, ACT_SPACE,
                                     NULL, &r);
    if (ret)
        return ret;
    floc_req_hide(a->ctx, r);
    a->posted[i] = r;
    return 0;
}

static act_msg_t *msg_new(struct floc_actions *a)
{
    act_msg_t *m = a->spare;
    if (m) {
        a->spare = m->next;
        a->spares--;
        return m;
    }
    return malloc(sizeof *m);
}

static void msg_free(struct floc_actions *a, act_msg_t *m)
{
    if (a->spares < 2 * ACT_MAILBOX) {
        m->next = a->spare;
        a->spare = m;
        a->spares++;
    } else {
        free(m);
    }
}

/* A loss completes the calls to the lost one (the wait loop says so
 * too; this frees what they hold). */
static void fail_lost(struct floc_actions *a)
{
    floc_ctx_t *w = a->ctx;
    for (uint32_t t = 0; t < a->nslots; t++) {
        act_slot_t *s = &a->slots[t];
        if (s->kind != SLOT_FREE && !s->done && floc_ctx_locality_lost(w, s->target))
            floc_act_slot_done(a, t, FLOC_ERR_PEER_LOST);
    }
}

/* the progress hook: what arrived goes to the queue, the box is posted again */
/* box i's message: answered here if it is a caller's quick one, else
 * copied to the queue for the service; the box is posted again */
static int take_box(floc_ctx_t *ctx, struct floc_actions *a, int i)
{
    floc_request_t *r = a->posted[i];
    const unsigned char *box = a->boxes + (size_t)i * ACT_MSG;
    if (r->status) {
        FLOC_WARN(FLOC_LOG_API, "an action message from locality %d was dropped: %s",
                  r->msg.source, floc_strerror(r->status));
    } else if (!floc_act_quick(a, r->msg.source, box, r->msg.len)) {
        act_msg_t *m = msg_new(a);
        if (!m)
            return FLOC_ERR_NOMEM;
        m->next = NULL;
        m->source = r->msg.source;
        m->len = r->msg.len;
        memcpy(m->u.bytes, box, m->len);
        *a->queue_tail = m;
        a->queue_tail = &m->next;
    }
    floc_req_release(ctx, r);
    a->posted[i] = NULL;
    return post_box(a, i);
}

/*
 * The progress hook.  The provider fills posted receives of one tag in
 * the order they were posted, so only the oldest (head) needs a look on
 * each round; every 128th round looks at all of them, in case a provider
 * does not keep that order.
 */
static int mailbox_progress(floc_ctx_t *ctx, void *arg)
{
    struct floc_actions *a = arg;
    int events = 0, ret;
    for (int n = 0; n < ACT_MAILBOX; n++) {
        const int i = a->head;
        if (!a->posted[i] || a->posted[i]->pending)
            break;
        if ((ret = take_box(ctx, a, i)))
            return ret;
        a->head = (i + 1) % ACT_MAILBOX;
        events++;
    }
    if ((++a->rounds & 127) == 0)
        for (int i = 0; i < ACT_MAILBOX; i++)
            if (a->posted[i] && !a->posted[i]->pending) {
                if ((ret = take_box(ctx, a, i)))
                    return ret;
                events++;
            }
    if (a->ndirty && (ret = floc_act_send_batches(a)))
        return ret;
    if (a->live_slots && atomic_load_explicit(&ctx->lost, memory_order_relaxed))
        fail_lost(a);   /* (after a loss: only while calls are open) */
    if (a->queue)
        atomic_store_explicit(&ctx->service_due, 1, memory_order_release);
    return events;
}

static void mailbox_dump(floc_ctx_t *ctx, void *arg)
{
    (void)ctx;
    struct floc_actions *a = arg;
    size_t n = 0;
    for (uint32_t t = 0; t < a->nslots; t++)
        n += a->slots[t].kind != SLOT_FREE && !a->slots[t].done;
    if (n)
        FLOC_WARN(FLOC_LOG_API, "actions: %zu calls, posts or flushes waiting for their targets", n);
}

int floc_act_send(struct floc_actions *a, int to, const act_hdr_t *h, const void *data, size_t len)
{
    floc_ctx_t *w = a->ctx;
    unsigned char buf[ACT_MSG];
    const size_t n = sizeof *h + len;
    memcpy(buf, h, sizeof *h);
    if (len)
        memcpy(buf + sizeof *h, data, len);
    /* a locality of this node: through the node message path */
    const int local = floc_local_reaches(w, to);
    int ret = local ? floc_local_send_now(w, FLOC_CID_ACTIONS, buf, n, to, ACT_TAG)
                    : floc_tagged_try_inject(w, buf, n, to, ACT_TAG, ACT_SPACE);
    if (ret != 0)
        return ret < 0 ? ret : 0;
    /* not taken at once: a request carries a copy, freed with it */
    unsigned char *copy = malloc(n);
    if (!copy)
        return FLOC_ERR_NOMEM;
    memcpy(copy, buf, n);
    floc_request_t *req;
    ret = local ? floc_local_isend_locked(w, FLOC_CID_ACTIONS, copy, n, to, ACT_TAG, &req)
                : floc_tagged_post(w, 1, copy, n, to, ACT_TAG, ACT_SPACE, NULL, &req);
    if (ret) {
        free(copy);
        return ret;
    }
    req->heap = copy;
    floc_req_hide(w, req);
    floc_req_abandon(w, req);
    return 0;
}

uint16_t floc_act_take_owed(struct floc_actions *a, int to)
{
    int n = a->owed[to];
    if (n > UINT16_MAX - 1)
        n = UINT16_MAX - 1;
    a->owed[to] -= n;
    return (uint16_t)n;
}

/* flushes from `source` that its posts run so far answer */
static void answer_flushes(struct floc_actions *a, int source)
{
    for (act_flush_t **p = &a->flushes; *p;) {
        act_flush_t *f = *p;
        if (f->source != source || (int32_t)(a->posts_run[source] - f->seq) < 0) {
            p = &f->next;
            continue;
        }
        act_hdr_t h = {.type = ACT_FLUSHED, .token = f->token};
        h.credits = floc_act_take_owed(a, source);
        if (floc_act_send(a, source, &h, NULL, 0))
            a->owed[source] += h.credits;   /* the next message carries them */
        *p = f->next;
        free(f);
    }
}

/* a large reply, kept (and exposed) until its caller read it */
static int hold_reply(struct floc_actions *a, int caller, void *data, size_t len, uint32_t *idx,
                      floc_rkey_t *rkey)
{
    uint32_t i = 0;
    while (i < a->nholds && a->holds[i].caller >= 0)
        i++;
    if (i == a->nholds) {
        uint32_t n = a->nholds ? 2 * a->nholds : 16;
        act_hold_t *h = realloc(a->holds, n * sizeof *h);
        if (!h)
            return FLOC_ERR_NOMEM;
        for (uint32_t k = a->nholds; k < n; k++)
            h[k].caller = -1;
        a->holds = h;
        a->nholds = n;
    }
    int ret = floc_p2p_expose(a->ctx, data, len, &a->holds[i].mem, rkey);
    if (ret)
        return ret;
    a->holds[i].data = data;
    a->holds[i].caller = caller;
    *idx = i;
    return 0;
}

static void unhold(struct floc_actions *a, uint32_t i, int caller)
{
    if (i >= a->nholds || a->holds[i].caller != caller)
        return;   /* not ours to free (a forged or repeated ack) */
    floc_p2p_unexpose(a->holds[i].mem);
    free(a->holds[i].data);
    a->holds[i] = (act_hold_t){NULL, NULL, -1};
}

/* the answer to a call that ran here (lock held) */
static void reply(struct floc_actions *a, int to, const act_hdr_t *req, int status, int unknown,
                  floc_action_call_t *call, unsigned char *inline_reply)
{
    act_hdr_t h = {.type = ACT_REPLY, .token = req->token, .id = req->id, .status = status,
                   .flags = unknown ? ACT_UNKNOWN : 0};
    h.credits = (uint16_t)(1 + floc_act_take_owed(a, to));
    h.len = call->len;
    int ret;
    if (call->heap) {
        floc_rkey_t rkey;
        ret = hold_reply(a, to, call->heap, call->len, &h.seq, &rkey);
        if (!ret) {
            call->heap = NULL;   /* the hold owns it */
            h.flags |= ACT_LARGE;
            ret = floc_act_send(a, to, &h, &rkey, sizeof rkey);
            if (ret)
                unhold(a, h.seq, to);
        }
        if (ret) {   /* say so instead */
            h.flags &= (uint8_t)~ACT_LARGE;
            h.len = 0;
            h.status = ret;
            ret = floc_act_send(a, to, &h, NULL, 0);
        }
    } else {
        ret = floc_act_send(a, to, &h, inline_reply, call->len);
    }
    if (ret)
        FLOC_WARN(FLOC_LOG_API, "the reply to locality %d could not be sent: %s", to,
                  floc_strerror(ret));
}

/* the end of a post that ran (lock held): counted, its flushes answered */
static void post_ran(struct floc_actions *a, int from, uint32_t n, int credits)
{
    a->posts_run[from] += n;
    a->owed[from] += credits;
    answer_flushes(a, from);
    if (a->owed[from] >= FLOC_ACTION_CREDITS / 2) {
        act_hdr_t c = {.type = ACT_CREDIT, .credits = floc_act_take_owed(a, from)};
        if (floc_act_send(a, from, &c, NULL, 0))
            a->owed[from] += c.credits;
    }
}

/* Where large arguments land: one buffer kept for them (a fresh malloc
 * of megabytes is fresh pages, a page fault per 4 KiB of them), or a
 * malloc when it is in use by a handler below this one or the arguments
 * are larger than we keep. */
#define ACT_KEEP_MAX ((size_t)64 << 20)
static void *args_buffer(struct floc_actions *a, size_t len)
{
    floc_ctx_lock(a->ctx);
    void *b = NULL;
    if (!a->big_busy && len <= ACT_KEEP_MAX) {
        if (a->big_cap < len) {
            free(a->big);
            a->big = malloc(len);
            a->big_cap = a->big ? len : 0;
        }
        if (a->big) {
            a->big_busy = 1;
            b = a->big;
        }
    }
    floc_ctx_unlock(a->ctx);
    return b ? b : malloc(len);
}

/* (lock held) */
static void args_buffer_done(struct floc_actions *a, void *b)
{
    if (b && b == a->big)
        a->big_busy = 0;
    else
        free(b);
}

/* ACT_CALL and ACT_POST: read the arguments, run, answer */
static void serve_request(struct floc_actions *a, const act_msg_t *m)
{
    floc_ctx_t *w = a->ctx;
    const act_hdr_t *h = &m->u.hdr;
    const int from = m->source, post = h->type == ACT_POST;
    const unsigned char *data = m->u.bytes + sizeof *h;
    void *big = NULL;
    int status = 0;
    if (h->flags & ACT_LARGE) {
        floc_rkey_t rkey;
        memcpy(&rkey, data, sizeof rkey);
        big = args_buffer(a, h->len);
        status = big ? floc_p2p_get_own(w, big, h->len, &rkey) : FLOC_ERR_NOMEM;
        if (post) {   /* the caller may go on */
            act_hdr_t r = {.type = ACT_READ, .token = h->token};
            floc_ctx_lock(w);
            r.credits = floc_act_take_owed(a, from);
            if (floc_act_send(a, from, &r, NULL, 0))
                a->owed[from] += r.credits;
            floc_ctx_unlock(w);
        }
        data = big;
    }
    unsigned char out[ACT_INLINE];
    floc_action_call_t call = {.ctx = w, .source = from, .want_reply = !post, .out = out,
                               .cap = sizeof out};
    floc_ctx_lock(w);
    const int unknown = !floc_act_lookup(a, h->id);
    floc_ctx_unlock(w);
    if (!status)
        status = floc_act_run(a, &call, h->id, data, h->len);
    floc_ctx_lock(w);
    args_buffer_done(a, big);
    if (post) {
        if (status)
            FLOC_WARN(FLOC_LOG_API, "action 0x%016llx posted by locality %d failed: %s",
                      (unsigned long long)h->id, from, floc_strerror(status));
        post_ran(a, from, 1, 1);
    } else {
        reply(a, from, h, status, unknown, &call, out);
    }
    floc_ctx_unlock(w);
    free(call.heap);
}

/* ACT_BATCH: the posts one after the other, then one credit back */
static void serve_batch(struct floc_actions *a, const act_msg_t *m)
{
    floc_ctx_t *w = a->ctx;
    const unsigned char *p = m->u.bytes + sizeof(act_hdr_t), *end = m->u.bytes + m->len;
    uint32_t n = 0;
    while (n < m->u.hdr.seq && p + sizeof(act_rec_t) <= end) {
        act_rec_t r;
        memcpy(&r, p, sizeof r);
        p += sizeof r;
        if (r.len > (size_t)(end - p))
            break;
        floc_action_call_t call = {.ctx = w, .source = m->source};
        int status = floc_act_run(a, &call, r.id, p, r.len);
        if (status)
            FLOC_WARN(FLOC_LOG_API, "action 0x%016llx posted by locality %d failed: %s",
                      (unsigned long long)r.id, m->source, floc_strerror(status));
        p += (r.len + 7) & ~(uint64_t)7;
        n++;
    }
    if (n != m->u.hdr.seq)
        FLOC_WARN(FLOC_LOG_API, "a malformed batch of posts from locality %d: %u of %u run",
                  m->source, n, m->u.hdr.seq);
    floc_ctx_lock(w);
    post_ran(a, m->source, m->u.hdr.seq, 1);
    floc_ctx_unlock(w);
}

static void serve_msg(struct floc_actions *a, act_msg_t *m)
{
    const act_hdr_t *h = &m->u.hdr;
    const size_t body = m->len >= sizeof *h ? m->len - sizeof *h : 0;
    const size_t want = h->flags & ACT_LARGE ? sizeof(floc_rkey_t) : h->len;
    /* (a batch's len is the bytes of its records) */
    const int has_data = h->type == ACT_CALL || h->type == ACT_POST || h->type == ACT_REPLY ||
                         h->type == ACT_BATCH;
    if (m->len < sizeof *h || (has_data && body != want) || m->source < 0 ||
        m->source >= a->ctx->size) {
        FLOC_WARN(FLOC_LOG_API, "a malformed action message (%zu bytes) from locality %d: dropped",
                  m->len, m->source);
        return;
    }
    /* every message may carry credits back */
    floc_ctx_lock(a->ctx);
    a->credits[m->source] += h->credits;
    floc_ctx_unlock(a->ctx);
    switch (h->type) {
    case ACT_CALL:
    case ACT_POST:
        serve_request(a, m);
        return;
    case ACT_BATCH:
        serve_batch(a, m);
        return;
    case ACT_ACK:
        floc_ctx_lock(a->ctx);
        unhold(a, h->seq, m->source);
        floc_ctx_unlock(a->ctx);
        return;
    case ACT_FLUSH: {
        act_flush_t *f = malloc(sizeof *f);
        floc_ctx_lock(a->ctx);
        if (f) {
            *f = (act_flush_t){a->flushes, m->source, h->token, h->seq};
            a->flushes = f;
            answer_flushes(a, m->source);
        }
        floc_ctx_unlock(a->ctx);
        return;
    }
    default:
        floc_act_caller_msg(a, m);
    }
}

/* the service: run what the mailbox queued, one message at a time */
static void serve(floc_ctx_t *ctx, void *arg)
{
    struct floc_actions *a = arg;
    for (;;) {
        floc_ctx_lock(ctx);
        act_msg_t *m = a->queue;
        if (m) {
            a->queue = m->next;
            if (!a->queue)
                a->queue_tail = &a->queue;
        } else {
            atomic_store_explicit(&ctx->service_due, 0, memory_order_release);
        }
        floc_ctx_unlock(ctx);
        if (!m)
            break;
        serve_msg(a, m);
        floc_ctx_lock(ctx);
        msg_free(a, m);
        floc_ctx_unlock(ctx);
    }
}

/* the per-peer arrays */
static void free_peers(struct floc_actions *a)
{
    for (int k = 0; a->batch && k < a->ctx->size; k++)
        free(a->batch[k]);
    free(a->batch);
    free(a->batch_len);
    free(a->batch_n);
    free(a->dirty);
    free(a->queued);
    free(a->credits);
    free(a->posts_sent);
    free(a->posts_flushed);
    free(a->posts_run);
    free(a->owed);
}

int floc_action_init(floc_ctx_t *ctx)
{
    floc_ctx_t *w = ctx->world;
    floc_ctx_lock(w);
    const size_t p = (size_t)w->size;
    struct floc_actions *a = calloc(1, sizeof *a);
    int ret = FLOC_ERR_NOMEM;
    if (!a)
        goto out;
    a->ctx = w;
    a->queue_tail = &a->queue;
    a->free_slot = UINT32_MAX;
    a->boxes = malloc((size_t)ACT_MAILBOX * ACT_MSG);
    a->credits = malloc(p * sizeof *a->credits);
    a->posts_sent = calloc(p, sizeof *a->posts_sent);
    a->posts_flushed = calloc(p, sizeof *a->posts_flushed);
    a->posts_run = calloc(p, sizeof *a->posts_run);
    a->owed = calloc(p, sizeof *a->owed);
    a->batch = calloc(p, sizeof *a->batch);
    a->batch_len = calloc(p, sizeof *a->batch_len);
    a->batch_n = calloc(p, sizeof *a->batch_n);
    a->dirty = calloc(p, sizeof *a->dirty);
    a->queued = calloc(p, 1);
    if (!a->queued || !a->boxes || !a->credits || !a->posts_sent || !a->posts_flushed || !a->posts_run ||
        !a->owed || !a->batch || !a->batch_len || !a->batch_n || !a->dirty)
        goto out;
    for (size_t k = 0; k < p; k++)
        a->credits[k] = FLOC_ACTION_CREDITS;
    for (int i = 0; i < ACT_MAILBOX; i++)
        if ((ret = post_box(a, i)))
            goto out;
    if ((ret = floc_progress_hook_add(w, mailbox_progress, mailbox_dump, a)))
        goto out;
    w->service_arg = a;
    w->service = serve;
    w->actions = a;
out:
    if (ret && a) {
        int posted = 0;
        for (int i = 0; i < ACT_MAILBOX; i++)
            if (a->posted[i]) {
                floc_req_abandon(w, a->posted[i]);
                posted = 1;
            }
        /* receives posted into the boxes keep them until the fabric closes */
        if (!posted)
            free(a->boxes);
        free_peers(a);
        free(a);
    }
    floc_ctx_unlock(w);
    return ret;
}

void floc_action_release(floc_ctx_t *ctx)
{
    struct floc_actions *a = ctx->actions;
    if (!a)
        return;
    floc_ctx_lock(ctx);
    for (uint32_t i = 0; i < a->nholds; i++)
        if (a->holds[i].caller >= 0)
            unhold(a, i, a->holds[i].caller);
    for (uint32_t t = 0; t < a->nslots; t++) {
        floc_p2p_unexpose(a->slots[t].args_mem);
        a->slots[t].args_mem = NULL;
    }
    floc_ctx_unlock(ctx);
}

void floc_action_free(floc_ctx_t *ctx)
{
    struct floc_actions *a = ctx->actions;
    if (!a)
        return;
    ctx->actions = NULL;
    ctx->service = NULL;
    for (act_msg_t *m = a->queue, *n; m; m = n) {
        n = m->next;
        free(m);
    }
    for (act_msg_t *m = a->spare, *n; m; m = n) {
        n = m->next;
        free(m);
    }
    for (act_flush_t *f = a->flushes, *n; f; f = n) {
        n = f->next;
        free(f);
    }
    floc_act_table_fini(a);
    free(a->boxes);
    free_peers(a);
    free(a->slots);
    free(a->holds);
    free(a->big);
    free(a);
}
