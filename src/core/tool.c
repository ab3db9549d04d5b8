/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tool.c - the tools attached (floc/tool.h), FLOC_PROFILE's counters,
 * and the calls they see.
 *
 * Each thread keeps how deep it is in floc's public calls (only the
 * outermost is reported: floc_call's own wait is not a second event), a
 * countdown per kind to its next timed call (1 in `sample`) and whether
 * a kind's calls are slow (then every one is timed: the clock's ~25 ns
 * do not matter there).  The profile counts into a block per thread (no
 * atomics, nothing shared on the way); tools get events.  Shared between
 * threads: the list of tools, which changes only on attach and detach.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "tool.h"

#define TOOLS_MAX 4
/* a kind whose timed calls take longer than this is timed on every call */
#define SLOW_NS 5000

_Atomic int floc_tool_watching;
_Atomic int floc_tool_ntools;
unsigned floc_tool_profile_sample;     /* FLOC_PROFILE's (0: not counting) */
unsigned floc_tool_generation = 1;     /* blocks made since the last clear (under blocks_lock) */
_Thread_local floc_tool_thread_t floc_tool_here __attribute__((tls_model("initial-exec")));
static floc_tool_t tools[TOOLS_MAX];
static unsigned tools_sample = 0;      /* the smallest sample of the tools (0: none attached) */
static unsigned sample_every = 1;      /* the smaller of the two */
static pthread_mutex_t tools_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t blocks_lock = PTHREAD_MUTEX_INITIALIZER;
static floc_prof_block_t *blocks;


static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* under tools_lock: who watches, and how often calls are timed */
static void rewatch(void)
{
    const int n = atomic_load(&floc_tool_ntools);
    unsigned s = 0;
    for (int i = 0; i < n; i++) {
        const unsigned t = tools[i].sample ? tools[i].sample : 1;
        s = s && s < t ? s : t;
    }
    tools_sample = s;
    const unsigned both = s && floc_tool_profile_sample ? (s < floc_tool_profile_sample ? s : floc_tool_profile_sample)
                                              : s + floc_tool_profile_sample;
    sample_every = both ? both : 1;
    atomic_store(&floc_tool_watching, n + (floc_tool_profile_sample > 0));
}

int floc_tool_attach(const floc_tool_t *tool)
{
    if (!tool || (!tool->begin && !tool->end))
        return FLOC_INVALID("floc_tool_attach: %s", tool ? "no callback (begin and end are NULL)"
                                                         : "tool is NULL");
    pthread_mutex_lock(&tools_lock);
    const int n = atomic_load(&floc_tool_ntools);
    if (n == TOOLS_MAX) {
        pthread_mutex_unlock(&tools_lock);
        FLOC_WARN(FLOC_LOG_API, "floc_tool_attach: %d tools are attached already", TOOLS_MAX);
        return FLOC_ERR_NOMEM;
    }
    tools[n] = *tool;
    atomic_store(&floc_tool_ntools, n + 1);
    rewatch();
    pthread_mutex_unlock(&tools_lock);
    return 0;
}

int floc_tool_detach(const floc_tool_t *tool)
{
    if (!tool)
        return FLOC_INVALID("floc_tool_detach: tool is NULL");
    pthread_mutex_lock(&tools_lock);
    int n = atomic_load(&floc_tool_ntools), found = 0;
    for (int i = 0; i < n && !found; i++)
        if (tools[i].begin == tool->begin && tools[i].end == tool->end &&
            tools[i].user == tool->user) {
            memmove(&tools[i], &tools[i + 1], (size_t)(n - i - 1) * sizeof tools[0]);
            atomic_store(&floc_tool_ntools, --n);
            found = 1;
        }
    rewatch();
    pthread_mutex_unlock(&tools_lock);
    return found ? 0 : FLOC_INVALID("floc_tool_detach: no tool with these callbacks is attached");
}

const char *floc_tool_op_name(floc_tool_op_t op)
{
    static const char *const names[FLOC_TOOL_OPS] = {
        "barrier", "bcast", "allreduce", "reduce", "gather", "scatter", "allgather", "alltoall",
        "reduce_scatter", "scan", "exscan", "gatherv", "scatterv", "allgatherv", "alltoallv",
        "send", "recv", "put", "get", "fetch_add", "flush", "call", "post", "wait"};
    return (unsigned)op < FLOC_TOOL_OPS ? names[op] : "?";
}

void floc_tool_profile_start(unsigned sample)
{
    pthread_mutex_lock(&tools_lock);
    floc_tool_profile_sample = sample ? sample : 1;
    rewatch();
    pthread_mutex_unlock(&tools_lock);
}

void floc_tool_profile_stop(void)
{
    pthread_mutex_lock(&tools_lock);
    floc_tool_profile_sample = 0;
    rewatch();
    pthread_mutex_unlock(&tools_lock);
}

void floc_tool_profile_visit(void (*fn)(const floc_prof_block_t *b, void *arg), void *arg)
{
    pthread_mutex_lock(&blocks_lock);
    for (const floc_prof_block_t *b = blocks; b; b = b->next)
        fn(b, arg);
    pthread_mutex_unlock(&blocks_lock);
}

void floc_tool_profile_clear(void)
{
    pthread_mutex_lock(&blocks_lock);
    while (blocks) {
        floc_prof_block_t *b = blocks;
        blocks = b->next;
        free(b);
    }
    floc_tool_generation++;   /* every thread's block is gone: a later count makes a new one */
    pthread_mutex_unlock(&blocks_lock);
}

/* a new block for this thread (its first count, or its first since a clear) */
static __attribute__((noinline)) floc_prof_block_t *new_block(void)
{
    floc_prof_block_t *b = calloc(1, sizeof *b);
    if (b) {
        pthread_mutex_lock(&blocks_lock);
        b->next = blocks;
        blocks = b;
        floc_tool_here.generation = floc_tool_generation;
        pthread_mutex_unlock(&blocks_lock);
    }
    return floc_tool_here.block = b;
}

static inline floc_prof_block_t *my_block(void)
{
    if (__builtin_expect(floc_tool_here.block && floc_tool_here.generation == floc_tool_generation, 1))
        return floc_tool_here.block;
    return new_block();
}

void floc_tool_count_algorithm(floc_prof_op_t *o, const char *name, size_t bytes)
{
    for (int i = 0; i < FLOC_PROF_ALGS; i++) {
        floc_prof_alg_t *a = &o->algs[i];
        if (a->name && a->name != name)
            continue;
        if (!a->name) {
            a->name = name;
            a->min_bytes = bytes;
        }
        a->calls++;
        a->bytes += bytes;
        a->min_bytes = bytes < a->min_bytes ? bytes : a->min_bytes;
        a->max_bytes = bytes > a->max_bytes ? bytes : a->max_bytes;
        return;
    }
}

/* this thread's counters of op, when the profile counts (else NULL) */
static inline floc_prof_op_t *counters(floc_tool_op_t op)
{
    if (!floc_tool_profile_sample)
        return NULL;
    floc_prof_block_t *b = my_block();
    return b ? &b->op[op] : NULL;
}

/* (tool.h's floc_tool_enter has counted the depth: this is the outermost call) */
void floc_tool_enter_rest(floc_tool_call_t *c, floc_tool_op_t op, const floc_ctx_t *ctx,
                          size_t bytes, int peer, int nonblocking)
{
    floc_tool_here.noted = 0;
    floc_tool_here.op = op;
    c->op = op;
    const int n = atomic_load_explicit(&floc_tool_ntools, memory_order_acquire);
    if (n) {
        c->ctx = ctx;
        c->bytes = bytes;
        c->peer = peer;
        c->nonblocking = nonblocking;
        const floc_tool_event_t ev = {.op = op, .ctx = ctx, .bytes = bytes, .peer = peer,
                                      .nonblocking = nonblocking};
        for (int i = 0; i < n; i++)
            if (tools[i].begin)
                tools[i].begin(&ev, tools[i].user);
    }
    floc_prof_op_t *o = floc_tool_here.cur = counters(op);
    if (o) {
        o->calls++;
        if (op >= FLOC_TOOL_SEND)   /* (a collective's: when it says them) */
            o->bytes += bytes;
    }
    if (floc_tool_here.slow[op] || floc_tool_here.countdown[op] == 0) {
        floc_tool_here.countdown[op] = sample_every - 1;
        c->t0 = now_ns();
    } else {
        floc_tool_here.countdown[op]--;
    }
}

/* (tool.h's floc_tool_leave has stepped out: a timed call, or tools to tell) */
void floc_tool_leave_rest(floc_tool_call_t *c, int status)
{
    const floc_tool_op_t op = c->op;
    uint64_t ns = 0;
    if (c->t0) {
        ns = now_ns() - c->t0;
        floc_tool_here.slow[op] = ns > SLOW_NS;
        floc_prof_op_t *o = floc_tool_here.cur;
        if (o) {
            o->timed++;
            o->ns += ns;
            o->max_ns = ns > o->max_ns ? ns : o->max_ns;
        }
    }
    const int n = atomic_load_explicit(&floc_tool_ntools, memory_order_acquire);
    if (n) {
        const int coll = op < FLOC_TOOL_SEND && floc_tool_here.noted;
        const floc_tool_event_t ev = {.op = op,
                                      .ctx = c->ctx,
                                      .bytes = coll ? floc_tool_here.bytes : c->bytes,
                                      .peer = coll ? floc_tool_here.root : c->peer,
                                      .nonblocking = c->nonblocking,
                                      .algorithm = coll ? floc_tool_here.algorithm : NULL,
                                      .status = status,
                                      .timed = c->t0 != 0,
                                      .ns = ns};
        for (int i = 0; i < n; i++)
            if (tools[i].end)
                tools[i].end(&ev, tools[i].user);
    }
}
