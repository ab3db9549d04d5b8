/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * node.h - shared memory among the localities of one node: the node
 * segment (one per node with 2 or more localities, in every job), the
 * placement of the localities on the nodes, shared allocations
 * (floc_mem_alloc) and streaming copies.  Internal.
 *
 * This layer is machinery: memory, its layout and copies.  The protocols
 * that run on the segment (the collectives through it: src/coll/shm/)
 * live above it; the layout below is what they agree on.
 *
 * Why: a message through libfabric's shm provider costs ~1-4 us here
 * (queues, a copy in, a copy out, completions); a cache line handed from
 * one core to another costs ~0.1-0.3 us.  Small collectives are nothing
 * but such handoffs, as in Open MPI's coll/sm and UCC's tl/shm.
 *
 * A slot holds a ring of FLOC_NODE_DEPTH buffers.  Buffer b has a header
 * line (the number of the collective that last wrote it, what its writer
 * was called with, and up to FLOC_NODE_INLINE bytes of data, so a small
 * handoff is one cache line)
 * and a data area for larger messages; a separate line holds `done`, the
 * number of the last collective this locality finished.  Collectives
 * through the segment are numbered (every locality calls them in the
 * same order); collective s at each locality:
 *   1. waits until every other locality is done with s - DEPTH (the last
 *      user of buffer s mod DEPTH): nobody still reads what it overwrites;
 *   2. writes its contribution, if any, into its buffer s mod DEPTH, then
 *      stores s in that buffer's header (release);
 *   3. waits for the headers it needs to show s (acquire), reads them;
 *   4. stores s in `done`.
 * A broadcast root or a reduce leaf may thus run up to DEPTH collectives
 * ahead (what lets a broadcast loop pipeline, as Open MPI's coll/sm
 * does), and never further: the ring is the flow control.  Messages too
 * large for a header line but up to FLOC_NODE_MID bytes use one of 16
 * mid buffers (s mod 16) and run as far ahead; larger ones use one of two
 * data areas (s mod 2), so they run at most 2 ahead: 16 rotating data
 * areas of 64 KiB were measured 4x slower at 2-8 KiB (each collective
 * wrote a cold area), while with 2 only, a loop of 64-byte broadcasts on
 * 4 localities sharing 2 cores took 2.1 us instead of 0.5 (the root
 * stalled every other call until the readers had been scheduled).
 *
 * Large messages (src/coll/shm/pipeline.c) go through a second area per
 * locality, in chunks: DEPTH (pipe_depth, 2 or 4: segment.c) chunk
 * buffers and as many result buffers,
 * each with its own flag line, and one `consumed` line.  Chunks are
 * numbered across collectives like the small ones (every locality
 * numbers them alike); a locality writes its buffer for chunk i only
 * once every other has consumed chunk i - DEPTH.  Data for other cores
 * is written with streaming (non-temporal) stores: a line another core
 * reads straight from this core's cache costs ~30 ns here (8x slower than
 * from memory, measured: 1 MiB broadcast 440 vs 54 us), so the writer
 * sends it to memory and the reader streams it in.
 */
#ifndef FLOC_NODE_H
#define FLOC_NODE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define FLOC_NODE_INLINE 48        /* bytes of data in a buffer's header line */
#define FLOC_NODE_DEPTH 16         /* buffers per locality: how far one may run ahead */
#define FLOC_NODE_MID 1024         /* bytes of a mid buffer */

typedef struct floc_node_head {
    _Atomic uint64_t seq;          /* collective that last wrote this buffer */
    uint64_t sig;                  /* what its writer was called with (its readers compare) */
    unsigned char inl[FLOC_NODE_INLINE];
} floc_node_head_t;

#define FLOC_NODE_MEMS 64          /* shared allocations a locality publishes (mem.c) */

/* One shared allocation of a locality (floc_mem_alloc), as its peers on
 * the node find it.  Written by its owner only, under a sequence count:
 * odd while it changes; even with len 0: empty. */
typedef struct floc_node_memdir {
    _Atomic uint64_t gen;
    _Atomic uint64_t addr;         /* the owner's address of the allocation */
    _Atomic uint64_t len;
    _Atomic uint32_t fd;           /* the owner's memfd: /proc/<pid>/fd/<fd> */
    _Atomic uint32_t access;       /* FLOC_MEM_* flags it was allocated with */
} floc_node_memdir_t;

typedef struct floc_node_slot {
    _Atomic uint64_t done;         /* last collective this locality finished */
    _Atomic uint64_t base;         /* where this locality mapped the segment (the CMA probe) */
    /* src/team's handshake of group segments: in the node segment, the
     * latest split at which this locality could not open one; in a group
     * segment, 1 once this locality opened it.  Written by this locality
     * only */
    _Atomic uint64_t join;
    _Atomic uint32_t pid;          /* this locality's process (memfds, CMA) */
    unsigned char pad[64 - 3 * sizeof(uint64_t) - sizeof(uint32_t)];
    floc_node_head_t head[FLOC_NODE_DEPTH];
    unsigned char mid[FLOC_NODE_DEPTH][FLOC_NODE_MID];
    floc_node_memdir_t mems[FLOC_NODE_MEMS];
    /* then 2 x max bytes: the data areas */
} floc_node_slot_t;

_Static_assert(sizeof(floc_node_head_t) == 64, "one header per cache line");
_Static_assert(sizeof(floc_node_slot_t) % 64 == 0, "slots keep cache-line alignment");

#define FLOC_NODE_PIPE_DEPTH 4     /* most chunk buffers a locality's pipelined area has */

/* a flag on a cache line of its own */
typedef struct floc_node_line {
    _Atomic uint64_t v;
    unsigned char pad[64 - sizeof(uint64_t)];
} floc_node_line_t;

/* a queue's lines, then its data cells, then its control cells */
typedef struct floc_node_queue {
    floc_node_line_t taken;     /* data cells the receiver is done with */
    floc_node_line_t credit;    /* eager cells the receiver matched (the sender's credit) */
    floc_node_line_t ctl_taken; /* control cells the receiver is done with */
    floc_node_line_t pad;
} floc_node_queue_t;

/* a locality's pipelined area: these lines, then pipe_depth chunk
 * buffers of `chunk` bytes, then pipe_depth result buffers of `piece`
 * bytes (pipe_depth <= FLOC_NODE_PIPE_DEPTH: segment.c's pipe_size) */
typedef struct floc_node_pipe {
    floc_node_line_t consumed;              /* last chunk this locality is done with */
    floc_node_line_t in[FLOC_NODE_PIPE_DEPTH];   /* chunk that chunk buffer b holds */
    floc_node_line_t res[FLOC_NODE_PIPE_DEPTH];  /* chunk whose result buffer b holds */
} floc_node_pipe_t;

_Static_assert(sizeof(floc_node_pipe_t) % 64 == 0, "pipe areas keep cache-line alignment");

/*
 * The node message path's queues (src/p2p/local.c runs the protocol on
 * them): one per ordered pair of the node's localities, written by the
 * sender only, except the lines the receiver owns.  A queue is a ring of
 * `q_cells` data cells and q_cells / 4 control cells (the
 * receiver's answers travel in the reverse pair's control ring).  A
 * message takes one cell, or one and continuation cells that follow it
 * (60 bytes of data each after the cell's position word: every cell
 * starts with its position + 1, so what an older lap left where the next
 * header goes never reads as that header); the sender writes them all, then
 * stores the first cell's `seq` (its position + 1, release): one cache
 * line per handoff for a small message, and the receiver polls one line
 * per sender.  The receiver stores how many cells it is done with in
 * `taken` (release); the sender reads it only when the ring looks full.
 */
#define FLOC_NODE_CELL_DATA 48
#define FLOC_NODE_CONT_DATA 60    /* a continuation cell's data: all but its position word */

typedef struct floc_node_cell {
    _Atomic uint32_t seq;      /* position of this cell in its ring + 1, stored last */
    uint8_t kind;              /* what the protocol says it is */
    uint8_t flags;
    uint16_t cid;              /* the context id of the message (team) */
    uint32_t tag;
    uint32_t len;              /* bytes of data in this and the following cells */
    unsigned char data[FLOC_NODE_CELL_DATA];
} floc_node_cell_t;

_Static_assert(sizeof(floc_node_cell_t) == 64, "a cell is a cache line");

/*
 * Where a group's localities sit on the nodes (the world's, or a team's:
 * floc_node_place), ranks being the group's and nodes its dense node ids
 * (numbered in order of first rank, ctx->node_of).  A node's localities
 * are indexed in the order of their ranks: index 0 is its leader.
 */
typedef struct floc_node_place {
    int me, p;                /* this locality's index on its node, and the group's count there */
    int *local_of;            /* rank -> its index on this node, -1 on another node */
    int *index_on_node;       /* rank -> its index on its own node */
    int *node_size;           /* node -> the group's localities there */
    int *leaders;             /* node -> its leader, as a locality (world) id */
    int *here;                /* index on this node -> locality (world) id */
} floc_node_place_t;

/* Fill *pl for a group of size localities (this one: rank) on num_nodes
 * nodes; world: rank -> world id (NULL: the ranks are world ids).
 * FLOC_ERR_NOMEM, with nothing held, on failure. */
int floc_node_place(int size, int rank, const int *node_of, int num_nodes, const int *world,
                    floc_node_place_t *pl);
void floc_node_place_free(floc_node_place_t *pl);

typedef struct floc_node {
    int enabled;              /* this node's localities mapped the segment (2 or more) */
    int single;               /* enabled, and the job is this one node */
    int hier;                 /* a multi-node job whose every node with 2 or more localities
                                 has its segment: hierarchical collectives (same everywhere) */
    /* who is where (the node segment: the world's localities, segment.c);
     * me, p: this locality's slot and the slots (a group segment's too) */
    floc_node_place_t at;
    int me, p;
    int cma;                  /* every locality of the node reads the others' memory with
                                 process_vm_readv (allgather_cma) */
    void *base;
    size_t len;
    size_t max;               /* largest message through the segment */
    size_t stride;            /* bytes per slot */
    /* the pipelined area */
    size_t pipe_off;          /* offset of locality 0's area */
    size_t pipe_stride;       /* bytes per locality */
    unsigned pipe_depth;      /* chunk buffers per locality: how far chunks run ahead */
    size_t chunk;             /* bytes per chunk buffer (a multiple of 64) */
    size_t piece;             /* bytes per result buffer: the largest piece of a chunk */
    /* the message queues (above): q_off of the first, q_stride bytes
     * each, q_cells data cells per ring (a power of 2) */
    size_t q_off, q_stride;
    unsigned q_cells;
    unsigned char *scratch;   /* private: where a piece is folded (FLOC_NODE_FOLD bytes) */
    struct floc_node_map *maps;   /* peers' shared allocations mapped here (mem.c) */
    size_t stream_above;      /* direct puts larger than this stream (mem.c) */
    int nmaps, next_evict;
} floc_node_t;

#define FLOC_NODE_FOLD 8192        /* bytes folded at a time: stays in L1 */

/* Place the localities and create/map the segment (collective, at
 * floc_init; ctx->node is always made).  A failure to map only disables
 * the segment, on every locality alike. */
int floc_node_init(struct floc_ctx *ctx);
void floc_node_fini(struct floc_ctx *ctx);

/*
 * Group segments (teams of this node's localities): the slots of the node
 * segment's layout, p of them (slot `me` this locality's), without the
 * pipelined area, in shared memory named for the group (group_name: the
 * world's segment name, the group's id and its first locality).  Every
 * member opens it (the first to come creates it, zeroed), then says
 * whether it could (`join` of the slots, below); once all have, those
 * that opened it unlink the name.  NULL on failure (logged).
 */
#define FLOC_NODE_GROUP_MAX 16384   /* a group's buffers: small, as its making is (a split) */
void floc_node_group_name(const struct floc_ctx *world, unsigned id, int leader, char *name,
                          size_t len);
floc_node_t *floc_node_group_open(const struct floc_ctx *world, const char *name, int p, int me);
void floc_node_group_unlink(const char *name);
void floc_node_group_close(floc_node_t *g);

/*
 * Shared allocations (mem.c): memory a locality allocates for remote
 * access that the other localities of its node map and reach with plain
 * copies.  floc_node_mem_create makes the memory (a memfd; works without
 * the segment too); publish/unpublish list it in the segment's directory
 * (publish returns the entry, or -1 when there is no segment or no free
 * entry: the memory is then reached through the fabric only);
 * floc_node_mem_reach maps [raddr, raddr + len) of owner's allocation
 * here on first use and returns where it is, or NULL (not a published
 * allocation, access not allowed, or mapping refused: use the fabric).
 * Caller holds the context lock for publish, unpublish and reach.
 */
int floc_node_mem_create(size_t len, void **buf, int *fd);
int floc_node_mem_publish(struct floc_ctx *ctx, void *buf, size_t len, int fd, unsigned access);
void floc_node_mem_unpublish(struct floc_ctx *ctx, int entry);
void *floc_node_mem_reach(struct floc_ctx *ctx, int owner, uint64_t raddr, size_t len,
                          unsigned access);
/* [addr, addr + len) if it lies in one of this locality's published
 * allocations with these access flags, else NULL */
void *floc_node_mem_own(struct floc_ctx *ctx, uint64_t addr, size_t len, unsigned access);
void floc_node_mem_fini(struct floc_ctx *ctx);
/* direct puts larger than this stream: this core's L2 cache */
size_t floc_node_stream_above(void);

/* Copy for another core (streaming stores where the ISA has them: the
 * lines go to memory, not into this core's cache), and the fence that
 * orders such copies before a later store (a flag, a completion). */
void floc_node_stream_copy(void *dst, const void *src, size_t n);
void floc_node_stream_fence(void);


static inline floc_node_slot_t *floc_node_slot(const floc_node_t *n, int k)
{
    return (floc_node_slot_t *)((char *)n->base + 64 + (size_t)k * n->stride);
}

static inline floc_node_head_t *floc_node_head(const floc_node_t *n, int k, uint64_t s)
{
    return &floc_node_slot(n, k)->head[s % FLOC_NODE_DEPTH];
}

/* Data buffer of locality k for collective s carrying `bytes`. */
static inline unsigned char *floc_node_data(const floc_node_t *n, int k, uint64_t s, size_t bytes)
{
    if (bytes <= FLOC_NODE_INLINE)
        return floc_node_head(n, k, s)->inl;
    if (bytes <= FLOC_NODE_MID)
        return floc_node_slot(n, k)->mid[s % FLOC_NODE_DEPTH];
    return (unsigned char *)(floc_node_slot(n, k) + 1) + (s % 2) * n->max;
}

/* How far collectives of `bytes` may run ahead: buffers of their kind. */
static inline uint64_t floc_node_depth(size_t bytes)
{
    return bytes <= FLOC_NODE_MID ? FLOC_NODE_DEPTH : 2;
}

static inline floc_node_pipe_t *floc_node_pipe(const floc_node_t *n, int k)
{
    return (floc_node_pipe_t *)((char *)n->base + n->pipe_off + (size_t)k * n->pipe_stride);
}

/* chunk buffer b of locality k */
static inline unsigned char *floc_node_chunk(const floc_node_t *n, int k, int b)
{
    return (unsigned char *)(floc_node_pipe(n, k) + 1) + (size_t)b * n->chunk;
}

/* result buffer b of locality k */
static inline unsigned char *floc_node_result(const floc_node_t *n, int k, int b)
{
    return floc_node_chunk(n, k, (int)n->pipe_depth) + (size_t)b * n->piece;
}

/* the queue from the node's locality `from` to `to` (slot indices) */
static inline floc_node_queue_t *floc_node_queue(const floc_node_t *n, int from, int to)
{
    return (floc_node_queue_t *)((char *)n->base + n->q_off +
                                 ((size_t)to * (size_t)n->p + (size_t)from) * n->q_stride);
}

static inline floc_node_cell_t *floc_node_cells(floc_node_queue_t *q)
{
    return (floc_node_cell_t *)(void *)(q + 1);
}

#endif
