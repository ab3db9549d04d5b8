/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h - floc's logger, the one piece of process-global state.
 *
 * FLOC_LOG_LEVEL=none|error|warn|info|debug|trace (default warn) and
 * FLOC_LOG_SUBSYS=core,fabric,pmix,topo,coll,... (default all) work like
 * libfabric's FI_LOG_LEVEL / FI_LOG_SUBSYS.  Lines go to stderr, prefixed
 * with the locality id once it is known.
 */
#ifndef FLOC_LOG_H
#define FLOC_LOG_H

#include <stdarg.h>

typedef enum {
    FLOC_LOG_NONE = 0,
    FLOC_LOG_ERROR,
    FLOC_LOG_WARN,
    FLOC_LOG_INFO,
    FLOC_LOG_DEBUG,
    FLOC_LOG_TRACE
} floc_log_level_t;

typedef enum {
    FLOC_LOG_CORE = 0,
    FLOC_LOG_PMIX,
    FLOC_LOG_FABRIC,
    FLOC_LOG_TOPO,
    FLOC_LOG_COLL,
    FLOC_LOG_PV,
    FLOC_LOG_EXEC,
    FLOC_LOG_API,     /* argument checks of public entry points */
    FLOC_LOG_NSUBSYS
} floc_log_subsys_t;

/* Reads FLOC_LOG_LEVEL / FLOC_LOG_SUBSYS; safe to call more than once. */
void floc_log_init(void);
/* Locality id shown in the prefix (-1: not known yet). */
void floc_log_set_rank(int rank);
int floc_log_enabled(floc_log_level_t level, floc_log_subsys_t subsys);
void floc_log_write(floc_log_level_t level, floc_log_subsys_t subsys, const char *func,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define FLOC_LOG_(lvl, sub, ...)                                                  \
    do {                                                                          \
        if (floc_log_enabled((lvl), (sub)))                                       \
            floc_log_write((lvl), (sub), __func__, __VA_ARGS__);                  \
    } while (0)

#define FLOC_ERROR(sub, ...) FLOC_LOG_(FLOC_LOG_ERROR, sub, __VA_ARGS__)
#define FLOC_WARN(sub, ...)  FLOC_LOG_(FLOC_LOG_WARN, sub, __VA_ARGS__)
#define FLOC_INFO(sub, ...)  FLOC_LOG_(FLOC_LOG_INFO, sub, __VA_ARGS__)
#define FLOC_DEBUG(sub, ...) FLOC_LOG_(FLOC_LOG_DEBUG, sub, __VA_ARGS__)
#define FLOC_TRACE(sub, ...) FLOC_LOG_(FLOC_LOG_TRACE, sub, __VA_ARGS__)

/* Log a bad argument of a public call and return FLOC_ERR_INVALID. */
int floc_log_invalid(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define FLOC_INVALID(...) floc_log_invalid(__func__, __VA_ARGS__)

/* Parsing helpers, exposed for the unit tests.  parse_subsys sets *mask
 * to the known names even when it returns FLOC_ERR_INVALID for others. */
int floc_log_parse_level(const char *s, floc_log_level_t *out);
int floc_log_parse_subsys(const char *s, unsigned *mask);

#endif
