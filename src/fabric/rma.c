/*
 * rma.c - registered and allocated memory, remote keys, put/get/fetch-add,
 * flush.
 *
 * A remote access is checked against the key before anything is posted:
 * the target locality must exist and [offset, offset+len) must lie inside
 * the registered region.  Writes are posted with FI_DELIVERY_COMPLETE: on
 * tcp;ofi_rxm a plain completion does not mean the target sees the data.
 * Puts and gets into memory a same-node peer allocated with floc_mem_alloc
 * are copies through its mapping (src/node/mem.c), done before the call
 * returns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rdma/fi_atomic.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include "../core/ctx.h"

#define FLOC_MEM_MAGIC 0x6d656d31u

struct floc_mem {
    uint32_t magic;
    floc_ctx_t *ctx;
    struct fid_mr *mr, *node_mr;
    void *buf;
    size_t len;
    int fd;           /* floc_mem_alloc: the memfd; -1 for a registration */
    int dir_entry;    /* floc_mem_alloc: its node directory entry, or -1 */
};

int floc_mem_register(floc_ctx_t *ctx, void *buf, size_t len, unsigned access, floc_mem_t **mem)
{
    FLOC_CHECK_CTX(ctx);
    if (!buf || !mem)
        return FLOC_INVALID("%s is NULL", buf ? "mem" : "buf");
    if (len == 0)
        return FLOC_INVALID("len is 0");
    if (access == 0 || (access & ~(unsigned)FLOC_MEM_REMOTE_ALL))
        return FLOC_INVALID("access 0x%x is not a set of FLOC_MEM_* flags", access);
    if ((access & FLOC_MEM_REMOTE_ATOMIC) && !ctx->fab.has_atomic) {
        FLOC_WARN(FLOC_LOG_API, "provider %s has no atomics", ctx->fab.prov_name);
        return FLOC_ERR_NOT_SUPPORTED;
    }
    uint64_t fa = FI_READ | FI_WRITE; /* local use as a source/sink too */
    if (access & FLOC_MEM_REMOTE_READ)
        fa |= FI_REMOTE_READ;
    if (access & (FLOC_MEM_REMOTE_WRITE | FLOC_MEM_REMOTE_ATOMIC))
        fa |= FI_REMOTE_WRITE | FI_REMOTE_READ;

    floc_mem_t *m = calloc(1, sizeof *m);
    if (!m)
        return FLOC_ERR_NOMEM;
    floc_ctx_lock(ctx);
    int ret = floc_mr_reg(ctx, buf, len, fa, &m->mr, &m->node_mr);
    if (!ret)
        ctx->live_mems++;
    floc_ctx_unlock(ctx);
    if (ret) {
        free(m);
        return ret;
    }
    m->magic = FLOC_MEM_MAGIC;
    m->ctx = ctx;
    m->buf = buf;
    m->len = len;
    m->fd = -1;
    m->dir_entry = -1;
    *mem = m;
    return 0;
}

int floc_mem_alloc(floc_ctx_t *ctx, size_t len, unsigned access, void **buf, floc_mem_t **mem)
{
    FLOC_CHECK_CTX(ctx);
    if (!buf || !mem)
        return FLOC_INVALID("%s is NULL", buf ? "mem" : "buf");
    if (len == 0)
        return FLOC_INVALID("len is 0");
    if (len > (size_t)PTRDIFF_MAX) {   /* what malloc would say too */
        FLOC_WARN(FLOC_LOG_API, "floc_mem_alloc: %zu bytes cannot be allocated", len);
        return FLOC_ERR_NOMEM;
    }
    void *p;
    int fd;
    int ret = floc_node_mem_create(len, &p, &fd);
    if (ret)
        return ret;
    floc_mem_t *m;
    if ((ret = floc_mem_register(ctx, p, len, access, &m))) {
        munmap(p, len);
        close(fd);
        return ret;
    }
    m->fd = fd;
    floc_ctx_lock(ctx);
    m->dir_entry = floc_node_mem_publish(ctx, p, len, fd, access);
    floc_ctx_unlock(ctx);
    *buf = p;
    *mem = m;
    return 0;
}

/*
 * A hash of the key's fields, seeded with the job's namespace: catches
 * keys that were altered or never made by floc_mem_rkey (a mistake, not
 * an attack: the check is not secret).  Word by word with a multiply-xor
 * mix: every put and get checks its key, and the byte-wise FNV-1a this
 * replaced was 40% of a direct 8-byte put.
 */
static uint32_t rkey_check(const floc_ctx_t *ctx, const floc_rkey_t *k)
{
    uint64_t h = ctx->fab.rkey_salt;
    const uint64_t words[4] = {k->addr, k->len, k->key, (uint64_t)(uint32_t)k->owner};
    for (int i = 0; i < 4; i++) {
        h = (h ^ words[i]) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return (uint32_t)(h ^ (h >> 32));
}

int floc_mem_rkey(const floc_mem_t *mem, floc_rkey_t *rkey)
{
    if (!mem || !rkey)
        return FLOC_INVALID("%s is NULL", mem ? "rkey" : "mem");
    if (mem->magic != FLOC_MEM_MAGIC)
        return FLOC_INVALID("mem is not a live registration");
    FLOC_CHECK_CTX(mem->ctx);
    memset(rkey, 0, sizeof *rkey);
    rkey->addr = (uint64_t)(uintptr_t)mem->buf;
    rkey->len = mem->len;
    rkey->key = fi_mr_key(mem->mr);
    rkey->owner = mem->ctx->rank;
    rkey->check = rkey_check(mem->ctx, rkey);
    return 0;
}

/* deregister (and for an allocation unpublish and unmap) mem */
static int mem_release(floc_mem_t *mem, int allocated, const char *func)
{
    if (!mem)
        return FLOC_INVALID("%s: mem is NULL", func);
    if (mem->magic != FLOC_MEM_MAGIC)
        return FLOC_INVALID("%s: mem is not a live registration", func);
    if (allocated != (mem->fd >= 0))
        return FLOC_INVALID("%s: mem comes from %s: release it with %s", func,
                            allocated ? "floc_mem_register" : "floc_mem_alloc",
                            allocated ? "floc_mem_deregister" : "floc_mem_free");
    floc_ctx_t *ctx = mem->ctx;
    FLOC_CHECK_CTX(ctx);
    floc_ctx_lock(ctx);
    floc_mr_close(mem->mr, mem->node_mr);
    ctx->live_mems--;
    if (allocated)
        floc_node_mem_unpublish(ctx, mem->dir_entry);
    floc_ctx_unlock(ctx);
    if (allocated) {
        munmap(mem->buf, mem->len);
        close(mem->fd);
    }
    mem->magic = 0;
    free(mem);
    return 0;
}

int floc_mem_deregister(floc_mem_t *mem)
{
    return mem_release(mem, 0, __func__);
}

int floc_mem_free(floc_mem_t *mem)
{
    return mem_release(mem, 1, __func__);
}

/* Checks shared by every remote access; 0 or the error to return. */
static int check_remote(floc_ctx_t *ctx, const char *func, const void *local,
                        const floc_rkey_t *rkey, size_t offset, size_t len)
{
    FLOC_CHECK_CTX(ctx);
    if (!rkey)
        return FLOC_INVALID("%s: rkey is NULL", func);
    if (!local && len)
        return FLOC_INVALID("%s: local buffer is NULL", func);
    if (rkey->owner < 0 || rkey->owner >= ctx->size)
        return FLOC_INVALID("%s: rkey owner %d outside [0, %d)", func, (int)rkey->owner, ctx->size);
    if (rkey->check != rkey_check(ctx, rkey)) {
        FLOC_WARN(FLOC_LOG_API, "%s: rkey for locality %d fails its check: not made by "
                  "floc_mem_rkey in this job, or altered", func, (int)rkey->owner);
        return FLOC_ERR_ACCESS;
    }
    if (offset > rkey->len || len > rkey->len - offset) {
        FLOC_WARN(FLOC_LOG_API, "%s: [%zu, +%zu) outside the %llu-byte region of locality %d",
                  func, offset, len, (unsigned long long)rkey->len, (int)rkey->owner);
        return FLOC_ERR_ACCESS;
    }
    if (floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

static int local_desc(floc_ctx_t *ctx, floc_request_t *req, int slot, const void *buf, size_t len,
                      uint64_t access, void **desc)
{
    *desc = NULL;
    if (!floc_fabric_mr_local(&ctx->fab, req->op.rail))
        return 0;
    int ret = floc_mr_cache_get(ctx, buf, len, access, &req->mr_entry[slot]);
    if (ret)
        return ret;
    *desc = floc_fabric_desc(req->mr_entry[slot], req->op.rail);
    return 0;
}

#define FLOC_RMA_INJECT 2 /* with write: src is copied at post time */

/* The remote address of win + offset on a rail. */
static uint64_t rail_raddr(const floc_fabric_t *f, int rail, const floc_rwin_t *win,
                           uint64_t offset)
{
    const int virt = rail ? f->nrail->virt_addr : f->virt_addr;
    return virt ? win->addr + offset : win->addr - win->base + offset;
}

static int post_rma(floc_ctx_t *ctx, int write, void *local, size_t len, int owner,
                    const floc_rwin_t *win, uint64_t offset, floc_request_t *req)
{
    int ret;
    const int rail = floc_fabric_rail(&ctx->fab, owner);
    req->op = (floc_fab_op_t){
        .kind = write ? FLOC_OP_WRITE : FLOC_OP_READ, .buf = local, .len = len,
        .addr = floc_fabric_addr(&ctx->fab, rail, owner), .rail = rail,
        .raddr = rail_raddr(&ctx->fab, rail, win, offset), .rkey = win->key,
        /* delivery complete: on tcp;ofi_rxm a plain completion does not
         * mean the target sees the data */
        .flags = write ? FI_COMPLETION | FI_DELIVERY_COMPLETE : FI_COMPLETION};
    if (write & FLOC_RMA_INJECT) {
        req->op.flags |= FI_INJECT;
        return floc_fabric_post_now(ctx, req);
    }
    if ((ret = local_desc(ctx, req, 0, local, len, write ? FI_WRITE : FI_READ, &req->op.desc[0])))
        return ret;
    return floc_fabric_submit(ctx, req);
}

static int post_rkey(floc_ctx_t *ctx, int write, void *local, size_t len, const floc_rkey_t *rkey,
                     size_t offset, floc_request_t *req)
{
    const floc_rwin_t win = {.addr = rkey->addr, .base = rkey->addr, .key = rkey->key};
    return post_rma(ctx, write, local, len, rkey->owner, &win, offset, req);
}

/* Post a checked RMA op with a request for the caller. */
static int rma_post_request(floc_ctx_t *ctx, int write, void *local, size_t len,
                            const floc_rkey_t *rkey, size_t offset, floc_request_t **out)
{
    int ret = 0;
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req) {
        floc_ctx_unlock(ctx);
        return FLOC_ERR_NOMEM;
    }
    if (len)
        ret = post_rkey(ctx, write, local, len, rkey, offset, req);
    if (ret)
        floc_req_release(ctx, req);
    floc_ctx_unlock(ctx);
    if (!ret)
        *out = req;
    return ret;
}

int floc_rma_post(floc_ctx_t *ctx, int write, void *local, size_t len, int owner,
                  const floc_rwin_t *win, uint64_t offset, floc_request_t **out)
{
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req)
        return FLOC_ERR_NOMEM;
    int ret = len ? post_rma(ctx, write, local, len, owner, win, offset, req) : 0;
    if (ret) {
        floc_req_release(ctx, req);
        return ret;
    }
    *out = req;
    return 0;
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

/* A checked access to a same-node peer's floc_mem_alloc memory: done here
 * by a copy through its mapping, and for a nonblocking one (out) a
 * request that is complete already, under the same lock.  1 if done, 0:
 * use the fabric, < 0: no memory for the request (the copy is done). */
static int direct(floc_ctx_t *ctx, int write, void *local, size_t len, const floc_rkey_t *rkey,
                  size_t offset, floc_request_t **out)
{
    if (!ctx->node.enabled || len == 0)
        return 0;
    floc_ctx_lock(ctx);
    void *p = floc_node_mem_reach(ctx, rkey->owner, rkey->addr + offset, len,
                                  write ? FLOC_MEM_REMOTE_WRITE : FLOC_MEM_REMOTE_READ);
    if (p && !write) {
        memcpy(local, p, len);
    } else if (p && len > ctx->node.stream_above) {
        floc_node_stream_copy(p, local, len);
        floc_node_stream_fence();
    } else if (p) {
        memcpy(p, local, len);
    }
    int ret = p != NULL;
    if (p && out) {
        *out = floc_req_alloc(ctx, NULL);
        if (*out)
            (*out)->done = 1;
        else
            ret = FLOC_ERR_NOMEM;
    }
    floc_ctx_unlock(ctx);
    return ret;
}

static int rma_nb(floc_ctx_t *ctx, int write, void *local, size_t len, const floc_rkey_t *rkey,
                  size_t offset, floc_request_t **out, const char *func)
{
    int ret = check_remote(ctx, func, local, rkey, offset, len);
    if (ret)
        return ret;
    if (!out)
        return FLOC_INVALID("%s: req (output) is NULL", func);
    if ((ret = direct(ctx, write, local, len, rkey, offset, out)))
        return ret < 0 ? ret : 0;
    return rma_post_request(ctx, write, local, len, rkey, offset, out);
}

int floc_iput(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey, size_t offset,
              floc_request_t **req)
{
    return rma_nb(ctx, 1, (void *)src, len, rkey, offset, req, __func__);
}

int floc_iget(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey, size_t offset,
              floc_request_t **req)
{
    return rma_nb(ctx, 0, dst, len, rkey, offset, req, __func__);
}

int floc_put(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey, size_t offset)
{
    int ret = check_remote(ctx, __func__, src, rkey, offset, len);
    if (ret || len == 0 || direct(ctx, 1, (void *)src, len, rkey, offset, NULL))
        return ret;
    if (len > ctx->fab.inject_size) {
        /* Zero-copy: the provider reads src until the write completes,
         * and src must be reusable when floc_put returns. */
        floc_request_t *req;
        ret = rma_post_request(ctx, 1, (void *)src, len, rkey, offset, &req);
        return ret ? ret : floc_wait(req);
    }
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, &ctx->fab.puts_done);
    if (!req) {
        floc_ctx_unlock(ctx);
        return FLOC_ERR_NOMEM;
    }
    ret = post_rkey(ctx, 1 | FLOC_RMA_INJECT, (void *)src, len, rkey, offset, req);
    if (ret)
        floc_req_release(ctx, req);
    else
        ctx->fab.puts_issued++;
    floc_ctx_unlock(ctx);
    return ret;
}

int floc_get(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey, size_t offset)
{
    floc_request_t *req;
    int ret = floc_iget(ctx, dst, len, rkey, offset, &req);
    return ret ? ret : floc_wait(req);
}

static int puts_flushed(void *arg)
{
    floc_ctx_t *ctx = arg;
    return ctx->fab.puts_done == ctx->fab.puts_issued;
}

int floc_flush(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    int ret = floc_progress_wait(ctx, puts_flushed, ctx, 0.0);
    floc_ctx_lock(ctx);
    if (!ret && ctx->fab.put_status) {
        ret = ctx->fab.put_status;
        ctx->fab.put_status = 0;
    }
    floc_ctx_unlock(ctx);
    return ret;
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
    if (!ctx->node.enabled || ctx->num_nodes != 1)
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
    int ret = check_remote(ctx, __func__, old, rkey, offset, sizeof(uint64_t));
    if (ret)
        return ret;
    if (!old)
        return FLOC_INVALID("old is NULL");
    if (offset % sizeof(uint64_t) || (rkey->addr + offset) % sizeof(uint64_t))
        return FLOC_INVALID("offset %zu is not 8-byte aligned", offset);
    if (!ctx->fab.has_atomic) {
        FLOC_WARN(FLOC_LOG_API, "provider %s has no atomics",
                  ctx->fab.prov_name);
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
    floc_ctx_lock(ctx);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req) {
        floc_ctx_unlock(ctx);
        free(buf);
        return FLOC_ERR_NOMEM;
    }
    req->heap = buf;
    /* always the main provider: atomics of two providers on one word need
     * not be atomic with respect to each other */
    const floc_rwin_t win = {.addr = rkey->addr, .base = rkey->addr, .key = rkey->key};
    req->op = (floc_fab_op_t){.kind = FLOC_OP_FETCH_ADD, .buf = buf, .len = sizeof *buf,
                              .addr = ctx->fab.addrs[rkey->owner],
                              .raddr = rail_raddr(&ctx->fab, 0, &win, offset), .rkey = rkey->key};
    if (!(ret = local_desc(ctx, req, 0, &buf[0], sizeof *buf, FI_WRITE, &req->op.desc[0])) &&
        !(ret = local_desc(ctx, req, 1, &buf[1], sizeof *buf, FI_READ, &req->op.desc[1])))
        ret = floc_fabric_submit(ctx, req);
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
