/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * error.c - floc_strerror, generated from FLOC_ERRNO_MAP, and the
 * library's version.
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

_Static_assert(FLOC_VERSION_MAJOR == FLOC_BUILD_MAJOR && FLOC_VERSION_MINOR == FLOC_BUILD_MINOR,
               "include/floc.h's version is the project's (CMakeLists.txt)");

unsigned floc_version(void)
{
    return FLOC_API_VERSION;
}

const char *floc_version_string(void)
{
    return FLOC_VERSION_STRING;
}
