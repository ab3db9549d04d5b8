/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dtype.h - names of element types and reduction operations (for
 * messages: "FLOC_BXOR is not defined for FLOC_DOUBLE").  Sizes come from
 * the public floc_dtype_size.  Internal.
 */
#ifndef FLOC_DTYPE_H
#define FLOC_DTYPE_H

#include "floc.h"

const char *floc_dtype_name(floc_dtype_t dt);
const char *floc_op_name(floc_op_t op);

#endif
