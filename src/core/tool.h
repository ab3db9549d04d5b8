/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tool.h - the tools' interception point (floc/tool.h) as the layers use
 * it: each public operation brackets its work with floc_tool_enter and
 * floc_tool_leave.  With nothing watching that is one relaxed load and a
 * branch; the rest is in tool.c.  FLOC_PROFILE's counters live here too
 * (profile.c reports them): counting in place costs a few nanoseconds a
 * call, where building an event for a callback cost twice that.  Internal.
 */
#ifndef FLOC_CORE_TOOL_H
#define FLOC_CORE_TOOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "floc.h"

extern _Atomic int floc_tool_watching;   /* tools attached + the profile counting */
extern _Atomic int floc_tool_ntools;     /* tools attached */
extern unsigned floc_tool_profile_sample;/* FLOC_PROFILE's sample (0: not counting) */
extern unsigned floc_tool_generation;    /* of the profile's blocks (a clear makes new ones) */

/* FLOC_PROFILE's counters: one block per thread that made a call */
#define FLOC_PROF_ALGS 6
typedef struct floc_prof_alg {
    const char *name;
    uint64_t calls, bytes, min_bytes, max_bytes;
} floc_prof_alg_t;
typedef struct floc_prof_op {
    uint64_t calls, bytes, timed, ns, max_ns;
    floc_prof_alg_t algs[FLOC_PROF_ALGS];
} floc_prof_op_t;
typedef struct floc_prof_block {
    floc_prof_op_t op[FLOC_TOOL_OPS];
    struct floc_prof_block *next;
} floc_prof_block_t;

/* what a thread keeps (tool.c): initial-exec TLS, a plain load off the
 * thread pointer rather than a call to __tls_get_addr (libfloc is a
 * shared library); its ~150 bytes come from the static TLS surplus glibc
 * keeps for libraries loaded later (the Python extension's) */
typedef struct floc_tool_thread {
    int depth;                           /* in floc's public calls */
    floc_tool_op_t op;                   /* the outermost call's */
    floc_prof_op_t *cur;                 /* its counters (NULL: the profile is not counting) */
    int noted;                           /* the collective in progress said what it runs */
    const char *algorithm;
    size_t bytes;
    int root;
    unsigned generation;                 /* of block */
    floc_prof_block_t *block;            /* this thread's counters */
    unsigned countdown[FLOC_TOOL_OPS];   /* calls until the next timed one */
    unsigned char slow[FLOC_TOOL_OPS];   /* a kind whose calls are slow: time every one */
} floc_tool_thread_t;
extern _Thread_local floc_tool_thread_t floc_tool_here __attribute__((tls_model("initial-exec")));

typedef struct floc_tool_call {
    int active;          /* something watched when the call began */
    int report;          /* the application's call (not one floc makes inside another) */
    floc_tool_op_t op;
    int peer, nonblocking;
    size_t bytes;
    const floc_ctx_t *ctx;
    uint64_t t0;         /* its start, when timed (0: not timed) */
} floc_tool_call_t;

/* the rest of enter (depth counted) and of leave, out of line: tools
 * attached, a timed call, a thread's first count */
void floc_tool_enter_rest(floc_tool_call_t *c, floc_tool_op_t op, const floc_ctx_t *ctx,
                          size_t bytes, int peer, int nonblocking);
void floc_tool_leave_rest(floc_tool_call_t *c, int status);
void floc_tool_count_algorithm(floc_prof_op_t *o, const char *name, size_t bytes);

/*
 * The common case inline, the profile alone and the call not timed
 * (measured: the three calls out of line cost ~8 ns on a 0.3 us
 * allreduce): enter counts the call (a collective's bytes and algorithm
 * when it says them), leave only steps out.
 */
static inline void floc_tool_enter(floc_tool_call_t *c, floc_tool_op_t op, const floc_ctx_t *ctx,
                                   size_t bytes, int peer, int nonblocking)
{
    c->active = atomic_load_explicit(&floc_tool_watching, memory_order_relaxed) > 0;
    if (!c->active)
        return;
    floc_tool_thread_t *h = &floc_tool_here;
    c->t0 = 0;
    c->report = ++h->depth == 1;
    if (!c->report)
        return;
    if (atomic_load_explicit(&floc_tool_ntools, memory_order_relaxed) || !h->block ||
        h->generation != floc_tool_generation || h->slow[op] || h->countdown[op] == 0) {
        floc_tool_enter_rest(c, op, ctx, bytes, peer, nonblocking);
        return;
    }
    h->countdown[op]--;
    h->noted = 0;
    h->op = c->op = op;
    floc_prof_op_t *o = h->cur = floc_tool_profile_sample ? &h->block->op[op] : NULL;
    if (o) {
        o->calls++;
        if (op >= FLOC_TOOL_SEND)   /* (a collective's: when it says them) */
            o->bytes += bytes;
    }
}

/* returns status, for `return floc_tool_leave(&t, ret);` */
static inline int floc_tool_leave(floc_tool_call_t *c, int status)
{
    if (!c->active)
        return status;
    floc_tool_here.depth--;
    if (c->report && (c->t0 || atomic_load_explicit(&floc_tool_ntools, memory_order_relaxed)))
        floc_tool_leave_rest(c, status);
    return status;
}

/* what a collective runs: its algorithm, bytes per locality and root
 * (-1: none), for its counters and end event (coll's start, once the
 * call is checked) */
static inline void floc_tool_collective(const char *algorithm, size_t bytes, int root)
{
    if (!atomic_load_explicit(&floc_tool_watching, memory_order_relaxed))
        return;
    floc_tool_thread_t *h = &floc_tool_here;
    if (h->depth != 1)
        return;
    h->noted = 1;
    h->algorithm = algorithm;
    h->bytes = bytes;
    h->root = root;
    floc_prof_op_t *o = h->cur;
    if (o) {
        o->bytes += bytes;
        if (algorithm)
            floc_tool_count_algorithm(o, algorithm, bytes);
    }
}

/* count from now on, timing 1 fast call in `sample` of each kind */
void floc_tool_profile_start(unsigned sample);
void floc_tool_profile_stop(void);
/* fn on every thread's block, under the blocks' lock; clear: free them */
void floc_tool_profile_visit(void (*fn)(const floc_prof_block_t *b, void *arg), void *arg);
void floc_tool_profile_clear(void);

#endif
