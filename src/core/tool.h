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

typedef struct floc_tool_call {
    int active;          /* something watched when the call began */
    int report;          /* the application's call (not one floc makes inside another) */
    floc_tool_op_t op;
    int peer, nonblocking;
    size_t bytes;
    const floc_ctx_t *ctx;
    uint64_t t0;         /* its start, when timed (0: not timed) */
} floc_tool_call_t;

void floc_tool_enter_slow(floc_tool_call_t *c, floc_tool_op_t op, const floc_ctx_t *ctx,
                          size_t bytes, int peer, int nonblocking);
void floc_tool_leave_slow(floc_tool_call_t *c, int status);
/* what a collective runs: its algorithm, bytes per locality and root
 * (-1: none), for its end (coll's start, once the call is checked) */
void floc_tool_note_collective(const char *algorithm, size_t bytes, int root);

static inline void floc_tool_enter(floc_tool_call_t *c, floc_tool_op_t op, const floc_ctx_t *ctx,
                                   size_t bytes, int peer, int nonblocking)
{
    c->active = atomic_load_explicit(&floc_tool_watching, memory_order_relaxed) > 0;
    if (c->active)
        floc_tool_enter_slow(c, op, ctx, bytes, peer, nonblocking);
}

/* returns status, for `return floc_tool_leave(&t, ret);` */
static inline int floc_tool_leave(floc_tool_call_t *c, int status)
{
    if (c->active)
        floc_tool_leave_slow(c, status);
    return status;
}

static inline void floc_tool_collective(const char *algorithm, size_t bytes, int root)
{
    if (atomic_load_explicit(&floc_tool_watching, memory_order_relaxed))
        floc_tool_note_collective(algorithm, bytes, root);
}

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

/* count from now on, timing 1 fast call in `sample` of each kind */
void floc_tool_profile_start(unsigned sample);
void floc_tool_profile_stop(void);
/* fn on every thread's block, under the blocks' lock; clear: free them */
void floc_tool_profile_visit(void (*fn)(const floc_prof_block_t *b, void *arg), void *arg);
void floc_tool_profile_clear(void);

#endif
