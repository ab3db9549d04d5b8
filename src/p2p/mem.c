/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.c - registered and allocated memory, and remote keys.
 *
 * floc_mem_register registers a user buffer with the fabric (both rails);
 * floc_mem_alloc also makes the memory a memfd the other localities of
 * the node may map (src/node/mem.c publishes it in the node segment's
 * directory), so that rma.c reaches it there with plain copies.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "p2p.h"
#include "../node/node.h"

#define FLOC_MEM_MAGIC 0x6d656d31u

struct floc_mem {
    uint32_t magic;
    floc_ctx_t *ctx;
    struct fid_mr *mr, *node_mr;
    void *buf;
    size_t len;
    unsigned access;  /* FLOC_MEM_* the owner allows */
    int fd;           /* floc_mem_alloc: the memfd; -1 for a registration */
    int dir_entry;    /* floc_mem_alloc: its node directory entry, or -1 */
    floc_mem_t *next; /* ctx->fab->mems: this locality's live regions */
};

/* Under the context lock: the list of live regions, whose keys this
 * locality's own accesses are checked against (floc_p2p_own_region) */
static void live_add(floc_ctx_t *ctx, floc_mem_t *m)
{
    m->next = ctx->fab->mems;
    ctx->fab->mems = m;
}

static void live_remove(floc_ctx_t *ctx, floc_mem_t *m)
{
    for (floc_mem_t **pp = &ctx->fab->mems; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            return;
        }
}

int floc_p2p_own_region(floc_ctx_t *ctx, const floc_rkey_t *rkey)
{
    for (const floc_mem_t *m = ctx->fab->mems; m; m = m->next)
        if ((uint64_t)(uintptr_t)m->buf == rkey->addr && m->len == rkey->len &&
            fi_mr_key(m->mr) == rkey->key && m->access == rkey->access)
            return 1;
    return 0;
}

int floc_mem_register(floc_ctx_t *ctx, void *buf, size_t len, unsigned access, floc_mem_t **mem)
{
    FLOC_CHECK_CTX(ctx);
    ctx = ctx->world;   /* a team's registration is its world's (keys name world ids) */
    if (!buf || !mem)
        return FLOC_INVALID("%s is NULL", buf ? "mem" : "buf");
    if (len == 0)
        return FLOC_INVALID("len is 0");
    if (access == 0 || (access & ~(unsigned)FLOC_MEM_REMOTE_ALL))
        return FLOC_INVALID("access 0x%x is not a set of FLOC_MEM_* flags", access);
    if ((access & FLOC_MEM_REMOTE_ATOMIC) && !ctx->fab->has_atomic) {
        FLOC_WARN(FLOC_LOG_API, "provider %s has no atomics", ctx->fab->prov_name);
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
    if (!ret) {
        ctx->fab->live_mems++;
        m->magic = FLOC_MEM_MAGIC;
        m->ctx = ctx;
        m->buf = buf;
        m->len = len;
        m->access = access;
        m->fd = -1;
        m->dir_entry = -1;
        live_add(ctx, m);
    }
    floc_ctx_unlock(ctx);
    if (ret) {
        free(m);
        return ret;
    }
    *mem = m;
    return 0;
}

int floc_mem_alloc(floc_ctx_t *ctx, size_t len, unsigned access, void **buf, floc_mem_t **mem)
{
    FLOC_CHECK_CTX(ctx);
    ctx = ctx->world;
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
    rkey->access = mem->access;
    rkey->check = floc_rkey_check(mem->ctx, rkey);
    return 0;
}

int floc_p2p_expose(floc_ctx_t *ctx, const void *buf, size_t len, floc_mem_t **mem,
                    floc_rkey_t *rkey)
{
    ctx = ctx->world;
    floc_mem_t *m = calloc(1, sizeof *m);
    if (!m)
        return FLOC_ERR_NOMEM;
    int ret = floc_mr_reg(ctx, (void *)buf, len, FI_READ | FI_WRITE | FI_REMOTE_READ, &m->mr,
                          &m->node_mr);
    if (ret) {
        free(m);
        return ret;
    }
    m->magic = FLOC_MEM_MAGIC;
    m->ctx = ctx;
    m->buf = (void *)buf;
    m->len = len;
    m->access = FLOC_MEM_REMOTE_READ;
    m->fd = -1;
    m->dir_entry = -1;
    live_add(ctx, m);
    *mem = m;
    return floc_mem_rkey(m, rkey);
}

void floc_p2p_unexpose(floc_mem_t *mem)
{
    if (!mem)
        return;
    live_remove(mem->ctx, mem);
    floc_mr_close(mem->mr, mem->node_mr);
    mem->magic = 0;
    free(mem);
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
    live_remove(ctx, mem);
    floc_mr_close(mem->mr, mem->node_mr);
    ctx->fab->live_mems--;
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
