/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dtype.c - element types and reduction operations: their sizes and the
 * names logs give them.
 */
#include "dtype.h"

#include "log.h"

static const size_t dtype_sizes[FLOC_DTYPE_COUNT] = {
    [FLOC_INT8] = 1, [FLOC_INT16] = 2, [FLOC_INT32] = 4, [FLOC_INT64] = 8,
    [FLOC_UINT8] = 1, [FLOC_UINT16] = 2, [FLOC_UINT32] = 4, [FLOC_UINT64] = 8,
    [FLOC_FLOAT] = sizeof(float), [FLOC_DOUBLE] = sizeof(double), [FLOC_BYTE] = 1,
    [FLOC_INT32_INDEX] = sizeof(floc_int32_index_t),
    [FLOC_INT64_INDEX] = sizeof(floc_int64_index_t),
    [FLOC_FLOAT_INDEX] = sizeof(floc_float_index_t),
    [FLOC_DOUBLE_INDEX] = sizeof(floc_double_index_t),
};

static const char *const dtype_names[FLOC_DTYPE_COUNT] = {
    "FLOC_INT8", "FLOC_INT16", "FLOC_INT32", "FLOC_INT64",
    "FLOC_UINT8", "FLOC_UINT16", "FLOC_UINT32", "FLOC_UINT64",
    "FLOC_FLOAT", "FLOC_DOUBLE", "FLOC_BYTE",
    "FLOC_INT32_INDEX", "FLOC_INT64_INDEX", "FLOC_FLOAT_INDEX", "FLOC_DOUBLE_INDEX"};

static const char *const op_names[FLOC_OP_COUNT] = {
    "FLOC_SUM", "FLOC_PROD", "FLOC_MIN", "FLOC_MAX", "FLOC_BAND", "FLOC_BOR", "FLOC_BXOR",
    "FLOC_LAND", "FLOC_LOR", "FLOC_MINLOC", "FLOC_MAXLOC"};

int floc_dtype_size(floc_dtype_t dt)
{
    if ((unsigned)dt >= FLOC_DTYPE_COUNT)
        return FLOC_INVALID("dtype %d is not a floc_dtype_t", (int)dt);
    return (int)dtype_sizes[dt];
}

const char *floc_dtype_name(floc_dtype_t dt)
{
    return (unsigned)dt < FLOC_DTYPE_COUNT ? dtype_names[dt] : "an unknown dtype";
}

const char *floc_op_name(floc_op_t op)
{
    return (unsigned)op < FLOC_OP_COUNT ? op_names[op] : "an unknown op";
}
