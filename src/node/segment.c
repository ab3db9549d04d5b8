/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * segment.c - the node segments' life: one per node with 2 or more
 * localities, created by the node's lowest locality, mapped by the
 * node's others, unlinked once they all have it (see node.h).  Every
 * step reports success through a PMIx allgather over the whole job, so
 * either every node uses its segment or none does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../core/ctx.h"
#include "node.h"

/* /floc-<uid>-<nspace>-<node>: unique per job (the launcher's namespace)
 * and node (the "nodes" of a job may share /dev/shm: network namespaces
 * of one machine) */
static void segment_name(const floc_ctx_t *ctx, char *name, size_t len)
{
    int n = snprintf(name, len, "/floc-%u-", (unsigned)getuid());
    for (const char *s = ctx->pmix.nspace; *s && (size_t)n + 1 < len; s++)
        name[n++] = (*s == '/' || *s == ' ') ? '_' : *s;
    name[n] = '\0';
    if ((size_t)n + 1 < len)
        snprintf(name + n, len - (size_t)n, "-%d", ctx->node_id);
}

int floc_node_place(int size, int rank, const int *node_of, int num_nodes, const int *world,
                    floc_node_place_t *pl)
{
    *pl = (floc_node_place_t){0};
    pl->local_of = malloc((size_t)size * sizeof *pl->local_of);
    pl->index_on_node = malloc((size_t)size * sizeof *pl->index_on_node);
    pl->leaders = malloc((size_t)num_nodes * sizeof *pl->leaders);
    int *count = pl->node_size = calloc((size_t)num_nodes, sizeof *count);
    pl->here = malloc((size_t)size * sizeof *pl->here);   /* (p <= size) */
    if (!pl->local_of || !pl->index_on_node || !pl->leaders || !count || !pl->here) {
        floc_node_place_free(pl);
        return FLOC_ERR_NOMEM;
    }
    const int my_node = node_of[rank];
    for (int k = 0; k < size; k++) {
        const int d = node_of[k], id = world ? world[k] : k;
        if (count[d] == 0)
            pl->leaders[d] = id;
        pl->index_on_node[k] = count[d]++;
        pl->local_of[k] = d == my_node ? pl->index_on_node[k] : -1;
        if (d == my_node)
            pl->here[pl->local_of[k]] = id;
    }
    pl->p = count[my_node];
    pl->me = pl->local_of[rank];
    return 0;
}

void floc_node_place_free(floc_node_place_t *pl)
{
    free(pl->local_of);
    free(pl->index_on_node);
    free(pl->node_size);
    free(pl->leaders);
    free(pl->here);
    *pl = (floc_node_place_t){0};
}

/* n->at, n->me, n->p: the world's localities, a slot each on their node */
static int place(floc_ctx_t *ctx)
{
    floc_node_t *n = ctx->node;
    int ret = floc_node_place(ctx->size, ctx->rank, ctx->node_of, ctx->num_nodes, NULL, &n->at);
    n->me = n->at.me;
    n->p = n->at.p;
    return ret;
}

/*
 * Can this locality read its successor's memory with process_vm_readv
 * (the same user, and ptrace allowed: Yama's ptrace_scope 1 forbids it
 * between siblings)?  Read where the successor says its segment is
 * mapped, in its own address space, the pid it wrote there.
 */
static int cma_works(const floc_ctx_t *ctx)
{
    const floc_node_t *n = ctx->node;
    const floc_node_slot_t *peer = floc_node_slot(n, (n->me + 1) % n->p);
    const uint32_t pid = atomic_load_explicit(&peer->pid, memory_order_relaxed);
    const uint64_t base = atomic_load_explicit(&peer->base, memory_order_relaxed);
    uint32_t seen = 0;
    struct iovec here = {&seen, sizeof seen};
    struct iovec there = {(void *)(uintptr_t)(base + (uint64_t)((const char *)&peer->pid -
                                                                (const char *)n->base)),
                          sizeof seen};
    if (process_vm_readv((pid_t)pid, &here, 1, &there, 1, 0) != (ssize_t)sizeof seen) {
        FLOC_INFO(FLOC_LOG_CORE, "process_vm_readv of locality pid %u: %s: allgather without CMA",
                  pid, strerror(errno));
        return 0;
    }
    return seen == pid;
}

/* Every locality's flag; 1 if all are set.  < 0 on a PMIx failure. */
static int all_agree(floc_ctx_t *ctx, const char *key, unsigned char ok)
{
    unsigned char *all = malloc((size_t)ctx->size);
    if (!all)
        return FLOC_ERR_NOMEM;
    int ret = floc_pmix_allgather(ctx, key, &ok, 1, all);
    int agreed = 1;
    for (int k = 0; !ret && k < ctx->size; k++)
        agreed &= all[k];
    free(all);
    return ret ? ret : agreed;
}

/* create: 1 make it (a stale one of a dead job is replaced), 0 open the
 * existing one, MAP_JOIN make it or open it, whoever comes first (a
 * group's: every member sizes it alike) */
#define MAP_JOIN 2
static int map(floc_node_t *n, const char *name, int create)
{
    const int flags = create == MAP_JOIN ? O_CREAT : create ? O_CREAT | O_EXCL : 0;
    int fd = shm_open(name, O_RDWR | flags, 0600);
    if (fd < 0 && create == 1 && errno == EEXIST) {
        /* a dead job of the same namespace left it: ours now */
        shm_unlink(name);
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    }
    if (fd < 0) {
        FLOC_WARN(FLOC_LOG_CORE, "shm_open(%s): %s", name, strerror(errno));
        return 0;
    }
    /* allocate every page now: a full /dev/shm (64 MiB in many
     * containers) fails here, not as a SIGBUS at the first touch */
    int err = create ? posix_fallocate(fd, 0, (off_t)n->len) : 0;
    if (err) {
        FLOC_WARN(FLOC_LOG_CORE, "posix_fallocate(%s, %zu): %s", name, n->len, strerror(err));
        close(fd);
        shm_unlink(name);
        return 0;
    }
    void *p = mmap(NULL, n->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        FLOC_WARN(FLOC_LOG_CORE, "mmap(%s, %zu): %s", name, n->len, strerror(errno));
        if (create)
            shm_unlink(name);
        return 0;
    }
    n->base = p;
    return 1;
}

/*
 * The pipelined area: chunks of 256 KiB (a stand-alone model of the
 * protocol, 1 MiB allreduce on 2: 89 us vs 111 with 64 KiB chunks, 193
 * with 16 KiB: each chunk costs two handoffs; on 8 localities sharing 2
 * cores 128 KiB chunks were 31% slower), four deep up to 4 localities.
 * The node's areas stay within 4 MiB (2 MiB past 8 localities): every
 * page of them ends up mapped by the localities that read it, so they
 * are what a locality's resident memory grows by with the node's size
 * (docs/p2p.md).  Depth goes first (two chunks in flight: no slower
 * here, measured on 2, 4 and 8; the 1 MiB broadcast on 2 within noise),
 * then the chunk size.  Past 8 localities the pieces are smaller than
 * the kernel's 64 KiB fault-around, so each locality maps the whole of
 * every other's chunk buffers: hence the smaller bound there.
 */
static void pipe_size(floc_node_t *n, int p)
{
    const size_t most = p <= 8 ? 4u << 20 : 2u << 20;
    size_t chunk = 256u << 10;
    unsigned depth = FLOC_NODE_PIPE_DEPTH;
    while (depth > 2 && depth * chunk * (size_t)p > most)
        depth /= 2;
    while (chunk > (16u << 10) && depth * chunk * (size_t)p > most)
        chunk /= 2;
    n->pipe_depth = depth;
    n->chunk = chunk;
    /* a piece is at most ceil(elements / p) elements of up to 16 bytes */
    n->piece = (chunk / (size_t)p + 16 + 63) & ~(size_t)63;
    n->pipe_stride = sizeof(floc_node_pipe_t) + depth * (n->chunk + n->piece);
}

/*
 * The message queues (node.h): 256 data cells (16 KiB) per ring up to 16
 * localities on a node, fewer beyond, none past 64 (p * p rings: 22 MiB
 * at 64; there the fabric carries the messages) or when FLOC_NODE_P2P
 * is off.
 */
static void queues_size(floc_node_t *n, int p, int on)
{
    n->q_off = n->len;
    n->q_cells = !on || p > 64 ? 0 : p <= 16 ? 256 : p <= 32 ? 128 : 64;
    n->q_stride = n->q_cells ? sizeof(floc_node_queue_t) +
                                   (n->q_cells + n->q_cells / 4) * sizeof(floc_node_cell_t)
                             : 0;
}

/* unmap the segment and free the tables: no segment from here on */
static void drop(floc_ctx_t *ctx)
{
    floc_node_t *n = ctx->node;
    floc_node_mem_fini(ctx);
    if (n->base)
        munmap(n->base, n->len);
    free(n->scratch);
    floc_node_place_free(&n->at);
    const size_t stream_above = n->stream_above;
    memset(n, 0, sizeof *n);
    n->stream_above = stream_above;
}

int floc_node_init(floc_ctx_t *ctx)
{
    floc_node_t *n = ctx->node = calloc(1, sizeof *n);
    if (!n)
        return FLOC_ERR_NOMEM;
    n->stream_above = floc_node_stream_above();
    /* jobs with 2 or more localities on some node (the same answer
     * everywhere: every locality knows every node id) */
    if (ctx->size < 2 || ctx->size == ctx->num_nodes || ctx->cfg.node_coll_max == 0 ||
        ctx->pmix.singleton)
        return 0;
    /* without memory for its tables a locality votes against the
     * segments, as without its scratch below (the others must not wait) */
    const int placed = place(ctx) == 0;
    const int p = placed ? n->p : 1, shared = placed && p > 1;
    /* 64 KiB buffers: what the collectives that gain from the segment use
     * (select.c); 8 KiB beyond 64 localities on a node, where the
     * segment would otherwise pass 8 MiB */
    size_t max = ctx->cfg.node_coll_max;
    if (max == FLOC_NODE_COLL_MAX_AUTO)
        max = p <= 64 ? 65536 : 8192;
    n->max = (max + 63) & ~(size_t)63;
    n->stride = sizeof(floc_node_slot_t) + 2 * n->max;
    n->pipe_off = 64 + (size_t)p * n->stride;
    pipe_size(n, p);
    n->len = n->pipe_off + (size_t)p * n->pipe_stride;
    queues_size(n, p, ctx->cfg.node_p2p);
    n->len = n->q_off + (size_t)p * (size_t)p * n->q_stride;
    /* without its scratch a locality votes against the segment (the
     * others must not wait for it); a locality alone on its node has no
     * segment and votes for the others' */
    n->scratch = shared ? malloc(FLOC_NODE_FOLD) : NULL;
    char name[128];
    segment_name(ctx, name, sizeof name);

    int mine = !placed ? 0 : shared && n->me == 0 ? n->scratch && map(n, name, 1) : 1;
    int ok = all_agree(ctx, "floc.node.created", (unsigned char)mine);
    if (ok == 1 && shared && n->me != 0)
        mine = n->scratch && map(n, name, 0);
    if (ok == 1 && shared && mine) {
        floc_node_slot_t *s = floc_node_slot(n, n->me);
        atomic_store_explicit(&s->pid, (uint32_t)getpid(), memory_order_relaxed);
        atomic_store_explicit(&s->base, (uint64_t)(uintptr_t)n->base, memory_order_relaxed);
    }
    if (ok == 1)
        ok = all_agree(ctx, "floc.node.mapped", (unsigned char)mine);
    if (ok == 1) {
        /* a PMIx failure here fails init, as in the agreements above:
         * a locality must not choose the CMA allgather or the node
         * message path alone (a locality alone on its node says yes) */
        const int cma = all_agree(ctx, "floc.node.cma",
                                  (unsigned char)(!shared || cma_works(ctx)));
        if (cma < 0)
            ok = cma;
        n->cma = cma == 1;
    }
    if (shared && n->me == 0 && n->base)
        shm_unlink(name);   /* everyone who will map it has: no file left behind */
    if (ok < 0) {
        drop(ctx);
        return ok;
    }
    if (ok != 1) {
        FLOC_WARN(FLOC_LOG_CORE, "node shared-memory segment not available: small collectives "
                  "go through the fabric");
        drop(ctx);
        return 0;
    }
    n->enabled = shared;
    n->single = shared && ctx->num_nodes == 1;
    n->hier = ctx->num_nodes > 1;
    if (shared)
        FLOC_INFO(FLOC_LOG_CORE, "node segment %s: %zu bytes, messages up to %zu bytes", name,
                  n->len, n->max);
    return 0;
}

void floc_node_fini(floc_ctx_t *ctx)
{
    if (!ctx->node)
        return;
    drop(ctx);
    free(ctx->node);
    ctx->node = NULL;
}

/* ---- group segments (teams) ------------------------------------------ */

void floc_node_group_name(const floc_ctx_t *world, unsigned id, int leader, char *name,
                          size_t len)
{
    segment_name(world, name, len);
    const size_t n = strlen(name);
    if (n + 1 < len)
        snprintf(name + n, len - n, "-t%u-%d", id, leader);
}

floc_node_t *floc_node_group_open(const floc_ctx_t *world, const char *name, int p, int me)
{
    const floc_node_t *w = world->node;
    floc_node_t *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    /* the world segment's buffers; no pipelined area (large messages of
     * a team go through the fabric): a group's memory stays p slots */
    g->max = w->max < FLOC_NODE_GROUP_MAX ? w->max : FLOC_NODE_GROUP_MAX;
    g->stride = sizeof(floc_node_slot_t) + 2 * g->max;
    g->len = 64 + (size_t)p * g->stride;
    g->p = p;
    g->me = me;
    if (!map(g, name, MAP_JOIN)) {
        free(g);
        return NULL;
    }
    g->enabled = g->single = 1;
    atomic_store_explicit(&floc_node_slot(g, me)->pid, (uint32_t)getpid(), memory_order_relaxed);
    return g;
}

void floc_node_group_unlink(const char *name)
{
    shm_unlink(name);
}

void floc_node_group_close(floc_node_t *g)
{
    if (!g)
        return;
    if (g->base)
        munmap(g->base, g->len);
    free(g);
}
