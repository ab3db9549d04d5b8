/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - FLOC_* environment variables, read once at context creation.
 *
 * Parsing is pure (a lookup function is passed in) so the unit tests can
 * feed it any environment.
 */
#ifndef FLOC_CONFIG_H
#define FLOC_CONFIG_H

#include <stddef.h>

#include "floc.h"

/* FLOC_SPIN unset: 2000 polls, or none when the node is oversubscribed
 * (spinning while the peer we wait for has no core only burns the quantum:
 * 4 localities on 2 cores, 8-byte allreduce 175 us with spinning, 7 us without) */
#define FLOC_SPIN_AUTO 0xffffffffu
#define FLOC_SPIN_DEFAULT 2000u

/* FLOC_PEER_TIMEOUT: long enough for a loaded node's scheduler, short
 * enough that a job with a dead locality ends in seconds */
#define FLOC_PEER_TIMEOUT_DEFAULT 5.0
#define FLOC_PEER_TIMEOUT_MIN 0.1

#define FLOC_CONFIG_COLL_KINDS 15
/* FLOC_NODE_COLL_MAX unset: the node segment sizes its buffers itself
 * (see src/node/segment.c) */
#define FLOC_NODE_COLL_MAX_AUTO ((size_t)-1)

typedef struct floc_config {
    char provider[64];          /* FLOC_PROVIDER; "" = automatic */
    char node_provider[64];     /* FLOC_NODE_PROVIDER: the node rail's (src/fabric), "none" */
    floc_bind_t bind;           /* FLOC_BIND */
    floc_progress_mode_t progress; /* FLOC_PROGRESS */
    double wait_timeout;        /* FLOC_WAIT_TIMEOUT, seconds, 0 = none */
    double finalize_timeout;    /* FLOC_FINALIZE_TIMEOUT, seconds */
    double peer_timeout;        /* FLOC_PEER_TIMEOUT, seconds: a peer silent this long is
                                   lost (src/fabric/liveness.c); 0 = no watcher */
    unsigned spin_count;        /* FLOC_SPIN: polls before a wait starts yielding */
    int mr_cache;               /* FLOC_MR_CACHE: 0/1 */
    size_t mr_cache_entries;    /* FLOC_MR_CACHE_SIZE */
    unsigned threads;           /* FLOC_THREADS: worker threads per locality, 0 = automatic */
    int check;                  /* FLOC_CHECK: every collective first checks that the
                                   localities called it alike (src/coll/check.c) */
    int team_segment;           /* FLOC_TEAM_SEGMENT: a team of one node opens a group
                                   segment (0: this locality answers no, docs/teams.md) */
    size_t node_coll_max;       /* FLOC_NODE_COLL_MAX: largest collective through the node
                                   segment, bytes; 0 = no segment, AUTO = its choice */
    /* FLOC_<COLL>_ALGO, in floc_coll_kind_t order: "" = automatic; names
     * are checked against the algorithm tables at floc_init */
    char coll_algo[FLOC_CONFIG_COLL_KINDS][32];
} floc_config_t;

typedef const char *(*floc_getenv_fn)(const char *name, void *arg);

/* Defaults, then the environment read through get, then attr (non-default
 * fields win).  Returns FLOC_ERR_INVALID naming the bad variable. */
int floc_config_load(floc_config_t *cfg, floc_getenv_fn get, void *arg, const floc_attr_t *attr);

/* The name of kind's FLOC_<COLL>_ALGO variable (kinds in the order of
 * the collectives' table, src/coll/coll.h). */
const char *floc_config_algo_var(int kind);

int floc_config_parse_bind(const char *s, floc_bind_t *out);
int floc_config_parse_progress(const char *s, floc_progress_mode_t *out);
/* Seconds as a decimal, with an optional unit suffix: ms, s, m. */
int floc_config_parse_seconds(const char *s, double *out);
int floc_config_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int floc_config_parse_bool(const char *s, int *out);

#endif
