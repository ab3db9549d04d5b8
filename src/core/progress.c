/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * progress.c - waiting without starving the neighbours.
 *
 * A wait polls the completion queue.  After cfg.spin_count empty polls
 * (with FLOC_SPIN=auto, or FLOC_SPIN_TIME of them, whichever is first: a
 * poll of tcp;ofi_rxm costs a system call, ~0.4 us, and 2000 of them
 * held a core for 0.8 ms from a neighbour the node's count of cores did
 * not reveal — two namespace hosts of 2 localities on one 2-core machine:
 * barrier 789 us, 11 without spinning) it yields the core on every poll: on an idle core sched_yield returns at
 * once (a busy poll, the latency of spinning), and with more localities
 * than cores it hands the core to a neighbour that has work.  Only when
 * the node is oversubscribed and nothing completed for a while does a
 * wait sleep, briefly (FLOC_IDLE_SLEEP_NS), so that eight localities on
 * two cores do not spend their quanta yielding to each other.
 *
 * A wait cannot sleep long: with manual-progress providers the target of
 * a put or get makes the transfer happen when it polls, and no completion
 * at the target tells it that someone is waiting.
 *
 * What a poll does is not this file's business: the layers above register
 * progress hooks at init (the fabric drains its completion queues, the
 * collectives advance their state machines), as UCC's progress queue and
 * libuv's loop do, so the wait loop names none of them.  Work that may
 * call floc itself (remote actions' handlers) runs as the service, after
 * the lock is released.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "ctx.h"

int floc_progress_hook_add(floc_ctx_t *ctx, floc_progress_fn progress, floc_dump_fn dump,
                           void *arg)
{
    if (ctx->nhooks == FLOC_PROGRESS_HOOKS) {
        FLOC_ERROR(FLOC_LOG_CORE, "no room for another progress hook");
        return FLOC_ERR_NOMEM;
    }
    ctx->hooks[ctx->nhooks++] = (floc_progress_hook_t){progress, dump, arg};
    return 0;
}

int floc_progress_once(floc_ctx_t *ctx)
{
    ctx = ctx->world;   /* a team's progress is its world's */
    int events = 0;
    for (int i = 0; i < ctx->nhooks; i++) {
        int n = ctx->hooks[i].progress(ctx, ctx->hooks[i].arg);
        if (n < 0)
            return n;
        events += n;
    }
    return events;
}

/* its address names the calling thread */
static _Thread_local char this_thread;

int floc_progress_service(floc_ctx_t *ctx)
{
    ctx = ctx->world;
    if (!atomic_load_explicit(&ctx->service_due, memory_order_acquire) || !ctx->service)
        return 0;
    const uintptr_t me = (uintptr_t)&this_thread;
    uintptr_t none = 0;
    const int outer = atomic_load_explicit(&ctx->service_thread, memory_order_acquire) != me;
    if (outer && !atomic_compare_exchange_strong(&ctx->service_thread, &none, me))
        return 0;   /* another thread is serving: it takes the queue */
    ctx->service(ctx, ctx->service_arg);
    if (outer)
        atomic_store_explicit(&ctx->service_thread, 0, memory_order_release);
    return 1;
}

int floc_progress_handler_enter(floc_ctx_t *ctx)
{
    ctx = ctx->world;
    const uintptr_t me = (uintptr_t)&this_thread;
    if (atomic_load_explicit(&ctx->service_thread, memory_order_acquire) == me)
        return 0;   /* this thread runs the service: a handler inside it */
    for (;;) {
        uintptr_t none = 0;
        if (atomic_compare_exchange_weak(&ctx->service_thread, &none, me))
            return 1;
        sched_yield();   /* another thread runs a handler: it ends it */
    }
}

void floc_progress_handler_leave(floc_ctx_t *ctx, int took)
{
    if (took)
        atomic_store_explicit(&ctx->world->service_thread, 0, memory_order_release);
}

/* after a timeout: what every layer still has in flight */
static void dump_all(floc_ctx_t *ctx)
{
    ctx = ctx->world;
    for (int i = 0; i < ctx->nhooks; i++)
        if (ctx->hooks[i].dump)
            ctx->hooks[i].dump(ctx, ctx->hooks[i].arg);
}

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

#define FLOC_IDLE_BEFORE_SLEEP 0.05   /* seconds without a completion */
#define FLOC_IDLE_SLEEP_NS 20000L

typedef struct floc_backoff {
    unsigned idle;       /* consecutive polls without a completion */
    unsigned spin_limit;
    double spin_for;     /* > 0: spinning ends after this long too */
    double spin_since;   /* when spinning started, 0 = not yet looked */
    int may_sleep;       /* the node is oversubscribed */
    double idle_since;   /* when yielding started, 0 = not yet */
} floc_backoff_t;

static void backoff_reset(floc_backoff_t *b)
{
    b->idle = 0;
    b->idle_since = 0.0;
    b->spin_since = 0.0;
}

static void backoff_step(floc_backoff_t *b)
{
    if (++b->idle <= b->spin_limit) {
        if (b->spin_for <= 0 || b->idle % 32)
            return;   /* the clock every 32 polls: a poll of shm is ~30 ns */
        const double now = floc_now();
        if (b->spin_since == 0.0)
            b->spin_since = now;
        else if (now - b->spin_since > b->spin_for)
            b->idle = b->spin_limit;   /* long enough: yield from the next poll on */
        return;
    }
    if (!b->may_sleep) {
        sched_yield();
        return;
    }
    double now = floc_now();
    if (b->idle_since == 0.0)
        b->idle_since = now;
    if (now - b->idle_since < FLOC_IDLE_BEFORE_SLEEP)
        sched_yield();
    else
        sleep_ns(FLOC_IDLE_SLEEP_NS);
}

/*
 * The wait loop.  node = 0: done() is brought about by progress, so the
 * hooks run before every check.  node = 1: done() watches shared memory,
 * checked first; the hooks still run (the others may need us for their
 * RMA meanwhile) every 4th poll while spinning and every poll once
 * yielding.
 */
static int wait_loop(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout, int node,
                     int own)
{
    floc_backoff_t b = {.spin_limit = ctx->cfg.spin_count, .spin_for = ctx->topo.spin_for,
                        .may_sleep = ctx->topo.oversubscribed};
    double deadline = 0.0;
    unsigned polls = 0;

    backoff_reset(&b);
    if (timeout <= 0.0)
        timeout = ctx->cfg.wait_timeout;
    /* done already (a direct access, an injected send): no poll of the
     * fabric for it (a window of 64 direct 8-byte puts: 60 -> 46 ns each) */
    floc_ctx_lock(ctx);
    const int done_already = done(arg);
    floc_ctx_unlock(ctx);
    if (done_already)
        return 0;
    for (;;) {
        int n = 0, finished;
        ++polls;
        floc_ctx_lock(ctx);
        if (!node) {
            n = floc_progress_once(ctx);
            finished = done(arg);
        } else {
            finished = done(arg);
            if (!finished && ((polls & 3) == 0 || b.idle >= b.spin_limit))
                n = floc_progress_once(ctx);
        }
        floc_ctx_unlock(ctx);
        if (finished)
            return 0;
        if (n < 0)
            return n;
        n += floc_progress_service(ctx);
        if (!own && floc_ctx_peer_lost(ctx))
            return FLOC_ERR_PEER_LOST;
        if (timeout > 0.0 && (polls & 255) == 0) {
            double now = floc_now();
            if (deadline == 0.0)
                deadline = now + timeout;
            else if (now > deadline) {
                floc_ctx_lock(ctx);
                dump_all(ctx);
                floc_ctx_unlock(ctx);
                return FLOC_ERR_TIMEOUT;
            }
        }
        if (n > 0)
            backoff_reset(&b);
        else
            backoff_step(&b);
    }
}

int floc_progress_wait(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout)
{
    return wait_loop(ctx, done, arg, timeout, 0, 0);
}

int floc_progress_wait_own(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout)
{
    return wait_loop(ctx, done, arg, timeout, 0, 1);
}

int floc_progress_poll(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout)
{
    return wait_loop(ctx, done, arg, timeout, 1, 0);
}

static void *progress_main(void *arg)
{
    floc_ctx_t *ctx = arg;
    /* the progress thread shares the locality's cores: it sleeps when idle */
    floc_backoff_t b = {.spin_limit = 64, .may_sleep = 1};

    backoff_reset(&b);
    while (!atomic_load_explicit(&ctx->progress_thread_stop, memory_order_acquire)) {
        floc_ctx_lock(ctx);
        int n = floc_progress_once(ctx);
        floc_ctx_unlock(ctx);
        if (n >= 0)
            n += floc_progress_service(ctx);
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
    int n = floc_progress_once(ctx);
    floc_ctx_unlock(ctx);
    if (n >= 0)
        n += floc_progress_service(ctx);
    if (n >= 0 && floc_ctx_peer_lost(ctx))
        return FLOC_ERR_PEER_LOST;
    return n;
}
