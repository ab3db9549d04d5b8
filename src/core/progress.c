/*
 * progress.c - waiting without starving the neighbours.
 *
 * A wait polls the completion queue; after cfg.spin_count empty polls it
 * yields the core on each poll, and after a millisecond of yielding it
 * sleeps in growing steps (up to 1 ms), so eight localities sharing two
 * cores still make progress, while a wait on an idle machine keeps the
 * latency of a busy poll.  Every wait also ends on a lost peer and, if
 * configured, on a timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "ctx.h"

double floc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ns(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

typedef struct floc_backoff {
    unsigned idle;       /* consecutive polls without a completion */
    unsigned spin_limit;
    double yield_since;  /* when yielding started, 0 = not yet */
    long sleep_ns;
} floc_backoff_t;

static void backoff_reset(floc_backoff_t *b)
{
    b->idle = 0;
    b->yield_since = 0.0;
    b->sleep_ns = 0;
}

static void backoff_step(floc_backoff_t *b)
{
    if (++b->idle <= b->spin_limit)
        return;
    double now = floc_now();
    if (b->yield_since == 0.0)
        b->yield_since = now;
    if (now - b->yield_since < 1e-3) {
        sched_yield();
        return;
    }
    b->sleep_ns = b->sleep_ns ? b->sleep_ns * 2 : 1000;
    if (b->sleep_ns > 1000000)
        b->sleep_ns = 1000000;
    sleep_ns(b->sleep_ns);
}

int floc_progress_wait(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout)
{
    floc_backoff_t b = {.spin_limit = ctx->cfg.spin_count};
    double deadline = 0.0;
    unsigned polls = 0;

    backoff_reset(&b);
    if (timeout <= 0.0)
        timeout = ctx->cfg.wait_timeout;
    for (;;) {
        floc_ctx_lock(ctx);
        int n = floc_fabric_progress(ctx);
        int finished = done(arg);
        floc_ctx_unlock(ctx);
        if (finished)
            return 0;
        if (n < 0)
            return n;
        if (floc_ctx_peer_lost(ctx))
            return FLOC_ERR_PEER_LOST;
        if (timeout > 0.0 && (++polls & 255) == 0) {
            double now = floc_now();
            if (deadline == 0.0)
                deadline = now + timeout;
            else if (now > deadline)
                return FLOC_ERR_TIMEOUT;
        }
        if (n > 0)
            backoff_reset(&b);
        else
            backoff_step(&b);
    }
}

static void *progress_main(void *arg)
{
    floc_ctx_t *ctx = arg;
    floc_backoff_t b = {.spin_limit = 64};

    backoff_reset(&b);
    while (!atomic_load_explicit(&ctx->progress_thread_stop, memory_order_acquire)) {
        floc_ctx_lock(ctx);
        int n = floc_fabric_progress(ctx);
        floc_ctx_unlock(ctx);
        if (n > 0) {
            backoff_reset(&b);
        } else {
            /* The progress thread never spins long: it shares the
             * locality's cores with the application. */
            backoff_step(&b);
        }
    }
    return NULL;
}

int floc_progress_thread_start(floc_ctx_t *ctx)
{
    int rc = pthread_create(&ctx->progress_thread, NULL, progress_main, ctx);
    if (rc) {
        FLOC_ERROR(FLOC_LOG_CORE, "pthread_create for the progress thread: %s", strerror(rc));
        return FLOC_ERR_SYSTEM;
    }
    ctx->progress_thread_started = 1;
    floc_topo_pin_thread(ctx, ctx->progress_thread);
    return 0;
}

void floc_progress_thread_stop(floc_ctx_t *ctx)
{
    if (!ctx->progress_thread_started)
        return;
    atomic_store_explicit(&ctx->progress_thread_stop, 1, memory_order_release);
    pthread_join(ctx->progress_thread, NULL);
    ctx->progress_thread_started = 0;
}

int floc_progress(floc_ctx_t *ctx)
{
    FLOC_CHECK_CTX(ctx);
    floc_ctx_lock(ctx);
    int n = floc_fabric_progress(ctx);
    floc_ctx_unlock(ctx);
    if (n >= 0 && floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    return n;
}
