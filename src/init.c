/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * init.c - floc_init and floc_finalize: the one file that names every
 * layer.  It builds them bottom up (core, then the node layer and the
 * fabric, then the collectives), each registering its progress hook as
 * it comes, and tears them down in the reverse order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/profile.h"
#include "node/node.h"
#include "fabric/fabric.h"
#include "p2p/p2p.h"
#include "coll/engine.h"
#include "exec/exec.h"
#include "team/team.h"

static const char *env_get(const char *name, void *arg)
{
    (void)arg;
    return getenv(name);
}

/* Tear down whatever init built, in reverse order; safe on a partial ctx. */
static void ctx_destroy(floc_ctx_t *ctx)
{
    floc_team_fini_all(ctx);
    floc_exec_fini(ctx);
    floc_progress_thread_stop(ctx);
    floc_action_release(ctx);
    floc_fabric_close(ctx);   /* no completion arrives after this */
    floc_action_free(ctx);
    floc_local_fini(ctx);     /* its queues are in the node segment */
    floc_node_fini(ctx);
    floc_coll_fini(ctx);      /* its graveyard only now */
    floc_req_pool_fini(&ctx->reqs);
    floc_topo_fini(ctx);
    floc_pmix_finalize(ctx);
    if (ctx->locking)
        pthread_mutex_destroy(&ctx->lock);
    free(ctx->node_of);
    free(ctx->cids_used);
    free((void *)ctx->lost_map);
    ctx->magic = 0;
    free(ctx);
}

/* what the world keeps for its teams: who is lost, the context ids in
 * use (0 is its own) */
static int teams_init(floc_ctx_t *ctx)
{
    ctx->lost_map = calloc((size_t)ctx->size, sizeof *ctx->lost_map);
    ctx->cids_used = calloc(FLOC_CID_MAX / 8, 1);
    if (!ctx->lost_map || !ctx->cids_used)
        return FLOC_ERR_NOMEM;
    ctx->cids_used[0] = 1;
    return 0;
}

/* The fabric after the node segment: whether the node path will carry
 * the user's messages decides how large shm's queues must be (ep.c) */
static int open_fabric(floc_ctx_t *ctx)
{
    ctx->node_msgs = floc_local_possible(ctx);
    return floc_fabric_open(ctx);
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
    ctx->world = ctx;
    atomic_init(&ctx->lost, 0);
    atomic_init(&ctx->lost_rank, -1);
    floc_req_pool_init(&ctx->reqs, FLOC_FABRIC_REQ_EXT);

    int ret = floc_config_load(&ctx->cfg, env_get, NULL, attr);
    if (!ret)
        ret = floc_coll_check_config(&ctx->cfg);
    if (ret) {
        free(ctx);
        return ret;
    }
    if ((ret = floc_ctx_claim(ctx))) {
        free(ctx);
        return ret;
    }
    ctx->thread_level = attr && attr->size >= offsetof(floc_attr_t, bind) ? attr->thread_level
                                                                          : FLOC_THREAD_SINGLE;
    ctx->locking = ctx->thread_level == FLOC_THREAD_MULTIPLE ||
                   ctx->cfg.progress == FLOC_PROGRESS_THREAD;
    if (ctx->locking)
        pthread_mutex_init(&ctx->lock, NULL);

    floc_topo_plugins();
    if ((ret = floc_pmix_init(ctx)) != 0 || (ret = teams_init(ctx)) != 0 ||
        (ret = floc_topo_init(ctx)) != 0 ||
        (ret = floc_node_init(ctx)) != 0 || (ret = open_fabric(ctx)) != 0 ||
        (ret = floc_local_init(ctx)) != 0 ||
        (ret = floc_coll_init(ctx)) != 0 || (ret = floc_action_init(ctx)) != 0)
        goto fail;
    if (ctx->cfg.progress == FLOC_PROGRESS_THREAD && (ret = floc_progress_thread_start(ctx)) != 0)
        goto fail;
    /* FLOC_PROFILE: counted from here to floc_finalize (a profiler that
     * cannot attach, 4 tools there already, leaves the job unprofiled) */
    if (ctx->cfg.profile != FLOC_PROFILE_OFF && floc_profile_start(&ctx->cfg))
        FLOC_WARN(FLOC_LOG_CORE, "FLOC_PROFILE: the profiler could not attach: no profile");
    *out = ctx;
    return 0;

fail:
    floc_ctx_release(ctx, 0);
    ctx_destroy(ctx);
    return ret;
}

/*
 * FLOC_PROFILE's report, at finalize (every locality is there): summary
 * sums the localities' counts at locality 0 (and takes the largest time
 * of any), which prints the job's; each (and after a loss, when a
 * collective could wait for the lost one) every locality prints its own.
 * Two reductions into fixed arrays: nothing to allocate, so no locality
 * can drop out of them.  They are not profiled.
 */
static void profile_report(floc_ctx_t *ctx)
{
    if (!floc_profile_running())
        return;
    uint64_t mine[FLOC_PROFILE_WORDS], sum[FLOC_PROFILE_WORDS], max[FLOC_PROFILE_WORDS];
    floc_profile_pack(mine);
    floc_profile_stop();
    if (ctx->cfg.profile == FLOC_PROFILE_EACH || ctx->size == 1 || floc_ctx_peer_lost(ctx)) {
        floc_profile_report(&ctx->cfg, ctx->rank, 1, mine);
        return;
    }
    const int r1 = floc_reduce(ctx, mine, sum, FLOC_PROFILE_WORDS, FLOC_UINT64, FLOC_SUM, 0);
    const int r2 = floc_reduce(ctx, mine, max, FLOC_PROFILE_WORDS, FLOC_UINT64, FLOC_MAX, 0);
    if (ctx->rank != 0)
        return;
    if (r1 || r2) {
        floc_profile_report(&ctx->cfg, 0, 1, mine);
        return;
    }
    for (int k = 0; k < FLOC_TOOL_OPS; k++)   /* (field 3: the largest time) */
        sum[k * FLOC_PROFILE_FIELDS + 3] = max[k * FLOC_PROFILE_FIELDS + 3];
    floc_profile_report(&ctx->cfg, -1, ctx->size, sum);
}

int floc_finalize(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    if (ctx->members)
        return FLOC_INVALID("floc_finalize: this is a team: floc_team_free frees it; floc_finalize "
                            "takes the context floc_init gave");
    /* the actions this locality posted have run (serving the others'
     * meanwhile); after a loss a peer may have left without the closing
     * fence, so the wait is bounded then */
    int ret0 = floc_action_flush_within(ctx, floc_ctx_peer_lost(ctx) ? ctx->cfg.finalize_timeout
                                                                    : 0.0);
    floc_ctx_lock(ctx);
    size_t live_reqs = ctx->reqs.live, live_mems = ctx->fab->live_mems;
    floc_ctx_unlock(ctx);
    if (live_reqs || live_mems) {
        FLOC_WARN(FLOC_LOG_API, "floc_finalize: %zu requests and %zu memory registrations still "
                  "live: wait for (or cancel) the requests, release the registrations", live_reqs,
                  live_mems);
        floc_ctx_lock(ctx);
        floc_req_pool_dump(ctx);
        floc_ctx_unlock(ctx);
        return FLOC_ERR_BUSY;
    }
    profile_report(ctx);

    /* 1. our own writes are complete at their targets */
    int ret = floc_rma_flush_wait(ctx, ctx->cfg.finalize_timeout);
    /* 2. everybody is done with us: keep serving peers until all arrive
     * (not after a loss: the lost one never arrives, and the others fail
     * too) */
    int ret2 = floc_ctx_peer_lost(ctx) ? FLOC_ERR_PEER_LOST
                                       : floc_pmix_fence_progress(ctx, ctx->cfg.finalize_timeout);
    if (!ret)
        ret = ret2;
    if (!ret)
        ret = ret0;
    if (floc_ctx_peer_lost(ctx))
        ret = FLOC_ERR_PEER_LOST;

    floc_ctx_release(ctx, 1);
    ctx_destroy(ctx);
    return ret;
}
