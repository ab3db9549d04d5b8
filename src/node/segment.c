/*
 * segment.c - the node segment's life: created by locality 0 of a
 * single-node job, mapped by all, unlinked once everyone has it (see
 * node.h).  Every step reports success through a PMIx allgather, so
 * either every locality uses the segment or none does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/ctx.h"
#include "node.h"

/* /floc-<uid>-<nspace>: unique per job (the launcher's namespace) */
static void segment_name(const floc_ctx_t *ctx, char *name, size_t len)
{
    int n = snprintf(name, len, "/floc-%u-", (unsigned)getuid());
    for (const char *s = ctx->pmix.nspace; *s && (size_t)n + 1 < len; s++)
        name[n++] = (*s == '/' || *s == ' ') ? '_' : *s;
    name[n] = '\0';
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

static int map(floc_ctx_t *ctx, const char *name, int create)
{
    floc_node_t *n = &ctx->node;
    int fd = shm_open(name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
    if (fd < 0 && create && errno == EEXIST) {
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
 * with 16 KiB: each chunk costs two handoffs; in the library 32-256 KiB
 * were within noise), fewer beyond 8 localities so that the areas of all
 * stay near 10 MiB.
 */
static void pipe_size(floc_node_t *n, int p)
{
    size_t chunk = 256u << 10;
    while (chunk > (16u << 10) && chunk * FLOC_NODE_PIPE_DEPTH * (size_t)p > (8u << 20))
        chunk /= 2;
    n->chunk = chunk;
    /* a piece is at most ceil(elements / p) elements of up to 16 bytes */
    n->piece = (chunk / (size_t)p + 16 + 63) & ~(size_t)63;
    n->pipe_stride = sizeof(floc_node_pipe_t) + FLOC_NODE_PIPE_DEPTH * (n->chunk + n->piece);
}

int floc_node_init(floc_ctx_t *ctx)
{
    floc_node_t *n = &ctx->node;
    memset(n, 0, sizeof *n);
    n->stream_above = floc_node_stream_above();
    /* single-node jobs of 2 or more; all localities see the same values */
    if (ctx->size < 2 || ctx->num_nodes != 1 || ctx->cfg.node_coll_max == 0 || ctx->pmix.singleton)
        return 0;
    /* 64 KiB buffers: what the collectives that gain from the segment use
     * (select.c); 8 KiB beyond 64 localities on a node, where the
     * segment would otherwise pass 8 MiB */
    size_t max = ctx->cfg.node_coll_max;
    if (max == FLOC_NODE_COLL_MAX_AUTO)
        max = ctx->size <= 64 ? 65536 : 8192;
    n->max = (max + 63) & ~(size_t)63;
    n->stride = sizeof(floc_node_slot_t) + 2 * n->max;
    n->pipe_off = 64 + (size_t)ctx->size * n->stride;
    pipe_size(n, ctx->size);
    n->len = n->pipe_off + (size_t)ctx->size * n->pipe_stride;
    /* without its scratch a locality votes against the segment (the
     * others must not wait for it) */
    n->scratch = malloc(FLOC_NODE_FOLD);
    char name[128];
    segment_name(ctx, name, sizeof name);

    int mine = ctx->rank == 0 ? n->scratch && map(ctx, name, 1) : 1;
    int ok = all_agree(ctx, "floc.node.created", (unsigned char)mine);
    if (ok == 1 && ctx->rank != 0)
        mine = n->scratch && map(ctx, name, 0);
    if (ok == 1)
        ok = all_agree(ctx, "floc.node.mapped", (unsigned char)mine);
    if (ctx->rank == 0 && n->base)
        shm_unlink(name);   /* everyone who will map it has: no file left behind */
    if (ok < 0) {
        floc_node_fini(ctx);
        return ok;
    }
    if (ok != 1) {
        FLOC_WARN(FLOC_LOG_CORE, "node shared-memory segment not available: small collectives "
                  "go through the fabric");
        floc_node_fini(ctx);
        return 0;
    }
    n->enabled = 1;
    FLOC_INFO(FLOC_LOG_CORE, "node segment %s: %zu bytes, messages up to %zu bytes", name, n->len,
              n->max);
    return 0;
}

void floc_node_fini(floc_ctx_t *ctx)
{
    floc_node_t *n = &ctx->node;
    floc_node_mem_fini(ctx);
    if (n->base)
        munmap(n->base, n->len);
    free(n->scratch);
    n->scratch = NULL;
    n->base = NULL;
    n->enabled = 0;
}

int floc_node_usable(const floc_ctx_t *ctx, size_t bytes)
{
    return ctx->node.enabled && bytes <= ctx->node.max;
}
