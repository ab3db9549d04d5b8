/*
 * coll.c - barrier, broadcast, allreduce, reduce, gather, scatter,
 * allgather, alltoall and reduce_scatter through the node segment (protocol in node.h), as collective
 * algorithms: step functions of the collective engine that wait on
 * sequence words instead of fabric completions (they return
 * FLOC_ERR_AGAIN with nothing posted, and are called again on the next
 * round of progress).
 *
 * Reductions fold the buffers in locality order, 0 first, on every
 * locality: the same bits everywhere, as the fabric algorithms promise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../coll/coll.h"
#include "../core/ctx.h"
#include "node.h"

enum { NODE_START, NODE_REUSE, NODE_READ };
enum { WAIT_NONE, WAIT_ROOT, WAIT_ALL };

/* Is every other locality done with collective s?  (Cached: the answer
 * only changes from no to yes.) */
static int all_done(floc_node_t *n, int me, int p, uint64_t s)
{
    if (n->all_done >= s)
        return 1;
    uint64_t least = UINT64_MAX;
    for (int k = 0; k < p; k++) {
        if (k == me)
            continue;
        uint64_t d = atomic_load_explicit(&floc_node_slot(n, k)->done, memory_order_acquire);
        if (d < s)
            return 0;
        least = d < least ? d : least;
    }
    n->all_done = least;
    return 1;
}

static int wrote(const floc_node_t *n, int k, uint64_t s)
{
    return atomic_load_explicit(&floc_node_head(n, k, s)->seq, memory_order_acquire) == s;
}

/*
 * The shared skeleton (node.h, steps 1-3).  contribute: what we write
 * (NULL: nothing); wait: whose data we need.  Returns FLOC_ERR_AGAIN until
 * it is there, then 0: the caller reads it and calls node_done.
 */
static int node_steps(floc_coll_req_t *c, const void *contribute, size_t bytes, int wait)
{
    floc_node_t *n = &c->ctx->node;
    const int me = c->rank, p = c->size;
    switch (c->step) {
    case NODE_START:
        c->node_seq = ++n->seq;
        c->step = NODE_REUSE;
        /* fall through */
    case NODE_REUSE: {
        const uint64_t s = c->node_seq, depth = floc_node_depth(bytes);
        if (s > depth && !all_done(n, me, p, s - depth))
            return FLOC_ERR_AGAIN;
        if (contribute) {
            if (bytes)
                memcpy(floc_node_data(n, me, s, bytes), contribute, bytes);
            atomic_store_explicit(&floc_node_head(n, me, s)->seq, s, memory_order_release);
        }
        c->step = NODE_READ;
    }
        /* fall through */
    case NODE_READ:
        if (wait == WAIT_ROOT && !wrote(n, c->root, c->node_seq))
            return FLOC_ERR_AGAIN;
        for (int k = 0; wait == WAIT_ALL && k < p; k++)
            if (k != me && !wrote(n, k, c->node_seq))
                return FLOC_ERR_AGAIN;
        return 0;
    default:
        return FLOC_ERR_INVALID;
    }
}

/* step 4: this locality is done reading collective s */
static int node_done(floc_coll_req_t *c)
{
    atomic_store_explicit(&floc_node_slot(&c->ctx->node, c->rank)->done, c->node_seq,
                          memory_order_release);
    return 0;
}

int floc_node_barrier(floc_coll_req_t *c)
{
    /* everyone "writes" nothing: the header's number is the arrival */
    static const char none;
    int ret = node_steps(c, &none, 0, WAIT_ALL);
    return ret ? ret : node_done(c);
}

int floc_node_bcast(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize;
    const int root = c->rank == c->root;
    int ret = node_steps(c, root ? c->rbuf : NULL, bytes, root ? WAIT_NONE : WAIT_ROOT);
    if (ret)
        return ret;
    if (!root)
        memcpy(c->rbuf, floc_node_data(&c->ctx->node, c->root, c->node_seq, bytes), bytes);
    return node_done(c);
}

/* rbuf = slot 0 op slot 1 op ... in locality order */
static void fold_all(floc_coll_req_t *c, size_t bytes)
{
    const floc_node_t *n = &c->ctx->node;
    memcpy(c->rbuf, floc_node_data(n, 0, c->node_seq, bytes), bytes);
    for (int k = 1; k < c->size; k++)
        c->reduce(floc_node_data(n, k, c->node_seq, bytes), c->rbuf, c->count);
}

int floc_node_allreduce(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize;
    /* rbuf holds our contribution (floc_iallreduce put it there) */
    int ret = node_steps(c, c->rbuf, bytes, WAIT_ALL);
    if (ret)
        return ret;
    fold_all(c, bytes);
    return node_done(c);
}

int floc_node_reduce(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize;
    const int root = c->rank == c->root;
    /* the root's contribution is in rbuf already (or rbuf is the input) */
    const void *mine = root ? c->rbuf : c->sbuf;
    int ret = node_steps(c, mine, bytes, root ? WAIT_ALL : WAIT_NONE);
    if (ret)
        return ret;
    if (root)
        fold_all(c, bytes);
    return node_done(c);
}

/* allgather: every block through the segment, read by everyone */
int floc_node_allgather(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize;
    char *all = c->rbuf;
    const void *mine = c->sbuf == FLOC_IN_PLACE ? all + (size_t)c->rank * bytes : c->sbuf;
    int ret = node_steps(c, mine, bytes, WAIT_ALL);
    if (ret)
        return ret;
    const floc_node_t *n = &c->ctx->node;
    for (int k = 0; k < c->size; k++)
        if (k != c->rank || c->sbuf != FLOC_IN_PLACE)
            memcpy(all + (size_t)k * bytes, floc_node_data(n, k, c->node_seq, bytes), bytes);
    return node_done(c);
}

/*
 * allgather by CMA (large blocks, n->cma): every locality publishes where
 * its block is (its pid and address, in its header line), reads the
 * others' blocks straight into rbuf with process_vm_readv, a single copy
 * by the kernel, then waits until everyone has read its own block (the
 * caller may reuse it on return).  The pipeline copies twice (into the
 * segment, out of it): on 2 localities, 1 MiB blocks 103-116 us against
 * 136-146 (Open MPI, CMA too: 104-115); figures in select.c.
 */
enum { CMA_DRAIN = NODE_READ + 1 };

typedef struct cma_desc {
    uint64_t addr;
    uint32_t pid;
} cma_desc_t;

_Static_assert(sizeof(cma_desc_t) <= FLOC_NODE_INLINE, "a descriptor fits a header line");

/* bytes of locality pid's memory at addr into dst: 0, or the error */
static int cma_read(pid_t pid, void *dst, uint64_t addr, size_t bytes)
{
    size_t got = 0;
    while (got < bytes) {
        struct iovec here = {(char *)dst + got, bytes - got};
        struct iovec there = {(void *)(uintptr_t)(addr + got), bytes - got};
        ssize_t r = process_vm_readv(pid, &here, 1, &there, 1, 0);
        if (r > 0) {
            got += (size_t)r;
        } else if (r < 0 && errno == ESRCH) {
            return FLOC_ERR_PEER_LOST;
        } else if (!(r < 0 && errno == EINTR)) {
            FLOC_ERROR(FLOC_LOG_COLL, "process_vm_readv of %zu bytes from pid %d: %s", bytes,
                       (int)pid, r < 0 ? strerror(errno) : "nothing read");
            return FLOC_ERR_SYSTEM;
        }
    }
    return 0;
}

int floc_node_allgather_cma(floc_coll_req_t *c)
{
    floc_node_t *n = &c->ctx->node;
    const size_t bytes = c->count * c->esize;
    const int me = c->rank, p = c->size;
    char *all = c->rbuf;
    const void *mine = c->sbuf == FLOC_IN_PLACE ? all + (size_t)me * bytes : c->sbuf;
    if (c->step != CMA_DRAIN) {
        const cma_desc_t d = {(uint64_t)(uintptr_t)mine, (uint32_t)getpid()};
        int ret = node_steps(c, &d, sizeof d, WAIT_ALL);
        if (ret)
            return ret;
        for (int i = 1; i < p && !ret; i++) {   /* the next one first: spread the readers */
            const int k = (me + i) % p;
            cma_desc_t e;
            memcpy(&e, floc_node_data(n, k, c->node_seq, sizeof e), sizeof e);
            ret = cma_read((pid_t)e.pid, all + (size_t)k * bytes, e.addr, bytes);
        }
        if (ret)
            return ret;
        if (mine != all + (size_t)me * bytes)
            memcpy(all + (size_t)me * bytes, mine, bytes);
        node_done(c);
        c->step = CMA_DRAIN;
    }
    return all_done(n, me, p, c->node_seq) ? 0 : FLOC_ERR_AGAIN;
}

/* gather: every block through the segment, read by the root */
int floc_node_gather(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize;
    const int root = c->rank == c->root;
    char *all = c->rbuf;
    int ret = node_steps(c, root ? NULL : c->sbuf, bytes, root ? WAIT_ALL : WAIT_NONE);
    if (ret)
        return ret;
    if (root) {
        const floc_node_t *n = &c->ctx->node;
        for (int k = 0; k < c->size; k++)
            if (k != c->rank)
                memcpy(all + (size_t)k * bytes, floc_node_data(n, k, c->node_seq, bytes), bytes);
        if (c->sbuf != FLOC_IN_PLACE)
            memcpy(all + (size_t)c->rank * bytes, c->sbuf, bytes);
    }
    return node_done(c);
}

/* scatter: the root's whole vector through its buffer, each reads its block */
int floc_node_scatter(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize, total = bytes * (size_t)c->size;
    const int root = c->rank == c->root;
    int ret = node_steps(c, root ? c->sbuf : NULL, total, root ? WAIT_NONE : WAIT_ROOT);
    if (ret)
        return ret;
    if (!root)
        memcpy(c->rbuf,
               floc_node_data(&c->ctx->node, c->root, c->node_seq, total) + (size_t)c->rank * bytes,
               bytes);
    else if (c->rbuf != FLOC_IN_PLACE)
        memcpy(c->rbuf, (const char *)c->sbuf + (size_t)c->rank * bytes, bytes);
    return node_done(c);
}

/* alltoall: every vector through the segment, each reads its block of all */
int floc_node_alltoall(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize, total = bytes * (size_t)c->size;
    int ret = node_steps(c, c->sbuf, total, WAIT_ALL);
    if (ret)
        return ret;
    const floc_node_t *n = &c->ctx->node;
    char *out = c->rbuf;
    for (int k = 0; k < c->size; k++) {
        const unsigned char *from = k == c->rank ? (const unsigned char *)c->sbuf
                                                 : floc_node_data(n, k, c->node_seq, total);
        memcpy(out + (size_t)k * bytes, from + (size_t)c->rank * bytes, bytes);
    }
    return node_done(c);
}

/* reduce_scatter: every vector through the segment, each folds its block
 * of all of them in locality order */
int floc_node_reduce_scatter(floc_coll_req_t *c)
{
    const size_t bytes = c->count * c->esize, total = bytes * (size_t)c->size;
    int ret = node_steps(c, c->sbuf, total, WAIT_ALL);
    if (ret)
        return ret;
    const floc_node_t *n = &c->ctx->node;
    const size_t mine = (size_t)c->rank * bytes;
    memcpy(c->rbuf, floc_node_data(n, 0, c->node_seq, total) + mine, bytes);
    for (int k = 1; k < c->size; k++)
        c->reduce(floc_node_data(n, k, c->node_seq, total) + mine, c->rbuf, c->count);
    return node_done(c);
}
