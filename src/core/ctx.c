/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctx.c - the context's identity and the locality queries.  floc_init
 * and floc_finalize, which build and tear down every layer, live above
 * them all in src/init.c.
 *
 * One context may be live per process (it owns the PMIx client and the
 * fabric endpoint); `floc_live_ctx` is that context, which is how a call on a
 * finalized context is told apart from a live one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"

_Atomic(floc_ctx_t *) floc_live_ctx = NULL;
/* A launched process joins its job once (as with MPI): set by finalize. */
static _Atomic int finalized;
/* This process is a fork() child of the one that made the context: the
 * endpoint, the PMIx client and the shared mappings are its parent's. */
_Atomic int floc_forked;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void in_child(void)
{
    atomic_store(&floc_forked, 1);
}

static void watch_forks(void)
{
    pthread_atfork(NULL, NULL, in_child);
}

int floc_ctx_claim(floc_ctx_t *ctx)
{
    pthread_once(&atfork_once, watch_forks);
    if (atomic_load(&floc_forked)) {
        FLOC_WARN(FLOC_LOG_API, "floc_init: this process is a fork() child of a floc locality: "
                  "it cannot join the job (start it through the launcher instead)");
        return FLOC_ERR_STATE;
    }
    if (atomic_load(&finalized) && getenv("PMIX_NAMESPACE")) {
        /* (a singleton may start again: it has no job to rejoin) */
        FLOC_WARN(FLOC_LOG_API, "floc_init: floc was finalized in this process already; a "
                  "launched process joins its job once");
        return FLOC_ERR_STATE;
    }
    floc_ctx_t *expected = NULL;
    if (!atomic_compare_exchange_strong(&floc_live_ctx, &expected, ctx)) {
        FLOC_WARN(FLOC_LOG_API, "floc_init: floc is initialized already in this process (one "
                  "context per process: use the one floc_init gave)");
        return FLOC_ERR_STATE;
    }
    return 0;
}

void floc_ctx_release(floc_ctx_t *ctx, int finalizing)
{
    floc_ctx_t *expected = ctx;
    atomic_compare_exchange_strong(&floc_live_ctx, &expected, NULL);
    if (finalizing)
        atomic_store(&finalized, 1);
}

/* virtual localities of tests/sim alive in this process */
static _Atomic int simulated_live;

void floc_ctx_mark_simulated(floc_ctx_t *ctx, int on)
{
    ctx->simulated = on;
    atomic_fetch_add(&simulated_live, on ? 1 : -1);
}

int floc_ctx_is_live(const floc_ctx_t *ctx)
{
    if (!ctx)
        return 0;
    const floc_ctx_t *live = atomic_load_explicit(&floc_live_ctx, memory_order_acquire);
    /* a team is live while its world is and until floc_team_free */
    if (live == ctx || (live && ctx->magic == FLOC_TEAM_MAGIC && ctx->world == live))
        return 1;
    /* (ctx is not read further unless this process simulates a job: it
     * may be a context finalized and freed, a user's double finalize) */
    return atomic_load_explicit(&simulated_live, memory_order_relaxed) > 0 && ctx->simulated &&
           ctx->magic == FLOC_CTX_MAGIC;
}

int floc_ctx_check_slow(const floc_ctx_t *ctx, const char *func)
{
    if (!ctx) {
        FLOC_WARN(FLOC_LOG_API, "%s: ctx is NULL", func);
        return FLOC_ERR_INVALID;
    }
    if (!floc_ctx_is_live(ctx)) {
        FLOC_WARN(FLOC_LOG_API, "%s: ctx is not a live context (already finalized?)", func);
        return FLOC_ERR_INVALID;
    }
    if (atomic_load_explicit(&floc_forked, memory_order_relaxed)) {
        FLOC_WARN(FLOC_LOG_API, "%s: called in a fork() child: the context belongs to the "
                  "parent process", func);
        return FLOC_ERR_STATE;
    }
    return 0;
}

void floc_ctx_mark_lost(floc_ctx_t *ctx, int rank, const char *why)
{
    ctx = ctx->world;
    /* who, for the teams (not known: as if everyone, every team fails) */
    for (int r = 0; ctx->lost_map && r < ctx->size; r++)
        if (r == rank || rank < 0 || rank >= ctx->size)
            atomic_store_explicit(&ctx->lost_map[r], 1, memory_order_release);
    int expected = -1;
    atomic_compare_exchange_strong(&ctx->lost_rank, &expected, rank);
    if (!atomic_exchange_explicit(&ctx->lost, 1, memory_order_acq_rel))
        FLOC_WARN(FLOC_LOG_CORE, "locality %d lost (%s)", rank, why);
}

int floc_ctx_team_lost(const floc_ctx_t *team)
{
    for (int r = 0; r < team->size; r++)
        if (floc_ctx_locality_lost(team, team->members[r]))
            return 1;
    return 0;
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

void floc_abort(floc_ctx_t *ctx, int code, const char *msg)
{
    const int status = code >= 1 && code <= 255 ? code : 1;
    floc_ctx_t *world = floc_ctx_is_live(ctx) ? ctx->world : NULL;
    const int rank = world ? world->rank : -1;
    FLOC_ERROR(FLOC_LOG_API, "floc_abort(%d) by locality %d: %s", code, rank, msg ? msg : "");
    fflush(NULL);   /* the application's output first */
    floc_pmix_abort(world, status, msg ? msg : "floc_abort");
    _exit(status);
}
