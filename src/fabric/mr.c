/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mr.c - memory registration and the registration cache.
 *
 * The cache keeps registrations of local buffers (descriptors for
 * FI_MR_LOCAL providers, zero-copy sources of collectives) so that a
 * buffer used again is not registered again.  An entry covers a range;
 * a lookup hits when a cached range with the needed access contains the
 * request.  Full cache: the least recently used unreferenced entry goes.
 *
 * Limit, written down: the cache does not watch munmap/free.  A buffer
 * freed and another allocated at the same address reuses the old
 * registration; that is harmless for providers that register virtual
 * ranges only (shm, tcp) and the reason FLOC_MR_CACHE=0 exists for
 * pinning providers on systems without libfabric's own MR monitor.
 */
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>

#include "../core/ctx.h"
#include "fabric.h"

static int bind_to(struct fid_mr *mr, struct fid_ep *ep)
{
    int ret = fi_mr_bind(mr, &ep->fid, 0);
    return ret ? ret : fi_mr_enable(mr);
}

int floc_mr_reg(floc_ctx_t *ctx, void *buf, size_t len, uint64_t access, struct fid_mr **mr,
                struct fid_mr **node_mr)
{
    floc_fabric_t *f = ctx->fab;
    uint64_t key = f->prov_key ? 0 : f->next_key++;
    *node_mr = NULL;
    int ret = fi_mr_reg(f->fi.domain, buf, len, access, 0, key, 0, mr, NULL);
    if (ret)
        return floc_fabric_err(ret, "fi_mr_reg");
    if (f->mr_endpoint && (ret = bind_to(*mr, f->fi.ep))) {
        fi_close(&(*mr)->fid);
        *mr = NULL;
        return floc_fabric_err(ret, "fi_mr_bind/enable");
    }
    floc_node_rail_t *nr = f->nrail;
    if (!nr)
        return 0;
    /* the same key on the node rail: one remote key reaches the region
     * through either provider (keys of the main one are unique, so they
     * are unique here too) */
    ret = fi_mr_reg(nr->fi.domain, buf, len, access, 0, fi_mr_key(*mr), 0, node_mr, NULL);
    if (!ret && nr->mr_endpoint && (ret = bind_to(*node_mr, nr->fi.ep))) {
        fi_close(&(*node_mr)->fid);
        *node_mr = NULL;
    }
    if (ret) {
        fi_close(&(*mr)->fid);
        *mr = NULL;
        return floc_fabric_err(ret, "fi_mr_reg (node rail)");
    }
    return 0;
}

void floc_mr_close(struct fid_mr *mr, struct fid_mr *node_mr)
{
    int ret = node_mr ? fi_close(&node_mr->fid) : 0;
    if (ret)
        FLOC_WARN(FLOC_LOG_FABRIC, "fi_close(mr, node rail): %s", fi_strerror(-ret));
    ret = fi_close(&mr->fid);
    if (ret)
        FLOC_WARN(FLOC_LOG_FABRIC, "fi_close(mr): %s", fi_strerror(-ret));
}

floc_mr_entry_t *floc_mr_cache_find(floc_mr_cache_t *c, uintptr_t base, size_t len, uint64_t access)
{
    for (size_t i = 0; i < c->n; i++) {
        floc_mr_entry_t *e = &c->entries[i];
        if (e->base <= base && base - e->base <= e->len && len <= e->len - (base - e->base) &&
            (e->access & access) == access)
            return e;
    }
    return NULL;
}

/* Slot for a new entry: a free one, else the LRU unreferenced one (evicted). */
static floc_mr_entry_t *cache_slot(floc_mr_cache_t *c)
{
    if (c->n < c->cap)
        return &c->entries[c->n++];
    floc_mr_entry_t *victim = NULL;
    for (size_t i = 0; i < c->n; i++) {
        floc_mr_entry_t *e = &c->entries[i];
        if (e->refs == 0 && (!victim || e->last_use < victim->last_use))
            victim = e;
    }
    if (victim) {
        floc_mr_close(victim->mr, victim->node_mr);
        memset(victim, 0, sizeof *victim);
    }
    return victim;
}

int floc_mr_cache_get(floc_ctx_t *ctx, const void *buf, size_t len, uint64_t access,
                      floc_mr_entry_t **entry)
{
    floc_fabric_t *f = ctx->fab;
    floc_mr_cache_t *c = &f->cache;
    floc_mr_entry_t *e = NULL;

    if (f->cache_enabled) {
        e = floc_mr_cache_find(c, (uintptr_t)buf, len, access);
        if (e) {
            c->hits++;
            e->refs++;
            e->last_use = ++c->clock;
            *entry = e;
            return 0;
        }
        c->misses++;
        e = cache_slot(c);
    }
    int standalone = e == NULL;
    if (standalone && !(e = calloc(1, sizeof *e)))
        return FLOC_ERR_NOMEM;
    int ret = floc_mr_reg(ctx, (void *)buf, len, access, &e->mr, &e->node_mr);
    if (ret) {
        if (standalone)
            free(e);
        else
            memset(e, 0, sizeof *e);   /* an empty slot never matches (access 0) */
        return ret;
    }
    e->base = (uintptr_t)buf;
    e->len = len;
    e->access = access;
    e->refs = 1;
    e->last_use = ++c->clock;
    e->standalone = standalone;
    *entry = e;
    return 0;
}

void floc_mr_cache_release(floc_ctx_t *ctx, floc_mr_entry_t *e)
{
    (void)ctx;
    if (!e)
        return;
    if (e->standalone) {
        floc_mr_close(e->mr, e->node_mr);
        free(e);
        return;
    }
    if (e->refs > 0)
        e->refs--;
}

void floc_mr_cache_fini(floc_ctx_t *ctx)
{
    floc_mr_cache_t *c = &ctx->fab->cache;
    for (size_t i = 0; i < c->n; i++)
        if (c->entries[i].mr)
            floc_mr_close(c->entries[i].mr, c->entries[i].node_mr);
    c->n = 0;
}

void floc_fab_req_fini(floc_request_t *req)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    floc_credit_unwant(req->ctx, req);   /* a user receive that ended without a message */
    for (int i = 0; i < 2; i++)
        if (fr->mr_entry[i])
            floc_mr_cache_release(req->ctx, fr->mr_entry[i]);
    if (fr->bounce)
        floc_tagged_bounce_put(req->ctx, fr->bounce);
    free(fr->drain);
}

int floc_fab_local_desc(floc_ctx_t *ctx, floc_request_t *req, int slot, const void *buf,
                        size_t len, uint64_t access)
{
    floc_fab_req_t *fr = floc_fab_req(req);
    fr->op.desc[slot] = NULL;
    if (!len || !floc_fabric_mr_local(ctx->fab, fr->op.rail))
        return 0;
    int ret = floc_mr_cache_get(ctx, buf, len, access, &fr->mr_entry[slot]);
    if (ret)
        return ret;
    req->fini = floc_fab_req_fini;
    fr->op.desc[slot] = floc_fabric_desc(fr->mr_entry[slot], fr->op.rail);
    return 0;
}
