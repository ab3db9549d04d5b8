/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rma.c - one-sided operations through libfabric: writes, reads and
 * fetch-adds into a peer's registered memory, for floc's own traffic
 * (collectives) and for the users' (src/p2p checks their keys first).
 *
 * Writes are posted with FI_DELIVERY_COMPLETE: on tcp;ofi_rxm a plain
 * completion does not mean the target sees the data.  A window names a
 * registered buffer: its address at the owner, the start of the
 * registration it lies in, and the key; each rail turns it into its own
 * remote address (virtual, or an offset into the registration:
 * tcp;ofi_rxm's mode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/fi_atomic.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include "../core/ctx.h"
#include "fabric.h"

/* The remote address of win + offset on a rail. */
static uint64_t rail_raddr(const floc_fabric_t *f, int rail, const floc_rwin_t *win,
                           uint64_t offset)
{
    const int virt = rail ? f->nrail->virt_addr : f->virt_addr;
    return virt ? win->addr + offset : win->addr - win->base + offset;
}

static void set_op(floc_ctx_t *ctx, int write, void *local, size_t len, int owner,
                   const floc_rwin_t *win, uint64_t offset, floc_request_t *req)
{
    const int rail = floc_fabric_rail(ctx->fab, owner);
    floc_fab_req(req)->op = (floc_fab_op_t){
        .kind = write ? FLOC_OP_WRITE : FLOC_OP_READ, .buf = local, .len = len,
        .addr = floc_fabric_addr(ctx->fab, rail, owner), .rail = rail,
        .raddr = rail_raddr(ctx->fab, rail, win, offset), .rkey = win->key,
        /* delivery complete: on tcp;ofi_rxm a plain completion does not
         * mean the target sees the data */
        .flags = write ? FI_COMPLETION | FI_DELIVERY_COMPLETE : FI_COMPLETION};
}

int floc_rma_post_req(floc_ctx_t *ctx, int write, void *local, size_t len, int owner,
                      const floc_rwin_t *win, uint64_t offset, floc_request_t *req)
{
    if (!len)
        return 0;
    set_op(ctx, write, local, len, owner, win, offset, req);
    int ret = floc_fab_local_desc(ctx, req, 0, local, len, write ? FI_WRITE : FI_READ);
    return ret ? ret : floc_fabric_submit(ctx, req);
}

int floc_rma_post(floc_ctx_t *ctx, int write, void *local, size_t len, int owner,
                  const floc_rwin_t *win, uint64_t offset, floc_request_t **out)
{
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req)
        return FLOC_ERR_NOMEM;
    int ret = floc_rma_post_req(ctx, write, local, len, owner, win, offset, req);
    if (ret) {
        floc_req_release(ctx, req);
        return ret;
    }
    *out = req;
    return 0;
}

int floc_rma_put_inject(floc_ctx_t *ctx, const void *src, size_t len, int owner,
                        const floc_rwin_t *win, uint64_t offset)
{
    floc_fabric_t *f = ctx->fab;
    floc_request_t *req = floc_req_alloc(ctx, &f->puts_done);
    if (!req)
        return FLOC_ERR_NOMEM;
    req->counter_status = &f->put_status;
    set_op(ctx, 1, (void *)src, len, owner, win, offset, req);
    floc_fab_req(req)->op.flags |= FI_INJECT;
    int ret = floc_fabric_post_now(ctx, req);
    if (ret)
        floc_req_release(ctx, req);
    else
        f->puts_issued++;
    return ret;
}

static int puts_flushed(void *arg)
{
    const floc_fabric_t *f = ((floc_ctx_t *)arg)->fab;
    return f->puts_done == f->puts_issued;
}

int floc_rma_flush_wait(floc_ctx_t *ctx, double timeout)
{
    int ret = floc_progress_wait(ctx, puts_flushed, ctx, timeout);
    floc_ctx_lock(ctx);
    if (!ret && ctx->fab->put_status) {
        ret = ctx->fab->put_status;
        ctx->fab->put_status = 0;
    }
    floc_ctx_unlock(ctx);
    return ret;
}

int floc_rma_expose(floc_ctx_t *ctx, const void *buf, size_t len, int writable,
                    floc_mr_entry_t **entry, floc_rwin_t *win)
{
    /* a buffer the others only read may be read-only memory */
    int ret = floc_mr_cache_get(ctx, buf, len, writable ? FI_REMOTE_WRITE : FI_REMOTE_READ, entry);
    if (ret)
        return ret;
    *win = (floc_rwin_t){.addr = (uint64_t)(uintptr_t)buf, .base = (*entry)->base,
                         .key = fi_mr_key((*entry)->mr)};
    return 0;
}

int floc_rma_fetch_add_post(floc_ctx_t *ctx, uint64_t *buf, int owner, const floc_rwin_t *win,
                            uint64_t offset, floc_request_t *req)
{
    floc_fabric_t *f = ctx->fab;
    if (!f->has_atomic) {
        FLOC_WARN(FLOC_LOG_API, "provider %s has no atomics", f->prov_name);
        return FLOC_ERR_NOT_SUPPORTED;
    }
    floc_fab_req(req)->op = (floc_fab_op_t){
        .kind = FLOC_OP_FETCH_ADD, .buf = buf, .len = sizeof *buf, .addr = f->addrs[owner],
        .raddr = rail_raddr(f, 0, win, offset), .rkey = win->key};
    int ret = floc_fab_local_desc(ctx, req, 0, &buf[0], sizeof *buf, FI_WRITE);
    if (!ret)
        ret = floc_fab_local_desc(ctx, req, 1, &buf[1], sizeof *buf, FI_READ);
    return ret ? ret : floc_fabric_submit(ctx, req);
}
