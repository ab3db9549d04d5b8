/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rma.c - the public one-sided calls: put, get, their nonblocking forms,
 * fetch-add and flush.
 *
 * A remote access is checked against the key before anything is posted:
 * the target locality must exist and [offset, offset+len) must lie inside
 * the registered region.  Accesses to memory a same-node peer allocated
 * with floc_mem_alloc are copies through its mapping (src/node/mem.c),
 * done before the call returns; everything else goes through the fabric.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p2p.h"
#include "../node/node.h"
#include "../core/tool.h"

/* Checks shared by every remote access (need: the FLOC_MEM_* flag the
 * access takes); 0 or the error to return. */
static int check_remote_of(floc_ctx_t *ctx, const char *func, const void *local,
                           const floc_rkey_t *rkey, size_t offset, size_t len, unsigned need,
                           int any_loss)
{
    FLOC_CHECK_CTX(ctx);
    if (!rkey)
        return FLOC_INVALID("%s: rkey is NULL", func);
    if (!local && len)
        return FLOC_INVALID("%s: local buffer is NULL", func);
    if (rkey->owner < 0 || rkey->owner >= ctx->size)
        return FLOC_INVALID("%s: rkey owner %d outside [0, %d)", func, (int)rkey->owner, ctx->size);
    if (rkey->check != floc_rkey_check(ctx, rkey)) {
        FLOC_WARN(FLOC_LOG_API, "%s: rkey for locality %d fails its check: not made by "
                  "floc_mem_rkey in this job, or altered", func, (int)rkey->owner);
        return FLOC_ERR_ACCESS;
    }
    if (!(rkey->access & need)) {
        FLOC_WARN(FLOC_LOG_API, "%s: locality %d registered the region without %s", func,
                  (int)rkey->owner, need == FLOC_MEM_REMOTE_WRITE  ? "FLOC_MEM_REMOTE_WRITE"
                                    : need == FLOC_MEM_REMOTE_READ ? "FLOC_MEM_REMOTE_READ"
                                                                   : "FLOC_MEM_REMOTE_ATOMIC");
        return FLOC_ERR_ACCESS;
    }
    if (offset > rkey->len || len > rkey->len - offset) {
        FLOC_WARN(FLOC_LOG_API, "%s: [%zu, +%zu) outside the %llu-byte region of locality %d",
                  func, offset, len, (unsigned long long)rkey->len, (int)rkey->owner);
        return FLOC_ERR_ACCESS;
    }
    if (rkey->owner == ctx->rank) {
        floc_ctx_lock(ctx);
        const int live = floc_p2p_own_region(ctx, rkey);
        floc_ctx_unlock(ctx);
        if (!live) {
            FLOC_WARN(FLOC_LOG_API, "%s: rkey names no region this locality has registered now "
                      "(deregistered since, or not made by floc_mem_rkey)", func);
            return FLOC_ERR_ACCESS;
        }
    }
    if (any_loss ? floc_ctx_peer_lost(ctx) : floc_ctx_locality_lost(ctx, rkey->owner))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

/* ... for the public calls: after any loss, the job's own traffic fails
 * (docs/core.md, peer loss) */
static int check_remote(floc_ctx_t *ctx, const char *func, const void *local,
                        const floc_rkey_t *rkey, size_t offset, size_t len, unsigned need)
{
    return check_remote_of(ctx, func, local, rkey, offset, len, need, 1);
}

/* A checked access to a same-node peer's floc_mem_alloc memory: done here
 * by a copy through its mapping, and for a nonblocking one (out) a
 * request that is complete already, under the same lock.  1 if done, 0:
 * use the fabric, < 0: no memory for the request (the copy is done). */
static int direct(floc_ctx_t *ctx, int write, void *local, size_t len, const floc_rkey_t *rkey,
                  size_t offset, floc_request_t **out)
{
    if (!ctx->node->enabled || len == 0)
        return 0;
    floc_ctx_lock(ctx);
    void *p = floc_node_mem_reach(ctx, rkey->owner, rkey->addr + offset, len,
                                  write ? FLOC_MEM_REMOTE_WRITE : FLOC_MEM_REMOTE_READ);
    if (p && !write) {
        memcpy(local, p, len);
    } else if (p && len > ctx->node->stream_above) {
        floc_node_stream_copy(p, local, len);
        floc_node_stream_fence();
    } else if (p) {
        memcpy(p, local, len);
    }
    int ret = p != NULL;
    if (p && out && !(*out = floc_req_complete_new(ctx)))
        ret = FLOC_ERR_NOMEM;
    floc_ctx_unlock(ctx);
    return ret;
}

/* Post a checked access through the fabric with a request for the caller. */
static int fabric_request(floc_ctx_t *ctx, int write, void *local, size_t len,
                          const floc_rkey_t *rkey, size_t offset, floc_request_t **out)
{
    const floc_rwin_t win = floc_rkey_win(rkey);
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    int ret = req ? floc_rma_post_req(ctx, write, local, len, rkey->owner, &win, offset, req)
                  : FLOC_ERR_NOMEM;
    if (ret && req)
        floc_req_release(ctx, req);
    floc_ctx_unlock(ctx);
    if (!ret)
        *out = req;
    return ret;
}

int floc_p2p_rma(floc_ctx_t *ctx, int write, void *local, size_t len, const floc_rkey_t *rkey,
                 size_t offset, floc_request_t **out, const char *func)
{
    ctx = floc_ctx_world_of(ctx);
    int ret = check_remote(ctx, func, local, rkey, offset, len,
                           write ? FLOC_MEM_REMOTE_WRITE : FLOC_MEM_REMOTE_READ);
    if (ret)
        return ret;
    if (!out)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    if ((ret = direct(ctx, write, local, len, rkey, offset, out)))
        return ret < 0 ? ret : 0;
    return fabric_request(ctx, write, local, len, rkey, offset, out);
}

static int floc_iput_impl(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey,
                          size_t offset, floc_request_t **req)
{
    int ret = floc_p2p_rma(ctx, 1, (void *)src, len, rkey, offset, req, "floc_iput");
    if (!ret)
        *req = floc_req_handle(*req);
    return ret;
}

int floc_iput(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey, size_t offset,
              floc_request_t **req)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_PUT, ctx, len, rkey ? rkey->owner : -1, 1);
    return floc_tool_leave(&t, floc_iput_impl(ctx, src, len, rkey, offset, req));
}

static int floc_iget_impl(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey,
                          size_t offset, floc_request_t **req)
{
    int ret = floc_p2p_rma(ctx, 0, dst, len, rkey, offset, req, "floc_iget");
    if (!ret)
        *req = floc_req_handle(*req);
    return ret;
}

int floc_iget(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey, size_t offset,
              floc_request_t **req)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_GET, ctx, len, rkey ? rkey->owner : -1, 1);
    return floc_tool_leave(&t, floc_iget_impl(ctx, dst, len, rkey, offset, req));
}

static int floc_put_impl(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey,
                         size_t offset)
{
    ctx = floc_ctx_world_of(ctx);
    int ret = check_remote(ctx, __func__, src, rkey, offset, len, FLOC_MEM_REMOTE_WRITE);
    if (ret || len == 0 || direct(ctx, 1, (void *)src, len, rkey, offset, NULL))
        return ret;
    if (len > ctx->fab->inject_size) {
        /* Zero-copy: the provider reads src until the write completes,
         * and src must be reusable when floc_put returns. */
        floc_request_t *req;
        ret = fabric_request(ctx, 1, (void *)src, len, rkey, offset, &req);
        return ret ? ret : floc_req_wait_blocking(req);
    }
    const floc_rwin_t win = floc_rkey_win(rkey);
    floc_ctx_lock(ctx);
    ret = floc_rma_put_inject(ctx, src, len, rkey->owner, &win, offset);
    floc_ctx_unlock(ctx);
    return ret;
}

int floc_put(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey, size_t offset)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_PUT, ctx, len, rkey ? rkey->owner : -1, 0);
    return floc_tool_leave(&t, floc_put_impl(ctx, src, len, rkey, offset));
}

static int floc_get_impl(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey,
                         size_t offset)
{
    floc_request_t *req;
    int ret = floc_p2p_rma(ctx, 0, dst, len, rkey, offset, &req, "floc_get");
    return ret ? ret : floc_req_wait_blocking(req);
}

int floc_get(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey, size_t offset)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_GET, ctx, len, rkey ? rkey->owner : -1, 0);
    return floc_tool_leave(&t, floc_get_impl(ctx, dst, len, rkey, offset));
}

/* own_get: done when the read completed or its owner is lost */
struct own_get {
    floc_ctx_t *ctx;
    floc_request_t *req;
    int owner;
};

static int own_get_done(void *arg)
{
    const struct own_get *g = arg;
    return floc_req_complete(g->req) || floc_ctx_locality_lost(g->ctx, g->owner);
}

int floc_p2p_get_own(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey)
{
    ctx = floc_ctx_world_of(ctx);
    int ret = check_remote_of(ctx, __func__, dst, rkey, 0, len, FLOC_MEM_REMOTE_READ, 0);
    if (ret || len == 0 || (ret = direct(ctx, 0, dst, len, rkey, 0, NULL)))
        return ret < 0 ? ret : 0;
    floc_request_t *req;
    if ((ret = fabric_request(ctx, 0, dst, len, rkey, 0, &req)))
        return ret;
    req->own_loss = 1;
    struct own_get g = {ctx, req, rkey->owner};
    ret = floc_progress_wait_own(ctx, own_get_done, &g, 0.0);
    floc_ctx_lock(ctx);
    if (!ret && !floc_req_complete(req)) {
        /* the owner is lost: take the read back where the transport can */
        ret = FLOC_ERR_PEER_LOST;
        if (req->cancel)
            req->cancel(req);
    } else if (!ret && (ret = req->status) && floc_ctx_locality_lost(ctx, rkey->owner)) {
        ret = FLOC_ERR_PEER_LOST;   /* (the transport's error was the loss) */
    }
    floc_req_abandon(ctx, req);
    floc_ctx_unlock(ctx);
    return ret;
}

static int floc_flush_impl(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    ctx = ctx->world;
    return floc_rma_flush_wait(ctx, 0.0);
}

int floc_flush(floc_ctx_t *ctx)
{
    floc_tool_call_t t;
    floc_tool_enter(&t, FLOC_TOOL_FLUSH, ctx, 0, -1, 0);
    return floc_tool_leave(&t, floc_flush_impl(ctx));
}

/*
 * Fetch-add on a word of floc_mem_alloc memory of this node (a peer's or
 * our own): a CPU atomic.  Atomic together with the provider's: the shm
 * provider applies its atomics with CPU atomics too (200,000 adds each by
 * the provider, served by the owner's progress thread, and by lock xadd
 * on the same word at once: no update lost).  Single-node jobs only:
 * tcp;ofi_rxm applies the atomics of other nodes with a plain
 * read-modify-write in the owner's progress, which a peer's lock xadd
 * at the same moment would be lost in.  1 if done.
 */
static int direct_fetch_add(floc_ctx_t *ctx, const floc_rkey_t *rkey, size_t offset,
                            uint64_t value, uint64_t *old)
{
    if (!ctx->node->enabled || ctx->num_nodes != 1)
        return 0;
    const uint64_t addr = rkey->addr + offset;
    floc_ctx_lock(ctx);
    uint64_t *p = rkey->owner == ctx->rank
                      ? floc_node_mem_own(ctx, addr, sizeof *p, FLOC_MEM_REMOTE_ATOMIC)
                      : floc_node_mem_reach(ctx, rkey->owner, addr, sizeof *p,
                                            FLOC_MEM_REMOTE_ATOMIC);
    if (p)   /* under the lock: another thread may unmap the region after it */
        *old = __atomic_fetch_add(p, value, __ATOMIC_SEQ_CST);
    floc_ctx_unlock(ctx);
    return p != NULL;
}

int floc_atomic_fetch_add(floc_ctx_t *ctx, const floc_rkey_t *rkey, size_t offset, uint64_t value,
                          uint64_t *old)
{
    ctx = floc_ctx_world_of(ctx);
    int ret = check_remote(ctx, __func__, old, rkey, offset, sizeof(uint64_t),
                           FLOC_MEM_REMOTE_ATOMIC);
    if (ret)
        return ret;
    if (!old)
        return FLOC_INVALID("old is NULL");
    if (offset % sizeof(uint64_t) || (rkey->addr + offset) % sizeof(uint64_t))
        return FLOC_INVALID("offset %zu is not 8-byte aligned", offset);
    if (!ctx->fab->has_atomic) {
        FLOC_WARN(FLOC_LOG_API, "provider %s has no atomics", ctx->fab->prov_name);
        return FLOC_ERR_NOT_SUPPORTED;
    }
    if (direct_fetch_add(ctx, rkey, offset, value, old))
        return 0;
    /* Operand and result live on the heap with the request: if we stop
     * waiting (lost peer) the provider may still write the result. */
    uint64_t *buf = malloc(2 * sizeof *buf);
    if (!buf)
        return FLOC_ERR_NOMEM;
    buf[0] = value;
    buf[1] = 0;
    const floc_rwin_t win = floc_rkey_win(rkey);
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req) {
        floc_ctx_unlock(ctx);
        free(buf);
        return FLOC_ERR_NOMEM;
    }
    req->heap = buf;
    ret = floc_rma_fetch_add_post(ctx, buf, rkey->owner, &win, offset, req);
    if (ret) {
        floc_req_release(ctx, req);
        floc_ctx_unlock(ctx);
        return ret;
    }
    floc_ctx_unlock(ctx);
    ret = floc_req_wait(req, 0.0);
    if (ret == 0)
        *old = buf[1];
    floc_req_finish(req);   /* frees buf with the request, now or on completion */
    return ret;
}
