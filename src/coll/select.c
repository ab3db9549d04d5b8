/*
 * select.c - the algorithm tables and the choice among them.
 *
 * FLOC_<COLL>_ALGO=<name> forces an algorithm (checked at floc_init).
 * Otherwise the rules in floc_coll_select pick by message size (bytes
 * per locality) and locality count.  The thresholds come from
 * `perf/tune.sh -n "2 3 4" -m 8:4194304 -i 100` on the development
 * machine (2 cores, shm, Debian 12, 2026-11-24); docs/coll.md has the
 * tables.  In short (us, 2 / 3 / 4 localities):
 *
 * allreduce  recursive doubling vs ring vs Rabenseifner: 8 B 0.9/7.1/11.4
 *   vs 1.6/11.0/23.8 vs 2.1/13.1/16.4; 64 KiB 18/57/88 vs 19/61/100 vs
 *   25/68/83; 256 KiB 63/178/263 vs 61/166/195 vs 74/157/186; 1 MiB
 *   159/491/634 vs 159/427/425 vs 146/447/475; 4 MiB 966/3671/5078 vs
 *   601/2249/2551 vs 736/3047/2881.  Recursive doubling below 64 KiB
 *   (256 KiB on 2, where the ring's only gain is pipelining); then
 *   Rabenseifner (lg p messages) up to 512 KiB; then the pipelined ring.
 * bcast      the binomial tree wins within a node at every size up to
 *   1 MiB (1 MiB: 97/207/234 vs 560/239/257); scatter + allgather moves
 *   2n instead of n lg p through a locality, which pays across nodes:
 *   chosen from 512 KiB on 3 or more localities on 2 or more nodes.
 * gather / scatter  binomial for blocks up to 1 KiB on 4 or more
 *   localities (8 B: 0.66 vs 0.92 direct; on 2-3 the direct exchange
 *   has no root bottleneck yet), direct above; gather of 1 MiB blocks
 *   and more on 4 or more: one-sided writes into the root's vector
 *   (1 MiB 290 vs 310, 4 MiB 2065 vs 2368).  One-sided scatter never
 *   won (4 MiB on 4: 2423 vs 1559): the root's reads are served one by one.
 * allgather  Bruck for blocks up to 1 KiB on 4 or more (8 B 9.2 vs 11.3
 *   ring), the ring above (1 MiB on 4: 626 vs 766 recursive doubling).
 *
 * In single-node jobs the node segment comes first: node_limit below for
 * small messages, then the pipelined area for broadcast, allreduce,
 * reduce and allgather at every larger size (docs/coll.md): it beat every
 * fabric algorithm from 16 KiB to 16 MiB on 2, 3 and 4 localities, but
 * for allgather of 2-4 MiB blocks on 2, where the ring is bimodal (1 MiB
 * 137-158 or 460-612 us, 4 MiB 596 or 2251-2416 from run to run; the
 * pipeline 105 and 485-544, every run).  Allgather on 2 takes CMA from
 * 32 KiB blocks where the localities may read each other's memory.
 */
#include <string.h>

#include "coll.h"
#include "../core/config.h"
#include "../core/ctx.h"
#include "../node/node.h"

/* the entries the rules below choose among, by position */
enum { BARRIER_DISSEMINATION, BARRIER_NODE, BARRIER_HIER };
enum { BCAST_BINOMIAL, BCAST_SCATTER_ALLGATHER, BCAST_NODE, BCAST_PIPE, BCAST_HIER };
enum { ALLREDUCE_RECDBL, ALLREDUCE_RING, ALLREDUCE_RABENSEIFNER, ALLREDUCE_NODE, ALLREDUCE_PIPE,
       ALLREDUCE_HIER };
enum { REDUCE_BINOMIAL, REDUCE_NODE, REDUCE_RING, REDUCE_PIPE, REDUCE_HIER };
enum { MOVER_DIRECT, MOVER_BINOMIAL, MOVER_RMA, MOVER_NODE };
enum { ALLGATHER_RING, ALLGATHER_RECDBL, ALLGATHER_BRUCK, ALLGATHER_NODE, ALLGATHER_PIPE,
       ALLGATHER_CMA, ALLGATHER_HIER };

/* "shm": through the node segment (src/node), single-node jobs only;
 * "shm_pipeline": large messages in chunks through its pipelined area;
 * "cma": large blocks read from the others' memory (process_vm_readv),
 * single-node jobs where every locality may;
 * "hierarchical": node segments and one leader per node (hier.c),
 * multi-node jobs with 2 or more localities on some node only */
static const floc_coll_alg_t barrier_algs[] = {
    [BARRIER_DISSEMINATION] = {.name = "dissemination", .step = floc_barrier_dissemination},
    [BARRIER_NODE] = {.name = "shm", .step = floc_node_barrier},
    [BARRIER_HIER] = {.name = "hierarchical", .step = floc_barrier_hier},
};
static const floc_coll_alg_t bcast_algs[] = {
    [BCAST_BINOMIAL] = {.name = "binomial", .step = floc_bcast_binomial},
    [BCAST_SCATTER_ALLGATHER] = {.name = "scatter_allgather", .step = floc_bcast_scatter_allgather},
    [BCAST_NODE] = {.name = "shm", .step = floc_node_bcast},
    [BCAST_PIPE] = {.name = "shm_pipeline", .step = floc_node_pipe_bcast},
    [BCAST_HIER] = {.name = "hierarchical", .step = floc_bcast_hier},
};
static const floc_coll_alg_t allreduce_algs[] = {
    [ALLREDUCE_RECDBL] = {.name = "recursive_doubling", .step = floc_allreduce_recursive_doubling},
    [ALLREDUCE_RING] = {.name = "ring", .step = floc_allreduce_ring},
    [ALLREDUCE_RABENSEIFNER] = {.name = "rabenseifner", .step = floc_allreduce_rabenseifner},
    [ALLREDUCE_NODE] = {.name = "shm", .step = floc_node_allreduce},
    [ALLREDUCE_PIPE] = {.name = "shm_pipeline", .step = floc_node_pipe_allreduce},
    [ALLREDUCE_HIER] = {.name = "hierarchical", .step = floc_allreduce_hier},
};

static const floc_coll_alg_t reduce_algs[] = {
    [REDUCE_BINOMIAL] = {.name = "binomial", .step = floc_reduce_binomial},
    [REDUCE_NODE] = {.name = "shm", .step = floc_node_reduce},
    [REDUCE_RING] = {.name = "ring", .step = floc_reduce_ring},
    [REDUCE_PIPE] = {.name = "shm_pipeline", .step = floc_node_pipe_reduce},
    [REDUCE_HIER] = {.name = "hierarchical", .step = floc_reduce_hier},
};
static const floc_coll_alg_t gather_algs[] = {
    [MOVER_DIRECT] = {.name = "direct", .step = floc_gather_direct},
    [MOVER_BINOMIAL] = {.name = "binomial", .step = floc_gather_binomial},
    [MOVER_RMA] = {.name = "rma", .step = floc_gather_rma},
    [MOVER_NODE] = {.name = "shm", .step = floc_node_gather},
};
static const floc_coll_alg_t scatter_algs[] = {
    [MOVER_DIRECT] = {.name = "direct", .step = floc_scatter_direct},
    [MOVER_BINOMIAL] = {.name = "binomial", .step = floc_scatter_binomial},
    [MOVER_RMA] = {.name = "rma", .step = floc_scatter_rma},
    [MOVER_NODE] = {.name = "shm", .step = floc_node_scatter},
};
static const floc_coll_alg_t allgather_algs[] = {
    [ALLGATHER_RING] = {.name = "ring", .step = floc_allgather_ring},
    [ALLGATHER_RECDBL] = {.name = "recursive_doubling", .step = floc_allgather_recursive_doubling},
    [ALLGATHER_BRUCK] = {.name = "bruck", .step = floc_allgather_bruck},
    [ALLGATHER_NODE] = {.name = "shm", .step = floc_node_allgather},
    [ALLGATHER_PIPE] = {.name = "shm_pipeline", .step = floc_node_pipe_allgather},
    [ALLGATHER_CMA] = {.name = "cma", .step = floc_node_allgather_cma},
    [ALLGATHER_HIER] = {.name = "hierarchical", .step = floc_allgather_hier},
};
static const floc_coll_alg_t alltoall_algs[] = {
    {.name = "pairwise", .step = floc_alltoall_pairwise},
    {.name = "shm", .step = floc_node_alltoall},
};

static const floc_coll_alg_t reduce_scatter_algs[] = {
    {.name = "ring", .step = floc_reduce_scatter_ring},
    {.name = "shm", .step = floc_node_reduce_scatter},
};
static const floc_coll_alg_t scan_algs[] = {{.name = "recursive_doubling", .step = floc_scan_recursive_doubling}};
static const floc_coll_alg_t exscan_algs[] = {{.name = "recursive_doubling", .step = floc_exscan_recursive_doubling}};
static const floc_coll_alg_t gatherv_algs[] = {{.name = "direct", .step = floc_gatherv_direct}};
static const floc_coll_alg_t scatterv_algs[] = {{.name = "direct", .step = floc_scatterv_direct}};
static const floc_coll_alg_t allgatherv_algs[] = {{.name = "ring", .step = floc_allgatherv_ring}};

_Static_assert(FLOC_COLL_KINDS == FLOC_CONFIG_COLL_KINDS, "one FLOC_<COLL>_ALGO per kind");

/* a table and its length, counted by the compiler */
#define ALGS(a) {a, (int)(sizeof a / sizeof a[0])}

static const struct {
    const floc_coll_alg_t *algs;
    int n;
} tables[FLOC_COLL_KINDS] = {
    [FLOC_COLL_BARRIER] = ALGS(barrier_algs),
    [FLOC_COLL_BCAST] = ALGS(bcast_algs),
    [FLOC_COLL_ALLREDUCE] = ALGS(allreduce_algs),
    [FLOC_COLL_REDUCE] = ALGS(reduce_algs),
    [FLOC_COLL_GATHER] = ALGS(gather_algs),
    [FLOC_COLL_SCATTER] = ALGS(scatter_algs),
    [FLOC_COLL_ALLGATHER] = ALGS(allgather_algs),
    [FLOC_COLL_ALLTOALL] = ALGS(alltoall_algs),
    [FLOC_COLL_REDUCE_SCATTER] = ALGS(reduce_scatter_algs),
    [FLOC_COLL_SCAN] = ALGS(scan_algs),
    [FLOC_COLL_EXSCAN] = ALGS(exscan_algs),
    [FLOC_COLL_GATHERV] = ALGS(gatherv_algs),
    [FLOC_COLL_SCATTERV] = ALGS(scatterv_algs),
    [FLOC_COLL_ALLGATHERV] = ALGS(allgatherv_algs),
};

#define FLOC_ALLREDUCE_SMALL_MAX (64u << 10)       /* recursive doubling below */
#define FLOC_ALLREDUCE_SMALL_MAX_2 (256u << 10)    /* the same on 2 localities */
#define FLOC_ALLREDUCE_MEDIUM_MAX (512u << 10)     /* Rabenseifner below, ring from here */
/* On 2 localities (which, since the node segment's pipeline took the
 * single-node jobs, means 2 nodes) Rabenseifner up to 8 MiB: tcp;ofi_rxm
 * between 2 namespace hosts, median of 100 calls, 3 rounds, µs,
 * Rabenseifner vs ring: 512 KiB 209-229 vs 211-331, 1 MiB 301-682 vs
 * 682-874, 4 MiB 2423-2522 vs 2448-2890, 16 MiB 12198-13053 vs
 * 11626-12274 (the ring's chunks overlap the reduction with the
 * transfer there). */
#define FLOC_ALLREDUCE_RABENSEIFNER_MAX_2 (8u << 20)
#define FLOC_BCAST_SCATTER_MIN_BYTES (512u << 10)
#define FLOC_TREE_BLOCK_MAX 1024u                  /* binomial gather/scatter, Bruck */
#define FLOC_GATHER_RMA_MIN_BYTES (1u << 20)
/* reduce by ring reduce-scatter + gather from 2 MiB: 2 / 4 localities,
 * us, binomial vs ring: 1 MiB 136 vs 245 / 396 vs 436; 2 MiB 282 vs 275 /
 * 1298 vs 1082; 4 MiB 843 vs 699 / 3987 vs 3453 */
#define FLOC_REDUCE_RING_MIN_BYTES (2u << 20)
/* allgather of 2 localities by process_vm_readv from 32 KiB blocks:
 * floc_coll_bench, µs, CMA vs the pipeline vs Open MPI (CMA too): 16 KiB
 * 3.6 vs 3.0-3.3 vs 4.0; 64 KiB 7.8-8.2 vs 10.5-10.7 vs 8.1-8.5; 1 MiB
 * 103-116 vs 136-146 vs 104-115.  On 3 and 4 (2 cores) the pipeline wins
 * at every size (1 MiB on 3: 329 vs 416): p readers of p blocks each. */
#define FLOC_ALLGATHER_CMA_MIN_BYTES (32u << 10)

int floc_coll_alg_index(floc_coll_kind_t kind, const char *name)
{
    for (int i = 0; i < tables[kind].n; i++)
        if (strcmp(tables[kind].algs[i].name, name) == 0)
            return i;
    return -1;
}

static int is_pipe_alg(const floc_coll_alg_t *a)
{
    return a->step == floc_node_pipe_bcast || a->step == floc_node_pipe_allreduce ||
           a->step == floc_node_pipe_reduce || a->step == floc_node_pipe_allgather;
}

int floc_coll_is_node_alg(const floc_coll_alg_t *a)
{
    return is_pipe_alg(a) || a->step == floc_node_barrier || a->step == floc_node_bcast ||
           a->step == floc_node_allreduce || a->step == floc_node_reduce ||
           a->step == floc_node_gather || a->step == floc_node_scatter ||
           a->step == floc_node_allgather || a->step == floc_node_alltoall ||
           a->step == floc_node_allgather_cma ||
           a->step == floc_node_reduce_scatter;
}

/*
 * Up to which size each collective goes through the node segment (bytes
 * per locality; scatter: the root's whole vector), within the segment's
 * FLOC_NODE_COLL_MAX.  From perf/floc_coll_bench, node segment vs fabric,
 * µs, 2 / 4 localities on 2 cores: allreduce 64 KiB 16 vs 21 / 105 vs
 * 93, 32 KiB on 4 30 vs 54; broadcast 16 KiB 2.4 vs 3.5, 32 KiB 4.8 vs
 * 4.6 on 2; reduce 64 KiB 8.1 vs 17.5 / 18.3 vs 40.5.  Gather, scatter,
 * allgather, alltoall and reduce_scatter copy every block in and out, so
 * the fabric (or the pipeline) takes over sooner; blocks, same runs,
 * 2026-11-25: gather 32 KiB 3.9 vs 6.7 / 9.2 vs 20.7, 64 KiB 7.8 vs 8.6 /
 * 15.8 vs 31.9; scatter 16 KiB 2.4 vs 3.8 / 9.4 vs 15.1, 32 KiB 6.5 vs
 * 5.2 / 21.3 vs 20.4; alltoall 16 KiB 3.3 vs 4.4 / 18.3 vs 54.8, 32 KiB
 * 6.3 vs 5.7 / 91 vs 69; allgather on 2 vs the pipeline 8 KiB 1.6 vs
 * 1.9, 16 KiB 3.0 vs 2.8; reduce_scatter on 2, 4 KiB 3.0 vs 3.4 (ring).
 */
static size_t node_limit(floc_coll_kind_t kind, int p)
{
    switch (kind) {
    case FLOC_COLL_BARRIER: return SIZE_MAX;
    case FLOC_COLL_ALLREDUCE: return p == 2 ? 65536 : 32768;
    case FLOC_COLL_BCAST: return 16384;
    case FLOC_COLL_REDUCE: return 65536;
    case FLOC_COLL_GATHER: return 65536;
    case FLOC_COLL_SCATTER: case FLOC_COLL_ALLTOALL: return 16384;
    case FLOC_COLL_ALLGATHER: return 8192;
    case FLOC_COLL_REDUCE_SCATTER: return 4096;
    default: return 0;
    }
}

/* Each kind's algorithms through the node segment: small messages in its
 * buffers, large ones through its pipelined area (NULL: none). */
static const struct {
    const floc_coll_alg_t *small, *pipelined;
} node_algs[FLOC_COLL_KINDS] = {
    [FLOC_COLL_BARRIER] = {&barrier_algs[BARRIER_NODE], NULL},
    [FLOC_COLL_BCAST] = {&bcast_algs[BCAST_NODE], &bcast_algs[BCAST_PIPE]},
    [FLOC_COLL_ALLREDUCE] = {&allreduce_algs[ALLREDUCE_NODE], &allreduce_algs[ALLREDUCE_PIPE]},
    [FLOC_COLL_REDUCE] = {&reduce_algs[REDUCE_NODE], &reduce_algs[REDUCE_PIPE]},
    [FLOC_COLL_GATHER] = {&gather_algs[MOVER_NODE], NULL},
    [FLOC_COLL_SCATTER] = {&scatter_algs[MOVER_NODE], NULL},
    [FLOC_COLL_ALLGATHER] = {&allgather_algs[ALLGATHER_NODE], &allgather_algs[ALLGATHER_PIPE]},
    [FLOC_COLL_ALLTOALL] = {&alltoall_algs[1], NULL},
    [FLOC_COLL_REDUCE_SCATTER] = {&reduce_scatter_algs[1], NULL},
};

/* the hierarchical algorithm of each kind that has one */
static const floc_coll_alg_t *const hier_algs[FLOC_COLL_KINDS] = {
    [FLOC_COLL_BARRIER] = &barrier_algs[BARRIER_HIER],
    [FLOC_COLL_BCAST] = &bcast_algs[BCAST_HIER],
    [FLOC_COLL_ALLREDUCE] = &allreduce_algs[ALLREDUCE_HIER],
    [FLOC_COLL_REDUCE] = &reduce_algs[REDUCE_HIER],
    [FLOC_COLL_ALLGATHER] = &allgather_algs[ALLGATHER_HIER],
};

static int is_hier_alg(const floc_coll_alg_t *a)
{
    return a->step == floc_barrier_hier || a->step == floc_bcast_hier ||
           a->step == floc_allreduce_hier || a->step == floc_reduce_hier ||
           a->step == floc_allgather_hier;
}

/* Can the hierarchical algorithm of kind carry `bytes`?  (Allgather:
 * blocks through the node segments' buffers, FLOC_NODE_COLL_MAX at the
 * least, the same on every node.) */
static int hier_ok(const floc_ctx_t *ctx, floc_coll_kind_t kind, size_t bytes)
{
    if (!ctx->node.hier || !hier_algs[kind])
        return 0;
    return kind != FLOC_COLL_ALLGATHER ||
           (bytes <= FLOC_HIER_ALLGATHER_MAX && bytes <= ctx->cfg.node_coll_max);
}

/*
 * A node phase of a hierarchical collective: the small algorithm up to
 * its size (and the segment's buffers), else the pipelined one.  The
 * localities of one node agree: the same size, the same segment.
 */
const floc_coll_alg_t *floc_coll_select_node(const floc_ctx_t *ctx, floc_coll_kind_t kind,
                                             size_t bytes)
{
    const floc_node_t *n = &ctx->node;
    if (!node_algs[kind].pipelined ||
        (bytes <= node_limit(kind, n->p) && bytes <= n->max))
        return node_algs[kind].small;
    return node_algs[kind].pipelined;
}

const floc_coll_alg_t *floc_coll_select(const floc_ctx_t *ctx, floc_coll_kind_t kind, size_t bytes)
{
    const int forced = ctx->coll_algo[kind], p = ctx->size;
    /* what the node segment would have to hold: scatter, alltoall and
     * reduce_scatter put a whole vector of p blocks there */
    const int whole = kind == FLOC_COLL_SCATTER || kind == FLOC_COLL_ALLTOALL ||
                      kind == FLOC_COLL_REDUCE_SCATTER;
    const size_t held = whole ? bytes * (size_t)p : bytes;
    const int single = ctx->node.enabled && ctx->num_nodes == 1;
    const int node_ok = node_algs[kind].small && floc_node_usable(ctx, held);
    const floc_coll_alg_t *pipe = node_algs[kind].pipelined;
    /* a forced node or hierarchical algorithm that cannot be used falls
     * back to the rules (the same answer on every locality) */
    if (forced >= 0) {
        const floc_coll_alg_t *a = &tables[kind].algs[forced];
        if (a->step == floc_node_allgather_cma ? single && ctx->node.cma
            : is_hier_alg(a)                   ? hier_ok(ctx, kind, bytes)
                                               : !floc_coll_is_node_alg(a) ||
                                                     (is_pipe_alg(a) ? single : node_ok))
            return a;
    }
    if (forced < 0 && hier_ok(ctx, kind, bytes))
        return hier_algs[kind];
    if (forced < 0 && node_ok && bytes <= node_limit(kind, p))
        return node_algs[kind].small;
    if (forced < 0 && kind == FLOC_COLL_ALLGATHER && single && ctx->node.cma && p == 2 &&
        bytes >= FLOC_ALLGATHER_CMA_MIN_BYTES)
        return &allgather_algs[ALLGATHER_CMA];
    if (forced < 0 && pipe && single && bytes > node_limit(kind, p))
        return pipe;
    return floc_coll_select_fabric(ctx, kind, bytes, p);
}

/* The fabric algorithms' rules (the header of this file), for p
 * localities: the job's, or the leaders of a hierarchical collective. */
const floc_coll_alg_t *floc_coll_select_fabric(const floc_ctx_t *ctx, floc_coll_kind_t kind,
                                               size_t bytes, int p)
{
    switch (kind) {
    case FLOC_COLL_ALLREDUCE:
        if (bytes < (p == 2 ? FLOC_ALLREDUCE_SMALL_MAX_2 : FLOC_ALLREDUCE_SMALL_MAX) ||
            bytes / (size_t)p < 64)
            return &allreduce_algs[ALLREDUCE_RECDBL];
        if (p == 2 && bytes <= FLOC_ALLREDUCE_RABENSEIFNER_MAX_2)
            return &allreduce_algs[ALLREDUCE_RABENSEIFNER];
        if (p == 2)
            return &allreduce_algs[ALLREDUCE_RING];
        return &allreduce_algs[bytes < FLOC_ALLREDUCE_MEDIUM_MAX ? ALLREDUCE_RABENSEIFNER
                                                                 : ALLREDUCE_RING];
    case FLOC_COLL_REDUCE:
        return &reduce_algs[bytes >= FLOC_REDUCE_RING_MIN_BYTES ? REDUCE_RING : REDUCE_BINOMIAL];
    case FLOC_COLL_BCAST:
        return &bcast_algs[bytes >= FLOC_BCAST_SCATTER_MIN_BYTES && p > 2 && ctx->num_nodes > 1
                               ? BCAST_SCATTER_ALLGATHER
                               : BCAST_BINOMIAL];
    case FLOC_COLL_GATHER:
        if (p >= 4 && bytes <= FLOC_TREE_BLOCK_MAX)
            return &gather_algs[MOVER_BINOMIAL];
        return &gather_algs[p >= 4 && bytes >= FLOC_GATHER_RMA_MIN_BYTES ? MOVER_RMA : MOVER_DIRECT];
    case FLOC_COLL_SCATTER:
        return &scatter_algs[p >= 4 && bytes <= FLOC_TREE_BLOCK_MAX ? MOVER_BINOMIAL : MOVER_DIRECT];
    case FLOC_COLL_ALLGATHER:
        return &allgather_algs[p >= 4 && bytes <= FLOC_TREE_BLOCK_MAX ? ALLGATHER_BRUCK
                                                                      : ALLGATHER_RING];
    default:
        return &tables[kind].algs[0];   /* never a node algorithm: they are not first */
    }
}
