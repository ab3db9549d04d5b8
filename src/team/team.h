/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * team.h - teams (team.c) as the layer below floc_init sees them.  Internal.
 */
#ifndef FLOC_TEAM_H
#define FLOC_TEAM_H

struct floc_ctx;

/* Free every team of world still live (floc_finalize). */
void floc_team_fini_all(struct floc_ctx *world);

#endif
