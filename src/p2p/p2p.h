/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p2p.h - what the public point-to-point and one-sided calls share.
 * Internal.
 *
 * src/p2p is the users' door to the transports: it checks what the user
 * passed, then picks the path to the peer: a plain copy through the
 * shared mapping of a same-node floc_mem_alloc region (src/node), or
 * libfabric (src/fabric).  Nothing below it knows the other path.
 *
 *   mem.c  registrations and allocations, remote keys
 *   rma.c  put, get, fetch-add, flush
 *   msg.c    tagged messages: the node message path or the fabric
 *   local.c  the node message path (docs/p2p.md)
 */
#ifndef FLOC_P2P_H
#define FLOC_P2P_H

#include "../core/ctx.h"
#include "../fabric/fabric.h"

/*
 * The check field of a remote key: a hash of its fields, seeded with the
 * job's namespace: catches keys that were altered or never made by
 * floc_mem_rkey (a mistake, not an attack: the check is not secret).
 * Word by word with a multiply-xor mix, inline: every put and get checks
 * its key, and the byte-wise FNV-1a this replaced was 40% of a direct
 * 8-byte put.
 */
static inline uint32_t floc_rkey_check(const floc_ctx_t *ctx, const floc_rkey_t *k)
{
    uint64_t h = ctx->fab->rkey_salt;
    const uint64_t words[4] = {k->addr, k->len, k->key,
                               (uint64_t)(uint32_t)k->owner | (uint64_t)k->access << 32};
    for (int i = 0; i < 4; i++) {
        h = (h ^ words[i]) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* The fabric's window of a remote key. */
static inline floc_rwin_t floc_rkey_win(const floc_rkey_t *rkey)
{
    return (floc_rwin_t){.addr = rkey->addr, .base = rkey->addr, .key = rkey->key};
}

/* rma.c: a checked one-sided access (func: the public call, for the
 * log): done at once through the node's shared mapping, or posted to the
 * fabric; *out is a plain request (not a user's handle). */
int floc_p2p_rma(floc_ctx_t *ctx, int write, void *local, size_t len, const floc_rkey_t *rkey,
                 size_t offset, floc_request_t **out, const char *func);

/* rma.c: a blocking read for floc's layers that go on after a loss (the
 * actions' large arguments and replies): it fails with
 * FLOC_ERR_PEER_LOST only when the owner of rkey is lost, while floc_get
 * fails on any loss. */
int floc_p2p_get_own(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey);

/* mem.c: a layer's own exposure of [buf, buf + len) to remote reads (the
 * actions' large arguments and replies): not one of the user's
 * registrations (finalize does not wait for it).  Caller holds the lock
 * for both. */
int floc_p2p_expose(floc_ctx_t *ctx, const void *buf, size_t len, floc_mem_t **mem,
                    floc_rkey_t *rkey);
void floc_p2p_unexpose(floc_mem_t *mem);
/* 1 if rkey names a region this locality has registered (or exposed)
 * and not released, exactly (address, length, key, access).  A key of
 * this locality's own is checked so before an access: a stale or forged
 * one would go to the provider, whose shm transfers to self with a bad
 * address or key never complete (libfabric 1.17: the error reaches no
 * request).  Caller holds the lock. */
int floc_p2p_own_region(floc_ctx_t *ctx, const floc_rkey_t *rkey);

/*
 * local.c: the node message path between the localities of one node
 * (through the node segment's queues, floc's own matching), decided once
 * at init.  Peers are world ids (FLOC_ANY_SOURCE for a receive), tags
 * the user's (FLOC_ANY_TAG for a receive), ctx the caller's (a team's
 * messages carry its context id).
 */
typedef struct floc_p2p floc_p2p_t;
/* after the node layer: on when the node has its segment with queues,
 * CMA works between its localities and FLOC_NODE_P2P is on */
int floc_local_init(floc_ctx_t *world);
/* Will floc_local_init make the node path (the node segment is up and
 * agreed, FLOC_NODE_P2P, process_vm_readv allowed)?  The same answer at
 * every locality of a node. */
int floc_local_possible(const floc_ctx_t *world);
void floc_local_fini(floc_ctx_t *world);
/* 1 if messages with world id peer (FLOC_ANY_SOURCE: with every
 * locality) take the node path */
int floc_local_reaches(const floc_ctx_t *ctx, int peer);
/* out NULL: a blocking send (returns when buf may be reused); else a
 * plain request (not a user's handle).  The caller checked the arguments. */
int floc_local_send(floc_ctx_t *ctx, const void *buf, size_t len, int to, int tag,
                    floc_request_t **out);
/* a job of several nodes with node peers here: a receive from
 * FLOC_ANY_SOURCE goes through floc_local_recv_any (both paths) */
int floc_local_mixed(const floc_ctx_t *ctx);
/* a receive from any locality, posted on the fabric and on this path
 * (local.c, "Receives from anyone"); *out is the fabric's request */
int floc_local_recv_any(floc_ctx_t *ctx, void *buf, size_t len, int tag,
                        floc_msg_status_t *status, floc_request_t **out);
/* The same for floc's own layers (the actions' messages: their context
 * id and tag space), the caller holding the lock.  send_now: 1 sent (buf
 * free again), 0 not now (then isend_locked, whose request borrows buf),
 * or an error.  The requests are plain ones of ctx. */
int floc_local_send_now(floc_ctx_t *world, uint32_t cid, const void *buf, size_t len, int to,
                        int tag);
int floc_local_isend_locked(floc_ctx_t *ctx, uint32_t cid, const void *buf, size_t len, int to,
                            int tag, floc_request_t **out);
int floc_local_irecv_locked(floc_ctx_t *ctx, uint32_t cid, void *buf, size_t len, int from,
                            int tag, floc_msg_status_t *status, floc_request_t **out);
int floc_local_recv_any_locked(floc_ctx_t *ctx, uint32_t cid, uint64_t space, void *buf,
                               size_t len, int tag, floc_msg_status_t *status,
                               floc_request_t **out);
/* 1 (and *status) if a message the receive (from, tag) would take has
 * come, 0 if not (block: waits until one has), < 0 on an error */
int floc_local_probe(floc_ctx_t *ctx, int from, int tag, int block, floc_msg_status_t *status);

#endif
