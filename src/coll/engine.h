/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.h - the collectives' state in a context, the transport they
 * post through, and the request engine's entry for the public calls.
 * Internal to src/coll (and to src/init.c, which makes and destroys it).
 */
#ifndef FLOC_COLL_ENGINE_H
#define FLOC_COLL_ENGINE_H

#include "coll.h"
#include "select.h"
#include "../core/config.h"
#include "../node/node.h"

struct floc_ctx;

/*
 * What the collectives need from the transport below: post a tagged
 * send or receive and a one-sided access, expose a buffer to the others'
 * one-sided access, and describe an op for the log.  Completion is the
 * request's (core/request.h): pending drops to 0, status says how it
 * went.  Caller holds the context lock.  The fabric stands behind it
 * (transport.c); another transport (a simulated one) can stand there
 * without the algorithms knowing.  ctx is the world, peer a locality id
 * (a world id), cid the context id of the team the message is for.
 */
typedef struct floc_coll_transport {
    int (*msg)(struct floc_ctx *ctx, int send, void *buf, size_t len, int peer, uint32_t cid,
               int tag, floc_request_t **out);
    int (*rma)(struct floc_ctx *ctx, int write, void *local, size_t len, int peer,
               const floc_rwin_t *win, uint64_t offset, floc_request_t **out);
    int (*expose)(struct floc_ctx *ctx, const void *buf, size_t len, int writable, void **handle,
                  floc_rwin_t *win);
    void (*unexpose)(struct floc_ctx *ctx, void *handle);
    void (*describe)(floc_request_t *req, char *buf, size_t len);
    /* A hierarchical collective's node step on a node without a segment:
     * this transport's own algorithm of kind among the node's localities,
     * or NULL (the fabric: a flat algorithm among them, hier.c).  NULL
     * for the fabric; the simulated job's (tests/sim) models the
     * segment's step. */
    const struct floc_coll_alg *(*node_step)(floc_coll_kind_t kind);
} floc_coll_transport_t;

extern const floc_coll_transport_t floc_coll_fabric_transport;

typedef struct floc_coll_state {
    unsigned seq;                 /* collectives called so far (same on every locality) */
    /* collectives started and not finished, oldest first; only the oldest
     * moves (engine.c) */
    floc_coll_req_t *active, *tail;
    const floc_coll_alg_t *forced[FLOC_COLL_KINDS];  /* FLOC_<COLL>_ALGO, NULL: the rules */
    const floc_coll_alg_t *ran[FLOC_COLL_KINDS];     /* the last call's (NULL: nothing to
                                                        exchange), floc_coll_last_algorithm */
    unsigned forced_warned;       /* kinds whose forced algorithm could not run (warned once) */
    floc_coll_where_t where;      /* where the job's collectives run (select.h) */
    /* the last choice of each kind, and the bytes it was for: a loop of
     * calls of one size chooses once (the rules cost ~0.05 us a call) */
    struct {
        size_t bytes;
        const floc_coll_alg_t *alg;
    } last[FLOC_COLL_KINDS];
    const floc_coll_transport_t *xport;
    /* one idle scratch buffer, kept for the next collective (floc_coll_tmp) */
    void *scratch;
    size_t scratch_len;
    /* tests/sim's projections (floc_coll_set_phantom): scratch shared by
     * every virtual locality, and no reductions: the times, not the data */
    void *phantom;
    size_t phantom_len;
    /* scratch of collectives abandoned with ops still in flight (lost
     * peer): a late completion may still write there, so it is freed
     * only after the endpoint is closed */
    void **graveyard;
    size_t graveyard_n;
    /* the node segment's protocols (shm/): collectives through its
     * buffers so far, the last one every other locality is done with
     * (cached), chunks through its pipelined area so far */
    uint64_t shm_seq, shm_all_done, pipe_seq;
    int *reps;                    /* hier.c: a reduce's representative of every node */
    /* where the context's localities sit (hier.c): the node layer's for
     * the world, team_at for a team */
    const floc_node_place_t *at;
    floc_node_place_t team_at;
    /* the segment the shared-memory algorithms (shm/) run on: the node
     * segment for the world's collectives, a team's group segment of its
     * localities on this node (NULL: none) */
    struct floc_node *seg;
    /* a team's group segment to open at its first blocking collective
     * that would run through it (group.c); NULL: none (any more) */
    struct floc_coll_group_plan *plan;
} floc_coll_state_t;

/* Check FLOC_<COLL>_ALGO names against the table (before the job is
 * joined: a bad name fails floc_init at once). */
int floc_coll_check_config(const floc_config_t *cfg);
/* Make ctx->coll (after the fabric and the node layer: it reads where
 * the job runs) and register the progress hook; fini after the fabric is
 * closed (the graveyard). */
int floc_coll_init(struct floc_ctx *ctx);
void floc_coll_fini(struct floc_ctx *ctx);
/* A team's collective state (src/team; after the team's node view,
 * ctx->node_of): its collectives run on the team's ranks through the
 * fabric, hierarchically when it spans nodes with several members on
 * one, and, once it opened the group segment of its members on this
 * node (group.c), through that too; fini is floc_coll_fini.  busy: 1
 * while it has collectives in flight. */
int floc_coll_team_init(struct floc_ctx *team);
/* group.c: plan the group segment of the team's p members on this node
 * (its name; this locality's index me; their world ids and counts of
 * splits, for the handshake); opened by floc_coll_group_maybe_open at
 * the first blocking call of kind and bytes that would run through it;
 * fini closes it. */
typedef struct floc_coll_group_plan floc_coll_group_plan_t;
int floc_coll_team_plan_segment(struct floc_ctx *team, const char *name, int p, int me,
                                const int *members, const uint64_t *tokens);
void floc_coll_group_maybe_open(struct floc_ctx *ctx, floc_coll_kind_t kind, size_t bytes);
void floc_coll_group_fini(struct floc_ctx *ctx);
int floc_coll_team_busy(const struct floc_ctx *team);

/* FLOC_CHECK (check.c): do the localities agree on this call of kind
 * (c: its arguments, checked)?  0, or FLOC_ERR_MISMATCH on every
 * locality with the difference logged (func: the public call). */
int floc_coll_check_agreement(const floc_coll_req_t *c, floc_coll_kind_t kind, const char *func);

/*
 * Start a checked collective (proto: its arguments and the job's view):
 * a request that is already complete when there is nothing to exchange
 * (alg NULL), else one on the active list with its first batch posted.
 * blocking: the blocking form is calling, which may run a shared-memory
 * algorithm inline (no request: *out = NULL) when nothing else is in
 * flight.  Only a call that passed its checks takes a sequence number,
 * so a refused call leaves the localities in step.
 */
int floc_coll_start(const floc_coll_req_t *proto, const floc_coll_alg_t *alg, floc_request_t **out,
                    int blocking);

/*
 * tests/sim's projections: ctx's collectives take their scratch from buf
 * (len bytes, shared by every virtual locality of the simulated job; a
 * larger need gets its own) and their reductions fold nothing
 * (floc_coll_phantom_reduce): the virtual time of the unmodified
 * algorithms at sizes whose data would not fit here.  NULL turns it off.
 */
void floc_coll_set_phantom(floc_ctx_t *ctx, void *buf, size_t len);
void floc_coll_phantom_reduce(const void *restrict in, void *restrict inout, size_t count);

#endif
