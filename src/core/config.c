/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - the FLOC_* variables: one table (name, kind, default,
 * accepted values, what it does), their parsing and their defaults.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* the log's and the Python package's variables are parsed where they are
 * used; their checks, for floc-info and the tests */
static int check_level(const char *v)
{
    floc_log_level_t l;
    return floc_log_parse_level(v, &l);
}

static int check_subsys(const char *v)
{
    unsigned m;
    return floc_log_parse_subsys(v, &m);
}

static int check_bool(const char *v)
{
    int b;
    return floc_config_parse_bool(v, &b);
}

#define FIELD(f) offsetof(floc_config_t, f), sizeof(((floc_config_t *)0)->f)
#define NO_FIELD SIZE_MAX, 0
#define ALGO(NAME, kind, k)                                                                        \
    {"FLOC_" #NAME "_ALGO", "coll", FLOC_SET_NAME, "auto",                                         \
     "an algorithm of " kind " (floc-info --all lists them)",                                      \
     "force the " kind " algorithm (auto: the rules choose by size, docs/coll.md)",                \
     FIELD(coll_algo[k]), 0, 0, 0, NULL, 0}

/*
 * Every FLOC_* variable, once: what floc_config_load parses, what its
 * refusals say, what floc-info, the README's table and floc(7) show.
 * A default is a value the setting's own parser takes ("auto": decided
 * at run time, from the machine and the job).
 */
static const floc_setting_t settings[] = {
    {"FLOC_PROVIDER", "fabric", FLOC_SET_NAME, "auto",
     "a libfabric provider, e.g. shm, tcp;ofi_rxm, verbs;ofi_rxm",
     "the libfabric provider between localities (auto: shm on one node, else the best "
     "inter-node one)", FIELD(provider), 0, 0, 0, NULL, 0},
    {"FLOC_NODE_PROVIDER", "fabric", FLOC_SET_NAME, "shm", "a provider name, or none",
     "the provider between the localities of one node in a job of several nodes (none: the "
     "inter-node one for all)", FIELD(node_provider), 0, 0, 0, NULL, 0},
    {"FLOC_BIND", "core", FLOC_SET_CHOICE, "auto", "auto, none, core or socket",
     "where each locality is bound (auto: a share of the cores, unless oversubscribed or "
     "bound by the launcher)", FIELD(bind), 0, 0, 0, NULL, 0},
    {"FLOC_PROGRESS", "core", FLOC_SET_CHOICE, "inline", "inline or thread",
     "who drives communication: the calls (inline) or a progress thread pinned in the "
     "locality", FIELD(progress), 0, 0, 0, NULL, 0},
    {"FLOC_WAIT_TIMEOUT", "core", FLOC_SET_SECONDS, "0", "seconds, e.g. 30, 500ms, 2m",
     "longest blocking wait before FLOC_ERR_TIMEOUT (0: none)", FIELD(wait_timeout), 0, 0, 0,
     NULL, 0},
    {"FLOC_FINALIZE_TIMEOUT", "core", FLOC_SET_SECONDS, "10", "seconds, e.g. 10, 500ms",
     "bound on floc_finalize's synchronisation", FIELD(finalize_timeout), 0, 0, 0, NULL, 0},
    {"FLOC_PEER_TIMEOUT", "fabric", FLOC_SET_SECONDS, "5",
     "0 (off) or seconds from 0.1, e.g. 5, 500ms",
     "a peer silent this long is lost: every pending and later operation with it returns "
     "FLOC_ERR_PEER_LOST (heartbeats, docs/core.md)", FIELD(peer_timeout), 0, 0, 0, NULL,
     FLOC_PEER_TIMEOUT_MIN},
    {"FLOC_SPIN", "core", FLOC_SET_UINT, "auto", "a count of polls, 0..100000000, or auto",
     "polls before a wait starts yielding the core (auto: 2000 or 20 us, whichever comes "
     "first; none when oversubscribed)",
     FIELD(spin_count), 0, 100000000ull, FLOC_SPIN_AUTO, NULL, 0},
    {"FLOC_MR_CACHE", "fabric", FLOC_SET_BOOL, "1", "0 or 1",
     "cache memory registrations between calls", FIELD(mr_cache), 0, 1, 0, NULL, 0},
    {"FLOC_MR_CACHE_SIZE", "fabric", FLOC_SET_UINT, "64", "entries, 1..1048576",
     "registrations the cache keeps", FIELD(mr_cache_entries), 1, 1u << 20, 0, NULL, 0},
    {"FLOC_NODE_COLL_MAX", "node", FLOC_SET_UINT, "auto", "bytes, 0 (off)..65536, or auto",
     "buffer size of the node segment: largest collective through it (auto: 65536, 8192 "
     "beyond 64 localities on a node)", FIELD(node_coll_max), 0, 1u << 16,
     FLOC_NODE_COLL_MAX_AUTO, NULL, 0},
    {"FLOC_NODE_P2P", "node", FLOC_SET_BOOL, "1", "0 or 1",
     "messages between the localities of a node through the node segment (0: through the "
     "fabric's shm provider; docs/p2p.md)", FIELD(node_p2p), 0, 1, 0, NULL, 0},
    {"FLOC_MSG_CREDIT", "fabric", FLOC_SET_UINT, "256", "messages, 0 (none)..1048576",
     "user messages a locality may send through the fabric to another before that one's "
     "receives take them; later ones wait (0: the provider's own bounds; docs/p2p.md)",
     FIELD(msg_credit), 0, 1u << 20, 0, NULL, 0},
    {"FLOC_CHECK", "coll", FLOC_SET_BOOL, "0", "0 or 1",
     "every collective first checks that the localities called it alike (FLOC_ERR_MISMATCH "
     "instead of a hang or wrong data)", FIELD(check), 0, 1, 0, NULL, 0},
    {"FLOC_TEAM_SEGMENT", "team", FLOC_SET_BOOL, "1", "0 or 1",
     "teams open group segments for their small collectives (0: this locality does not, "
     "and its teams go through the fabric; docs/teams.md)", FIELD(team_segment), 0, 1, 0,
     NULL, 0},
    {"FLOC_THREADS", "exec", FLOC_SET_UINT, "auto", "worker threads per locality, 1..1024, or auto",
     "worker threads of the partitioned-vector algorithms (auto: one per core of the "
     "locality's binding, 1 when oversubscribed)", FIELD(threads), 1, 1024, 0, NULL, 0},
    ALGO(BARRIER, "barrier", 0), ALGO(BCAST, "broadcast", 1), ALGO(ALLREDUCE, "allreduce", 2),
    ALGO(REDUCE, "reduce", 3), ALGO(GATHER, "gather", 4), ALGO(SCATTER, "scatter", 5),
    ALGO(ALLGATHER, "allgather", 6), ALGO(ALLTOALL, "alltoall", 7),
    ALGO(REDUCE_SCATTER, "reduce_scatter", 8), ALGO(SCAN, "scan", 9), ALGO(EXSCAN, "exscan", 10),
    ALGO(GATHERV, "gatherv", 11), ALGO(SCATTERV, "scatterv", 12),
    ALGO(ALLGATHERV, "allgatherv", 13), ALGO(ALLTOALLV, "alltoallv", 14),
    {"FLOC_PROFILE", "core", FLOC_SET_CHOICE, "off", "off, summary (or 1) or each",
     "at floc_finalize, a profile per operation (calls, bytes, time, algorithms by size, time "
     "waiting): summary: the job's, from locality 0; each: every locality its own",
     FIELD(profile), 0, 0, 0, NULL, 0},
    {"FLOC_PROFILE_FILE", "core", FLOC_SET_NAME, "auto", "a file name (.json: JSON, else CSV)",
     "also write the profile there (each: one file per locality, .<id> appended; auto: none)",
     FIELD(profile_file), 0, 0, 0, NULL, 0},
    {"FLOC_PROFILE_SAMPLE", "core", FLOC_SET_UINT, "64", "1..1048576",
     "the profile times 1 call in this many of each fast operation (1: every call; calls "
     "over 5 us are always timed)", FIELD(profile_sample), 1, 1u << 20, 0, NULL, 0},
    {"FLOC_LOG_LEVEL", "log", FLOC_SET_OTHER, "warn", "none, error, warn, info, debug or trace",
     "what floc logs to stderr", NO_FIELD, 0, 0, 0, check_level, 0},
    {"FLOC_LOG_SUBSYS", "log", FLOC_SET_OTHER, "all",
     "all, or names among core, pmix, fabric, topo, coll, pv, exec, api, comma-separated",
     "which parts of floc log", NO_FIELD, 0, 0, 0, check_subsys, 0},
    {"FLOC_PY_CHECKS", "python", FLOC_SET_OTHER, "1", "0 or 1",
     "the Python package checks that the localities passed alike shapes, dtypes and roots "
     "before each collective (docs/python.md)", NO_FIELD, 0, 0, 0, check_bool, 0},
};
#undef ALGO
#undef FIELD
#undef NO_FIELD

_Static_assert(sizeof settings / sizeof settings[0] == 22 + FLOC_CONFIG_COLL_KINDS,
               "one FLOC_<COLL>_ALGO per collective kind");

const floc_setting_t *floc_config_settings(size_t *n)
{
    *n = sizeof settings / sizeof settings[0];
    return settings;
}

const floc_setting_t *floc_config_setting(const char *name)
{
    for (size_t i = 0; name && i < sizeof settings / sizeof settings[0]; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

/* the first algorithm variable: kind k is settings[algo_first() + k]
 * (found by name: a setting added above them cannot shift it) */
static size_t algo_first(void)
{
    size_t i = 0;
    while (strcmp(settings[i].name, "FLOC_BARRIER_ALGO") != 0)
        i++;
    return i;
}

const char *floc_config_algo_var(int kind)
{
    return kind >= 0 && kind < FLOC_CONFIG_COLL_KINDS ? settings[algo_first() + (size_t)kind].name
                                                      : "FLOC_?_ALGO";
}

static const char *const profile_names[] = {"off", "summary", "each"};

static int parse_profile(const char *v, int *out)
{
    int b;
    if (floc_config_parse_bool(v, &b) == 0) {   /* 0/1, off/on... */
        *out = b ? FLOC_PROFILE_SUMMARY : FLOC_PROFILE_OFF;
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (strcasecmp(v, profile_names[i]) == 0) {
            *out = i;
            return 0;
        }
    return FLOC_ERR_INVALID;
}

static int parse_choice(const floc_setting_t *s, const char *v, void *field)
{
    if (strcmp(s->name, "FLOC_BIND") == 0)
        return floc_config_parse_bind(v, field);
    if (strcmp(s->name, "FLOC_PROFILE") == 0)
        return parse_profile(v, field);
    return floc_config_parse_progress(v, field);
}

int floc_config_set(floc_config_t *cfg, const floc_setting_t *s, const char *v)
{
    if (!cfg || !s || !v)
        return FLOC_ERR_INVALID;
    if (s->kind == FLOC_SET_OTHER)
        return s->check ? s->check(v) : 0;
    void *field = (char *)cfg + s->offset;
    const int is_auto = strcasecmp(v, "auto") == 0 && strcmp(s->def, "auto") == 0;
    unsigned long long u;
    double d;
    switch (s->kind) {
    case FLOC_SET_NAME:
        if (is_auto)
            v = "";
        if (strlen(v) >= s->size)
            return FLOC_ERR_INVALID;
        strcpy(field, v);
        return 0;
    case FLOC_SET_BOOL:
        return floc_config_parse_bool(v, field);
    case FLOC_SET_CHOICE:
        return parse_choice(s, v, field);
    case FLOC_SET_SECONDS:
        if (floc_config_parse_seconds(v, &d) || (d > 0 && d < s->least))
            return FLOC_ERR_INVALID;
        *(double *)field = d;
        return 0;
    case FLOC_SET_UINT:
        if (is_auto)
            u = s->auto_value;
        else if (floc_config_parse_uint(v, s->max, &u) || u < s->min)
            return FLOC_ERR_INVALID;
        if (s->size == sizeof(unsigned))
            *(unsigned *)field = (unsigned)u;
        else
            *(size_t *)field = (size_t)u;
        return 0;
    default:
        return FLOC_ERR_INVALID;
    }
}

void floc_config_format(const floc_config_t *cfg, const floc_setting_t *s, char *buf, size_t len)
{
    const void *field = (const char *)cfg + s->offset;
    switch (s->kind) {
    case FLOC_SET_NAME:
        snprintf(buf, len, "%s", *(const char *)field ? (const char *)field : "auto");
        return;
    case FLOC_SET_BOOL:
        snprintf(buf, len, "%d", *(const int *)field);
        return;
    case FLOC_SET_CHOICE:
        if (strcmp(s->name, "FLOC_PROFILE") == 0) {
            const int v = *(const int *)field;
            snprintf(buf, len, "%s", v >= 0 && v < 3 ? profile_names[v] : "?");
        } else if (strcmp(s->name, "FLOC_BIND") == 0) {
            static const char *const b[] = {"auto", "none", "core", "socket"};
            const int v = (int)*(const floc_bind_t *)field;
            snprintf(buf, len, "%s",
                     v >= FLOC_BIND_AUTO && v <= FLOC_BIND_SOCKET ? b[v - FLOC_BIND_AUTO] : "?");
        } else {
            snprintf(buf, len, "%s",
                     *(const floc_progress_mode_t *)field == FLOC_PROGRESS_THREAD ? "thread"
                                                                                 : "inline");
        }
        return;
    case FLOC_SET_SECONDS:
        snprintf(buf, len, "%g", *(const double *)field);
        return;
    case FLOC_SET_UINT: {
        const unsigned long long u = s->size == sizeof(unsigned) ? *(const unsigned *)field
                                                                 : *(const size_t *)field;
        if (strcmp(s->def, "auto") == 0 && u == s->auto_value)
            snprintf(buf, len, "auto");
        else
            snprintf(buf, len, "%llu", u);
        return;
    }
    default:
        snprintf(buf, len, "%s", "");
    }
}

int floc_config_load(floc_config_t *cfg, floc_getenv_fn get, void *arg, const floc_attr_t *attr)
{
    if (!cfg || !get)
        return FLOC_ERR_INVALID;
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const floc_setting_t *s = &settings[i];
        if (s->kind == FLOC_SET_OTHER)
            continue;   /* (read where it is used) */
        (void)floc_config_set(cfg, s, s->def);   /* (every default parses: unit.core) */
        const char *v = get(s->name, arg);
        if (v && *v && floc_config_set(cfg, s, v)) {
            FLOC_ERROR(FLOC_LOG_CORE, "%s=\"%s\" is not valid (expected %s)", s->name, v,
                       s->accepts);
            return FLOC_ERR_INVALID;
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
