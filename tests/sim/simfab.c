/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simfab.c - the simulated job and its transport (simfab.h).
 *
 * Matching: a hash table of queues keyed by (destination, source, context
 * id, tag); a queue holds either unmatched sends or posted receives (the
 * first of the other kind to come takes its head), so messages of one
 * pair and tag match in order, as on libfabric.  Every locality is a real
 * floc context (its request pool, collective state and progress hook),
 * marked `simulated` so the public calls take it without floc_init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simjob.h"
#include "core/config.h"
#include "fabric/fabric.h"
#include "node/node.h"

static void heap_swap(simfab_job_t *job, size_t a, size_t b)
{
    const int t = job->ready[a];
    job->ready[a] = job->ready[b];
    job->ready[b] = t;
    job->at[job->ready[a]] = a;
    job->at[job->ready[b]] = b;
}

/* ready[i]'s time went up: down the heap to its place */
static void sift_down(simfab_job_t *job, size_t i)
{
    for (;;) {
        size_t m = i, a = 2 * i + 1, b = a + 1;
        if (a < job->ready_len && job->due[job->ready[a]] < job->due[job->ready[m]])
            m = a;
        if (b < job->ready_len && job->due[job->ready[b]] < job->due[job->ready[m]])
            m = b;
        if (m == i)
            return;
        heap_swap(job, i, m);
        i = m;
    }
}

void simfab_make_ready(simfab_job_t *job, int r)
{
    if (job->queued[r])
        return;
    job->queued[r] = 1;
    size_t i = job->ready_len++;
    job->ready[i] = r;
    job->at[r] = i;
    while (i && job->due[job->ready[(i - 1) / 2]] > job->due[job->ready[i]]) {
        heap_swap(job, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static int take_ready(simfab_job_t *job)
{
    const int r = job->ready[0];
    job->ready[0] = job->ready[--job->ready_len];
    job->at[job->ready[0]] = 0;
    sift_down(job, 0);
    job->queued[r] = 0;
    return r;
}

static double later(double a, double b)
{
    return a > b ? a : b;
}

/* A link busy until *until takes n bytes (wire seconds) ready at t: when
 * they are through.  The simulation posts operations in the order it
 * steps localities, which is not always their virtual order: bytes ready
 * well before the last reservation (from the virtual past) pass without
 * queueing behind it, or a message posted late in the run but early in
 * time would wait for the future (seen: a ring followed by the
 * flow-control barrier projected 2.5-10x slower beyond 170 localities,
 * the barrier's messages holding back the ring's). */
static double reserve(double *until, double t, double wire)
{
    if (t + wire < *until - wire)
        return t + wire;
    const double done = later(t, *until) + wire;
    *until = done;
    return done;
}

/* when n bytes sent at t from src are at dst, the links reserved */
static double transfer(simfab_job_t *job, int src, int dst, size_t n, double t)
{
    const simfab_model_t *m = &job->model;
    if (!job->timed)
        return 0;
    const int a = job->node_of[src], b = job->node_of[dst];
    if (a == b)
        return t + m->alpha_node + (double)n * m->beta_node;
    const double wire = (double)n * m->beta_net;
    const double sent = reserve(&job->nic_out[a], t, wire);
    return reserve(&job->nic_in[b], sent + m->alpha_net - wire, wire);
}

/* the operation of locality r is done at t */
void simfab_done_at(simfab_job_t *job, int r, double t)
{
    if (t <= job->due[r])
        return;
    job->due[r] = t;
    /* queued already: its place in the heap moves with its time (a key
     * changed in place broke the heap's order, and localities were
     * stepped out of time order: a ring's steps cost 3-10x alpha beyond
     * ~170 localities) */
    if (job->queued[r])
        sift_down(job, job->at[r]);
}

/* the transport's callbacks get a context: its job */
static simfab_job_t *job_of(const floc_ctx_t *ctx)
{
    return (simfab_job_t *)ctx->service_arg;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static size_t bucket_of(const simfab_job_t *job, uint64_t key, int src, int dst)
{
    return mix(key ^ ((uint64_t)src << 20) ^ ((uint64_t)dst << 42)) & (job->nbuckets - 1);
}

/* a queue that became empty leaves its bucket (tags are per collective
 * and step: kept, they would pile up by the million) */
static void queue_drop(simfab_job_t *job, queue_t *q)
{
    for (queue_t **pp = &job->buckets[bucket_of(job, q->key, q->src, q->dst)]; *pp;
         pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            free(q);
            return;
        }
}

static queue_t *queue_of(simfab_job_t *job, int src, int dst, uint32_t cid, int tag)
{
    const uint64_t key = ((uint64_t)cid << 32) | (uint32_t)tag;
    const size_t b = bucket_of(job, key, src, dst);
    for (queue_t *q = job->buckets[b]; q; q = q->next)
        if (q->key == key && q->src == src && q->dst == dst)
            return q;
    queue_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->key = key;
    q->src = src;
    q->dst = dst;
    q->next = job->buckets[b];
    job->buckets[b] = q;
    return q;
}

static void deliver(simfab_job_t *job, entry_t *send, entry_t *recv, int src)
{
    const size_t n = send->len < recv->len ? send->len : recv->len;
    if (n && !job->phantom)
        memcpy(recv->buf, send->copy ? send->copy : send->buf, n);
    if (job->timed) {
        const int s = send->ctx->rank, d = recv->ctx->rank;
        double t;
        if (send->eager) {
            t = later(recv->t, send->arrive);
        } else {   /* both sides there: the handshake, then the data */
            const double start = later(send->t, recv->t) + (job->node_of[s] == job->node_of[d]
                                                                 ? job->model.alpha_node
                                                                 : job->model.alpha_net);
            t = transfer(job, s, d, send->len, start);
            simfab_done_at(job, s, t);
        }
        simfab_done_at(job, d, t + (job->reduces ? (double)n * job->model.gamma : 0));
    }
    floc_request_t *r = recv->req;
    r->msg.len = send->len;
    r->msg.source = src;
    floc_req_op_done(recv->ctx, r, send->len > recv->len ? FLOC_ERR_TRUNCATED : 0);
    simfab_make_ready(job, recv->ctx->rank);
    if (!send->eager) {   /* a rendezvous send completes now */
        floc_req_op_done(send->ctx, send->req, 0);
        simfab_make_ready(job, send->ctx->rank);
    }
    job->messages++;
    job->bytes += n;
    free(send->copy);
    free(send);
    free(recv);
}

static int sim_msg(floc_ctx_t *ctx, int send, void *buf, size_t len, int peer, uint32_t cid,
                   int tag, floc_request_t **out)
{
    simfab_job_t *job = job_of(ctx);
    if (peer < 0 || peer >= job->p)
        return FLOC_ERR_INVALID;
    const int src = send ? ctx->rank : peer, dst = send ? peer : ctx->rank;
    queue_t *q = queue_of(job, src, dst, cid, tag);
    entry_t *e = calloc(1, sizeof *e);
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!q || !e || !req) {
        free(e);
        if (req)
            floc_req_release(ctx, req);
        return FLOC_ERR_NOMEM;
    }
    req->pending = 1;
    req->capacity = send ? 0 : len;   /* (a receive's: the engine compares what arrived) */
    req->msg.tag = tag;
    if (job->timed)
        e->t = job->clock[ctx->rank] += job->model.overhead;
    e->send = send;
    e->ctx = ctx;
    e->req = req;
    e->buf = buf;
    e->len = len;
    *out = req;
    if (send && len <= SIMFAB_EAGER) {   /* eager: copied, complete at once */
        if (len && !job->phantom && !(e->copy = malloc(len))) {
            free(e);
            floc_req_release(ctx, req);
            return FLOC_ERR_NOMEM;
        }
        if (e->copy)
            memcpy(e->copy, buf, len);
        e->eager = 1;
        e->arrive = transfer(job, src, dst, len, e->t);
        floc_req_op_done(ctx, req, 0);
    }
    if (q->head && q->head->send != send) {   /* the other side is waiting: match */
        entry_t *other = q->head;
        q->head = other->next;
        if (!q->head)
            queue_drop(job, q);
        deliver(job, send ? e : other, send ? other : e, src);
        return 0;
    }
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    return 0;
}

/* one-sided: the window's address is this process's */
static int sim_rma(floc_ctx_t *ctx, int write, void *local, size_t len, int peer,
                   const floc_rwin_t *win, uint64_t offset, floc_request_t **out)
{
    simfab_job_t *job = job_of(ctx);
    if (peer < 0 || peer >= job->p)
        return FLOC_ERR_INVALID;
    floc_request_t *req = floc_req_alloc(ctx, NULL);
    if (!req)
        return FLOC_ERR_NOMEM;
    char *remote = (char *)(uintptr_t)(win->addr + offset);
    if (job->timed) {   /* a request to the peer, the data back (get) or there (put) */
        const int me = ctx->rank;
        const double t = job->clock[me] += job->model.overhead;
        const int same = job->node_of[me] == job->node_of[peer];
        const double ask = t + (same ? job->model.alpha_node : job->model.alpha_net);
        simfab_done_at(job, me, write ? transfer(job, me, peer, len, t) : transfer(job, peer, me, len, ask));
    }
    if (len && !job->phantom)
        memcpy(write ? remote : local, write ? local : remote, len);
    req->pending = 1;
    floc_req_op_done(ctx, req, 0);
    job->messages++;
    job->bytes += len;
    *out = req;
    return 0;
}

static int sim_expose(floc_ctx_t *ctx, const void *buf, size_t len, int writable, void **handle,
                      floc_rwin_t *win)
{
    (void)ctx, (void)len, (void)writable;
    *handle = (void *)buf;
    *win = (floc_rwin_t){.addr = (uint64_t)(uintptr_t)buf, .base = (uint64_t)(uintptr_t)buf};
    return 0;
}

static void sim_unexpose(floc_ctx_t *ctx, void *handle)
{
    (void)ctx, (void)handle;
}

static void sim_describe(floc_request_t *req, char *buf, size_t len)
{
    snprintf(buf, len, "simulated op of %zu bytes, tag %d", req->capacity, req->msg.tag);
}

static const floc_coll_transport_t sim_transport = {
    .msg = sim_msg, .rma = sim_rma, .expose = sim_expose, .unexpose = sim_unexpose,
    .describe = sim_describe, .node_step = simfab_node_step};

static const char *no_env(const char *name, void *arg)
{
    (void)name, (void)arg;
    return NULL;
}

static void ctx_free(floc_ctx_t *c)
{
    if (!c)
        return;
    if (c->coll)
        floc_coll_fini(c);
    if (c->simulated)
        floc_ctx_mark_simulated(c, 0);
    floc_req_pool_fini(&c->reqs);
    free(c->node);   /* (its placement is the job's) */
    free(c);
}

static floc_ctx_t *ctx_new(simfab_job_t *job, int r, int per_node)
{
    floc_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->magic = FLOC_CTX_MAGIC;
    floc_ctx_mark_simulated(c, 1);
    c->world = c;
    c->rank = r;
    c->size = job->p;
    atomic_init(&c->lost_rank, -1);
    c->service_arg = job;   /* (no service runs: the transport finds its job here) */
    c->num_nodes = (job->p + per_node - 1) / per_node;
    c->node_id = r / per_node;
    c->node_of = job->node_of;
    c->local_rank = r % per_node;
    c->local_size = c->node_id == c->num_nodes - 1 ? job->p - c->node_id * per_node : per_node;
    floc_req_pool_init(&c->reqs, FLOC_FABRIC_REQ_EXT);
    if (floc_config_load(&c->cfg, no_env, NULL, NULL) || !(c->node = calloc(1, sizeof *c->node))) {
        ctx_free(c);
        return NULL;
    }
    /* who is where, as a job of several nodes has it: the hierarchical
     * algorithms run, their node steps through this transport (there is
     * no segment: hier.c's way for a node without one), priced as
     * messages within a node */
    floc_node_t *n = c->node;
    n->at = job->places[c->node_id];
    n->at.me = n->at.local_of[r];
    n->me = n->at.me;
    n->p = n->at.p;
    n->hier = c->num_nodes > 1;
    if (floc_coll_init(c)) {
        ctx_free(c);
        return NULL;
    }
    c->coll->seg = NULL;
    c->coll->xport = &sim_transport;
    return c;
}

simfab_job_t *simfab_job_new(int p, int per_node)
{
    simfab_job_t *job = calloc(1, sizeof *job);
    if (!job || p < 1 || per_node < 1)
        goto fail;
    job->p = p;
    job->nbuckets = 1u << 16;
    while (job->nbuckets < (size_t)p * 8)
        job->nbuckets <<= 1;
    job->buckets = calloc(job->nbuckets, sizeof *job->buckets);
    job->ctx = calloc((size_t)p, sizeof *job->ctx);
    job->node_of = malloc((size_t)p * sizeof *job->node_of);
    job->ready = malloc((size_t)p * sizeof *job->ready);
    job->queued = calloc((size_t)p, 1);
    job->at = calloc((size_t)p, sizeof *job->at);
    job->clock = calloc((size_t)p, sizeof *job->clock);
    job->due = calloc((size_t)p, sizeof *job->due);
    job->node_steps = calloc((size_t)p, sizeof *job->node_steps);
    job->nic_out = calloc((size_t)p, sizeof *job->nic_out);   /* (nodes <= p) */
    job->nic_in = calloc((size_t)p, sizeof *job->nic_in);
    if (!job->buckets || !job->ctx || !job->node_of || !job->ready || !job->queued || !job->at ||
        !job->clock || !job->due || !job->nic_out || !job->nic_in || !job->node_steps)
        goto fail;
    for (int r = 0; r < p; r++)
        job->node_of[r] = r / per_node;
    job->nodes = (p + per_node - 1) / per_node;
    if (!(job->places = calloc((size_t)job->nodes, sizeof *job->places)) ||
        !(job->node_pending = calloc((size_t)job->nodes, sizeof *job->node_pending)))
        goto fail;
    for (int d = 0; d < job->nodes; d++)
        if (floc_node_place(p, d * per_node, job->node_of, job->nodes, NULL, &job->places[d]))
            goto fail;
    for (int r = 0; r < p; r++)
        if (!(job->ctx[r] = ctx_new(job, r, per_node)))
            goto fail;
    return job;
fail:
    simfab_job_free(job);
    return NULL;
}

void simfab_job_free(simfab_job_t *job)
{
    if (!job)
        return;
    for (int r = 0; job->ctx && r < job->p; r++)
        ctx_free(job->ctx[r]);
    for (size_t b = 0; job->buckets && b < job->nbuckets; b++)
        while (job->buckets[b]) {
            queue_t *q = job->buckets[b];
            job->buckets[b] = q->next;
            while (q->head) {
                entry_t *e = q->head;
                q->head = e->next;
                free(e->copy);
                free(e);
            }
            free(q);
        }
    free(job->buckets);
    simfab_node_free(job);
    free(job->node_steps);
    for (int d = 0; job->places && d < job->nodes; d++)
        floc_node_place_free(&job->places[d]);
    free(job->places);
    free(job->phantom);
    free(job->ctx);
    free(job->node_of);
    free(job->ready);
    free(job->queued);
    free(job->at);
    free(job->clock);
    free(job->due);
    free(job->nic_out);
    free(job->nic_in);
    free(job);
}

floc_ctx_t *simfab_ctx(simfab_job_t *job, int rank)
{
    return job->ctx[rank];
}

int simfab_size(const simfab_job_t *job)
{
    return job->p;
}

int simfab_usable(simfab_job_t *job, const struct floc_coll_alg *alg, size_t bytes)
{
    return floc_coll_alg_usable(alg, &job->ctx[0]->coll->where, bytes);
}

const char *simfab_rules(simfab_job_t *job, int kind, size_t bytes)
{
    const floc_coll_alg_t *a =
        floc_coll_choose(&job->ctx[0]->coll->where, (floc_coll_kind_t)kind, bytes, 0);
    return a ? a->name : "?";
}

int simfab_force(simfab_job_t *job, int kind, const char *algorithm)
{
    const floc_coll_alg_t *a = NULL;
    if (algorithm && !(a = floc_coll_alg_find((floc_coll_kind_t)kind, algorithm)))
        return FLOC_ERR_INVALID;
    for (int r = 0; r < job->p; r++) {
        job->ctx[r]->coll->forced[kind] = a;
        memset(job->ctx[r]->coll->last, 0, sizeof job->ctx[r]->coll->last);
    }
    return 0;
}

/*
 * Event-driven: a locality's collective moves only when one of its
 * operations completes (nothing polls here: the node segment is not
 * simulated), so only the localities a delivery made ready are looked at;
 * all of them at first.  Nobody ready and somebody not done: a hang.
 */
int simfab_run(simfab_job_t *job, floc_request_t **reqs, long rounds)
{
    int first = 0, left = 0;
    const size_t p = (size_t)job->p;
    job->ready_len = 0;
    memset(job->queued, 0, p);
    job->finish = 0;   /* (the starts already ran from time 0: the last run reset it) */
    for (int r = 0; r < job->p; r++)
        if (reqs[r]) {
            left++;
            simfab_make_ready(job, r);
        }
    long tests = 0;
    const long most = rounds * (long)job->p;
    while (left && job->ready_len && tests++ < most) {
        const int r = take_ready(job);
        int done = 0;
        if (!reqs[r])
            continue;
        /* it acts once what it waited for is done */
        job->clock[r] = later(job->clock[r], job->due[r]);
        const int ret = floc_test(reqs[r], &done);
        if (!done && !ret)
            continue;
        if (ret && !first)
            first = ret;
        job->finish = later(job->finish, later(job->clock[r], job->due[r]));
        reqs[r] = NULL;
        left--;
    }
    for (size_t r = 0; r < p; r++)   /* the next collective starts together at 0 */
        job->clock[r] = job->due[r] = job->nic_out[r] = job->nic_in[r] = 0;
    return left ? FLOC_ERR_TIMEOUT : first;
}

void simfab_set_model(simfab_job_t *job, const simfab_model_t *model)
{
    job->timed = model != NULL;
    if (model)
        job->model = *model;
}

int simfab_set_phantom(simfab_job_t *job, size_t scratch)
{
    free(job->phantom);
    job->phantom = NULL;
    job->phantom_len = 0;
    if (scratch && !(job->phantom = malloc(scratch)))
        return FLOC_ERR_NOMEM;
    job->phantom_len = scratch;
    for (int r = 0; r < job->p; r++)
        floc_coll_set_phantom(job->ctx[r], job->phantom, job->phantom_len);
    return 0;
}

void simfab_set_reduces(simfab_job_t *job, int reduces)
{
    job->reduces = reduces;
}

double simfab_time(const simfab_job_t *job)
{
    return job->finish;
}

void simfab_traffic(const simfab_job_t *job, uint64_t *messages, uint64_t *bytes)
{
    *messages = job->messages;
    *bytes = job->bytes;
}
