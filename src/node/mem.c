/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.c - memory the localities of a node share (floc_mem_alloc): each
 * allocation is a memfd mapped by its owner and listed in the owner's
 * directory in the node segment; a peer that puts or gets there maps it
 * on first use (/proc/<owner pid>/fd/<fd>) and copies with plain loads
 * and stores from then on: no provider, no system call, no kernel copy.
 *
 * Why: libfabric's shm provider moves large RMA data with CMA (the
 * kernel pins pages and copies at ~10-13 GB/s here, with a read of every
 * target line before it is written) and small data through queues
 * (~0.3-1 us); a mapped region takes a memcpy, or streaming stores that
 * write memory without reading it first.  This is what MPI's shared
 * windows (MPI_Win_allocate on one node) and OpenSHMEM's symmetric heap
 * give their users.
 *
 * A directory entry is written by its owner only, under a sequence count
 * (odd while it changes): a reader that sees the same even count before
 * and after reading the fields has a consistent entry.  A peer's mapping
 * remembers the count it was made under; a changed count (the owner freed
 * the allocation, perhaps reused the entry) makes it stale.  Peers must
 * not access an allocation after its owner freed it (as with any
 * registration); if one does anyway its mapping still holds the old
 * memory, so nothing crashes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/ctx.h"
#include "node.h"

#define FLOC_NODE_MAPS 128   /* peers' allocations mapped at once (then round robin) */

typedef struct floc_node_map {
    int owner, entry, fd;   /* fd: the owner's */
    uint64_t gen;      /* the entry's count when mapped */
    uint64_t addr;     /* the owner's address of the allocation */
    size_t len;
    unsigned access;
    void *base;        /* where it is mapped here */
} floc_node_map_t;

int floc_node_mem_create(size_t len, void **buf, int *fd)
{
    int f = memfd_create("floc-mem", MFD_CLOEXEC);
    if (f < 0) {
        FLOC_WARN(FLOC_LOG_API, "memfd_create: %s", strerror(errno));
        return FLOC_ERR_SYSTEM;
    }
    /* Pages come at first touch, as with calloc (a 4 GiB vector that is
     * mostly zero stays cheap).  No SIGBUS risk of a full /dev/shm: a
     * memfd lives on the kernel's internal tmpfs, which has no size limit
     * (only memory itself, as for any allocation). */
    int err = ftruncate(f, (off_t)len) ? errno : 0;
    if (err) {
        FLOC_WARN(FLOC_LOG_API, "allocating %zu bytes of shared memory: %s", len, strerror(err));
        close(f);
        return err == ENOSPC || err == EFBIG || err == ENOMEM || err == EINVAL ? FLOC_ERR_NOMEM
                                                                               : FLOC_ERR_SYSTEM;
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    if (p == MAP_FAILED) {
        FLOC_WARN(FLOC_LOG_API, "mmap of %zu bytes: %s", len, strerror(errno));
        close(f);
        return FLOC_ERR_NOMEM;
    }
    *buf = p;
    *fd = f;
    return 0;
}

/* the slot of locality k (of this node) */
static floc_node_slot_t *slot_of(const floc_node_t *n, int k)
{
    return floc_node_slot(n, n->at.local_of[k]);
}

static floc_node_memdir_t *dir(const floc_node_t *n, int k, int entry)
{
    return &slot_of(n, k)->mems[entry];
}

static int still_valid(const floc_node_t *n, const floc_node_map_t *m);

/* Unmap the peers' allocations freed since they were mapped here: a freed
 * memfd lives on while any mapping holds it, so a loop that allocates and
 * frees would otherwise keep up to FLOC_NODE_MAPS dead regions alive.
 * Run whenever this locality allocates or frees (a loop of partitioned
 * vectors does both on every locality). */
static void sweep(floc_node_t *n)
{
    for (int i = 0; i < n->nmaps; i++)
        if (!still_valid(n, &n->maps[i])) {
            munmap(n->maps[i].base, n->maps[i].len);
            n->maps[i--] = n->maps[--n->nmaps];
        }
}

int floc_node_mem_publish(floc_ctx_t *ctx, void *buf, size_t len, int fd, unsigned access)
{
    floc_node_t *n = ctx->node;
    if (!n->enabled)
        return -1;
    sweep(n);
    atomic_store_explicit(&slot_of(n, ctx->rank)->pid, (uint32_t)getpid(),
                          memory_order_relaxed);
    for (int e = 0; e < FLOC_NODE_MEMS; e++) {
        floc_node_memdir_t *d = dir(n, ctx->rank, e);
        if (atomic_load_explicit(&d->len, memory_order_relaxed) != 0)
            continue;
        uint64_t g = atomic_load_explicit(&d->gen, memory_order_relaxed);
        atomic_store_explicit(&d->gen, g + 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        atomic_store_explicit(&d->addr, (uint64_t)(uintptr_t)buf, memory_order_relaxed);
        atomic_store_explicit(&d->fd, (uint32_t)fd, memory_order_relaxed);
        atomic_store_explicit(&d->access, access, memory_order_relaxed);
        atomic_store_explicit(&d->len, len, memory_order_relaxed);
        atomic_store_explicit(&d->gen, g + 2, memory_order_release);
        return e;
    }
    FLOC_INFO(FLOC_LOG_API, "all %d shared-allocation entries in use: this one is reached "
              "through the fabric", FLOC_NODE_MEMS);
    return -1;
}

void floc_node_mem_unpublish(floc_ctx_t *ctx, int entry)
{
    floc_node_t *n = ctx->node;
    if (!n->enabled)
        return;
    sweep(n);
    if (entry < 0 || entry >= FLOC_NODE_MEMS)
        return;
    floc_node_memdir_t *d = dir(n, ctx->rank, entry);
    uint64_t g = atomic_load_explicit(&d->gen, memory_order_relaxed);
    atomic_store_explicit(&d->gen, g + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&d->len, 0, memory_order_relaxed);
    atomic_store_explicit(&d->gen, g + 2, memory_order_release);
}

/* A consistent copy of owner's entry e; 0 if it is empty or changing. */
static int read_entry(const floc_node_t *n, int owner, int e, floc_node_map_t *out)
{
    floc_node_memdir_t *d = dir(n, owner, e);
    uint64_t g = atomic_load_explicit(&d->gen, memory_order_acquire);
    if (g & 1)
        return 0;
    out->owner = owner;
    out->entry = e;
    out->gen = g;
    out->addr = atomic_load_explicit(&d->addr, memory_order_relaxed);
    out->len = (size_t)atomic_load_explicit(&d->len, memory_order_relaxed);
    out->access = atomic_load_explicit(&d->access, memory_order_relaxed);
    out->fd = (int)atomic_load_explicit(&d->fd, memory_order_relaxed);
    out->base = NULL;
    atomic_thread_fence(memory_order_acquire);
    return out->len && atomic_load_explicit(&d->gen, memory_order_relaxed) == g;
}

static int covers(const floc_node_map_t *m, uint64_t raddr, size_t len)
{
    return raddr >= m->addr && len <= m->len && raddr - m->addr <= m->len - len;
}

/* Map the allocation e describes here (into e->base). */
static int map_entry(const floc_node_t *n, floc_node_map_t *e)
{
    char path[64];
    const unsigned fd = (unsigned)e->fd;
    const unsigned pid = atomic_load_explicit(&slot_of(n, e->owner)->pid,
                                              memory_order_relaxed);
    snprintf(path, sizeof path, "/proc/%u/fd/%u", pid, fd);
    int f = open(path, O_RDWR | O_CLOEXEC);
    if (f < 0) {
        FLOC_DEBUG(FLOC_LOG_API, "open(%s): %s: locality %d's memory through the fabric", path,
                   strerror(errno), e->owner);
        return 0;
    }
    void *p = mmap(NULL, e->len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    close(f);
    if (p == MAP_FAILED) {
        FLOC_DEBUG(FLOC_LOG_API, "mmap of locality %d's %zu bytes: %s", e->owner, e->len,
                   strerror(errno));
        return 0;
    }
    e->base = p;
    return 1;
}

static int still_valid(const floc_node_t *n, const floc_node_map_t *m)
{
    return atomic_load_explicit(&dir(n, m->owner, m->entry)->gen, memory_order_acquire) == m->gen;
}

void *floc_node_mem_reach(floc_ctx_t *ctx, int owner, uint64_t raddr, size_t len,
                          unsigned access)
{
    floc_node_t *n = ctx->node;
    if (!n->enabled || owner == ctx->rank || n->at.local_of[owner] < 0)
        return NULL;   /* not a peer of this node */
    floc_node_map_t *m = NULL;
    for (int i = 0; i < n->nmaps && !m; i++) {
        floc_node_map_t *c = &n->maps[i];
        if (c->owner == owner && covers(c, raddr, len)) {
            if (still_valid(n, c)) {
                m = c;
            } else {   /* freed by its owner since: forget it */
                munmap(c->base, c->len);
                n->maps[i--] = n->maps[--n->nmaps];
            }
        }
    }
    if (!m) {
        floc_node_map_t e;
        int found = 0;
        for (int k = 0; k < FLOC_NODE_MEMS && !found; k++)
            found = read_entry(n, owner, k, &e) && covers(&e, raddr, len);
        if (!found || !map_entry(n, &e))
            return NULL;
        if (!n->maps && !(n->maps = calloc(FLOC_NODE_MAPS, sizeof *n->maps))) {
            munmap(e.base, e.len);
            return NULL;
        }
        if (n->nmaps == FLOC_NODE_MAPS) {   /* full: one goes, round robin */
            int v = n->next_evict++ % FLOC_NODE_MAPS;
            munmap(n->maps[v].base, n->maps[v].len);
            n->maps[v] = n->maps[--n->nmaps];
        }
        m = &n->maps[n->nmaps++];
        *m = e;
    }
    if ((access & m->access) != access)
        return NULL;   /* the fabric path reports what the provider says */
    return (char *)m->base + (raddr - m->addr);
}

/*
 * Above which size a direct put streams (stores that do not read the
 * target lines first and leave them in memory, node.h): a put larger
 * than this core's L2 cache would not stay there anyway.  Smaller ones
 * keep the cache (a put into a buffer reused at once).  floc_put_bw and
 * floc_put_latency, 1 MiB L2: 1 MiB puts 21 GB/s / 24 us plain vs 25
 * GB/s / 39 us streaming; 4 MiB 17 vs 26 GB/s.
 */
size_t floc_node_stream_above(void)
{
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l2 > 0 ? (size_t)l2 : (size_t)1 << 20;
}

void *floc_node_mem_own(floc_ctx_t *ctx, uint64_t addr, size_t len, unsigned access)
{
    floc_node_t *n = ctx->node;
    if (!n->enabled)
        return NULL;
    floc_node_map_t e;
    for (int k = 0; k < FLOC_NODE_MEMS; k++)
        if (read_entry(n, ctx->rank, k, &e) && covers(&e, addr, len))
            return (access & e.access) == access ? (void *)(uintptr_t)addr : NULL;
    return NULL;
}

void floc_node_mem_fini(floc_ctx_t *ctx)
{
    floc_node_t *n = ctx->node;
    for (int i = 0; i < n->nmaps; i++)
        munmap(n->maps[i].base, n->maps[i].len);
    free(n->maps);
    n->maps = NULL;
    n->nmaps = 0;
}
