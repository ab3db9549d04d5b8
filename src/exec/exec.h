/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exec.h - the worker threads of a locality: run a kernel over the parts
 * of an index range in parallel, the caller taking part.  Internal.
 *
 * A range [0, n) is cut into parts whose sizes differ by at most one
 * (core/partition.h), and part i always covers the same indices whatever
 * thread runs it: kernels that keep one partial result per part (the
 * reductions) give the same answer on every run.  The threads are made
 * at the first parallel run, each pinned by hwloc to its own core of the
 * locality's binding, and live until the context is destroyed.  They only
 * run kernels; they never call into the fabric.
 */
#ifndef FLOC_EXEC_H
#define FLOC_EXEC_H

#include <stddef.h>

struct floc_ctx;

/* The kernel: indices [begin, end) of part `part`. */
typedef void (*floc_exec_fn)(void *arg, size_t begin, size_t end, int part);

/* Fewer elements than this per part are not worth waking a thread for. */
#define FLOC_EXEC_GRAIN ((size_t)32768)

/* Parts to cut n elements into: at most one per thread (workers and the
 * caller), at least grain elements each, at least 1. */
int floc_exec_parts(struct floc_ctx *ctx, size_t n, size_t grain);
/* Run fn over the nparts parts of [0, n); returns when all are done.
 * Never fails: without threads the caller runs every part itself.  With
 * n = 0 fn is not called at all: results kept per part start initialised. */
void floc_exec_run(struct floc_ctx *ctx, size_t n, int nparts, floc_exec_fn fn, void *arg);
/* Stop and join the threads (context destruction). */
void floc_exec_fini(struct floc_ctx *ctx);

/* Remote actions (action_serve.c, floc/action.h): the mailbox posted and
 * its hooks registered (init: a locality that registers nothing still
 * answers "unknown action" instead of leaving its callers waiting). */
int floc_action_init(struct floc_ctx *ctx);
/* floc_action_flush, its waits bounded by timeout (seconds, 0: the
 * context's wait timeout): finalize's, after a loss, when a peer may have
 * left without the closing fence. */
int floc_action_flush_within(struct floc_ctx *ctx, double timeout);
/* Remote actions at finalize: release the
 * exposures they keep (before the fabric closes), then free the rest
 * (after: the mailbox's receives point into it). */
void floc_action_release(struct floc_ctx *ctx);
void floc_action_free(struct floc_ctx *ctx);

#endif
