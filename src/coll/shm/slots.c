/*
 * slots.c - the protocol of the node segment's slots that every small
 * shared-memory collective follows (the layout and the four steps are in
 * src/node/node.h): wait until the buffer to overwrite is free, write a
 * contribution and number it, wait for the contributions needed, mark
 * this locality done.  Cost: each step is a handoff of cache lines,
 * ~0.1-0.3 us here, against ~1-4 us for a message through libfabric's shm
 * provider; a collective of p localities reads up to p header lines.
 */
#include <string.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../node/node.h"

int floc_shm_all_done(floc_coll_req_t *c, uint64_t s)
{
    floc_coll_state_t *cs = c->ctx->coll;
    const floc_node_t *n = c->ctx->node;
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

int floc_shm_steps(floc_coll_req_t *c, const void *contribute, size_t bytes, int wait)
{
    floc_node_t *n = c->ctx->node;
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
            atomic_store_explicit(&floc_node_head(n, me, s)->seq, s, memory_order_release);
        }
        c->step = FLOC_SHM_READ;
    }
        /* fall through */
    case FLOC_SHM_READ:
        if (wait == FLOC_SHM_WAIT_ROOT && !wrote(n, c->v.root, c->s.shm.seq))
            return FLOC_ERR_AGAIN;
        for (int k = 0; wait == FLOC_SHM_WAIT_ALL && k < p; k++)
            if (k != me && !wrote(n, k, c->s.shm.seq))
                return FLOC_ERR_AGAIN;
        return 0;
    default:
        return FLOC_ERR_INVALID;
    }
}

int floc_shm_done(floc_coll_req_t *c)
{
    atomic_store_explicit(&floc_node_slot(c->ctx->node, c->v.rank)->done, c->s.shm.seq,
                          memory_order_release);
    return 0;
}
