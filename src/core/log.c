/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c - leveled, per-subsystem logging to stderr.
 */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "floc.h"

static const char *const level_names[] = {"none", "error", "warn", "info", "debug", "trace"};
static const char *const subsys_names[FLOC_LOG_NSUBSYS] = {
    "core", "pmix", "fabric", "topo", "coll", "pv", "exec", "api"};

/* Written at init, read everywhere: relaxed atomics keep TSan and readers honest. */
static _Atomic int log_level = FLOC_LOG_WARN;
static _Atomic unsigned log_mask = ~0u;
static _Atomic int log_rank = -1;

int floc_log_parse_level(const char *s, floc_log_level_t *out)
{
    if (!s || !out)
        return FLOC_ERR_INVALID;
    for (int i = 0; i <= FLOC_LOG_TRACE; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (floc_log_level_t)i;
            return 0;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = FLOC_LOG_WARN;
        return 0;
    }
    return FLOC_ERR_INVALID;
}

/* The known names of s into *mask (even when some are unknown: then
 * FLOC_ERR_INVALID, and the unknown ones listed in `unknown`). */
static int parse_subsys(const char *s, unsigned *mask, char *unknown, size_t unknown_len)
{
    if (!s || !mask)
        return FLOC_ERR_INVALID;
    if (unknown && unknown_len)
        unknown[0] = '\0';
    unsigned m = 0;
    int bad = 0;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        if (n == 3 && strncasecmp(p, "all", 3) == 0) {
            m = ~0u;
            found = 1;
        }
        for (int i = 0; i < FLOC_LOG_NSUBSYS && !found; i++) {
            if (strlen(subsys_names[i]) == n && strncasecmp(p, subsys_names[i], n) == 0) {
                m |= 1u << i;
                found = 1;
            }
        }
        if (!found && n > 0) {
            bad = 1;
            if (unknown && unknown_len) {   /* the unknown names, for the warning */
                size_t used = strlen(unknown);
                snprintf(unknown + used, unknown_len - used, "%s%.*s", used ? ", " : "", (int)n, p);
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return bad ? FLOC_ERR_INVALID : 0;
}

int floc_log_parse_subsys(const char *s, unsigned *mask)
{
    return parse_subsys(s, mask, NULL, 0);
}

void floc_log_init(void)
{
    const char *lv = getenv("FLOC_LOG_LEVEL");
    const char *ss = getenv("FLOC_LOG_SUBSYS");
    floc_log_level_t level;
    unsigned mask;

    if (lv && *lv) {
        if (floc_log_parse_level(lv, &level) == 0)
            atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
        else
            fprintf(stderr, "floc: ignoring FLOC_LOG_LEVEL=%s (none|error|warn|info|debug|trace)\n",
                    lv);
    }
    if (ss && *ss) {
        char unknown[256];
        if (parse_subsys(ss, &mask, unknown, sizeof unknown)) {
            fprintf(stderr, "floc: FLOC_LOG_SUBSYS=%s: ignoring %s (known: all", ss, unknown);
            for (int i = 0; i < FLOC_LOG_NSUBSYS; i++)
                fprintf(stderr, ", %s", subsys_names[i]);
            fprintf(stderr, ")\n");
        }
        atomic_store_explicit(&log_mask, mask, memory_order_relaxed);
    }
}

void floc_log_set_rank(int rank)
{
    atomic_store_explicit(&log_rank, rank, memory_order_relaxed);
}

int floc_log_enabled(floc_log_level_t level, floc_log_subsys_t subsys)
{
    return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed) &&
           (atomic_load_explicit(&log_mask, memory_order_relaxed) & (1u << subsys));
}

int floc_log_invalid(const char *func, const char *fmt, ...)
{
    if (floc_log_enabled(FLOC_LOG_WARN, FLOC_LOG_API)) {
        char msg[768];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        /* name the public call the user made: the function itself when it
         * is one (floc_*), unless the message names it already */
        const int name = !strncmp(func, "floc_", 5) && strncmp(msg, "floc_", 5);
        floc_log_write(FLOC_LOG_WARN, FLOC_LOG_API, func, "%s%s%s", name ? func : "",
                       name ? ": " : "", msg);
    }
    return FLOC_ERR_INVALID;
}

void floc_log_write(floc_log_level_t level, floc_log_subsys_t subsys, const char *func,
                    const char *fmt, ...)
{
    char line[1024];
    int rank = atomic_load_explicit(&log_rank, memory_order_relaxed);
    int off;

    /* the C function that logs is for floc's developers: only at debug
     * and trace; what users see names the public call in the message */
    const int with_func = level >= FLOC_LOG_DEBUG;
    if (rank >= 0)
        off = snprintf(line, sizeof line, "floc[%d] %s %s: %s%s", rank, level_names[level],
                       subsys_names[subsys], with_func ? func : "", with_func ? ": " : "");
    else
        off = snprintf(line, sizeof line, "floc[pid %d] %s %s: %s%s", (int)getpid(),
                       level_names[level], subsys_names[subsys], with_func ? func : "",
                       with_func ? ": " : "");
    if (off < 0 || (size_t)off >= sizeof line)
        off = 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + off, sizeof line - (size_t)off - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)off + (n < 0 ? 0 : (size_t)n);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write(2) per line keeps lines of concurrent localities whole. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
