/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/tool.h - the interception point for tools (profilers, tracers:
 * Score-P, TAU, mpiP-like wrappers), as PMPI and MPI_T are for MPI.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_TOOL_API_H
#define FLOC_TOOL_API_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Tools                                                               */
/* ------------------------------------------------------------------ */
/* The operations a tool sees: every collective (as FLOC_<COLL>_ALGO names
 * them), tagged messages, one-sided calls, remote actions, and the waits
 * for nonblocking ones. */
typedef enum {
    FLOC_TOOL_BARRIER, FLOC_TOOL_BCAST, FLOC_TOOL_ALLREDUCE, FLOC_TOOL_REDUCE, FLOC_TOOL_GATHER,
    FLOC_TOOL_SCATTER, FLOC_TOOL_ALLGATHER, FLOC_TOOL_ALLTOALL, FLOC_TOOL_REDUCE_SCATTER,
    FLOC_TOOL_SCAN, FLOC_TOOL_EXSCAN, FLOC_TOOL_GATHERV, FLOC_TOOL_SCATTERV,
    FLOC_TOOL_ALLGATHERV, FLOC_TOOL_ALLTOALLV,
    FLOC_TOOL_SEND, FLOC_TOOL_RECV, FLOC_TOOL_PUT, FLOC_TOOL_GET, FLOC_TOOL_FETCH_ADD,
    FLOC_TOOL_FLUSH, FLOC_TOOL_CALL, FLOC_TOOL_POST, FLOC_TOOL_WAIT,
    FLOC_TOOL_OPS
} floc_tool_op_t;

/* One call of the application into floc (calls floc makes inside it are
 * not reported again). */
typedef struct floc_tool_event {
    floc_tool_op_t op;
    const floc_ctx_t *ctx;     /* the context called (a team's, for a team's call) */
    size_t bytes;              /* what this locality sends or contributes (per block; a
                                  collective's: at the end) */
    int peer;                  /* destination, source, owner, target, or a collective's root
                                  (at the end); -1: none */
    int nonblocking;           /* 1: the start of a nonblocking form (its end is a WAIT) */
    const char *algorithm;     /* collectives, at the end: the algorithm that ran, NULL: none */
    int status;                /* at the end: what the call returns */
    int timed;                 /* at the end: 1 if ns was measured */
    uint64_t ns;               /* at the end: the call's duration in nanoseconds */
} floc_tool_event_t;

typedef struct floc_tool {
    void (*begin)(const floc_tool_event_t *ev, void *user);   /* before the call; may be NULL */
    void (*end)(const floc_tool_event_t *ev, void *user);     /* after it; may be NULL */
    void *user;
    /* Time 1 call in `sample` of each kind (0 or 1: every call).  A kind
     * whose timed calls take longer than a few microseconds is timed on
     * every call, whatever the sample: reading the clock costs ~20-40 ns
     * a call on some machines, a lot against a 0.3 us allreduce. */
    unsigned sample;
} floc_tool_t;

/*
 * Attach a tool: its callbacks see every operation of every context of
 * this process from now on, from whichever thread makes it (they must be
 * thread-safe when the context is FLOC_THREAD_MULTIPLE).  *tool is
 * copied.  Up to 4 tools at once (FLOC_PROFILE's profiler is one);
 * FLOC_ERR_NOMEM beyond.  Callable before floc_init.  With no tool
 * attached, an operation costs one load and branch more.
 */
FLOC_API int floc_tool_attach(const floc_tool_t *tool);
/* Detach the tool attached with these callbacks and user pointer
 * (FLOC_ERR_INVALID if none is).  Not while another thread is inside a
 * floc call: its callbacks may still be running there. */
FLOC_API int floc_tool_detach(const floc_tool_t *tool);
/* The operation's name ("allreduce", "send", ...), "?" for none. */
FLOC_API const char *floc_tool_op_name(floc_tool_op_t op);

#ifdef __cplusplus
}
#endif

#endif
