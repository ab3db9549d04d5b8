/*
 * ctx.c - the context's identity and the locality queries.  floc_init
 * and floc_finalize, which build and tear down every layer, live above
 * them all in src/init.c.
 *
 * One context may be live per process (it owns the PMIx client and the
 * fabric endpoint); `live_ctx` is that context, which is how a call on a
 * finalized context is told apart from a live one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

static _Atomic(floc_ctx_t *) live_ctx = NULL;

int floc_ctx_claim(floc_ctx_t *ctx)
{
    floc_ctx_t *expected = NULL;
    if (!atomic_compare_exchange_strong(&live_ctx, &expected, ctx))
        return FLOC_ERR_BUSY;
    return 0;
}

void floc_ctx_release(floc_ctx_t *ctx)
{
    floc_ctx_t *expected = ctx;
    atomic_compare_exchange_strong(&live_ctx, &expected, NULL);
}

int floc_ctx_is_live(const floc_ctx_t *ctx)
{
    return ctx != NULL && atomic_load_explicit(&live_ctx, memory_order_acquire) == ctx;
}

int floc_ctx_check(const floc_ctx_t *ctx, const char *func)
{
    if (!ctx) {
        FLOC_WARN(FLOC_LOG_API, "%s: ctx is NULL", func);
        return FLOC_ERR_INVALID;
    }
    if (!floc_ctx_is_live(ctx)) {
        FLOC_WARN(FLOC_LOG_API, "%s: ctx is not a live context (already finalized?)", func);
        return FLOC_ERR_INVALID;
    }
    return 0;
}

void floc_ctx_mark_lost(floc_ctx_t *ctx, int rank, const char *why)
{
    int expected = -1;
    atomic_compare_exchange_strong(&ctx->lost_rank, &expected, rank);
    if (!atomic_exchange_explicit(&ctx->lost, 1, memory_order_acq_rel))
        FLOC_WARN(FLOC_LOG_CORE, "locality %d lost (%s)", rank, why);
}

#define FLOC_GETTER_(name, field)                                                \
    int name(const floc_ctx_t *ctx)                                              \
    {                                                                            \
        FLOC_CHECK_CTX(ctx);                                                     \
        return ctx->field;                                                       \
    }
FLOC_GETTER_(floc_num_localities, size)
FLOC_GETTER_(floc_locality_id, rank)
FLOC_GETTER_(floc_local_rank, local_rank)
FLOC_GETTER_(floc_local_size, local_size)
FLOC_GETTER_(floc_node_id, node_id)
FLOC_GETTER_(floc_num_nodes, num_nodes)
#undef FLOC_GETTER_

int floc_locality_node(const floc_ctx_t *ctx, int locality)
{
    FLOC_CHECK_CTX(ctx);
    if (locality < 0 || locality >= ctx->size)
        return FLOC_INVALID("locality %d outside [0, %d)", locality, ctx->size);
    return ctx->node_of[locality];
}
