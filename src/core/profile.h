/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * profile.h - FLOC_PROFILE: a profile of each run, per operation kind (the
 * calls, bytes, time, the algorithms by size, the time waiting), printed
 * at floc_finalize.  A tool like any other (floc/tool.h): it counts
 * every call and times 1 in FLOC_PROFILE_SAMPLE of the fast ones.
 * Internal: src/init.c starts it and gathers the localities' counts.
 */
#ifndef FLOC_CORE_PROFILE_H
#define FLOC_CORE_PROFILE_H

#include <stdint.h>

#include "config.h"

/* what a locality sends for the job's summary, per operation kind:
 * calls, bytes, estimated total ns, largest ns, timed calls */
#define FLOC_PROFILE_FIELDS 5
#define FLOC_PROFILE_WORDS (FLOC_PROFILE_FIELDS * FLOC_TOOL_OPS)

int floc_profile_start(const floc_config_t *cfg);
int floc_profile_running(void);
/* this process's counts, summed over its threads */
void floc_profile_pack(uint64_t out[FLOC_PROFILE_WORDS]);
/* stop counting (the counts stay for the report) */
void floc_profile_stop(void);
/* Print (stderr) and write (FLOC_PROFILE_FILE) a profile: packed is one
 * locality's counts (n = 1, its id `who`) or n localities' summed, with
 * the largest time of any (who = -1); the algorithms are this
 * process's.  Then forget everything. */
void floc_profile_report(const floc_config_t *cfg, int who, int n, const uint64_t *packed);

#endif
