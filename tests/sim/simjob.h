/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simjob.h - the simulated job's state, shared by its transport
 * (simfab.c) and its model of the node segment's steps (simnode.c).
 * Internal to tests/sim.
 */
#ifndef SIMJOB_H
#define SIMJOB_H

#include "simfab.h"
#include "coll/engine.h"
#include "core/ctx.h"
#include "node/node.h"

typedef struct entry {
    struct entry *next;
    int send, eager;         /* eager: a send complete already, its data in copy */
    floc_ctx_t *ctx;         /* whose request */
    floc_request_t *req;
    void *buf;               /* the sender's (rendezvous) or the receiver's buffer */
    void *copy;              /* an eager send's data */
    size_t len;
    double t;                /* virtual time it was posted */
    double arrive;           /* an eager send's: when its data is at the destination */
} entry_t;

typedef struct queue {
    struct queue *next;      /* in its bucket */
    uint64_t key;
    int src, dst;
    entry_t *head, *tail;
} queue_t;

struct simfab_job {
    int p;
    floc_ctx_t **ctx;
    int *node_of;
    /* per node: who is where, shared by its localities (each ctx's copy
     * differs in `me` only: p copies of O(p) arrays would be 2 GB at
     * 16384) */
    floc_node_place_t *places;
    int nodes;
    queue_t **buckets;
    size_t nbuckets;
    uint64_t messages, bytes;
    /* the localities with something new (a delivery, a completion) to
     * look at: a min-heap of ranks by the time it happened, each at most
     * once (in time order, so that the links are reserved in time order) */
    int *ready;
    unsigned char *queued;
    size_t ready_len;
    size_t *at;              /* where a queued locality is in ready */
    /* virtual time (simfab_set_model) */
    int timed, reduces;
    /* simfab_set_phantom: no payload moved, the collectives' scratch
     * shared (the times only) */
    void *phantom;
    size_t phantom_len;
    simfab_model_t model;
    double *clock;           /* per locality: when it can act next */
    double *due;             /* per locality: when its completed operations were done */
    double *nic_out, *nic_in;/* per node: when its link is free, each way */
    double finish;
    /* the node steps (simnode.c): per locality, how many it started; per
     * node, those under way */
    uint64_t *node_steps;
    struct node_step **node_pending;
};

/* the operation of locality r is done at t (its place in the ready heap
 * follows) */
void simfab_done_at(simfab_job_t *job, int r, double t);
/* r has something new to look at: it is stepped (in time order) */
void simfab_make_ready(simfab_job_t *job, int r);

/* simnode.c: the transport's node_step (engine.h) */
const floc_coll_alg_t *simfab_node_step(floc_coll_kind_t kind);
void simfab_node_free(simfab_job_t *job);

#endif
