/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * transport.c - the collectives' transport (engine.h) over the fabric:
 * internal tagged messages (kept apart from the users' tags) and RMA
 * through cached registrations.
 */
#include "engine.h"
#include "../core/ctx.h"
#include "../fabric/fabric.h"

static int fabric_msg(floc_ctx_t *ctx, int send, void *buf, size_t len, int peer, uint32_t cid,
                      int tag, floc_request_t **out)
{
    return floc_tagged_post(ctx, send, buf, len, peer, tag, FLOC_TAG_SPACE(1, cid), NULL, out);
}

static int fabric_expose(floc_ctx_t *ctx, const void *buf, size_t len, int writable, void **handle,
                         floc_rwin_t *win)
{
    floc_mr_entry_t *e = NULL;
    int ret = floc_rma_expose(ctx, buf, len, writable, &e, win);
    *handle = e;
    return ret;
}

static void fabric_unexpose(floc_ctx_t *ctx, void *handle)
{
    floc_mr_cache_release(ctx, handle);
}

const floc_coll_transport_t floc_coll_fabric_transport = {
    .msg = fabric_msg,
    .rma = floc_rma_post,
    .expose = fabric_expose,
    .unexpose = fabric_unexpose,
    .describe = floc_fabric_describe,
};
