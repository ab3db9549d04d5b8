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
#define FLOC_TAG_MAX    0x7fffffff

typedef struct floc_msg_status {
    int    source;  /* sender's locality id */
    int    tag;
    size_t len;     /* bytes received */
} floc_msg_status_t;

/*
 * Send len bytes to locality dest with tag (0..FLOC_TAG_MAX).  Messages
 * between one pair with matching tags arrive in the order sent.
 * Blocking: returns when buf may be reused.
 */
FLOC_API int floc_send(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag);
/*
 * Receive into buf (capacity len) a message from source (or FLOC_ANY_SOURCE)
 * with exactly this tag (there is no wildcard tag).  status may be NULL.
 * A longer message gives FLOC_ERR_TRUNCATED.
 */
FLOC_API int floc_recv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                       floc_msg_status_t *status);
FLOC_API int floc_isend(floc_ctx_t *ctx, const void *buf, size_t len, int dest, int tag,
                        floc_request_t **req);
/* status, if not NULL, is written when the request completes. */
FLOC_API int floc_irecv(floc_ctx_t *ctx, void *buf, size_t len, int source, int tag,
                        floc_msg_status_t *status, floc_request_t **req);

#ifdef __cplusplus
}
#endif
#endif /* FLOC_MSG_H */
