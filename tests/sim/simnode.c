/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simnode.c - the node segment's steps of the hierarchical collectives,
 * modelled (simjob.h, the transport's node_step): barrier, broadcast,
 * reduce, gather and scatter among the localities of one virtual node.
 *
 * A real node step is one handoff through the segment: every locality
 * writes what it brings, waits for what it needs, reads it.  Here each
 * locality arrives with its view (buffers, root, count); the last to
 * arrive does the whole step for all of them at once (the copies and the
 * folds, in locality order as the segment's reductions fold), and every
 * one of them is done at
 *
 *   T = the last arrival + alpha_seg + (bytes moved through one locality) beta_seg
 *       (+ n gamma for a reduction)
 *
 * with, n bytes per locality and q localities on the node: barrier
 * alpha_seg; broadcast 2 n (the root's copy in, each reader's out);
 * reduce 2 n and n gamma (each writes n, the pipeline splits the fold q
 * ways, the root reads n); gather and scatter n + q n (the root moves
 * the q blocks).  Node steps start in the same order on every locality
 * of a node (the engine moves the oldest collective only), so the k-th
 * node step a locality starts is the k-th of its node-mates too.
 */
#include <stdlib.h>
#include <string.h>

#include "simjob.h"

typedef struct node_step {
    struct node_step *next;
    uint64_t id;              /* the node's k-th step */
    int q, arrived, left;     /* localities; arrived; yet to see it done */
    int done;
    double t;                 /* the last arrival; then when it is done */
    floc_coll_req_t **reqs;   /* by index on the node */
    floc_coll_view_t *views;
} node_step_t;

static node_step_t *find(simfab_job_t *job, int node, uint64_t id, int q)
{
    node_step_t **link = &job->node_pending[node];
    for (; *link; link = &(*link)->next)
        if ((*link)->id == id)
            return *link;
    node_step_t *s = calloc(1, sizeof *s);
    if (!s || !(s->reqs = calloc((size_t)q, sizeof *s->reqs)) ||
        !(s->views = calloc((size_t)q, sizeof *s->views))) {
        if (s)
            free(s->reqs);
        free(s);
        return NULL;
    }
    s->id = id;
    s->q = s->left = q;
    *link = s;
    return s;
}

static void drop(simfab_job_t *job, int node, node_step_t *s)
{
    for (node_step_t **link = &job->node_pending[node]; *link; link = &(*link)->next)
        if (*link == s) {
            *link = s->next;
            break;
        }
    free(s->reqs);
    free(s->views);
    free(s);
}

/* locality k's input of a reduction (its rbuf when in place) */
static const void *reduce_input(const node_step_t *s, int k)
{
    const floc_coll_view_t *v = &s->views[k];
    return v->sbuf == FLOC_IN_PLACE ? v->rbuf : v->sbuf;
}

/* the step's data, for every locality of the node (c: any of them) */
static int perform(const node_step_t *s, const floc_coll_req_t *c, floc_coll_kind_t kind)
{
    const floc_coll_view_t *root = &s->views[c->v.root];
    const size_t n = c->v.count * c->esize;
    switch (kind) {
    case FLOC_COLL_BCAST:
        for (int k = 0; k < s->q; k++)
            if (k != c->v.root && n)
                memcpy(s->views[k].rbuf, root->rbuf, n);
        return 0;
    case FLOC_COLL_REDUCE: {
        void *acc = malloc(n ? n : 1);
        if (!acc)
            return FLOC_ERR_NOMEM;
        memcpy(acc, reduce_input(s, 0), n);
        for (int k = 1; k < s->q; k++)
            c->reduce(reduce_input(s, k), acc, c->v.count);
        memcpy(root->rbuf, acc, n);
        free(acc);
        return 0;
    }
    case FLOC_COLL_GATHER:
        for (int k = 0; k < s->q; k++)
            if (s->views[k].sbuf != FLOC_IN_PLACE && n)
                memcpy((char *)root->rbuf + (size_t)k * n, s->views[k].sbuf, n);
        return 0;
    case FLOC_COLL_SCATTER:
        for (int k = 0; k < s->q; k++)
            if (s->views[k].rbuf != FLOC_IN_PLACE && n)
                memcpy(s->views[k].rbuf, (const char *)root->sbuf + (size_t)k * n, n);
        return 0;
    default:
        return 0;   /* a barrier: nothing moves */
    }
}

/* seconds the step takes once all have arrived (the header's model) */
static double cost(const simfab_job_t *job, floc_coll_kind_t kind, size_t n, int q)
{
    const simfab_model_t *m = &job->model;
    const double b = (double)n;
    switch (kind) {
    case FLOC_COLL_BCAST:
        return m->alpha_seg + 2 * b * m->beta_seg;
    case FLOC_COLL_REDUCE:
        return m->alpha_seg + 2 * b * m->beta_seg + b * m->gamma;
    case FLOC_COLL_GATHER: case FLOC_COLL_SCATTER:
        return m->alpha_seg + (b + (double)q * b) * m->beta_seg;
    default:
        return m->alpha_seg;
    }
}

static double later(double a, double b)
{
    return a > b ? a : b;
}

/* c's node step of kind (c->alg is the hierarchical collective's) */
static int step(floc_coll_req_t *c, floc_coll_kind_t kind)
{
    simfab_job_t *job = (simfab_job_t *)c->ctx->service_arg;
    const int r = c->ctx->rank, node = job->node_of[r];
    node_step_t *s;
    if (c->step == 0) {   /* arriving */
        s = find(job, node, job->node_steps[r]++, c->v.size);
        if (!s)
            return FLOC_ERR_NOMEM;
        c->s.shm.seq = s->id;
        c->step = 1;
        s->reqs[c->v.rank] = c;
        s->views[c->v.rank] = c->v;
        if (job->timed)
            s->t = later(s->t, job->clock[r] += job->model.overhead);
        if (++s->arrived == s->q) {
            int ret = job->phantom ? 0 : perform(s, c, kind);
            if (ret)
                return ret;
            if (job->timed)
                s->t += cost(job, kind, c->v.count * c->esize, s->q);
            s->done = 1;
            for (int k = 0; k < s->q; k++)
                if (k != c->v.rank) {
                    const int m = s->reqs[k]->ctx->rank;
                    simfab_done_at(job, m, s->t);
                    simfab_make_ready(job, m);
                }
        }
    } else {
        s = find(job, node, c->s.shm.seq, c->v.size);
        if (!s)
            return FLOC_ERR_NOMEM;
    }
    if (!s->done)
        return FLOC_ERR_AGAIN;
    if (job->timed && job->clock[r] < s->t)
        job->clock[r] = s->t;
    if (--s->left == 0)
        drop(job, node, s);
    return 0;
}

static int barrier(floc_coll_req_t *c) { return step(c, FLOC_COLL_BARRIER); }
static int bcast(floc_coll_req_t *c) { return step(c, FLOC_COLL_BCAST); }
static int reduce(floc_coll_req_t *c) { return step(c, FLOC_COLL_REDUCE); }
static int gather(floc_coll_req_t *c) { return step(c, FLOC_COLL_GATHER); }
static int scatter(floc_coll_req_t *c) { return step(c, FLOC_COLL_SCATTER); }

/* one per kind hier.c takes through a node: its name says what ran */
static const floc_coll_alg_t algs[] = {
    {FLOC_COLL_BARRIER, "sim_node", barrier, 0}, {FLOC_COLL_BCAST, "sim_node", bcast, 0},
    {FLOC_COLL_REDUCE, "sim_node", reduce, 0},   {FLOC_COLL_GATHER, "sim_node", gather, 0},
    {FLOC_COLL_SCATTER, "sim_node", scatter, 0},
};

const floc_coll_alg_t *simfab_node_step(floc_coll_kind_t kind)
{
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].kind == kind)
            return &algs[i];
    return NULL;
}

void simfab_node_free(simfab_job_t *job)
{
    for (int d = 0; job->node_pending && d < job->nodes; d++)
        while (job->node_pending[d])
            drop(job, d, job->node_pending[d]);
    free(job->node_pending);
    job->node_pending = NULL;
}
