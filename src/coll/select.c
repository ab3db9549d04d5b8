/*
 * select.c - the algorithm tables and the choice among them.
 *
 * FLOC_<COLL>_ALGO=<name> forces an algorithm (checked at floc_init).
 * Otherwise the rules below pick by message size and locality count.
 * Thresholds: provisional (not yet swept by perf/tune): recursive
 * doubling costs lg(p) full-size messages, the ring 2(p-1) messages of
 * size n/p, so the ring wins once n is large; 64 KiB is where the
 * bandwidth term starts to dominate on shm here.  Broadcast: a binomial
 * tree moves n lg p bytes through the busiest locality, scatter +
 * allgather about 2n: from 512 KiB on 3 or more localities across nodes.
 * Within one node (shm, single-copy CMA) the tree wins, measured here:
 * 3 localities, 1 MiB 187 vs 224 us, 16 MiB 3981 vs 5337 us; 4: 177 vs
 * 336 us, 6427 vs 6542 us (2 cores, floc_coll_bench bcast).
 */
#include <string.h>

#include "coll.h"
#include "../core/config.h"
#include "../core/ctx.h"

static const floc_coll_alg_t barrier_algs[] = {
    {.name = "dissemination", .step = floc_barrier_dissemination},
};
static const floc_coll_alg_t bcast_algs[] = {
    {.name = "binomial", .step = floc_bcast_binomial},
    {.name = "scatter_allgather", .step = floc_bcast_scatter_allgather},
};
static const floc_coll_alg_t allreduce_algs[] = {
    {.name = "recursive_doubling", .step = floc_allreduce_recursive_doubling},
    {.name = "ring", .step = floc_allreduce_ring},
    {.name = "rabenseifner", .step = floc_allreduce_rabenseifner},
};

static const floc_coll_alg_t reduce_algs[] = {{.name = "binomial", .step = floc_reduce_binomial}};
static const floc_coll_alg_t gather_algs[] = {
    {.name = "direct", .step = floc_gather_direct},
    {.name = "binomial", .step = floc_gather_binomial},
    {.name = "rma", .step = floc_gather_rma},
};
static const floc_coll_alg_t scatter_algs[] = {
    {.name = "direct", .step = floc_scatter_direct},
    {.name = "binomial", .step = floc_scatter_binomial},
    {.name = "rma", .step = floc_scatter_rma},
};
static const floc_coll_alg_t allgather_algs[] = {
    {.name = "ring", .step = floc_allgather_ring},
    {.name = "recursive_doubling", .step = floc_allgather_recursive_doubling},
    {.name = "bruck", .step = floc_allgather_bruck},
};
static const floc_coll_alg_t alltoall_algs[] = {{.name = "pairwise", .step = floc_alltoall_pairwise}};

static const floc_coll_alg_t reduce_scatter_algs[] = {{.name = "ring", .step = floc_reduce_scatter_ring}};
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

#define FLOC_ALLREDUCE_RING_MIN_BYTES (64u << 10)
#define FLOC_BCAST_SCATTER_MIN_BYTES (512u << 10)

int floc_coll_alg_index(floc_coll_kind_t kind, const char *name)
{
    for (int i = 0; i < tables[kind].n; i++)
        if (strcmp(tables[kind].algs[i].name, name) == 0)
            return i;
    return -1;
}

const floc_coll_alg_t *floc_coll_select(const floc_ctx_t *ctx, floc_coll_kind_t kind, size_t bytes)
{
    int forced = ctx->coll_algo[kind];
    if (forced >= 0)
        return &tables[kind].algs[forced];
    if (kind == FLOC_COLL_ALLREDUCE && bytes >= FLOC_ALLREDUCE_RING_MIN_BYTES &&
        bytes / (size_t)ctx->size >= 64)
        return &allreduce_algs[1];
    if (kind == FLOC_COLL_BCAST && bytes >= FLOC_BCAST_SCATTER_MIN_BYTES && ctx->size > 2 &&
        ctx->num_nodes > 1)
        return &bcast_algs[1];
    return &tables[kind].algs[0];
}
