/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_coll.c - every collective x every fabric algorithm (and, on
 * several nodes of 8, every hierarchical one, its node steps modelled:
 * simnode.c) at locality counts no test machine has, run by floc's own
 * algorithm code over the simulated transport (simfab.h), each result
 * checked against a serial reference computed here, the same bits on
 * every locality.
 *
 *   sim_coll P[,P...] [KIND[:ALGORITHM]]   the counts (a-b: a range)
 *   sim_coll quick                         1-70, 127-129, 1000, 1023, 1024, 4097
 *   sim_coll big                           16384: the algorithms of O(log p) steps
 *
 * Data: int64 where a reference is exact (sums, movers), and for the
 * reductions doubles of very different magnitudes as well, whose sum
 * depends on the order of the folds: every locality must get the same
 * bits (the reference then only bounds the error).  Exit 0 when every
 * check passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coll/select.h"
#include "simfab.h"

static int failures;
/* project: the collective's virtual time only (no doubles' pass, every
 * locality's buffers shared, no data moved: simfab_set_phantom) */
static int projecting;
#define FAIL(...)                                                                                 \
    do {                                                                                          \
        if (failures++ < 20) {                                                                    \
            fprintf(stderr, "sim_coll: ");                                                        \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fputc('\n', stderr);                                                                  \
        }                                                                                         \
    } while (0)

/* element i of locality r's input (small: products and sums stay exact) */
static int64_t val(int r, size_t i)
{
    return (int64_t)((r * 7 + (int)i * 3) % 11) - 5;
}

/* a double whose sum over localities depends on the order of the folds */
static double dval(int r, size_t i)
{
    return (r % 3 == 0 ? 1e16 : 1.0) * (r % 2 ? -1 : 1) + (double)i * 0.25 + r * 1e-3;
}

/* the block locality `from` sends to locality `to` (movers) */
static int64_t mv(int from, int to, size_t i)
{
    return (int64_t)from * 1000003 + (int64_t)to * 101 + (int64_t)i;
}

typedef struct run {
    simfab_job_t *job;
    int p, kind;
    size_t count;
    const char *alg;
    int64_t **in, **out;      /* per locality */
    double **din, **dout;
    size_t **counts, **displs;/* v-forms: per locality (alltoallv: sends), elements */
    size_t **rcounts, **rdispls;
    floc_request_t **reqs;
} run_t;

/* counts of the v-forms: uneven, some zero */
static size_t vcount(int r, int q)
{
    return (size_t)((r + 2 * q) % 3);
}

static int start(run_t *t, int r)
{
    floc_ctx_t *c = simfab_ctx(t->job, r);
    const int p = t->p, root = p > 2 ? p / 3 : p - 1;
    const size_t n = t->count;
    floc_request_t **q = &t->reqs[r];
    switch (t->kind) {
    case FLOC_COLL_BARRIER:
        return floc_ibarrier(c, q);
    case FLOC_COLL_BCAST:
        for (size_t i = 0; i < n; i++)
            t->out[r][i] = r == root ? mv(root, 0, i) : -1;
        return floc_ibroadcast(c, t->out[r], n, FLOC_INT64, root, q);
    case FLOC_COLL_ALLREDUCE:
        return floc_iallreduce(c, t->in[r], t->out[r], n, FLOC_INT64, FLOC_SUM, q);
    case FLOC_COLL_REDUCE:
        return floc_ireduce(c, t->din[r], t->dout[r], n, FLOC_DOUBLE, FLOC_SUM, root, q);
    case FLOC_COLL_GATHER:
        return floc_igather(c, t->in[r], t->out[r], n, FLOC_INT64, root, q);
    case FLOC_COLL_SCATTER:
        return floc_iscatter(c, t->in[r], t->out[r], n, FLOC_INT64, root, q);
    case FLOC_COLL_ALLGATHER:
        return floc_iallgather(c, t->in[r], t->out[r], n, FLOC_INT64, q);
    case FLOC_COLL_ALLTOALL:
        return floc_ialltoall(c, t->in[r], t->out[r], n, FLOC_INT64, q);
    case FLOC_COLL_REDUCE_SCATTER:
        return floc_ireduce_scatter(c, t->in[r], t->out[r], n, FLOC_INT64, FLOC_SUM, q);
    case FLOC_COLL_SCAN:
        return floc_iscan(c, t->in[r], t->out[r], n, FLOC_INT64, FLOC_SUM, q);
    case FLOC_COLL_EXSCAN:
        return floc_iexscan(c, t->in[r], t->out[r], n, FLOC_INT64, FLOC_SUM, q);
    case FLOC_COLL_GATHERV:
        return floc_igatherv(c, t->in[r], vcount(r, 0), t->out[r], t->counts[r], t->displs[r],
                             FLOC_INT64, root, q);
    case FLOC_COLL_SCATTERV:
        return floc_iscatterv(c, t->in[r], t->counts[r], t->displs[r], t->out[r], vcount(r, 0),
                              FLOC_INT64, root, q);
    case FLOC_COLL_ALLGATHERV:
        return floc_iallgatherv(c, t->in[r], vcount(r, 0), t->out[r], t->counts[r],
                                t->displs[r], FLOC_INT64, q);
    case FLOC_COLL_ALLTOALLV:
        return floc_ialltoallv(c, t->in[r], t->counts[r], t->displs[r], t->out[r], t->rcounts[r],
                               t->rdispls[r], FLOC_INT64, q);
    default:
        return FLOC_ERR_INVALID;
    }
}

/* input and output sizes (elements) of locality r: p blocks only where
 * the collective needs them (a rooted one's at its root alone) */
static void sizes(const run_t *t, int r, size_t *in, size_t *out)
{
    const size_t n = t->count, p = (size_t)t->p, v = 2 * p + 2;   /* (v-counts <= 2) */
    const int root = t->p > 2 ? t->p / 3 : t->p - 1, at_root = r == root;
    switch (t->kind) {
    case FLOC_COLL_ALLTOALL: case FLOC_COLL_REDUCE_SCATTER:
        *in = n * p;
        *out = t->kind == FLOC_COLL_ALLTOALL ? n * p : n;
        return;
    case FLOC_COLL_SCATTER:
        *in = at_root ? n * p : 1;
        *out = n;
        return;
    case FLOC_COLL_GATHER: case FLOC_COLL_ALLGATHER:
        *in = n;
        *out = t->kind == FLOC_COLL_ALLGATHER || at_root ? n * p : 1;
        return;
    case FLOC_COLL_GATHERV:
        *in = 2;
        *out = at_root ? v : 2;
        return;
    case FLOC_COLL_SCATTERV:
        *in = at_root ? v : 2;
        *out = 2;
        return;
    case FLOC_COLL_ALLGATHERV: case FLOC_COLL_ALLTOALLV:
        *in = *out = v;
        return;
    default:
        *in = *out = n ? n : 1;
    }
}

static void fill(run_t *t, int r)
{
    const int p = t->p, root = p > 2 ? p / 3 : p - 1;
    size_t nin, nout;
    sizes(t, r, &nin, &nout);
    const int doubles = t->kind == FLOC_COLL_REDUCE || (t->kind == FLOC_COLL_ALLREDUCE && !projecting);
    for (size_t i = 0; i < nin; i++) {
        t->in[r][i] = val(r, i);
        if (doubles)
            t->din[r][i] = dval(r, i);
    }
    switch (t->kind) {
    case FLOC_COLL_SCATTER:
        for (int q = 0; r == root && q < p; q++)
            for (size_t i = 0; i < t->count; i++)
                t->in[r][(size_t)q * t->count + i] = mv(r, q, i);
        break;
    case FLOC_COLL_ALLTOALL:
        for (int q = 0; q < p; q++)
            for (size_t i = 0; i < t->count; i++)
                t->in[r][(size_t)q * t->count + i] = mv(r, q, i);
        break;
    case FLOC_COLL_GATHER: case FLOC_COLL_ALLGATHER:
        for (size_t i = 0; i < t->count; i++)
            t->in[r][i] = mv(r, 0, i);
        break;
    case FLOC_COLL_GATHERV: case FLOC_COLL_ALLGATHERV: {
        size_t at = 0;
        for (int q = 0; q < p; q++) {
            t->counts[r][q] = vcount(q, 0);
            t->displs[r][q] = at;
            at += vcount(q, 0);
        }
        for (size_t i = 0; i < vcount(r, 0); i++)
            t->in[r][i] = mv(r, 0, i);
        break;
    }
    case FLOC_COLL_SCATTERV: {
        size_t at = 0;
        for (int q = 0; q < p; q++) {
            t->counts[r][q] = vcount(q, 0);
            t->displs[r][q] = at;
            for (size_t i = 0; r == root && i < vcount(q, 0); i++)
                t->in[r][at + i] = mv(root, q, i);
            at += vcount(q, 0);
        }
        break;
    }
    case FLOC_COLL_ALLTOALLV: {
        size_t at = 0, rat = 0;
        for (int q = 0; q < p; q++) {
            t->counts[r][q] = vcount(r, q) % 2 ? 0 : 1 + (size_t)(q % 2);   /* r -> q */
            t->displs[r][q] = at;
            for (size_t i = 0; i < t->counts[r][q]; i++)
                t->in[r][at + i] = mv(r, q, i);
            at += t->counts[r][q];
            const size_t from = vcount(q, r) % 2 ? 0 : 1 + (size_t)(r % 2);   /* q -> r */
            t->rcounts[r][q] = from;
            t->rdispls[r][q] = rat;
            rat += from;
        }
        break;
    }
    default:
        break;
    }
    memset(t->out[r], 0xff, nout * sizeof(int64_t));
}

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            FAIL(__VA_ARGS__);                                                                    \
            return;                                                                               \
        }                                                                                         \
    } while (0)

static void check(run_t *t)
{
    const int p = t->p, root = p > 2 ? p / 3 : p - 1;
    const size_t n = t->count;
    const char *k = floc_coll_kind_name((floc_coll_kind_t)t->kind);
    for (int r = 0; r < p; r++) {
        const int64_t *o = t->out[r];
        switch (t->kind) {
        case FLOC_COLL_BCAST:
            for (size_t i = 0; i < n; i++)
                CHECK(o[i] == mv(root, 0, i), "%s %s p=%d: locality %d element %zu", k, t->alg,
                      p, r, i);
            break;
        case FLOC_COLL_ALLREDUCE:
            for (size_t i = 0; i < n; i++) {
                int64_t want = 0;
                for (int q = 0; q < p; q++)
                    want += val(q, i);
                CHECK(o[i] == want, "%s %s p=%d: locality %d element %zu is %lld, not %lld", k,
                      t->alg, p, r, i, (long long)o[i], (long long)want);
            }
            break;
        case FLOC_COLL_REDUCE:
            if (r != root)
                break;
            for (size_t i = 0; i < n; i++) {
                double want = 0, mag = 0;
                for (int q = 0; q < p; q++) {
                    want += dval(q, i);
                    mag += fabs(dval(q, i));
                }
                CHECK(fabs(t->dout[r][i] - want) <= mag * 1e-15 * p + 1e-9,
                      "%s %s p=%d: element %zu is %.17g, not %.17g", k, t->alg, p, i,
                      t->dout[r][i], want);
            }
            break;
        case FLOC_COLL_GATHER:
            if (r != root)
                break;
            /* fall through */
        case FLOC_COLL_ALLGATHER:
            for (int q = 0; q < p; q++)
                for (size_t i = 0; i < n; i++)
                    CHECK(o[(size_t)q * n + i] == mv(q, 0, i), "%s %s p=%d: locality %d block %d",
                          k, t->alg, p, r, q);
            break;
        case FLOC_COLL_SCATTER:
            for (size_t i = 0; i < n; i++)
                CHECK(o[i] == mv(root, r, i), "%s %s p=%d: locality %d", k, t->alg, p, r);
            break;
        case FLOC_COLL_ALLTOALL:
            for (int q = 0; q < p; q++)
                for (size_t i = 0; i < n; i++)
                    CHECK(o[(size_t)q * n + i] == mv(q, r, i), "%s %s p=%d: locality %d from %d",
                          k, t->alg, p, r, q);
            break;
        case FLOC_COLL_REDUCE_SCATTER:
            for (size_t i = 0; i < n; i++) {
                int64_t want = 0;
                for (int q = 0; q < p; q++)
                    want += val(q, (size_t)r * n + i);
                CHECK(o[i] == want, "%s %s p=%d: locality %d element %zu", k, t->alg, p, r, i);
            }
            break;
        case FLOC_COLL_SCAN: case FLOC_COLL_EXSCAN:
            for (size_t i = 0; i < n; i++) {
                int64_t want = 0;
                const int upto = t->kind == FLOC_COLL_SCAN ? r : r - 1;
                for (int q = 0; q <= upto; q++)
                    want += val(q, i);
                if (t->kind == FLOC_COLL_EXSCAN && r == 0)
                    break;   /* (undefined at locality 0) */
                CHECK(o[i] == want, "%s %s p=%d: locality %d element %zu is %lld, not %lld", k,
                      t->alg, p, r, i, (long long)o[i], (long long)want);
            }
            break;
        case FLOC_COLL_GATHERV: case FLOC_COLL_ALLGATHERV:
            if (t->kind == FLOC_COLL_GATHERV && r != root)
                break;
            for (int q = 0; q < p; q++)
                for (size_t i = 0; i < vcount(q, 0); i++)
                    CHECK(o[t->displs[r][q] + i] == mv(q, 0, i), "%s %s p=%d: locality %d from %d",
                          k, t->alg, p, r, q);
            break;
        case FLOC_COLL_SCATTERV:
            for (size_t i = 0; i < vcount(r, 0); i++)
                CHECK(o[i] == mv(root, r, i), "%s %s p=%d: locality %d", k, t->alg, p, r);
            break;
        case FLOC_COLL_ALLTOALLV:
            for (int q = 0; q < p; q++)
                for (size_t i = 0; i < t->rcounts[r][q]; i++)
                    CHECK(o[t->rdispls[r][q] + i] == mv(q, r, i), "%s %s p=%d: locality %d from %d",
                          k, t->alg, p, r, q);
            break;
        default:
            break;
        }
    }
}

/* the doubles' allreduce: the same bits on every locality, near the sum */
static void allreduce_bits(simfab_job_t *job, int p, size_t n, double **din, double **dout,
                           floc_request_t **reqs, const char *alg)
{
    for (int r = 0; r < p; r++) {
        for (size_t i = 0; i < n; i++)
            din[r][i] = dval(r, i);
        if (floc_iallreduce(simfab_ctx(job, r), din[r], dout[r], n, FLOC_DOUBLE, FLOC_SUM,
                            &reqs[r]))
            FAIL("allreduce (double) %s p=%d: locality %d could not start", alg, p, r);
    }
    const int ret = simfab_run(job, reqs, 200000);
    if (ret) {
        FAIL("allreduce (double) %s p=%d: %s", alg, p, floc_strerror(ret));
        return;
    }
    for (int r = 1; r < p; r++)
        if (memcmp(dout[r], dout[0], n * sizeof(double))) {
            FAIL("allreduce (double) %s p=%d: locality %d's bits differ from locality 0's", alg, p,
                 r);
            return;
        }
}

static double last_time;   /* the last collective's virtual time (simfab_time) */

/* one collective of kind with algorithm alg (NULL: the rules) on the job */
static void one(simfab_job_t *job, int kind, const char *alg, size_t count)
{
    const int p = simfab_size(job);
    run_t t = {.job = job, .p = p, .kind = kind, .count = count, .alg = alg ? alg : "(rules)"};
    size_t nin, nout;
    t.in = calloc((size_t)p, sizeof *t.in);
    t.out = calloc((size_t)p, sizeof *t.out);
    t.din = calloc((size_t)p, sizeof *t.din);
    t.dout = calloc((size_t)p, sizeof *t.dout);
    t.counts = calloc((size_t)p, sizeof *t.counts);
    t.displs = calloc((size_t)p, sizeof *t.displs);
    t.rcounts = calloc((size_t)p, sizeof *t.rcounts);
    t.rdispls = calloc((size_t)p, sizeof *t.rdispls);
    t.reqs = calloc((size_t)p, sizeof *t.reqs);
    if (!t.in || !t.out || !t.din || !t.dout || !t.counts || !t.displs || !t.rcounts ||
        !t.rdispls || !t.reqs) {
        FAIL("out of memory");
        exit(1);
    }
    /* projecting: one buffer of the largest size for all (nobody looks) */
    size_t max_in = 1, max_out = 1;
    for (int r = 0; projecting && r < p; r++) {
        sizes(&t, r, &nin, &nout);
        max_in = nin > max_in ? nin : max_in;
        max_out = nout > max_out ? nout : max_out;
    }
    void *shared_in = projecting ? malloc(max_in * sizeof(int64_t)) : NULL;
    void *shared_out = projecting ? malloc(max_out * sizeof(int64_t)) : NULL;
    if (projecting && (!shared_in || !shared_out)) {
        FAIL("out of memory");
        exit(1);
    }
    for (int r = 0; r < p; r++) {
        sizes(&t, r, &nin, &nout);
        const int doubles = kind == FLOC_COLL_REDUCE || (kind == FLOC_COLL_ALLREDUCE && !projecting);
        t.in[r] = projecting ? shared_in : malloc(nin * sizeof(int64_t));
        t.out[r] = projecting ? shared_out : malloc(nout * sizeof(int64_t));
        t.din[r] = projecting ? shared_in : malloc((doubles ? nin : 1) * sizeof(double));
        t.dout[r] = projecting ? shared_out : malloc((doubles ? nout : 1) * sizeof(double));
        /* (the v-forms' count arrays: p per locality, so only for them) */
        const size_t nc = kind >= FLOC_COLL_GATHERV ? (size_t)p : 1;
        t.counts[r] = calloc(nc, sizeof(size_t));
        t.displs[r] = calloc(nc, sizeof(size_t));
        t.rcounts[r] = calloc(nc, sizeof(size_t));
        t.rdispls[r] = calloc(nc, sizeof(size_t));
        if (!t.in[r] || !t.out[r] || !t.din[r] || !t.dout[r] || !t.counts[r] || !t.displs[r] ||
            !t.rcounts[r] || !t.rdispls[r]) {
            FAIL("out of memory at p=%d", p);
            exit(1);
        }
        if (!projecting)
            fill(&t, r);
    }
    if (simfab_force(job, kind, alg))
        FAIL("%s: no algorithm %s", floc_coll_kind_name((floc_coll_kind_t)kind), t.alg);
    int started = 1;
    for (int r = 0; r < p && started; r++) {
        const int ret = start(&t, r);
        if (ret) {
            FAIL("%s %s p=%d: locality %d could not start: %s",
                 floc_coll_kind_name((floc_coll_kind_t)kind), t.alg, p, r, floc_strerror(ret));
            started = 0;
        }
    }
    if (started) {
        const int ret = simfab_run(job, t.reqs, 200000);
        if (ret)
            FAIL("%s %s p=%d count %zu: %s", floc_coll_kind_name((floc_coll_kind_t)kind), t.alg, p,
                 count, floc_strerror(ret));
        else if (!projecting)
            check(&t);
        /* a forced algorithm ran (it did not give way to the rules) */
        const char *ran = NULL;
        if (!ret && alg && p > 1 &&
            (floc_coll_last_algorithm(simfab_ctx(job, 0),
                                      floc_coll_kind_name((floc_coll_kind_t)kind), &ran) ||
             !ran || strcmp(ran, alg)))
            FAIL("%s %s p=%d count %zu: %s ran instead", floc_coll_kind_name((floc_coll_kind_t)kind),
                 alg, p, count, ran ? ran : "(none)");
        last_time = simfab_time(job);
        if (kind == FLOC_COLL_ALLREDUCE && !projecting)
            allreduce_bits(job, p, count, t.din, t.dout, t.reqs, t.alg);
    }
    simfab_force(job, kind, NULL);
    for (int r = 0; projecting && r < p; r++)
        t.in[r] = t.out[r] = NULL, t.din[r] = t.dout[r] = NULL;
    free(shared_in), free(shared_out);
    for (int r = 0; r < p; r++) {
        free(t.in[r]), free(t.out[r]), free(t.din[r]), free(t.dout[r]);
        free(t.counts[r]), free(t.displs[r]), free(t.rcounts[r]), free(t.rdispls[r]);
    }
    free(t.in), free(t.out), free(t.din), free(t.dout), free(t.counts), free(t.displs);
    free(t.rcounts), free(t.rdispls), free(t.reqs);
}

/* may alg run in this job at this size?  (The node segment's are not
 * simulated; the hierarchical ones run where the job has several nodes
 * and the size is theirs.) */
static int simulated(simfab_job_t *job, const floc_coll_alg_t *alg, size_t bytes)
{
    if (alg->flags & FLOC_ALG_SHM)
        return 0;
    return !(alg->flags & FLOC_ALG_HIER) || simfab_usable(job, alg, bytes);
}

/* every algorithm of kind that runs here (simulated()), and the rules'
 * own choice */
static void kind_all(simfab_job_t *job, int kind, const char *only, int big)
{
    const int p = simfab_size(job);
    size_t n;
    const floc_coll_alg_t *algs = floc_coll_algs(&n);
    /* every locality holds p blocks (or counts) in these: p^2 in all,
     * 2 GB of them at 16384 localities */
    const int quadratic = kind == FLOC_COLL_ALLTOALL || kind == FLOC_COLL_ALLTOALLV ||
                          kind == FLOC_COLL_ALLGATHER || kind == FLOC_COLL_ALLGATHERV ||
                          kind == FLOC_COLL_REDUCE_SCATTER || kind == FLOC_COLL_GATHERV ||
                          kind == FLOC_COLL_SCATTERV;
    if (quadratic && p > 4097)
        return;
    /* a few elements, and a count past the small-message thresholds where
     * the memory allows (every locality holds p blocks in the gathers) */
    const int per_p = kind == FLOC_COLL_GATHER || kind == FLOC_COLL_ALLGATHER ||
                      kind == FLOC_COLL_SCATTER || kind == FLOC_COLL_REDUCE_SCATTER || quadratic;
    size_t counts[3] = {1, 3, 700};
    int ncounts = big || p > 2048 ? 1 : 3;   /* (beyond 2048: a minute's budget) */
    if (ncounts > 2 && per_p && (size_t)p * (size_t)p * 700 > ((size_t)64 << 20))
        ncounts = 2;
    for (size_t i = 0; i < n; i++) {
        if ((int)algs[i].kind != kind || !simulated(job, &algs[i], 8))
            continue;
        if (only && strcmp(only, algs[i].name))
            continue;
        /* big: not the algorithms of p steps (p^2 messages in all: a ring
         * at 16384 is 5e8 messages, minutes each), unless asked for */
        if (big && !only && (!strcmp(algs[i].name, "ring") ||
                             !strcmp(algs[i].name, "scatter_allgather")))
            continue;
        const clock_t t0 = clock();
        for (int c = 0; c < ncounts; c++)
            if (simulated(job, &algs[i], counts[c] * sizeof(int64_t)))
                one(job, kind, algs[i].name, counts[c]);
        if (big) {
            printf("sim_coll: p=%d %s %s: %.1f s\n", p, floc_coll_kind_name((floc_coll_kind_t)kind),
                   algs[i].name, (double)(clock() - t0) / CLOCKS_PER_SEC);
            fflush(stdout);
        }
    }
    if (!only)
        one(job, kind, NULL, 3);
}

static void usage(void)
{
    fprintf(stderr, "usage: sim_coll quick | big | P[,P...] [KIND[:ALGORITHM]]\n"
                    "       sim_coll project MODEL KIND BYTES P[,P...] [PER_NODE]\n"
                    "         (MODEL: perf/models/MODEL.model, or a path)\n");
    exit(2);
}

/*
 * A model file (perf/models/NAME.model: the figures and where they come
 * from): lines "name value", '#' comments.  NAME without a '/' is looked
 * up in perf/models.  0, or -1 with the reason on stderr.
 */
static int model_of(const char *name, simfab_model_t *m, int *per_node)
{
    char path[4096];
    if (strchr(name, '/'))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s.model", SIM_MODEL_DIR, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sim_coll: model %s: %s\n", path, strerror(errno));
        return -1;
    }
    static const struct { const char *key; size_t off; } keys[] = {
        {"alpha_node", offsetof(simfab_model_t, alpha_node)},
        {"beta_node", offsetof(simfab_model_t, beta_node)},
        {"alpha_net", offsetof(simfab_model_t, alpha_net)},
        {"beta_net", offsetof(simfab_model_t, beta_net)},
        {"gamma", offsetof(simfab_model_t, gamma)},
        {"overhead", offsetof(simfab_model_t, overhead)},
        {"alpha_seg", offsetof(simfab_model_t, alpha_seg)},
        {"beta_seg", offsetof(simfab_model_t, beta_seg)}};
    unsigned seen = 0;
    char line[512];
    int bad = 0, lineno = 0;
    memset(m, 0, sizeof *m);
    while (!bad && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#'), key[64];
        double v;
        if (hash)
            *hash = '\0';
        int n = sscanf(line, "%63s %lf", key, &v);
        if (n <= 0)
            continue;   /* blank or comment */
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(key, keys[k].key))
            k++;
        if (n == 2 && !strcmp(key, "per_node") && v >= 1) {
            *per_node = (int)v;
        } else if (n == 2 && k < sizeof keys / sizeof keys[0] && v >= 0) {
            *(double *)(void *)((char *)m + keys[k].off) = v;
            seen |= 1u << k;
        } else {
            fprintf(stderr, "sim_coll: %s:%d: not \"name value\" of a known name\n", path,
                    lineno);
            bad = 1;
        }
    }
    fclose(f);
    if (!bad && seen != (1u << (sizeof keys / sizeof keys[0])) - 1) {
        fprintf(stderr, "sim_coll: %s: alpha_node, beta_node, alpha_net, beta_net, gamma, "
                        "overhead, alpha_seg and beta_seg must all be given\n", path);
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* each algorithm's virtual time for kind at bytes per locality on p
 * localities, per_node to a node ("-": it does not run there, as the
 * hierarchical ones on one node), and the rules' choice */
static int project(int argc, char **argv)
{
    if (argc < 6)
        usage();
    simfab_model_t m;
    int kind = -1, per_node = 8;
    if (model_of(argv[2], &m, &per_node))
        return 2;
    for (int k = 0; k < FLOC_COLL_KINDS; k++)
        if (!strcmp(argv[3], floc_coll_kind_name((floc_coll_kind_t)k)))
            kind = k;
    const size_t bytes = strtoull(argv[4], NULL, 10), count = bytes / 8 ? bytes / 8 : 1;
    if (argc > 6)
        per_node = atoi(argv[6]);
    if (kind < 0 || per_node < 1)
        usage();
    projecting = 1;
    size_t n;
    const floc_coll_alg_t *algs = floc_coll_algs(&n);
    printf("# sim_coll projection: %s of %zu bytes per locality, %d per node, model %s "
           "(alpha %.2g/%.2g s, beta %.2g/%.2g s/B within/between nodes, gamma %.2g s/B)\n",
           argv[3], count * 8, per_node, argv[2], m.alpha_node, m.alpha_net, m.beta_node,
           m.beta_net, m.gamma);
    printf("# %-7s", "P");
    for (size_t i = 0; i < n; i++)
        if ((int)algs[i].kind == kind && !(algs[i].flags & FLOC_ALG_SHM))
            printf(" %20s", algs[i].name);
    printf("  (us; the rules take)\n");
    const int reduces = kind == FLOC_COLL_ALLREDUCE || kind == FLOC_COLL_REDUCE ||
                        kind == FLOC_COLL_REDUCE_SCATTER || kind == FLOC_COLL_SCAN ||
                        kind == FLOC_COLL_EXSCAN;
    for (char *s = strtok(argv[5], ","); s; s = strtok(NULL, ",")) {
        const int p = atoi(s);
        const char *rules = NULL;
        printf("%-9d", p);
        for (size_t i = 0; i < n; i++) {
            if ((int)algs[i].kind != kind || (algs[i].flags & FLOC_ALG_SHM))
                continue;
            /* (the algorithms of p steps beyond 4096: minutes each, and far
             * behind anyway) */
            if (p > 4096 && (!strcmp(algs[i].name, "ring") ||
                             !strcmp(algs[i].name, "scatter_allgather"))) {
                printf(" %20s", "-");
                continue;
            }
            /* a job of its own for each: the job's first collective, from a
             * quiet start (a later one may end with the flow-control
             * barrier, engine.c, which is not the algorithm's cost) */
            simfab_job_t *job = p > 0 ? simfab_job_new(p, per_node) : NULL;
            if (!job) {
                fprintf(stderr, "sim_coll: cannot make a job of %s\n", s);
                return 1;
            }
            simfab_set_model(job, &m);
            /* the times do not depend on the data: none moves (4 n: the
             * most scratch an algorithm takes, the ring's 2 slots and a copy) */
            if (simfab_set_phantom(job, 4 * count * 8 + (1u << 20))) {
                fprintf(stderr, "sim_coll: no memory for the scratch of %zu bytes\n", count * 8);
                return 1;
            }
            simfab_set_reduces(job, reduces);
            if (!rules)
                rules = simfab_rules(job, kind, count * 8);
            const int before = failures;
            if (!simulated(job, &algs[i], count * 8))
                printf(" %20s", "-");
            else if (one(job, kind, algs[i].name, count), failures > before)
                printf(" %20s", "failed");
            else
                printf(" %20.2f", last_time * 1e6);
            fflush(stdout);
            simfab_job_free(job);
        }
        printf("  %s\n", rules ? rules : "?");
    }
    return failures != 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    int ps[256], np = 0, big = 0;
    if (!strcmp(argv[1], "project"))
        return project(argc, argv);
    if (!strcmp(argv[1], "quick")) {
        for (int p = 1; p <= 70; p++)
            ps[np++] = p;
        const int more[] = {127, 128, 129, 1000, 1023, 1024, 4097};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            ps[np++] = more[i];
    } else if (!strcmp(argv[1], "big")) {
        ps[np++] = 16384;
        big = 1;
    } else {
        for (char *s = strtok(argv[1], ","); s && np < 256; s = strtok(NULL, ",")) {
            int a, b;
            if (sscanf(s, "%d-%d", &a, &b) == 2)
                for (int p = a; p <= b && np < 256; p++)
                    ps[np++] = p;
            else if ((a = atoi(s)) > 0)
                ps[np++] = a;
            else
                usage();
        }
    }
    int kind = -1;
    const char *only = NULL;
    if (argc > 2) {
        char *colon = strchr(argv[2], ':');
        if (colon) {
            *colon = '\0';
            only = colon + 1;
        }
        for (int k = 0; k < FLOC_COLL_KINDS; k++)
            if (!strcmp(argv[2], floc_coll_kind_name((floc_coll_kind_t)k)))
                kind = k;
        if (kind < 0)
            usage();
    }
    for (int i = 0; i < np; i++) {
        const clock_t t0 = clock();
        simfab_job_t *job = simfab_job_new(ps[i], 8);
        if (!job) {
            FAIL("cannot make a job of %d", ps[i]);
            break;
        }
        for (int k = 0; k < FLOC_COLL_KINDS; k++)
            if (kind < 0 || k == kind)
                kind_all(job, k, only, big);
        uint64_t msgs, bytes;
        simfab_traffic(job, &msgs, &bytes);
        simfab_job_free(job);
        if (ps[i] >= 127 || big)
            printf("sim_coll: p=%d: %llu messages, %llu bytes, %.1f s\n", ps[i],
                   (unsigned long long)msgs, (unsigned long long)bytes,
                   (double)(clock() - t0) / CLOCKS_PER_SEC);
    }
    if (failures)
        fprintf(stderr, "sim_coll: %d check(s) FAILED\n", failures);
    else
        printf("sim_coll: every collective and algorithm passed at %d locality count%s\n", np,
               np == 1 ? "" : "s");
    return failures != 0;
}
