/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coll.h - what every collective algorithm sees: the collective request
 * (its group view and state), the calls that post its messages, and the
 * algorithm table's entries.  Internal.
 *
 * A collective is a request whose `progress` advances a resumable state
 * machine (engine.c): the algorithm's step posts a batch of sends,
 * receives or one-sided operations and is called again (with c->step
 * where it left off) once the whole batch completed; it never blocks.  A
 * step that returns FLOC_ERR_AGAIN with nothing posted waits for
 * something outside the transport (the node segment's flags) and is
 * called again on the next round of progress.
 *
 * An algorithm sees its collective through c->v, the view: the group it
 * runs in (its rank and size, the root, the map from group ranks to
 * locality ids) and the buffers.  The entry points fill it with the
 * job's view; the hierarchical algorithms (hier.c) run flat algorithms
 * on a node or on the leaders by swapping it.  Per-algorithm state lives
 * in the union c->s, zeroed when the algorithm starts.
 *
 * Every collective call takes the next sequence number of the context
 * (all localities call collectives in the same order, so they agree on
 * it); its messages carry (sequence, step) in their tag, so back-to-back
 * collectives never mix their data however far one locality runs ahead.
 *
 *   engine.c     requests, batches, scratch, flow control, the active list
 *   api.c        the public calls: argument checks, trivial meanings,
 *                blocking forms
 *   select.c     the algorithm table and the rules that choose from it
 *   kernels.c    the reduction kernels
 *   transport.c  the interface to the transport below (the fabric)
 *   <kind>_<algorithm>.c, shm/, hier.c: the algorithms (algs.h)
 */
#ifndef FLOC_COLL_H
#define FLOC_COLL_H

#include <stddef.h>
#include <stdint.h>

#include "floc.h"
#include "kernels.h"
#include "../core/partition.h"
#include "../fabric/fabric.h"   /* floc_rwin_t */

struct floc_ctx;

typedef enum {
    FLOC_COLL_BARRIER, FLOC_COLL_BCAST, FLOC_COLL_ALLREDUCE, FLOC_COLL_REDUCE,
    FLOC_COLL_GATHER, FLOC_COLL_SCATTER, FLOC_COLL_ALLGATHER, FLOC_COLL_ALLTOALL,
    FLOC_COLL_REDUCE_SCATTER, FLOC_COLL_SCAN, FLOC_COLL_EXSCAN, FLOC_COLL_GATHERV,
    FLOC_COLL_SCATTERV, FLOC_COLL_ALLGATHERV, FLOC_COLL_ALLTOALLV,
    FLOC_COLL_KINDS
} floc_coll_kind_t;

/* What an algorithm needs or does, read by the engine and the selector
 * (select.c): restrictions are data, not comparisons of functions. */
enum {
    /* small messages through the node segment's buffers: a single-node
     * job with its segment, the bytes held within the segment's buffers */
    FLOC_ALG_SEGMENT = 1u << 0,
    /* large messages through the segment's pipelined area: a single-node
     * job with its segment */
    FLOC_ALG_PIPELINE = 1u << 1,
    /* reads the others' memory with process_vm_readv: a single-node job
     * whose localities all may */
    FLOC_ALG_CMA = 1u << 2,
    /* node segments and one leader per node: a job of several nodes
     * whose every node with 2 or more localities has its segment */
    FLOC_ALG_HIER = 1u << 3,
    /* (with HIER) its node steps go through the segments' buffers: the
     * bytes within them */
    FLOC_ALG_HIER_SMALL = 1u << 4,
    /* reads its input from sbuf itself: the entry point does not copy
     * it into rbuf first */
    FLOC_ALG_READS_SBUF = 1u << 5,
    /* never needs the flow-control barrier (a barrier itself) */
    FLOC_ALG_NO_SYNC = 1u << 6,
    /* (with HIER) each leader holds its node's whole vectors of p blocks
     * (hier.c's alltoall: 4 q p n bytes for q localities on the node):
     * only while one vector is at most FLOC_HIER_VECTOR_MAX */
    FLOC_ALG_HIER_VECTORS = 1u << 7,
    /* at most FLOC_ALG_FEW_MAX localities (their descriptors on the stack) */
    FLOC_ALG_FEW = 1u << 8,
};
#define FLOC_ALG_FEW_MAX 64
#define FLOC_HIER_VECTOR_MAX ((size_t)256 << 10)
/* through shared memory: waits on flags, cannot run ahead (node.h) */
#define FLOC_ALG_SHM (FLOC_ALG_SEGMENT | FLOC_ALG_PIPELINE | FLOC_ALG_CMA)

typedef struct floc_coll_req floc_coll_req_t;

typedef struct floc_coll_alg {
    floc_coll_kind_t kind;
    const char *name;        /* value of FLOC_<COLL>_ALGO */
    /* Called first with c->step == 0, then each time the batch it posted
     * has completed.  Posts the next batch and returns FLOC_ERR_AGAIN, or
     * returns 0 when done, or an error. */
    int (*step)(floc_coll_req_t *c);
    unsigned flags;          /* FLOC_ALG_* */
} floc_coll_alg_t;

/* The group an algorithm runs in and the buffers it works on. */
typedef struct floc_coll_view {
    int rank, size, root;          /* in the group */
    const int *map;                /* group rank -> locality id; NULL: the job's own ids */
    const void *sbuf;
    void *rbuf;
    size_t count;                  /* elements (per block for the movers) */
    const size_t *counts, *displs; /* the v-variants: elements per rank, offsets */
    const size_t *rcounts, *rdispls; /* alltoallv: the receiving side's (counts, displs: sending) */
    int tag_base;                  /* added to the steps in message tags (hier.c: the node steps
                                      before and after the leaders' do not match each other) */
} floc_coll_view_t;

#define FLOC_COLL_INLINE_BATCH 16   /* ops of a batch without a malloc */

struct floc_coll_req {
    struct floc_ctx *ctx;
    floc_request_t *req;     /* the user-facing request (NULL: run inline) */
    const floc_coll_alg_t *alg;
    floc_coll_view_t v;
    unsigned seq;
    size_t esize;
    floc_dtype_t dt;
    floc_op_t op;
    floc_reduce_fn reduce;
    int step;                /* where the algorithm is */
    int node_seg;            /* hier.c: its node steps run through the context's segment (there
                                was one at its start; else through the fabric) */
    int err;                 /* the first failed op of the batch in flight (engine.c) */
    /* what each algorithm keeps between steps */
    union {
        struct { int pof2, rem, newrank, mask, partner; } recdbl;        /* allreduce */
        struct { int pof2, rem, newrank, mask, lo, hi; } rabenseifner;
        struct { int nchunk, slot_bytes, to_root; } ring;                /* allreduce, reduce */
        struct { int mask, sent, recvd; } binomial;                     /* reduce */
        struct { int mask, partner, have; } scan;                       /* scan, exscan */
        struct {
            uint64_t seq;    /* this collective's (first chunk's) number on the segment */
            size_t chunk;    /* pipeline: the chunk in steps 2-3 */
            size_t copied;   /* pipeline: chunks whose step 1 is done */
            int piped;       /* allreduce: not on shared buffers, the pipeline runs */
        } shm;
    } s;
    void *tmp;               /* scratch: from floc_coll_tmp, released at the end */
    size_t tmp_len;
    /* one-sided algorithms: a buffer of this locality exposed to the
     * others (released when the collective ends), and the window sent or
     * received to reach a peer's */
    void *exposed;
    floc_rwin_t remote;
    /* the batch in flight: inline, grown on the heap for wide fan-outs
     * (a direct gather at the root of a large job posts p - 1 ops) */
    floc_request_t **batch;
    int nbatch, batch_cap;
    floc_request_t *inline_batch[FLOC_COLL_INLINE_BATCH];
    /* hierarchical algorithms (hier.c): the phase, and a partial result
     * kept between phases (freed at the end) */
    int phase;
    void *hold;
    floc_coll_req_t *next_active;
};

/* Add a send/receive of `step` to the current batch (caller: an
 * algorithm; peer is a rank of c->v's group). */
int floc_coll_post_send(floc_coll_req_t *c, const void *buf, size_t len, int peer, int tag_step);
int floc_coll_post_recv(floc_coll_req_t *c, void *buf, size_t len, int peer, int tag_step);
/* Add an RMA read (write = 0) or write at offset of the exposed buffer of
 * peer to the current batch; win comes from the peer's floc_coll_expose. */
int floc_coll_post_rma(floc_coll_req_t *c, int write, void *local, size_t len, int peer,
                       const floc_rwin_t *win, uint64_t offset);
/* Expose buf (len bytes) to the other localities' reads (writable = 0)
 * or writes for the rest of the collective; fills c->remote with what
 * they need to reach it. */
int floc_coll_expose(floc_coll_req_t *c, const void *buf, size_t len, int writable);

/* Give the collective a scratch buffer of at least len bytes in c->tmp
 * (once; later calls keep it).  The last one released is reused: a
 * loop of large allreduces would otherwise map and fault in fresh pages
 * on every call (glibc serves large blocks with mmap), measured at up to
 * 4x the time of a 1 MiB allreduce here. */
int floc_coll_tmp(floc_coll_req_t *c, size_t len);

/* x mod p in [0, p), for x of either sign */
/* a collective with a root (broadcast, reduce, the gathers and scatters) */
static inline int floc_coll_rooted(floc_coll_kind_t k)
{
    return k == FLOC_COLL_BCAST || k == FLOC_COLL_REDUCE || k == FLOC_COLL_GATHER ||
           k == FLOC_COLL_SCATTER || k == FLOC_COLL_GATHERV || k == FLOC_COLL_SCATTERV;
}

static inline int floc_coll_mod(int x, int p)
{
    return ((x % p) + p) % p;
}

/* Length of block b when count elements are cut into p blocks (core/
 * partition.h); its first element in *first. */
static inline size_t floc_coll_block(size_t count, int p, int b, size_t *first)
{
    return floc_block_len(count, p, b, first);
}

/*
 * Flow control.  A collective can finish at one locality before others
 * have even started it (the root of a broadcast, the leaves of a
 * reduce): with nothing else, a locality could run any number of
 * collectives ahead, and its messages pile up as unexpected messages at
 * the late ones.  libfabric's shm provider keeps those in the same
 * fixed pool as posted receives (`pool` entries, floc_fabric_shm_queue:
 * 1024 or 256) and processes its queue in order: once the pool is full,
 * the message a late locality is waiting for sits behind the pile and
 * never arrives (seen: 1000 broadcasts from a root while two localities
 * were still in a barrier).  So every floc_coll_sync_every(p, pool)-th
 * collective ends with a dissemination barrier (floc_coll_sync_step, its
 * own tags): nobody runs more than that many collectives ahead.
 */
#define FLOC_COLL_SYNC_STEP 0x7f00
static inline unsigned floc_coll_sync_every(int p, size_t pool)
{
    /* at most half the pool of run-ahead per receiver, even when all
     * others send to one root each time */
    unsigned w = (unsigned)(pool / 2) / (unsigned)(p > 1 ? p : 1);
    return w > 64 ? 64 : (w < 2 ? 2 : w);
}
int floc_coll_sync_step(floc_coll_req_t *c);

#endif
