/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * error.c - floc_strerror, generated from FLOC_ERRNO_MAP.
 */
#include "floc.h"

const char *floc_strerror(int err)
{
    switch (err) {
#define FLOC_STRERROR_CASE_(name, val, msg) case (val): return msg;
        FLOC_ERRNO_MAP(FLOC_STRERROR_CASE_)
#undef FLOC_STRERROR_CASE_
    default:
        return "unknown error";
    }
}
