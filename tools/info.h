/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * info.h - floc-info's parts: its options, the one writer of text or JSON
 * (info_out.c), the collectives' tables (info_coll.c), --job (info_job.c).
 */
#ifndef FLOC_INFO_H
#define FLOC_INFO_H

#include "core/config.h"

typedef struct info_opts {
    int all, json, job;
    const char *param;
    const char *settings_format;   /* markdown, man: the settings table alone */
    int shape_p, shape_nodes;      /* --shape: one more job shape for the choices */
} info_opts_t;

/* JSON output (json: on; json_first: no comma before the next member) */
extern int json;
extern int json_first;
void json_str(const char *s);
void json_key(const char *key);
void json_open(const char *key, char bracket);
void json_close(char bracket);
void json_kv(const char *key, const char *value);
void json_kv_int(const char *key, long long v);

/* every collective's algorithms and the rules' choice by size */
void info_collectives(const info_opts_t *o, const floc_config_t *cfg);
/* under a launcher: each locality's view, gathered and printed in order */
int info_job(void);

#endif
