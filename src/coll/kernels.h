/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kernels.h - reduction kernels: one function per (type, op), chosen from
 * a table.  The collectives and the partitioned vectors combine blocks
 * with them; floc_reduce_local exposes them.  Internal.
 */
#ifndef FLOC_COLL_KERNELS_H
#define FLOC_COLL_KERNELS_H

#include <stddef.h>

#include "floc.h"

/* inout[i] = in[i] op inout[i] */
typedef void (*floc_reduce_fn)(const void *restrict in, void *restrict inout, size_t count);

/* out[i] = in[i] op other[i]: the same bits as the in-place kernel with
 * inout = other, without copying other into out first */
typedef void (*floc_reduce_to_fn)(const void *restrict in, const void *restrict other,
                                  void *restrict out, size_t count);

/* The kernel for (dt, op), or NULL if the pair is not supported. */
floc_reduce_fn floc_reduce_kernel(floc_dtype_t dt, floc_op_t op);
floc_reduce_to_fn floc_reduce_kernel_to(floc_dtype_t dt, floc_op_t op);
/* 0 if (dt, op) is a valid reduction, else FLOC_ERR_INVALID (logged,
 * naming func: the public call the user made). */
int floc_reduce_check(floc_dtype_t dt, floc_op_t op, const char *func);

/* The identity element of op over dt (x op identity = x) into out (one
 * element): 0 for sums, 1 for products, the largest value for MIN... */
int floc_reduce_identity(floc_dtype_t dt, floc_op_t op, void *out);

#endif
