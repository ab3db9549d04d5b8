/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - parsing and defaults of the FLOC_* variables.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

int floc_config_parse_bind(const char *s, floc_bind_t *out)
{
    static const struct { const char *name; floc_bind_t v; } names[] = {
        {"auto", FLOC_BIND_AUTO}, {"none", FLOC_BIND_NONE},
        {"core", FLOC_BIND_CORE}, {"socket", FLOC_BIND_SOCKET}};
    if (!s || !out)
        return FLOC_ERR_INVALID;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].v;
            return 0;
        }
    }
    return FLOC_ERR_INVALID;
}

int floc_config_parse_progress(const char *s, floc_progress_mode_t *out)
{
    if (!s || !out)
        return FLOC_ERR_INVALID;
    if (strcasecmp(s, "inline") == 0 || strcasecmp(s, "manual") == 0) {
        *out = FLOC_PROGRESS_INLINE;
        return 0;
    }
    if (strcasecmp(s, "thread") == 0) {
        *out = FLOC_PROGRESS_THREAD;
        return 0;
    }
    return FLOC_ERR_INVALID;
}

int floc_config_parse_seconds(const char *s, double *out)
{
    if (!s || !out || !*s)
        return FLOC_ERR_INVALID;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return FLOC_ERR_INVALID;
    if (strcmp(end, "ms") == 0)
        v /= 1000.0;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        v *= 60.0;
    else if (*end != '\0' && strcmp(end, "s") != 0)
        return FLOC_ERR_INVALID;
    if (v > 1e9)
        return FLOC_ERR_INVALID;
    *out = v;
    return 0;
}

int floc_config_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !out || !*s || *s == '-' || *s == '+')
        return FLOC_ERR_INVALID;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return FLOC_ERR_INVALID;
    *out = v;
    return 0;
}

int floc_config_parse_bool(const char *s, int *out)
{
    if (!s || !out)
        return FLOC_ERR_INVALID;
    if (!strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "true") ||
        !strcasecmp(s, "on")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "false") ||
        !strcasecmp(s, "off")) {
        *out = 0;
        return 0;
    }
    return FLOC_ERR_INVALID;
}

static const char *const algo_vars[FLOC_CONFIG_COLL_KINDS] = {
    "FLOC_BARRIER_ALGO", "FLOC_BCAST_ALGO", "FLOC_ALLREDUCE_ALGO", "FLOC_REDUCE_ALGO",
    "FLOC_GATHER_ALGO", "FLOC_SCATTER_ALGO", "FLOC_ALLGATHER_ALGO", "FLOC_ALLTOALL_ALGO",
    "FLOC_REDUCE_SCATTER_ALGO", "FLOC_SCAN_ALGO", "FLOC_EXSCAN_ALGO", "FLOC_GATHERV_ALGO",
    "FLOC_SCATTERV_ALGO", "FLOC_ALLGATHERV_ALGO", "FLOC_ALLTOALLV_ALGO"};

const char *floc_config_algo_var(int kind)
{
    return kind >= 0 && kind < FLOC_CONFIG_COLL_KINDS ? algo_vars[kind] : "FLOC_?_ALGO";
}

static int bad_var(const char *name, const char *value, const char *expected)
{
    FLOC_ERROR(FLOC_LOG_CORE, "%s=\"%s\" is not valid (expected %s)", name, value, expected);
    return FLOC_ERR_INVALID;
}

int floc_config_load(floc_config_t *cfg, floc_getenv_fn get, void *arg, const floc_attr_t *attr)
{
    const char *v;
    unsigned long long u;

    if (!cfg || !get)
        return FLOC_ERR_INVALID;
    memset(cfg, 0, sizeof *cfg);
    cfg->bind = FLOC_BIND_AUTO;
    cfg->progress = FLOC_PROGRESS_INLINE;
    cfg->wait_timeout = 0.0;
    cfg->finalize_timeout = 10.0;
    cfg->peer_timeout = FLOC_PEER_TIMEOUT_DEFAULT;
    cfg->spin_count = FLOC_SPIN_AUTO;
    cfg->team_segment = 1;
    cfg->mr_cache = 1;
    cfg->mr_cache_entries = 64;
    cfg->node_coll_max = FLOC_NODE_COLL_MAX_AUTO;
    strcpy(cfg->node_provider, "shm");

    if ((v = get("FLOC_PROVIDER", arg)) && *v) {
        if (strlen(v) >= sizeof cfg->provider)
            return bad_var("FLOC_PROVIDER", v, "a provider name shorter than 64 characters");
        strcpy(cfg->provider, v);
    }
    if ((v = get("FLOC_NODE_PROVIDER", arg)) && *v) {
        if (strlen(v) >= sizeof cfg->node_provider)
            return bad_var("FLOC_NODE_PROVIDER", v, "a provider name shorter than 64 characters");
        strcpy(cfg->node_provider, v);
    }
    if ((v = get("FLOC_BIND", arg)) && *v && floc_config_parse_bind(v, &cfg->bind))
        return bad_var("FLOC_BIND", v, "auto, none, core or socket");
    if ((v = get("FLOC_PROGRESS", arg)) && *v && floc_config_parse_progress(v, &cfg->progress))
        return bad_var("FLOC_PROGRESS", v, "inline or thread");
    if ((v = get("FLOC_WAIT_TIMEOUT", arg)) && *v &&
        floc_config_parse_seconds(v, &cfg->wait_timeout))
        return bad_var("FLOC_WAIT_TIMEOUT", v, "seconds, e.g. 30, 500ms, 2m");
    if ((v = get("FLOC_FINALIZE_TIMEOUT", arg)) && *v &&
        floc_config_parse_seconds(v, &cfg->finalize_timeout))
        return bad_var("FLOC_FINALIZE_TIMEOUT", v, "seconds, e.g. 10, 500ms");
    if ((v = get("FLOC_PEER_TIMEOUT", arg)) && *v &&
        (floc_config_parse_seconds(v, &cfg->peer_timeout) ||
         (cfg->peer_timeout > 0 && cfg->peer_timeout < FLOC_PEER_TIMEOUT_MIN)))
        return bad_var("FLOC_PEER_TIMEOUT", v, "0 (off) or seconds from 0.1, e.g. 5, 500ms");
    if ((v = get("FLOC_SPIN", arg)) && *v) {
        if (floc_config_parse_uint(v, 100000000ull, &u))
            return bad_var("FLOC_SPIN", v, "a count of polls, 0..100000000");
        cfg->spin_count = (unsigned)u;
    }
    if ((v = get("FLOC_MR_CACHE", arg)) && *v && floc_config_parse_bool(v, &cfg->mr_cache))
        return bad_var("FLOC_MR_CACHE", v, "0 or 1");
    if ((v = get("FLOC_MR_CACHE_SIZE", arg)) && *v) {
        if (floc_config_parse_uint(v, 1u << 20, &u) || u == 0)
            return bad_var("FLOC_MR_CACHE_SIZE", v, "entries, 1..1048576");
        cfg->mr_cache_entries = (size_t)u;
    }
    if ((v = get("FLOC_NODE_COLL_MAX", arg)) && *v) {
        if (floc_config_parse_uint(v, 1u << 16, &u))
            return bad_var("FLOC_NODE_COLL_MAX", v, "bytes, 0 (off)..65536");
        cfg->node_coll_max = (size_t)u;
    }
    if ((v = get("FLOC_CHECK", arg)) && *v && floc_config_parse_bool(v, &cfg->check))
        return bad_var("FLOC_CHECK", v, "0 or 1");
    if ((v = get("FLOC_TEAM_SEGMENT", arg)) && *v &&
        floc_config_parse_bool(v, &cfg->team_segment))
        return bad_var("FLOC_TEAM_SEGMENT", v, "0 or 1");
    if ((v = get("FLOC_THREADS", arg)) && *v) {
        if (floc_config_parse_uint(v, 1024, &u) || u == 0)
            return bad_var("FLOC_THREADS", v, "worker threads per locality, 1..1024");
        cfg->threads = (unsigned)u;
    }

    for (int k = 0; k < FLOC_CONFIG_COLL_KINDS; k++) {
        if ((v = get(algo_vars[k], arg)) && *v) {
            if (strlen(v) >= sizeof cfg->coll_algo[k])
                return bad_var(algo_vars[k], v, "an algorithm name");
            strcpy(cfg->coll_algo[k], v);
        }
    }

    if (attr) {
        if (attr->size > sizeof(floc_attr_t) || attr->size < sizeof(size_t))
            return FLOC_INVALID(
                "floc_init: attr->size %zu does not match this floc (%zu); use FLOC_ATTR_INIT",
                attr->size, sizeof(floc_attr_t));
#define FLOC_ATTR_HAS_(f) (attr->size >= offsetof(floc_attr_t, f) + sizeof attr->f)
        if (FLOC_ATTR_HAS_(thread_level) &&
            (attr->thread_level < FLOC_THREAD_SINGLE || attr->thread_level > FLOC_THREAD_MULTIPLE))
            return FLOC_INVALID("floc_init: attr->thread_level %d is unknown",
                                (int)attr->thread_level);
        if (FLOC_ATTR_HAS_(bind)) {
            if (attr->bind < FLOC_BIND_DEFAULT || attr->bind > FLOC_BIND_SOCKET)
                return FLOC_INVALID("floc_init: attr->bind %d is unknown", (int)attr->bind);
            if (attr->bind != FLOC_BIND_DEFAULT)
                cfg->bind = attr->bind;
        }
        if (FLOC_ATTR_HAS_(progress)) {
            if (attr->progress < FLOC_PROGRESS_DEFAULT || attr->progress > FLOC_PROGRESS_THREAD)
                return FLOC_INVALID("floc_init: attr->progress %d is unknown", (int)attr->progress);
            if (attr->progress != FLOC_PROGRESS_DEFAULT)
                cfg->progress = attr->progress;
        }
        if (FLOC_ATTR_HAS_(provider) && attr->provider) {
            if (strlen(attr->provider) >= sizeof cfg->provider)
                return FLOC_INVALID("floc_init: attr->provider is too long");
            strcpy(cfg->provider, attr->provider);
        }
        if (FLOC_ATTR_HAS_(wait_timeout)) {
            if (!(attr->wait_timeout >= 0.0) || attr->wait_timeout > 1e9)
                return FLOC_INVALID("floc_init: attr->wait_timeout %g is not a duration",
                                    attr->wait_timeout);
            if (attr->wait_timeout > 0.0)
                cfg->wait_timeout = attr->wait_timeout;
        }
#undef FLOC_ATTR_HAS_
    }
    return 0;
}
