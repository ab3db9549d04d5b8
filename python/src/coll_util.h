/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coll_util.h - one collective call of the Python layer, from its
 * arguments to its result (coll_util.c): what coll.c and icoll.c share.
 */
#ifndef PYFLOC_COLL_UTIL_H
#define PYFLOC_COLL_UTIL_H

#include "pyfloc.h"

/* all_reduce and broadcast of up to this many bytes travel with their
 * call records, in one allgather; all_reduce up to PYFLOC_FUSE_MAX_AR on
 * up to PYFLOC_FUSE_AR_LOCALITIES (pyfloc_fused_size) */
#define PYFLOC_FUSE_MAX 1024
#define PYFLOC_FUSE_MAX_AR 2048
#define PYFLOC_FUSE_AR_LOCALITIES 8

/* Does a checked call of kind with this many bytes on p localities carry
 * its data with its record (one allgather, then a local fold)?  2 KiB
 * all_reduces on 2-4 localities: 1.9-2.3 vs 2.4-3.1 us fused on 2,
 * 9.0-9.7 vs 12.4-12.8 on 4 (mpi4py 2.4-2.8 and 16-17 in the same runs);
 * at 4 KiB the fused form lost on 2 (4.3 vs 3.1-3.7).  Larger jobs keep
 * 1 KiB: each locality reads p blocks. */
static inline int pyfloc_fused_size(pyfloc_kind_t kind, size_t bytes, int p)
{
    const size_t max = kind == PYFLOC_ALL_REDUCE && p <= PYFLOC_FUSE_AR_LOCALITIES
                           ? PYFLOC_FUSE_MAX_AR
                           : PYFLOC_FUSE_MAX;
    return bytes <= max;
}

typedef struct pyfloc_call {
    pyfloc_kind_t kind;
    const char *func;
    floc_ctx_t *ctx;           /* where it runs: the job, or a team (team=) */
    PyObject *arr;             /* the input object (a new reference) */
    int converted;             /* arr is numpy.asarray() of a non-buffer (a scalar, a list) */
    pyfloc_buf_t in, out;
    PyObject *result;          /* a new reference, or NULL (no result here) */
    floc_op_t op;
    int root;
    pyfloc_record_t mine;
    unsigned char *scratch;    /* records of all, or fused blocks of all */
    size_t block;              /* fused: bytes per locality in scratch */
    size_t head;               /* fused: bytes of each block before its input */
    unsigned char local[4096]; /* scratch when it fits */
} pyfloc_call_t;

/*
 * Check what can be checked alone, before any communication: floc is
 * running, arr is an array (or converts to one), op names a reduction
 * that applies to arr's dtype (reduces != 0), root is a locality (root
 * >= 0 for rooted calls, -1 otherwise), team is None or a live Team
 * (c->ctx: where the call runs).  -1 with the exception set.
 */
int pyfloc_call_begin(pyfloc_call_t *c, pyfloc_kind_t kind, PyObject *arr, PyObject *op,
                      int root, int reduces, PyObject *team);
/* The result: out (checked: writable, arr's dtype, `rows` rows and arr's
 * other dimensions), or a new array of that shape.  -1 with exception. */
int pyfloc_call_out(pyfloc_call_t *c, PyObject *out, size_t rows);
/* Exchange and compare the records: 0, or -1 with the exception set.
 * pyfloc_call_agree does nothing while the checks are off (floc.checks);
 * pyfloc_call_exchange always runs (gather needs the lengths). */
int pyfloc_call_agree(pyfloc_call_t *c, int how);
int pyfloc_call_exchange(pyfloc_call_t *c, int how);
/* floc.checks(): records compared (1, FLOC_PY_CHECKS unset or not 0) */
extern int pyfloc_checks;
/* One allgather of [digest of the record | input] from every locality:
 * 0 when the digests agree; else the records themselves are exchanged
 * to name the difference (every locality saw the same digests, so all
 * take that second step): -1 with the exception set. */
int pyfloc_fused(pyfloc_call_t *c, int p);
/* Locality k's input in a fused exchange */
static inline const void *pyfloc_fused_data(const pyfloc_call_t *c, int k)
{
    return c->scratch + (size_t)k * c->block + c->head;
}
/* out = the fused inputs folded with op, in locality order */
void pyfloc_fold(pyfloc_call_t *c, int p);
/* dst = src (nothing when they are the same memory) */
void pyfloc_copy(pyfloc_buf_t *dst, const pyfloc_buf_t *src);
/* 0, or -1 with the exception for floc error ret */
int pyfloc_check(int ret, const char *func);
/* Release what the call holds; its result (ret 0) or NULL (ret != 0) */
PyObject *pyfloc_call_end(pyfloc_call_t *c, int ret);

#endif
