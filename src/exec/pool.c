/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pool.c - the worker threads (see exec.h).
 *
 * One job at a time: the caller publishes it under the mutex, bumps the
 * generation and wakes everyone; caller and workers take parts from an
 * atomic counter until none is left; the caller then waits until every
 * worker has checked out of this generation, so the job's arguments can
 * live on the caller's stack.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../core/ctx.h"
#include "../core/partition.h"
#include "exec.h"

struct floc_exec {
    floc_ctx_t *ctx;
    int nthreads;                /* workers besides the caller */
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen;           /* jobs published so far */
    int stop;
    int active;                  /* workers not yet done with this generation */
    /* the job */
    floc_exec_fn fn;
    void *arg;
    size_t n;
    int nparts;
    _Atomic int next;            /* next part to take */
    _Atomic int busy;            /* a job is running (FLOC_THREAD_MULTIPLE callers) */
};

static void run_parts(struct floc_exec *e)
{
    for (;;) {
        int part = atomic_fetch_add_explicit(&e->next, 1, memory_order_relaxed);
        if (part >= e->nparts)
            return;
        size_t first;
        size_t len = floc_block_len(e->n, e->nparts, part, &first);
        e->fn(e->arg, first, first + len, part);
    }
}

static void *worker_main(void *argp)
{
    struct floc_exec *e = argp;
    unsigned long seen = 0;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (e->gen == seen && !e->stop)
            pthread_cond_wait(&e->go, &e->mu);
        if (e->stop)
            break;
        seen = e->gen;
        pthread_mutex_unlock(&e->mu);
        run_parts(e);
        pthread_mutex_lock(&e->mu);
        if (--e->active == 0)
            pthread_cond_signal(&e->done);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

static int wanted_threads(floc_ctx_t *ctx)
{
    return ctx->cfg.threads ? (int)ctx->cfg.threads : floc_topo_default_workers(ctx);
}

int floc_num_threads(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    return wanted_threads(ctx);
}

/* Make the pool (first parallel run).  NULL if there is nothing to make or
 * no thread could be started: the caller then runs every part. */
static struct floc_exec *pool_make(floc_ctx_t *ctx)
{
    int want = wanted_threads(ctx) - 1;
    if (want <= 0)
        return NULL;
    struct floc_exec *e = calloc(1, sizeof *e);
    if (!e || !(e->threads = calloc((size_t)want, sizeof *e->threads))) {
        free(e);
        return NULL;
    }
    e->ctx = ctx;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->go, NULL);
    pthread_cond_init(&e->done, NULL);
    for (int i = 0; i < want; i++) {
        if (pthread_create(&e->threads[i], NULL, worker_main, e) != 0) {
            FLOC_WARN(FLOC_LOG_EXEC, "started %d of %d worker threads", i, want);
            break;
        }
        e->nthreads++;
        /* worker i on core i + 1: the caller is usually on the first */
        floc_topo_pin_worker(ctx, e->threads[i], i + 1);
    }
    FLOC_INFO(FLOC_LOG_EXEC, "%d worker threads besides the caller", e->nthreads);
    return e;
}

static struct floc_exec *pool_get(floc_ctx_t *ctx)
{
    ctx = ctx->world;   /* one pool per process: a team's work runs on its world's */
    floc_ctx_lock(ctx);   /* two threads of a FLOC_THREAD_MULTIPLE context */
    if (!ctx->exec)
        ctx->exec = pool_make(ctx);
    struct floc_exec *e = ctx->exec;
    floc_ctx_unlock(ctx);
    return e;
}

int floc_exec_parts(floc_ctx_t *ctx, size_t n, size_t grain)
{
    int threads = wanted_threads(ctx);
    size_t by_size = grain ? n / grain : n;
    if (by_size < 1)
        return 1;
    return by_size < (size_t)threads ? (int)by_size : threads;
}

void floc_exec_run(floc_ctx_t *ctx, size_t n, int nparts, floc_exec_fn fn, void *arg)
{
    if (n == 0)
        return;   /* an empty part: nothing to run (its buffers may be NULL) */
    struct floc_exec *e = nparts > 1 ? pool_get(ctx) : NULL;
    /* one job at a time: a second caller (another thread of a
     * FLOC_THREAD_MULTIPLE context) runs its job alone rather than wait */
    if (e && atomic_exchange_explicit(&e->busy, 1, memory_order_acquire))
        e = NULL;
    if (!e || e->nthreads == 0) {
        if (e)
            atomic_store_explicit(&e->busy, 0, memory_order_release);
        for (int part = 0; part < nparts; part++) {
            size_t first;
            size_t len = floc_block_len(n, nparts, part, &first);
            fn(arg, first, first + len, part);
        }
        return;
    }
    pthread_mutex_lock(&e->mu);
    e->fn = fn;
    e->arg = arg;
    e->n = n;
    e->nparts = nparts;
    atomic_store_explicit(&e->next, 0, memory_order_relaxed);
    e->active = e->nthreads;
    e->gen++;
    pthread_cond_broadcast(&e->go);
    pthread_mutex_unlock(&e->mu);

    run_parts(e);

    pthread_mutex_lock(&e->mu);
    while (e->active > 0)
        pthread_cond_wait(&e->done, &e->mu);
    pthread_mutex_unlock(&e->mu);
    atomic_store_explicit(&e->busy, 0, memory_order_release);
}

void floc_exec_fini(floc_ctx_t *ctx)
{
    struct floc_exec *e = ctx->exec;
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->stop = 1;
    pthread_cond_broadcast(&e->go);
    pthread_mutex_unlock(&e->mu);
    for (int i = 0; i < e->nthreads; i++)
        pthread_join(e->threads[i], NULL);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->go);
    pthread_cond_destroy(&e->done);
    free(e->threads);
    free(e);
    ctx->exec = NULL;
}
