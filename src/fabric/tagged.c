/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tagged.c - tagged messages through libfabric: floc's own (collectives,
 * control) and the users' (src/p2p/msg.c checks and calls these), with
 * the message protocol of fabric.h (eager up to FLOC_MSG_EAGER bytes,
 * else a header and the data in parts posted exactly).
 *
 * Matching uses exact tags only: a receive from one locality names its
 * address (FI_DIRECTED_RECV), a receive from any locality passes
 * FI_ADDR_UNSPEC, and the sender's id travels as remote CQ data.  No
 * ignore masks: libfabric 1.17's shm provider matches an *unexpected*
 * message against a receive's tag without its ignore bits, so a wildcard
 * receive posted after the message arrived never completes (seen here;
 * the provider also reports the receive's tag instead of the message's).
 * Requested ordering FI_ORDER_SAS keeps messages of one pair in order;
 * the parts of a long message carry a tag of their own (its number from
 * the sender), so they never match anything else.
 *
 * Every receive lands in a bounce buffer of FLOC_MSG_EAGER bytes first
 * (an eager message is copied out; a long message's parts go straight to
 * the receiver's buffer): the provider never truncates anything, floc
 * knows every message's true length, and a header is never read from
 * memory another receive may be writing.
 */
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include "../core/ctx.h"
#include "fabric.h"

/* the header of a long message */
typedef struct msg_header {
    uint64_t len;
    uint64_t seq;
} msg_header_t;

_Static_assert(sizeof(msg_header_t) <= FLOC_MSG_EAGER, "a header is an eager message");

/* ---- bounce buffers ------------------------------------------------- */

#define BOUNCE_PER_SLAB 64

struct floc_bounce_slab {
    struct floc_bounce_slab *next;
    floc_mr_entry_t *mr;       /* the slab's registration, held (FI_MR_LOCAL providers) */
    _Alignas(64) unsigned char mem[BOUNCE_PER_SLAB * FLOC_MSG_EAGER];
};

unsigned char *floc_tagged_bounce_get(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    if (!f->bounce_free) {
        /* calloc: the registration below may read what it registers, as
         * far as the compiler knows (a maybe-uninitialized warning) */
        struct floc_bounce_slab *s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        if (f->mr_local && floc_mr_cache_get(ctx, s->mem, sizeof s->mem, FI_RECV, &s->mr)) {
            free(s);
            return NULL;
        }
        s->next = f->bounce_slabs;
        f->bounce_slabs = s;
        for (int i = 0; i < BOUNCE_PER_SLAB; i++) {
            unsigned char *b = s->mem + (size_t)i * FLOC_MSG_EAGER;
            memcpy(b, &f->bounce_free, sizeof f->bounce_free);
            f->bounce_free = b;
        }
    }
    unsigned char *b = f->bounce_free;
    memcpy(&f->bounce_free, b, sizeof f->bounce_free);
    return b;
}

void floc_tagged_bounce_put(floc_ctx_t *ctx, unsigned char *b)
{
    floc_fabric_t *f = ctx->fab;
    memcpy(b, &f->bounce_free, sizeof f->bounce_free);
    f->bounce_free = b;
}

void floc_tagged_fini(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    while (f->bounce_slabs) {
        struct floc_bounce_slab *s = f->bounce_slabs;
        f->bounce_slabs = s->next;
        if (s->mr)
            floc_mr_cache_release(ctx, s->mr);
        free(s);
    }
    f->bounce_free = NULL;
    free(f->send_seq);
    f->send_seq = NULL;
}

/* ---- posting --------------------------------------------------------- */

/* floc's own messages to a locality of this node take the node rail;
 * user messages never (see fabric.h) */
static int tag_rail(floc_ctx_t *ctx, uint64_t tag, int peer)
{
    return (tag & FLOC_TAG_INTERNAL) && peer != FLOC_ANY_SOURCE && floc_fabric_rail(ctx->fab, peer);
}

static uint64_t full_tag(int tag, uint64_t space)
{
    return space | (uint32_t)tag;
}

/* the tag of the data parts of long message seq (user or internal) */
static uint64_t bulk_tag(uint64_t tag, uint64_t seq)
{
    return FLOC_TAG_BULK | (tag & FLOC_TAG_INTERNAL) | (uint32_t)seq;
}

/* one send op in req */
static int post_one_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                         uint64_t data, int rail, floc_request_t *req)
{
    floc_fab_req(req)->op = (floc_fab_op_t){
        .kind = FLOC_OP_SEND, .buf = (void *)buf, .len = len,
        .addr = floc_fabric_addr(ctx->fab, rail, dest), .rail = rail, .tag = tag, .data = data};
    int ret = floc_fab_local_desc(ctx, req, 0, buf, len, FI_SEND);
    return ret ? ret : floc_fabric_submit(ctx, req);
}

/* a part of parent's message: a request of its own, completing one of
 * the parent's parts */
static floc_request_t *part_of(floc_ctx_t *ctx, floc_request_t *parent)
{
    floc_request_t *r = floc_req_alloc(ctx, NULL);
    if (r) {
        ctx->reqs.live--;   /* never the user's: its parent is */
        r->magic = FLOC_REQ_PART;
        r->parent = parent;
        r->describe = floc_fabric_describe;
    }
    return r;
}

static void part_failed(floc_ctx_t *ctx, floc_request_t *part)
{
    part->parent = NULL;
    floc_req_release(ctx, part);
}

/* A long message: its header, then its data in parts, each a request of
 * its own under req.  Once the header is posted the message is under way:
 * a part that cannot be posted fails req when the others are done. */
static int post_long_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                          int rail, floc_request_t *req)
{
    floc_fabric_t *f = ctx->fab;
    floc_request_t *h = part_of(ctx, req);
    msg_header_t *hdr = h ? malloc(sizeof *hdr) : NULL;
    if (!hdr) {
        if (h)
            part_failed(ctx, h);
        return FLOC_ERR_NOMEM;
    }
    const uint32_t seq = f->send_seq[dest]++;
    *hdr = (msg_header_t){len, seq};
    h->heap = hdr;
    req->pending++;
    int ret = post_one_send(ctx, hdr, sizeof *hdr, dest, tag,
                            (uint64_t)ctx->rank | FLOC_CQ_HEADER, rail, h);
    if (ret) {
        req->pending--;
        part_failed(ctx, h);
        return ret;
    }
    for (size_t off = 0; off < len; off += FLOC_MSG_CHUNK) {
        const size_t clen = len - off < FLOC_MSG_CHUNK ? len - off : FLOC_MSG_CHUNK;
        floc_request_t *p = part_of(ctx, req);
        req->pending += p != NULL;
        ret = p ? post_one_send(ctx, (const char *)buf + off, clen, dest, bulk_tag(tag, seq),
                                (uint64_t)ctx->rank, rail, p)
                : FLOC_ERR_NOMEM;
        if (ret) {
            if (p) {
                req->pending--;
                part_failed(ctx, p);
            }
            req->status = ret;
            break;
        }
    }
    return 0;
}

static int post_send_now(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                         floc_request_t *req)
{
    const int rail = tag_rail(ctx, tag, dest);
    FLOC_TRACE(FLOC_LOG_FABRIC, "tsend req %p len %zu to %d tag %016llx", (void *)req, len, dest,
               (unsigned long long)tag);
    if (len <= FLOC_MSG_EAGER)
        return post_one_send(ctx, buf, len, dest, tag, (uint64_t)ctx->rank, rail, req);
    /* the parent posts nothing itself: its op says what it is, for the log */
    floc_fab_req(req)->op = (floc_fab_op_t){
        .kind = FLOC_OP_SEND, .buf = (void *)buf, .len = len,
        .addr = floc_fabric_addr(ctx->fab, rail, dest), .rail = rail, .tag = tag};
    return post_long_send(ctx, buf, len, dest, tag, rail, req);
}

/* a user message goes when the receiver's credit allows (credit.c), else
 * it is held, in order, until credit comes back */
static int post_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, uint64_t tag,
                     floc_request_t *req)
{
    if (tag & FLOC_TAG_INTERNAL)
        return post_send_now(ctx, buf, len, dest, tag, req);
    if (!floc_credit_ready(ctx, dest)) {
        floc_fab_req_t *fr = floc_fab_req(req);
        fr->op = (floc_fab_op_t){.kind = FLOC_OP_SEND, .buf = (void *)buf, .len = len,
                                 .addr = ctx->fab->addrs[dest], .tag = tag};
        fr->source = dest;
        floc_credit_hold(ctx, dest, req);
        return 0;
    }
    floc_credit_spend(ctx, dest);
    return post_send_now(ctx, buf, len, dest, tag, req);
}

int floc_tagged_send_held(floc_ctx_t *ctx, floc_request_t *req)
{
    const floc_fab_req_t *fr = floc_fab_req(req);
    return post_send_now(ctx, fr->op.buf, fr->op.len, fr->source, fr->op.tag, req);
}

static int post_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, uint64_t tag,
                     floc_request_t *req)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    const int rail = tag_rail(ctx, tag, source);
    fr->msg = FLOC_MSG_RECV;
    fr->ubuf = buf;
    fr->ucap = len;
    /* always into a bounce buffer: an eager message is copied out (a few
     * KiB at most), and a header never lands in the user's memory, where
     * the data of another message into the same buffer (a window of
     * receives, as OSU's bandwidth test posts) could overwrite it before
     * it is read */
    if (!(fr->bounce = floc_tagged_bounce_get(ctx)))
        return FLOC_ERR_NOMEM;
    req->fini = floc_fab_req_fini;
    void *into = fr->bounce;
    const size_t cap = FLOC_MSG_EAGER;
    fr->op = (floc_fab_op_t){
        .kind = FLOC_OP_RECV, .buf = into, .len = cap, .rail = rail, .tag = tag,
        .addr = source == FLOC_ANY_SOURCE ? FI_ADDR_UNSPEC
                                          : floc_fabric_addr(ctx->fab, rail, source)};
    int ret = floc_fab_local_desc(ctx, req, 0, into, cap, FI_RECV);
    if (ret)
        return ret;
    req->capacity = len;
    if (!(tag & FLOC_TAG_INTERNAL))
        floc_credit_posted(ctx, req, source);   /* stalled senders may need a loan */
    FLOC_TRACE(FLOC_LOG_FABRIC, "trecv req %p len %zu from %d tag %016llx", (void *)req, len,
               source, (unsigned long long)tag);
    return floc_fabric_submit(ctx, req);
}

int floc_tagged_post(floc_ctx_t *ctx, int send, void *buf, size_t len, int peer, int tag,
                     uint64_t space, floc_msg_status_t *status, floc_request_t **out)
{
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req)
        return FLOC_ERR_NOMEM;
    req->describe = floc_fabric_describe;
    const uint64_t t = full_tag(tag, space);
    int ret =
        send ? post_send(ctx, buf, len, peer, t, req) : post_recv(ctx, buf, len, peer, t, req);
    if (ret) {
        floc_req_release(ctx, req);
        return ret;
    }
    req->msg_out = status;
    *out = req;
    return 0;
}

/* ---- receiving --------------------------------------------------------- */

static void log_truncated(const floc_request_t *req, uint64_t len, size_t cap)
{
    FLOC_WARN(FLOC_LOG_API, "message of %llu bytes from locality %d (tag %d) truncated to the "
              "%zu-byte receive buffer (%llu bytes more)", (unsigned long long)len,
              req->msg.source, req->msg.tag, cap, (unsigned long long)(len - cap));
}

/* Post a data part of req's message: [off, off + clen) into `into`. */
static int post_part(floc_ctx_t *ctx, floc_request_t *req, void *into, uint64_t off, size_t clen,
                     unsigned msg)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    floc_request_t *p = part_of(ctx, req);
    if (!p)
        return FLOC_ERR_NOMEM;
    floc_fab_req_t *pr = floc_fab_req(p);
    pr->msg = msg;
    pr->next = off;
    pr->op = (floc_fab_op_t){.kind = FLOC_OP_RECV, .buf = into, .len = clen, .rail = fr->op.rail,
                             .tag = fr->bulk_tag,
                             .addr = floc_fabric_addr(ctx->fab, fr->op.rail, fr->source)};
    req->pending++;
    int ret = floc_fab_local_desc(ctx, p, 0, into, clen, FI_RECV);
    if (!ret)
        ret = floc_fabric_submit(ctx, p);
    if (ret) {
        req->pending--;
        part_failed(ctx, p);
    }
    return ret;
}

/* the next part of a truncated message past the receive buffer, into the drain */
static int post_drain(floc_ctx_t *ctx, floc_request_t *req)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    const uint64_t left = fr->end - fr->next;
    const size_t clen = left < FLOC_MSG_CHUNK ? (size_t)left : FLOC_MSG_CHUNK;
    return post_part(ctx, req, fr->drain, fr->next, clen, FLOC_MSG_DRAIN);
}

/* A header arrived: post the message's parts, exactly, into the
 * receive buffer as far as it goes, then through the drain. */
static int header_arrived(floc_ctx_t *ctx, floc_request_t *req, const msg_header_t *hdr)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    fr->bulk_tag = bulk_tag(fr->op.tag, hdr->seq);
    fr->end = hdr->len;
    req->msg.len = (size_t)hdr->len;
    int status = 0;
    uint64_t off = 0;
    for (; off < hdr->len; off += FLOC_MSG_CHUNK) {
        const uint64_t clen = hdr->len - off < FLOC_MSG_CHUNK ? hdr->len - off : FLOC_MSG_CHUNK;
        if (off + clen > fr->ucap)
            break;   /* past the buffer: truncated */
        int ret = post_part(ctx, req, (char *)fr->ubuf + off, off, (size_t)clen, 0);
        if (ret)
            return ret;
    }
    if (off < hdr->len) {
        log_truncated(req, hdr->len, fr->ucap);
        const uint64_t left = hdr->len - off;
        fr->drain = malloc(left < FLOC_MSG_CHUNK ? (size_t)left : FLOC_MSG_CHUNK);
        if (!fr->drain)
            return FLOC_ERR_NOMEM;
        req->fini = floc_fab_req_fini;
        fr->next = off;
        int ret = post_drain(ctx, req);
        status = ret ? ret : FLOC_ERR_TRUNCATED;
    }
    return status;
}

/* A drained part arrived: the bytes of it within the receive buffer go
 * there; the next part follows through the same drain. */
static int drained(floc_ctx_t *ctx, floc_request_t *part, size_t len)
{
    floc_request_t *req = part->parent;
    floc_fab_req_t *fr = floc_fab_req(req);
    const uint64_t off = floc_fab_req(part)->next;
    if (off < fr->ucap)
        memcpy((char *)fr->ubuf + off, fr->drain, (size_t)(fr->ucap - off));
    fr->next = off + len;
    return fr->next < fr->end ? post_drain(ctx, req) : 0;
}

int floc_tagged_completion(floc_ctx_t *ctx, floc_request_t *req, size_t len, uint64_t data)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    if (fr->msg == FLOC_MSG_DRAIN)
        return drained(ctx, req, len);
    if (fr->msg == FLOC_MSG_CREDIT)
        return floc_credit_arrived(ctx, req, len, data);
    if (fr->msg != FLOC_MSG_RECV)
        return 0;   /* a data part straight into the buffer */
    fr->source = (int)(data & ~(uint64_t)FLOC_CQ_HEADER);
    req->msg.source = fr->source;
    if (!(fr->op.tag & FLOC_TAG_INTERNAL))
        floc_credit_received(ctx, req, fr->source);   /* a user message (or its header) taken */
    const unsigned char *got = fr->bounce;
    if (data & FLOC_CQ_HEADER) {
        msg_header_t hdr;
        if (len != sizeof hdr) {
            FLOC_ERROR(FLOC_LOG_FABRIC, "a message header of %zu bytes from locality %d",
                       len, fr->source);
            return FLOC_ERR_FABRIC;
        }
        memcpy(&hdr, got, sizeof hdr);
        return header_arrived(ctx, req, &hdr);
    }
    req->msg.len = len;
    if (fr->ucap && len)
        memcpy(fr->ubuf, fr->bounce, len < fr->ucap ? len : fr->ucap);
    if (len > fr->ucap) {
        log_truncated(req, len, fr->ucap);
        return FLOC_ERR_TRUNCATED;
    }
    return 0;
}

/* ---- injection ----------------------------------------------------------- */

size_t floc_tagged_inject_max(const floc_ctx_t *ctx)
{
    const size_t inj = ctx->fab->inject_size;
    return inj < FLOC_MSG_EAGER ? inj : FLOC_MSG_EAGER;
}

/*
 * A small user message by injection: the provider copies buf at once and
 * reports no completion (a send window of 16-byte messages: 57-62 MB/s,
 * 45-52 with a completion per message).  Only when nothing older to dest
 * waits in the backlog or for credit: message order.
 */
int floc_tagged_try_inject(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                           uint64_t space)
{
    floc_fabric_t *f = ctx->fab;
    if (len > floc_tagged_inject_max(ctx) || floc_fabric_backlog_holds(ctx, 0, f->addrs[dest]) ||
        !floc_credit_ready(ctx, dest))
        return 0;
    ssize_t r = fi_tinjectdata(f->fi.ep, buf, len, (uint64_t)ctx->rank, f->addrs[dest],
                               full_tag(tag, space));
    if (r == -FI_EAGAIN)
        return 0;
    if (r)
        return floc_fabric_err((int)r, "fi_tinjectdata");
    floc_credit_spend(ctx, dest);
    return 1;
}
