/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/team.h - teams: contexts over some of the localities.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_TEAM_API_H
#define FLOC_TEAM_API_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Teams (MPI's communicators, OpenSHMEM's and UCC's teams)            */
/* ------------------------------------------------------------------ */
/*
 * A team is a floc_ctx_t over a subset of its parent's localities, ranked
 * 0..size-1 in it: floc_locality_id / floc_num_localities (and the node
 * queries) answer for the team, and every collective (blocking and
 * nonblocking), tagged message and partitioned vector made on it works
 * with team ranks.  Traffic on a team never matches a receive on another
 * team or on the parent (each team has its own context id in the
 * messages' tags), so a library can isolate its messages with floc_dup.
 * One-sided calls and memory registrations on a team are its world's (a
 * remote key names its owner by world id).
 *
 * A team shares its world's endpoint, node layer, heartbeats and progress:
 * making one costs one allgather over the parent (no endpoint, no address
 * exchange, no PMIx fence).  A team of one node runs its small
 * collectives through a shared-memory segment of its own, opened at its
 * first blocking collective that would use it; so on a team a blocking
 * collective must be matched by the blocking form at every member (as in
 * MPI), not by a nonblocking one.  A lost
 * locality fails the teams that contain it (FLOC_ERR_PEER_LOST), and the
 * world; the other teams keep working.  Teams of teams work.  A
 * locality may have up to 1023 teams at once.
 */

/* the color of a locality that joins no team in floc_split */
#define FLOC_UNDEFINED (-32766)

/*
 * Collective over parent: every locality passes a color (>= 0, or
 * FLOC_UNDEFINED) and a key; those with the same color form one team,
 * ranked by key, then by rank in parent.  *team is the new team, or NULL
 * for FLOC_UNDEFINED.  A bad color anywhere fails the call everywhere
 * (FLOC_ERR_INVALID, naming the locality).
 */
FLOC_API int floc_split(floc_ctx_t *parent, int color, int key, floc_ctx_t **team);
/* Collective over parent: a team of the same localities, in the same order. */
FLOC_API int floc_dup(floc_ctx_t *parent, floc_ctx_t **team);
/* Collective over parent: the team of parent's localities on this node. */
FLOC_API int floc_split_node(floc_ctx_t *parent, floc_ctx_t **team);
/*
 * Free a team (local: no communication).  FLOC_ERR_BUSY, naming what, while
 * a request on it is live or a partitioned vector made on it is not
 * destroyed; teams still live at floc_finalize are freed there.  The world is not a team: floc_finalize
 * ends it.
 */
FLOC_API int floc_team_free(floc_ctx_t *team);
/* The world id (floc_locality_id of floc_init's context) of rank of team;
 * FLOC_ERR_INVALID for a rank outside it. */
FLOC_API int floc_team_to_world(const floc_ctx_t *team, int rank);
/* The team's context id: the same at every locality of the team, and no
 * other live team of any of them has it (0: the world; disjoint teams may
 * share one).  An order of teams every member agrees on. */
FLOC_API int floc_team_id(const floc_ctx_t *team);

#ifdef __cplusplus
}
#endif
#endif
