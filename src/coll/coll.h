/*
 * coll.h - collectives: the request state machine, the point-to-point
 * plumbing the algorithms share, and the algorithm table.  Internal.
 *
 * A collective is a request whose `progress` advances a resumable state
 * machine: the algorithm posts a batch of sends/receives, and is called
 * again (with c->step where it left off) once the whole batch completed;
 * it never blocks.  A step that returns FLOC_ERR_AGAIN with nothing
 * posted waits for something outside the fabric (the node segment's
 * sequence words) and is called again on the next round of progress.  Every outstanding collective of a context is on the
 * context's active list and advances whenever floc makes progress, so
 * several nonblocking collectives complete in any wait order.
 *
 * Every collective call takes the next sequence number of the context
 * (all localities call collectives in the same order, so they agree on
 * it); its messages carry (sequence, step) in their tag, so back-to-back
 * collectives never mix their data however far one locality runs ahead.
 * The transport under the batches is floc's internal tagged messages
 * (single copy through shm's CMA for large blocks); it can change to RMA
 * landing buffers without touching the algorithms.
 */
#ifndef FLOC_COLL_H
#define FLOC_COLL_H

#include <stddef.h>
#include <stdint.h>

#include "floc.h"
#include "reduce.h"
#include "../fabric/fabric.h"   /* floc_rwin_t */

struct floc_ctx;

typedef enum {
    FLOC_COLL_BARRIER, FLOC_COLL_BCAST, FLOC_COLL_ALLREDUCE, FLOC_COLL_REDUCE,
    FLOC_COLL_GATHER, FLOC_COLL_SCATTER, FLOC_COLL_ALLGATHER, FLOC_COLL_ALLTOALL,
    FLOC_COLL_REDUCE_SCATTER, FLOC_COLL_SCAN, FLOC_COLL_EXSCAN, FLOC_COLL_GATHERV,
    FLOC_COLL_SCATTERV, FLOC_COLL_ALLGATHERV,
    FLOC_COLL_KINDS
} floc_coll_kind_t;

#define FLOC_COLL_INLINE_BATCH 16   /* ops of a batch without a malloc */

typedef struct floc_coll_req floc_coll_req_t;

typedef struct floc_coll_alg {
    const char *name;        /* value of FLOC_<COLL>_ALGO */
    /* Called first with c->step == 0, then each time the batch it posted
     * has completed.  Posts the next batch and returns FLOC_ERR_AGAIN, or
     * returns 0 when done, or an error. */
    int (*step)(floc_coll_req_t *c);
} floc_coll_alg_t;

struct floc_coll_req {
    struct floc_ctx *ctx;
    floc_request_t *req;     /* the user-facing request */
    const floc_coll_alg_t *alg;
    int rank, size;
    unsigned seq;
    const void *sbuf;
    void *rbuf;
    size_t count, esize;
    floc_dtype_t dt;
    floc_op_t op;
    int root;
    floc_reduce_fn reduce;
    const size_t *counts, *displs;   /* the v-variants: elements per locality, offsets */
    /* algorithm state: where it is, and what it keeps between steps */
    int step;
    int st[6];
    void *tmp;               /* scratch: from floc_coll_tmp, released at the end */
    size_t tmp_len;
    /* one-sided algorithms: a buffer of this locality exposed to the
     * others (released when the collective ends), and the window sent or
     * received to reach a peer's */
    struct floc_mr_entry *exposed;
    floc_rwin_t remote;
    /* the batch in flight: inline, grown on the heap for wide fan-outs
     * (a direct gather at the root of a large job posts p - 1 ops) */
    floc_request_t **batch;
    int nbatch, batch_cap;
    floc_request_t *inline_batch[FLOC_COLL_INLINE_BATCH];
    uint64_t node_seq;       /* node-segment algorithms: this collective's (first chunk's) number */
    size_t node_chunk;       /* pipelined node algorithms: the chunk in progress */
    /* hierarchical algorithms (hier.c): the phase, and while a phase runs
     * an algorithm on a group of localities, rank, size and root are the
     * group's and map turns its ranks into locality ids (NULL: the job) */
    int phase;
    const int *map;
    void *hold;              /* a partial result kept between phases (hier.c), freed at the end */
    floc_coll_req_t *next_active;
};

/* Add a send/receive of `step` to the current batch (caller: an algorithm). */
int floc_coll_post_send(floc_coll_req_t *c, const void *buf, size_t len, int peer, int tag_step);
int floc_coll_post_recv(floc_coll_req_t *c, void *buf, size_t len, int peer, int tag_step);

/* First element of block b when count elements are cut into p blocks
 * whose sizes differ by at most one (the larger ones first). */
static inline size_t floc_coll_block_start(size_t count, int p, int b)
{
    size_t q = count / (size_t)p, rem = count % (size_t)p;
    return (size_t)b * q + ((size_t)b < rem ? (size_t)b : rem);
}

/* Length of block b of that cut; its first element in *first. */
static inline size_t floc_coll_block(size_t count, int p, int b, size_t *first)
{
    *first = floc_coll_block_start(count, p, b);
    return floc_coll_block_start(count, p, b + 1) - *first;
}

/* x mod p in [0, p), for x of either sign */
static inline int floc_coll_mod(int x, int p)
{
    return ((x % p) + p) % p;
}

/* Give the collective a scratch buffer of at least len bytes in c->tmp
 * (once; later calls keep it).  The last one released is reused: a
 * loop of large allreduces would otherwise map and fault in fresh pages
 * on every call (glibc serves large blocks with mmap), measured at up to
 * 4x the time of a 1 MiB allreduce here. */
int floc_coll_tmp(floc_coll_req_t *c, size_t len);

/* Add an RMA read (write = 0) or write at offset of the exposed buffer of
 * peer to the current batch; win comes from the peer's floc_coll_expose. */
int floc_coll_post_rma(floc_coll_req_t *c, int write, void *local, size_t len, int peer,
                       const floc_rwin_t *win, uint64_t offset);
/* Expose buf (len bytes) to the other localities' reads (writable = 0)
 * or writes for the rest of the collective; fills c->remote with what
 * they need to reach it. */
int floc_coll_expose(floc_coll_req_t *c, const void *buf, size_t len, int writable);

/* Log the collectives in flight (after a timeout). */
void floc_coll_dump(struct floc_ctx *ctx);
/* Advance every active collective of ctx once; caller holds the lock. */
void floc_coll_progress_all(struct floc_ctx *ctx);

/* the algorithms (one file each) */
int floc_barrier_dissemination(floc_coll_req_t *c);
int floc_bcast_binomial(floc_coll_req_t *c);
int floc_bcast_scatter_allgather(floc_coll_req_t *c);
int floc_allreduce_recursive_doubling(floc_coll_req_t *c);
int floc_allreduce_ring(floc_coll_req_t *c);
int floc_reduce_binomial(floc_coll_req_t *c);
int floc_reduce_ring(floc_coll_req_t *c);
int floc_allreduce_rabenseifner(floc_coll_req_t *c);
int floc_gather_direct(floc_coll_req_t *c);
int floc_scatter_direct(floc_coll_req_t *c);
int floc_gather_binomial(floc_coll_req_t *c);
int floc_scatter_binomial(floc_coll_req_t *c);
int floc_gather_rma(floc_coll_req_t *c);
int floc_scatter_rma(floc_coll_req_t *c);
int floc_allgather_ring(floc_coll_req_t *c);
int floc_allgather_recursive_doubling(floc_coll_req_t *c);
int floc_allgather_bruck(floc_coll_req_t *c);
int floc_alltoall_pairwise(floc_coll_req_t *c);
int floc_reduce_scatter_ring(floc_coll_req_t *c);
int floc_scan_recursive_doubling(floc_coll_req_t *c);
int floc_exscan_recursive_doubling(floc_coll_req_t *c);
int floc_gatherv_direct(floc_coll_req_t *c);
int floc_scatterv_direct(floc_coll_req_t *c);
int floc_allgatherv_ring(floc_coll_req_t *c);
/*
 * Flow control.  A collective can finish at one locality before others
 * have even started it (the root of a broadcast, the leaves of a
 * reduce): with nothing else, a locality could run any number of
 * collectives ahead, and its messages pile up as unexpected messages at
 * the late ones.  libfabric's shm provider keeps those in the same
 * fixed pool as posted receives (1024 entries) and processes its queue
 * in order: once the pool is full, the message a late locality is
 * waiting for sits behind the pile and never arrives (seen: 1000
 * broadcasts from a root while two localities were still in a barrier).
 * So every FLOC_COLL_SYNC_EVERY(p)-th collective ends with a
 * dissemination barrier (floc_coll_sync_step, its own tags): nobody runs
 * more than that many collectives ahead.
 */
#define FLOC_COLL_SYNC_STEP 0x7f00
static inline unsigned floc_coll_sync_every(int p)
{
    /* at most ~512 messages of run-ahead per receiver, even when all
     * others send to one root each time */
    unsigned w = 512u / (unsigned)(p > 1 ? p : 1);
    return w > 64 ? 64 : (w < 2 ? 2 : w);
}
int floc_coll_sync_step(floc_coll_req_t *c);

/* through the node segment (src/node/coll.c): single-node jobs, small messages */
int floc_node_barrier(floc_coll_req_t *c);
int floc_node_bcast(floc_coll_req_t *c);
int floc_node_allreduce(floc_coll_req_t *c);
int floc_node_reduce(floc_coll_req_t *c);
int floc_node_gather(floc_coll_req_t *c);
int floc_node_scatter(floc_coll_req_t *c);
int floc_node_allgather(floc_coll_req_t *c);
int floc_node_alltoall(floc_coll_req_t *c);
int floc_node_reduce_scatter(floc_coll_req_t *c);
int floc_node_allgather_cma(floc_coll_req_t *c);   /* large blocks, by process_vm_readv */
/* large messages, pipelined through the node segment (src/node/pipe.c) */
int floc_node_pipe_bcast(floc_coll_req_t *c);
int floc_node_pipe_allreduce(floc_coll_req_t *c);
int floc_node_pipe_reduce(floc_coll_req_t *c);
int floc_node_pipe_allgather(floc_coll_req_t *c);

/* jobs of several nodes: node step, leaders' step, node step (hier.c) */
int floc_barrier_hier(floc_coll_req_t *c);
int floc_bcast_hier(floc_coll_req_t *c);
int floc_allreduce_hier(floc_coll_req_t *c);
int floc_reduce_hier(floc_coll_req_t *c);
int floc_allgather_hier(floc_coll_req_t *c);   /* blocks up to FLOC_HIER_ALLGATHER_MAX */
#define FLOC_HIER_ALLGATHER_MAX 8192u

/* select.c: for the phases of the hierarchical algorithms, the node
 * segment's algorithm among the localities of this node, and the fabric
 * algorithm among p localities (the leaders) */
const floc_coll_alg_t *floc_coll_select_node(const struct floc_ctx *ctx, floc_coll_kind_t kind,
                                             size_t bytes);
const floc_coll_alg_t *floc_coll_select_fabric(const struct floc_ctx *ctx, floc_coll_kind_t kind,
                                               size_t bytes, int p);

/* select.c: the algorithm for a call, honouring FLOC_<COLL>_ALGO */
const floc_coll_alg_t *floc_coll_select(const struct floc_ctx *ctx, floc_coll_kind_t kind,
                                        size_t bytes);
/* Is a one of the node segment's algorithms? */
int floc_coll_is_node_alg(const floc_coll_alg_t *a);
/* Name -> index in the table of kind, or -1. */
int floc_coll_alg_index(floc_coll_kind_t kind, const char *name);

#endif
