/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/msg.h - tagged point-to-point messages.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_MSG_H
#define FLOC_MSG_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Tagged messages (control plane, point-to-point)                     */
/* ------------------------------------------------------------------ */
#define FLOC_ANY_SOURCE (-1)
#define FLOC_ANY_TAG    (-1)     /* a receive or probe: any tag (see floc_recv) */
#define FLOC_TAG_MAX    0x7fffffff

typedef struct floc_msg_status {
    int    source;  /* sender's locality id */
    int    tag;
    size_t len;     /* bytes received */
} floc_msg_status_t;

/*
 * Send len bytes to locality dest with tag (0..FLOC_TAG_MAX).  Messages
 * between one pair with matching tags arrive in the order sent.
 * Blocking: returns when buf may be reused.  When it gives up
 * (FLOC_ERR_TIMEOUT, FLOC_ERR_PEER_LOST), a message still waiting in
 * floc (queued, held for want of credit, or a large one to itself) is
 * withdrawn and never read; one a fabric provider has taken already
 * cannot be, and may still be read from buf: keep buf alive then.
 */
FLOC_API int floc_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag);
/*
 * Receive into buf (capacity len) a message from source (or
 * FLOC_ANY_SOURCE) with this tag (or FLOC_ANY_TAG).  status may be NULL;
 * it names the message's sender, tag and length.  A longer message gives
 * FLOC_ERR_TRUNCATED.  FLOC_ANY_TAG needs the node message path (every
 * locality it could come from on this node, docs/p2p.md):
 * FLOC_ERR_NOT_SUPPORTED through the fabric.
 */
FLOC_API int floc_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                       floc_msg_status_t *status);
FLOC_API int floc_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                        floc_request_t **req);
/* status, if not NULL, is written when the request completes. */
FLOC_API int floc_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                        floc_msg_status_t *status, floc_request_t **req);

/*
 * Has a message that floc_recv(source, tag) would take come?  *flag 1
 * and *status (may be NULL) its sender, tag and length; 0 if not yet.
 * The message stays to be received.  floc_probe waits until one has.
 * Needs the node message path, as FLOC_ANY_TAG does.
 */
FLOC_API int floc_iprobe(floc_ctx_t *ctx, int source, int tag, int *flag,
                         floc_msg_status_t *status);
FLOC_API int floc_probe(floc_ctx_t *ctx, int source, int tag, floc_msg_status_t *status);

#ifdef __cplusplus
}
#endif
#endif /* FLOC_MSG_H */
