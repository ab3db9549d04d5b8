/*
 * ctx.c - floc_init / floc_finalize and the locality queries.
 *
 * One context may be live per process (it owns the PMIx client and the
 * fabric endpoint); `live_ctx` is that context, which is how a call on a
 * finalized context is told apart from a live one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "../exec/exec.h"
#include "../coll/coll.h"

static _Atomic(floc_ctx_t *) live_ctx = NULL;

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

static const char *env_get(const char *name, void *arg)
{
    (void)arg;
    return getenv(name);
}

/* Tear down whatever init built, in reverse order; safe on a partial ctx. */
static void ctx_destroy(floc_ctx_t *ctx)
{
    floc_exec_fini(ctx);
    floc_progress_thread_stop(ctx);
    floc_fabric_close(ctx);
    floc_node_fini(ctx);
    floc_req_pool_fini(&ctx->reqs);
    free(ctx->coll_scratch);
    for (size_t i = 0; i < ctx->coll_graveyard_n; i++)
        free(ctx->coll_graveyard[i]);
    free(ctx->coll_graveyard);
    floc_topo_fini(ctx);
    floc_pmix_finalize(ctx);
    if (ctx->locking)
        pthread_mutex_destroy(&ctx->lock);
    free(ctx->node_of);
    ctx->magic = 0;
    free(ctx);
}

int floc_init(int *argc, char ***argv, const floc_attr_t *attr, floc_ctx_t **out)
{
    (void)argc;
    (void)argv;
    floc_log_init();
    if (!out)
        return FLOC_INVALID("ctx (output) is NULL");

    floc_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return FLOC_ERR_NOMEM;
    ctx->magic = FLOC_CTX_MAGIC;
    atomic_init(&ctx->lost, 0);
    atomic_init(&ctx->lost_rank, -1);
    floc_req_pool_init(&ctx->reqs);

    int ret = floc_config_load(&ctx->cfg, env_get, NULL, attr);
    if (ret) {
        free(ctx);
        return ret;
    }
    for (int k = 0; k < FLOC_COLL_KINDS; k++) {
        ctx->coll_algo[k] = -1;
        if (ctx->cfg.coll_algo[k][0] &&
            (ctx->coll_algo[k] = floc_coll_alg_index((floc_coll_kind_t)k, ctx->cfg.coll_algo[k])) < 0) {
            FLOC_ERROR(FLOC_LOG_COLL, "unknown collective algorithm \"%s\"", ctx->cfg.coll_algo[k]);
            free(ctx);
            return FLOC_ERR_INVALID;
        }
    }
    floc_ctx_t *expected = NULL;
    if (!atomic_compare_exchange_strong(&live_ctx, &expected, ctx)) {
        free(ctx);
        FLOC_WARN(FLOC_LOG_API, "a context is already live in this process");
        return FLOC_ERR_BUSY;
    }
    ctx->thread_level = attr && attr->size >= offsetof(floc_attr_t, bind) ? attr->thread_level
                                                                          : FLOC_THREAD_SINGLE;
    ctx->locking = ctx->thread_level == FLOC_THREAD_MULTIPLE ||
                   ctx->cfg.progress == FLOC_PROGRESS_THREAD;
    if (ctx->locking)
        pthread_mutex_init(&ctx->lock, NULL);

    if ((ret = floc_pmix_init(ctx)) != 0)
        goto fail;
    if ((ret = floc_topo_init(ctx)) != 0)
        goto fail;
    if ((ret = floc_fabric_open(ctx)) != 0)
        goto fail;
    if ((ret = floc_node_init(ctx)) != 0)
        goto fail;
    if (ctx->cfg.progress == FLOC_PROGRESS_THREAD && (ret = floc_progress_thread_start(ctx)) != 0)
        goto fail;
    *out = ctx;
    return 0;

fail:
    ctx_destroy(ctx);
    atomic_store(&live_ctx, NULL);
    return ret;
}

static int puts_flushed(void *arg)
{
    floc_ctx_t *ctx = arg;
    return ctx->fab.puts_done == ctx->fab.puts_issued;
}

int floc_finalize(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    floc_ctx_lock(ctx);
    size_t live_reqs = ctx->reqs.live, live_mems = ctx->live_mems;
    floc_ctx_unlock(ctx);
    if (live_reqs || live_mems) {
        FLOC_WARN(FLOC_LOG_API, "%zu requests and %zu memory registrations still live",
                  live_reqs, live_mems);
        return FLOC_ERR_BUSY;
    }

    /* 1. our own writes are complete at their targets */
    int ret = floc_progress_wait(ctx, puts_flushed, ctx, ctx->cfg.finalize_timeout);
    /* 2. everybody is done with us: keep serving peers until all arrive
     * (not after a loss: the lost one never arrives, and the others fail
     * too) */
    int ret2 = floc_ctx_peer_lost(ctx) ? FLOC_ERR_PEER_LOST
                                       : floc_pmix_fence_progress(ctx, ctx->cfg.finalize_timeout);
    if (!ret)
        ret = ret2;
    if (floc_ctx_peer_lost(ctx))
        ret = FLOC_ERR_PEER_LOST;

    atomic_store(&live_ctx, NULL);
    ctx_destroy(ctx);
    return ret;
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

const char *floc_provider_name(const floc_ctx_t *ctx)
{
    if (floc_ctx_check(ctx, __func__))
        return NULL;
    return ctx->fab.prov_name;
}
