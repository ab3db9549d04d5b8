/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kernels.c - the reduction kernels: one function per (type, op), and
 * floc_reduce_local, which exposes them.
 *
 * Each kernel is a plain loop over restrict-qualified arrays, compiled
 * with -O3 (see CMakeLists.txt) so that the compiler vectorises it.  The
 * operand order is fixed (in op inout): with the order of combination
 * fixed by the algorithm, every locality computes the same bits.
 * Signed integer sums and products go through the unsigned type: two's
 * complement wrap-around instead of undefined behaviour.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "../core/dtype.h"
#include "../core/log.h"

/* each (type, op) twice: in place (inout op= in), and into a third array
 * (out = in op other: the same expression, hence the same bits) */
#define KERNEL(name, T, expr)                                                        \
    static void name(const void *restrict in_, void *restrict inout_, size_t count)  \
    {                                                                                \
        const T *restrict in = in_;                                                  \
        T *restrict io = inout_;                                                     \
        for (size_t i = 0; i < count; i++) {                                         \
            const T a = in[i], b = io[i];                                            \
            io[i] = (expr);                                                          \
        }                                                                            \
    }                                                                                \
    static void name##_to(const void *restrict in_, const void *restrict other_,     \
                          void *restrict out_, size_t count)                         \
    {                                                                                \
        const T *restrict in = in_, *restrict other = other_;                        \
        T *restrict out = out_;                                                      \
        for (size_t i = 0; i < count; i++) {                                         \
            const T a = in[i], b = other[i];                                         \
            out[i] = (expr);                                                         \
        }                                                                            \
    }

/* arithmetic with wrap-around for signed types: U is the unsigned twin */
#define INT_KERNELS(sfx, T, U)                                                       \
    KERNEL(sum_##sfx, T, (T)((U)a + (U)b))                                           \
    KERNEL(prod_##sfx, T, (T)((U)a * (U)b))                                          \
    KERNEL(min_##sfx, T, a < b ? a : b)                                              \
    KERNEL(max_##sfx, T, a > b ? a : b)                                              \
    KERNEL(band_##sfx, T, (T)(a & b))                                                \
    KERNEL(bor_##sfx, T, (T)(a | b))                                                 \
    KERNEL(bxor_##sfx, T, (T)(a ^ b))                                                \
    KERNEL(land_##sfx, T, (T)(a && b))                                               \
    KERNEL(lor_##sfx, T, (T)(a || b))

#define FLOAT_KERNELS(sfx, T)                                                        \
    KERNEL(sum_##sfx, T, a + b)                                                      \
    KERNEL(prod_##sfx, T, a * b)                                                     \
    KERNEL(min_##sfx, T, a < b ? a : b)                                              \
    KERNEL(max_##sfx, T, a > b ? a : b)

/* the extreme value; on equal values the smaller index */
#define LOC_KERNELS(sfx, T)                                                          \
    KERNEL(minloc_##sfx, T,                                                          \
           (a.value < b.value || (a.value == b.value && a.index < b.index)) ? a : b) \
    KERNEL(maxloc_##sfx, T,                                                          \
           (a.value > b.value || (a.value == b.value && a.index < b.index)) ? a : b)

INT_KERNELS(i8, int8_t, uint8_t)
INT_KERNELS(i16, int16_t, uint16_t)
INT_KERNELS(i32, int32_t, uint32_t)
INT_KERNELS(i64, int64_t, uint64_t)
INT_KERNELS(u8, uint8_t, uint8_t)
INT_KERNELS(u16, uint16_t, uint16_t)
INT_KERNELS(u32, uint32_t, uint32_t)
INT_KERNELS(u64, uint64_t, uint64_t)
FLOAT_KERNELS(f32, float)
FLOAT_KERNELS(f64, double)
KERNEL(band_byte, uint8_t, (uint8_t)(a & b))
KERNEL(bor_byte, uint8_t, (uint8_t)(a | b))
KERNEL(bxor_byte, uint8_t, (uint8_t)(a ^ b))
LOC_KERNELS(i32x, floc_int32_index_t)
LOC_KERNELS(i64x, floc_int64_index_t)
LOC_KERNELS(f32x, floc_float_index_t)
LOC_KERNELS(f64x, floc_double_index_t)

#define INT_ROW(sfx, x)                                                                    \
    {[FLOC_SUM] = sum_##sfx##x, [FLOC_PROD] = prod_##sfx##x, [FLOC_MIN] = min_##sfx##x,    \
     [FLOC_MAX] = max_##sfx##x, [FLOC_BAND] = band_##sfx##x, [FLOC_BOR] = bor_##sfx##x,    \
     [FLOC_BXOR] = bxor_##sfx##x, [FLOC_LAND] = land_##sfx##x, [FLOC_LOR] = lor_##sfx##x}
#define FLOAT_ROW(sfx, x)                                                                  \
    {[FLOC_SUM] = sum_##sfx##x, [FLOC_PROD] = prod_##sfx##x, [FLOC_MIN] = min_##sfx##x,    \
     [FLOC_MAX] = max_##sfx##x}
#define LOC_ROW(sfx, x) {[FLOC_MINLOC] = minloc_##sfx##x, [FLOC_MAXLOC] = maxloc_##sfx##x}
#define BYTE_ROW(x) {[FLOC_BAND] = band_byte##x, [FLOC_BOR] = bor_byte##x, [FLOC_BXOR] = bxor_byte##x}
/* the table of one form (x: nothing, in place; _to, into a third array) */
#define TABLE(x)                                                                           \
    {                                                                                      \
        [FLOC_INT8] = INT_ROW(i8, x),     [FLOC_INT16] = INT_ROW(i16, x),                  \
        [FLOC_INT32] = INT_ROW(i32, x),   [FLOC_INT64] = INT_ROW(i64, x),                  \
        [FLOC_UINT8] = INT_ROW(u8, x),    [FLOC_UINT16] = INT_ROW(u16, x),                 \
        [FLOC_UINT32] = INT_ROW(u32, x),  [FLOC_UINT64] = INT_ROW(u64, x),                 \
        [FLOC_FLOAT] = FLOAT_ROW(f32, x), [FLOC_DOUBLE] = FLOAT_ROW(f64, x),               \
        [FLOC_BYTE] = BYTE_ROW(x),                                                         \
        [FLOC_INT32_INDEX] = LOC_ROW(i32x, x), [FLOC_INT64_INDEX] = LOC_ROW(i64x, x),      \
        [FLOC_FLOAT_INDEX] = LOC_ROW(f32x, x), [FLOC_DOUBLE_INDEX] = LOC_ROW(f64x, x),     \
    }

/* Which (type, op) pairs exist is this table: a NULL entry is refused. */
static const floc_reduce_fn kernels[FLOC_DTYPE_COUNT][FLOC_OP_COUNT] = TABLE();
static const floc_reduce_to_fn kernels_to[FLOC_DTYPE_COUNT][FLOC_OP_COUNT] = TABLE(_to);

floc_reduce_to_fn floc_reduce_kernel_to(floc_dtype_t dt, floc_op_t op)
{
    if ((unsigned)dt >= FLOC_DTYPE_COUNT || (unsigned)op >= FLOC_OP_COUNT)
        return NULL;
    return kernels_to[dt][op];
}

floc_reduce_fn floc_reduce_kernel(floc_dtype_t dt, floc_op_t op)
{
    if ((unsigned)dt >= FLOC_DTYPE_COUNT || (unsigned)op >= FLOC_OP_COUNT)
        return NULL;
    return kernels[dt][op];
}

int floc_reduce_check(floc_dtype_t dt, floc_op_t op, const char *func)
{
    if ((unsigned)dt >= FLOC_DTYPE_COUNT) {
        FLOC_WARN(FLOC_LOG_API, "%s: dtype %d is not a floc_dtype_t", func, (int)dt);
        return FLOC_ERR_INVALID;
    }
    if ((unsigned)op >= FLOC_OP_COUNT) {
        FLOC_WARN(FLOC_LOG_API, "%s: op %d is not a floc_op_t", func, (int)op);
        return FLOC_ERR_INVALID;
    }
    if (!kernels[dt][op]) {
        FLOC_WARN(FLOC_LOG_API, "%s: %s is not defined for %s", func, floc_op_name(op),
                  floc_dtype_name(dt));
        return FLOC_ERR_INVALID;
    }
    return 0;
}

int floc_reduce_local(const void *in, void *inout, size_t count, floc_dtype_t dt, floc_op_t op)
{
    int ret = floc_reduce_check(dt, op, __func__);
    if (ret)
        return ret;
    if (count && (!in || !inout))
        return FLOC_INVALID("%s is NULL", in ? "inout" : "in");
    if (count > SIZE_MAX / (size_t)floc_dtype_size(dt))
        return FLOC_INVALID("count %zu overflows the address space", count);
    if (count)
        kernels[dt][op](in, inout, count);
    return 0;
}

/* identity of op for one integer type T (U its unsigned twin): MIN starts
 * at the largest value, MAX at the smallest, BAND at all ones */
#define INT_IDENTITY(T, U, TMIN, TMAX)                                               \
    do {                                                                             \
        T v = 0;                                                                     \
        switch (op) {                                                                \
        case FLOC_PROD: case FLOC_LAND: v = 1; break;                                \
        case FLOC_MIN: v = TMAX; break;                                              \
        case FLOC_MAX: v = TMIN; break;                                              \
        case FLOC_BAND: v = (T)(U)~(U)0; break;                                      \
        default: break;                                                              \
        }                                                                            \
        memcpy(out, &v, sizeof v);                                                   \
    } while (0)

/* floating point: SUM starts at -0.0 so that a sum of only -0.0 stays -0.0 */
#define FLOAT_IDENTITY(T)                                                            \
    do {                                                                             \
        T v = op == FLOC_SUM ? (T)-0.0 : op == FLOC_PROD ? (T)1                      \
              : op == FLOC_MIN ? (T)INFINITY : (T)-INFINITY;                         \
        memcpy(out, &v, sizeof v);                                                   \
    } while (0)

/* pairs: the extreme value, with an index that loses every tie */
#define LOC_IDENTITY(T, VMIN, VMAX)                                                  \
    do {                                                                             \
        T v = {op == FLOC_MINLOC ? VMAX : VMIN, INT64_MAX};                          \
        memcpy(out, &v, sizeof v);                                                   \
    } while (0)

int floc_reduce_identity(floc_dtype_t dt, floc_op_t op, void *out)
{
    if ((unsigned)dt >= FLOC_DTYPE_COUNT || (unsigned)op >= FLOC_OP_COUNT || !kernels[dt][op])
        return FLOC_ERR_INVALID;
    switch (dt) {
    case FLOC_INT8: INT_IDENTITY(int8_t, uint8_t, INT8_MIN, INT8_MAX); break;
    case FLOC_INT16: INT_IDENTITY(int16_t, uint16_t, INT16_MIN, INT16_MAX); break;
    case FLOC_INT32: INT_IDENTITY(int32_t, uint32_t, INT32_MIN, INT32_MAX); break;
    case FLOC_INT64: INT_IDENTITY(int64_t, uint64_t, INT64_MIN, INT64_MAX); break;
    case FLOC_UINT8: INT_IDENTITY(uint8_t, uint8_t, 0, UINT8_MAX); break;
    case FLOC_UINT16: INT_IDENTITY(uint16_t, uint16_t, 0, UINT16_MAX); break;
    case FLOC_UINT32: INT_IDENTITY(uint32_t, uint32_t, 0, UINT32_MAX); break;
    case FLOC_UINT64: INT_IDENTITY(uint64_t, uint64_t, 0, UINT64_MAX); break;
    case FLOC_BYTE: INT_IDENTITY(uint8_t, uint8_t, 0, UINT8_MAX); break;
    case FLOC_FLOAT: FLOAT_IDENTITY(float); break;
    case FLOC_DOUBLE: FLOAT_IDENTITY(double); break;
    case FLOC_INT32_INDEX: LOC_IDENTITY(floc_int32_index_t, INT32_MIN, INT32_MAX); break;
    case FLOC_INT64_INDEX: LOC_IDENTITY(floc_int64_index_t, INT64_MIN, INT64_MAX); break;
    case FLOC_FLOAT_INDEX: LOC_IDENTITY(floc_float_index_t, -INFINITY, INFINITY); break;
    case FLOC_DOUBLE_INDEX: LOC_IDENTITY(floc_double_index_t, -INFINITY, INFINITY); break;
    default: return FLOC_ERR_INVALID;
    }
    return 0;
}
