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
/* ... and at most this long (seconds; FLOC_SPIN=auto only) */
#define FLOC_SPIN_TIME 20e-6

/* FLOC_PEER_TIMEOUT's default (config.c), 5 s: long enough for a loaded
 * node's scheduler, short enough that a job with a dead locality ends in
 * seconds; below this it would take a busy peer for a lost one */
#define FLOC_PEER_TIMEOUT_MIN 0.1

#define FLOC_CONFIG_COLL_KINDS 15
/* FLOC_NODE_COLL_MAX unset: the node segment sizes its buffers itself
 * (see src/node/segment.c) */
#define FLOC_NODE_COLL_MAX_AUTO ((size_t)-1)

enum { FLOC_PROFILE_OFF, FLOC_PROFILE_SUMMARY, FLOC_PROFILE_EACH };

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
    unsigned msg_credit;        /* FLOC_MSG_CREDIT: unreceived user messages per pair, fabric path */
    int node_p2p;               /* FLOC_NODE_P2P: messages between the localities of a node
                                   through the node segment (src/p2p/local.c), 0/1 */
    int profile;                /* FLOC_PROFILE: FLOC_PROFILE_OFF, _SUMMARY, _EACH (profile.c) */
    char profile_file[256];     /* FLOC_PROFILE_FILE: also written there (.json: JSON, else CSV) */
    unsigned profile_sample;    /* FLOC_PROFILE_SAMPLE: time 1 fast call in this many */
    /* FLOC_<COLL>_ALGO, in floc_coll_kind_t order: "" = automatic; names
     * are checked against the algorithm tables at floc_init */
    char coll_algo[FLOC_CONFIG_COLL_KINDS][32];
} floc_config_t;

typedef const char *(*floc_getenv_fn)(const char *name, void *arg);

/*
 * The settings table (config.c): every FLOC_* variable once.  It drives
 * floc_config_load, its refusals, floc-info, the README's table and
 * floc(7).
 */
typedef enum floc_setting_kind {
    FLOC_SET_NAME,      /* a name, shorter than its field */
    FLOC_SET_BOOL,      /* 0/1, yes/no, on/off, true/false */
    FLOC_SET_UINT,      /* an integer in [min, max] */
    FLOC_SET_SECONDS,   /* a duration: 30, 500ms, 2m */
    FLOC_SET_CHOICE,    /* one of the words `accepts` lists */
    FLOC_SET_OTHER,     /* read where it is used (the log, the Python package): check says */
} floc_setting_kind_t;

typedef struct floc_setting {
    const char *name;
    const char *subsystem;      /* the part of floc it belongs to */
    floc_setting_kind_t kind;
    const char *def;            /* the default, a value the setting takes ("auto": decided at
                                   run time) */
    const char *accepts;        /* the values it takes, as the refusal says */
    const char *what;           /* what it does, one line */
    size_t offset, size;        /* its field of floc_config_t (FLOC_SET_OTHER: none) */
    unsigned long long min, max;/* FLOC_SET_UINT's range */
    unsigned long long auto_value; /* FLOC_SET_UINT: the field's value for "auto" */
    int (*check)(const char *v);/* FLOC_SET_OTHER: 0 if v is valid */
    double least;               /* FLOC_SET_SECONDS: the shortest duration other than 0 */
} floc_setting_t;

const floc_setting_t *floc_config_settings(size_t *n);
/* the setting called name, NULL if none */
const floc_setting_t *floc_config_setting(const char *name);
/* Parse v as setting s into cfg (FLOC_SET_OTHER: only check it); 0 or
 * FLOC_ERR_INVALID, cfg unchanged then. */
int floc_config_set(floc_config_t *cfg, const floc_setting_t *s, const char *v);
/* s's value in cfg as text ("auto" where it is still to be decided) */
void floc_config_format(const floc_config_t *cfg, const floc_setting_t *s, char *buf, size_t len);

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
