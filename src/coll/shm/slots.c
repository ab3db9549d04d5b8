/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slots.c - the protocol of the node segment's slots that every small
 * shared-memory collective follows (the layout and the four steps are in
 * src/node/node.h): wait until the buffer to overwrite is free, write a
 * contribution and number it, wait for the contributions needed, mark
 * this locality done.  Cost: each step is a handoff of cache lines,
 * ~0.1-0.3 us here, against ~1-4 us for a message through libfabric's shm
 * provider; a collective of p localities reads up to p header lines.
 */
#include <stdio.h>
#include <string.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../core/dtype.h"
#include "../../node/node.h"

int floc_shm_all_done(floc_coll_req_t *c, uint64_t s)
{
    floc_coll_state_t *cs = c->ctx->coll;
    const floc_node_t *n = c->ctx->coll->seg;
    const int me = c->v.rank, p = c->v.size;
    if (cs->shm_all_done >= s)
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
    cs->shm_all_done = least;
    return 1;
}

static int wrote(const floc_node_t *n, int k, uint64_t s)
{
    return atomic_load_explicit(&floc_node_head(n, k, s)->seq, memory_order_acquire) == s;
}

/* What this locality was called with, packed: kind, dtype, op (15:
 * none), root (node index), bytes per locality.  Equal on every locality
 * of a well-formed call; a reader that sees another is told the caller
 * made a mistake (FLOC_ERR_MISMATCH), for free on this path. */
static uint64_t call_sig(const floc_coll_req_t *c, floc_coll_kind_t kind)
{
    const int reduction = c->reduce != NULL;
    return (uint64_t)kind | (uint64_t)c->dt << 4 | (uint64_t)(reduction ? c->op : 15) << 8 |
           (uint64_t)(c->v.root & 0xfffff) << 12 | (uint64_t)((c->v.count * c->esize) & 0xffffffff)
                                                     << 32;
}

static void describe_sig(uint64_t sig, char *buf, size_t len)
{
    const unsigned op = (unsigned)(sig >> 8 & 15);
    snprintf(buf, len, "%s of %llu bytes of %s%s%s, root %u",
             floc_coll_kind_name((floc_coll_kind_t)(sig & 15)), (unsigned long long)(sig >> 32),
             floc_dtype_name((floc_dtype_t)(sig >> 4 & 15)), op == 15 ? "" : ", ",
             op == 15 ? "" : floc_op_name((floc_op_t)op), (unsigned)(sig >> 12 & 0xfffff));
}

/* The writer of slot k's buffer was called with sig: another call than
 * ours is the caller's mistake. */
static int agree(const floc_coll_req_t *c, int k, uint64_t sig, uint64_t mine)
{
    if (sig == mine)
        return 0;
    char theirs[160], ours[160];
    describe_sig(sig, theirs, sizeof theirs);
    describe_sig(mine, ours, sizeof ours);
    FLOC_ERROR(FLOC_LOG_API, "the localities of this node called different collectives: "
               "node index %d called %s, this locality (index %d) %s", k, theirs, c->v.rank, ours);
    return FLOC_ERR_MISMATCH;
}

int floc_shm_steps(floc_coll_req_t *c, floc_coll_kind_t kind, const void *contribute, size_t bytes,
                   int wait)
{
    const uint64_t mine = call_sig(c, kind);
    floc_node_t *n = c->ctx->coll->seg;
    const int me = c->v.rank, p = c->v.size;
    switch (c->step) {
    case FLOC_SHM_START:
        c->s.shm.seq = ++c->ctx->coll->shm_seq;
        c->step = FLOC_SHM_REUSE;
        /* fall through */
    case FLOC_SHM_REUSE: {
        const uint64_t s = c->s.shm.seq, depth = floc_node_depth(bytes);
        if (s > depth && !floc_shm_all_done(c, s - depth))
            return FLOC_ERR_AGAIN;
        if (contribute) {
            if (bytes)
                memcpy(floc_node_data(n, me, s, bytes), contribute, bytes);
            floc_node_head(n, me, s)->sig = mine;
            atomic_store_explicit(&floc_node_head(n, me, s)->seq, s, memory_order_release);
        }
        c->step = FLOC_SHM_READ;
    }
        /* fall through */
    case FLOC_SHM_READ: {
        const uint64_t s = c->s.shm.seq;
        if (wait == FLOC_SHM_WAIT_ROOT && !wrote(n, c->v.root, s))
            return FLOC_ERR_AGAIN;
        for (int k = 0; wait == FLOC_SHM_WAIT_ALL && k < p; k++)
            if (k != me && !wrote(n, k, s))
                return FLOC_ERR_AGAIN;
        int ret = 0;
        if (wait == FLOC_SHM_WAIT_ROOT)
            ret = agree(c, c->v.root, floc_node_head(n, c->v.root, s)->sig, mine);
        for (int k = 0; !ret && wait == FLOC_SHM_WAIT_ALL && k < p; k++)
            if (k != me)
                ret = agree(c, k, floc_node_head(n, k, s)->sig, mine);
        if (ret)
            floc_shm_done(c);   /* the others must not wait for us to read */
        return ret;
    }
    default:
        return FLOC_ERR_INVALID;
    }
}

int floc_shm_done(floc_coll_req_t *c)
{
    atomic_store_explicit(&floc_node_slot(c->ctx->coll->seg, c->v.rank)->done, c->s.shm.seq,
                          memory_order_release);
    return 0;
}
