/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simfab.h - a simulated job: P virtual localities in one process, each a
 * floc context of its own whose collectives run floc's unmodified
 * algorithm code (src/coll) over a simulated transport (engine.h's
 * floc_coll_transport_t) instead of libfabric.  A message is delivered
 * when its send meets its receive (same pair, context id and tag, in
 * order); sends up to SIMFAB_EAGER bytes complete at once (copied), larger
 * ones when matched (rendezvous, as the providers do), so an algorithm
 * that would deadlock on a real fabric deadlocks here too.  One-sided
 * accesses are copies in this address space.  Nothing runs in parallel:
 * the driver steps the localities in turn until every one is done, a
 * bounded number of rounds (a hang is a failure, not a hung test).
 */
#ifndef SIMFAB_H
#define SIMFAB_H

#include <stddef.h>
#include <stdint.h>

#include "floc.h"

#define SIMFAB_EAGER 16384

typedef struct simfab_job simfab_job_t;

/* P localities, `per_node` to a node.  The node segments are not
 * simulated: the flat algorithms run on this transport, and so do the
 * hierarchical ones (several nodes), their node steps as the fabric
 * algorithms hier.c runs on a node without a segment, each message
 * within a node priced alpha_node + n beta_node. */
simfab_job_t *simfab_job_new(int p, int per_node);
void simfab_job_free(simfab_job_t *job);
floc_ctx_t *simfab_ctx(simfab_job_t *job, int rank);
int simfab_size(const simfab_job_t *job);

/* May alg run in this job for `bytes` per locality (its flags against
 * where the job's collectives run: the nodes, no segment)? */
struct floc_coll_alg;
int simfab_usable(simfab_job_t *job, const struct floc_coll_alg *alg, size_t bytes);

/* What the rules take for kind at `bytes` per locality in this job (as
 * floc_coll_algorithm would say) */
const char *simfab_rules(simfab_job_t *job, int kind, size_t bytes);

/* Force kind's algorithm on every locality (NULL name: the rules choose) */
int simfab_force(simfab_job_t *job, int kind, const char *algorithm);

/* Step every locality's request until all complete: 0, or the first
 * failure; FLOC_ERR_TIMEOUT after `rounds` rounds without completion (a
 * hang).  reqs[r] is locality r's (NULL: nothing to wait for). */
int simfab_run(simfab_job_t *job, floc_request_t **reqs, long rounds);

/* messages delivered and bytes moved so far */
void simfab_traffic(const simfab_job_t *job, uint64_t *messages, uint64_t *bytes);

/*
 * Virtual time (Hockney/LogGP): a message of n bytes takes alpha + n beta
 * (within a node or between nodes), every operation posted costs its
 * locality `overhead`, each byte a reduction receives gamma; between
 * nodes a node's link carries one message at a time each way (its
 * outgoing and incoming n beta are serialised: contention).  Eager
 * messages leave when sent, rendezvous ones when both sides have posted
 * (plus alpha for the handshake).  Every simfab_run starts all
 * localities at time 0; simfab_time is when the last one finished.
 */
typedef struct simfab_model {
    double alpha_node, beta_node;   /* s, s per byte: within a node */
    double alpha_net, beta_net;     /* between nodes */
    double gamma;                   /* s per byte folded by a reduction */
    double overhead;                /* s per operation posted */
    /* a hierarchical collective's node step through the segment, modelled
     * (simnode.c): a handoff, and per byte through one locality */
    double alpha_seg, beta_seg;
} simfab_model_t;

void simfab_set_model(simfab_job_t *job, const simfab_model_t *model);
/* Projections of sizes whose data would not fit (scratch > 0): no
 * message or one-sided access moves its bytes, reductions fold nothing,
 * and every locality's collective scratch is one shared buffer of that
 * many bytes; the times are those of the full run (the algorithms' steps
 * and sizes do not depend on the data).  0 turns it off.  0 or NOMEM. */
int simfab_set_phantom(simfab_job_t *job, size_t scratch);
/* the collectives run next fold what they receive (gamma applies) */
void simfab_set_reduces(simfab_job_t *job, int reduces);
double simfab_time(const simfab_job_t *job);

#endif
