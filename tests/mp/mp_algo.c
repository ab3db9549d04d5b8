/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_algo.c - every collective at each size threshold of its algorithm
 * choice (the threshold, one element below, one above), checked twice:
 * the result against a closed form, and the algorithm that ran
 * (floc_coll_last_algorithm, and floc_coll_algorithm's forecast) against
 * the table in docs/coll.md, written out again below by hand.  A rule
 * moved by one byte, a node-segment limit that lets one element too many
 * through, a forced algorithm that falls back without reason: each fails
 * here.
 *
 *   mp_algo segment   default settings, one node (the node segment's
 *                     64 KiB buffers)
 *   mp_algo small     FLOC_NODE_COLL_MAX=4096 (the segment's limit at 4 KiB)
 *   mp_algo fabric    FLOC_NODE_COLL_MAX=0 (no segment: the fabric rules)
 *   mp_algo forced    FLOC_ALLREDUCE_ALGO=shm FLOC_GATHER_ALGO=rma
 *                     FLOC_BCAST_ALGO=hierarchical FLOC_ALLGATHER_ALGO=cma:
 *                     forced where they can run, the rules where not
 *   mp_algo nodes     several nodes, some with 2 or more localities
 *                     (tests/netns): the hierarchical algorithms
 *   mp_algo flat      several nodes, FLOC_NODE_COLL_MAX=0: the fabric's
 *
 * The ctest entries set the environment that goes with each mode.
 */
#define _GNU_SOURCE
#include <sys/uio.h>
#include <unistd.h>

#include "mp_util.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

static floc_ctx_t *ctx;
static int me, p;
static size_t seg_max;      /* the node segment's buffers; 0: no segment */
static int cma;             /* process_vm_readv between the localities works */
static int forced;          /* mode "forced" */
static int nodes;           /* the job's nodes */
static int hier;            /* the hierarchical algorithms can run (mode "nodes") */
static unsigned calls;      /* varies the roots */

/* ---- what docs/coll.md says runs (one node) ------------------------ */

static int fits(size_t held)
{
    return seg_max > 0 && held <= seg_max;
}

static const char *rules(const char *k, size_t b)
{
    const int seg = seg_max > 0;
    if (hier && (!strcmp(k, "barrier") || !strcmp(k, "bcast") || !strcmp(k, "allreduce") ||
                 !strcmp(k, "reduce") ||
                 (!strcmp(k, "allgather") && b <= 8 * KiB) ||
                 (!strcmp(k, "alltoall") && b <= 8 * KiB && b * (size_t)p <= 256 * KiB) ||
                 ((!strcmp(k, "gather") || !strcmp(k, "scatter")) && b <= 1 * KiB)))
        return "hierarchical";
    if (!strcmp(k, "barrier"))
        return seg ? "shm" : "dissemination";
    if (!strcmp(k, "bcast"))
        return seg && cma && p == 2 && b >= 16 * KiB   ? "cma"
               : seg && cma && p == 3 && b >= 32 * KiB && b <= 1 * MiB ? "cma"
               : seg && cma && p == 4 && b >= 64 * KiB && b <= 512 * KiB ? "cma"
               : fits(b) && b <= 16 * KiB              ? "shm"
               : seg && b > 16 * KiB                   ? "shm_pipeline"
               : nodes > 1 && p >= 3 && b >= 512 * KiB ? "scatter_allgather"
                                                       : "binomial";
    if (!strcmp(k, "allreduce")) {
        const size_t shm_max = p == 2 ? 64 * KiB : 32 * KiB;
        if (seg && cma && p == 2 && b >= 8 * KiB)
            return "cma";
        if (fits(b) && b <= shm_max)
            return "shm";
        if (seg && b > shm_max)
            return "shm_pipeline";
        if (p == 2)
            return b < 256 * KiB ? "recursive_doubling" : b <= 8 * MiB ? "rabenseifner" : "ring";
        return b < 64 * KiB ? "recursive_doubling" : b < 512 * KiB ? "rabenseifner" : "ring";
    }
    if (!strcmp(k, "reduce"))
        return seg && cma && p == 2 && b >= 32 * KiB ? "cma"
               : fits(b) && b <= 64 * KiB ? "shm"
               : seg && b > 64 * KiB    ? "shm_pipeline"
               : b >= 2 * MiB           ? "ring"
                                        : "binomial";
    if (!strcmp(k, "gather"))
        return seg && cma && p == 2 && b >= 16 * KiB  ? "cma"
               : seg && cma && p >= 3 && b >= 64 * KiB ? "cma"
               : fits(b) && b <= 64 * KiB             ? "shm"
               : p >= 4 && b <= 1 * KiB               ? "binomial"
               : p >= 4 && b >= 1 * MiB               ? "rma"
                                                      : "direct";
    if (!strcmp(k, "scatter"))
        return seg && cma && b >= (p == 2 ? 16 : 32) * KiB ? "cma"
               : fits(b * (size_t)p) && b <= 16 * KiB     ? "shm"
               : p >= 4 && b <= 1 * KiB                   ? "binomial"
                                                          : "direct";
    if (!strcmp(k, "allgather"))
        return seg && cma && p == 2 && b >= 4 * KiB  ? "cma"
               : fits(b) && b <= 8 * KiB             ? "shm"
               : seg && b > 8 * KiB                  ? "shm_pipeline"
               : p >= 4 && b <= 1 * KiB              ? "bruck"
                                                     : "ring";
    if (!strcmp(k, "alltoall"))
        return seg && cma && b >= (p == 2 ? 8 : 16) * KiB ? "cma"
               : fits(b * (size_t)p) && b <= 16 * KiB     ? "shm"
                                                          : "pairwise";
    if (!strcmp(k, "reduce_scatter"))
        return seg && cma && b >= 8 * KiB             ? "cma"
               : fits(b * (size_t)p) && b <= 4 * KiB ? "shm"
                                                     : "ring";
    return "?";
}

static const char *expected(const char *k, size_t b)
{
    if (p == 1)
        return "none";
    if (forced) {
        if (!strcmp(k, "allreduce") && fits(b))
            return "shm";
        if (!strcmp(k, "gather"))
            return "rma";
        if (!strcmp(k, "allgather") && seg_max && cma)
            return "cma";
        /* bcast: hierarchical needs several nodes, so the rules */
    }
    return rules(k, b);
}

static void check_algorithm(const char *k, size_t b)
{
    const char *want = expected(k, b), *ran = NULL, *forecast = NULL;
    MP_OK(floc_coll_last_algorithm(ctx, k, &ran));
    MP_OK(floc_coll_algorithm(ctx, k, b, &forecast));
    if (!ran || strcmp(ran, want))
        MP_FAIL("%s of %zu bytes on %d: ran %s, docs/coll.md says %s", k, b, p,
                ran ? ran : "(null)", want);
    if (!forecast || strcmp(forecast, want))
        MP_FAIL("%s of %zu bytes on %d: floc_coll_algorithm says %s, docs/coll.md %s", k, b,
                p, forecast ? forecast : "(null)", want);
}

/* ---- each collective at one size, its result checked ---------------- */

static uint8_t pat(unsigned a, size_t j)
{
    return (uint8_t)(a * 37u + j * 7u + (j >> 8));
}

static void *alloc(size_t bytes)
{
    void *b = malloc(bytes ? bytes : 1);
    if (!b) {
        fprintf(stderr, "mp_algo: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return b;
}

static void run_bcast(size_t b)
{
    const int root = (int)(calls++ % (unsigned)p);
    uint8_t *buf = alloc(b);
    for (size_t j = 0; j < b; j++)
        buf[j] = me == root ? pat((unsigned)root, j) : 0xee;
    MP_OK(floc_broadcast(ctx, buf, b, FLOC_BYTE, root));
    for (size_t j = 0; j < b; j++)
        if (buf[j] != pat((unsigned)root, j)) {
            MP_FAIL("bcast of %zu bytes from %d: byte %zu is %u", b, root, j, buf[j]);
            break;
        }
    free(buf);
}

/* sums of small integers in doubles: exact in any order */
static void run_allreduce(size_t b, int reduce)
{
    const size_t n = b / sizeof(double);
    const int root = (int)(calls++ % (unsigned)p);
    double *s = alloc(b), *r = alloc(b);
    for (size_t j = 0; j < n; j++) {
        s[j] = (double)(me + 1) * (double)(j % 5 + 1);
        r[j] = -1;
    }
    /* every other reduce in place at the root (its input in r) */
    const int in_place = reduce && me == root && (calls & 2);
    if (in_place)
        memcpy(r, s, n * sizeof *s);
    if (reduce)
        MP_OK(floc_reduce(ctx, in_place ? FLOC_IN_PLACE : s, r, n, FLOC_DOUBLE, FLOC_SUM, root));
    else
        MP_OK(floc_allreduce(ctx, s, r, n, FLOC_DOUBLE, FLOC_SUM));
    const double tri = (double)p * (p + 1) / 2;
    if (!reduce || me == root)
        for (size_t j = 0; j < n; j++)
            if (r[j] != tri * (double)(j % 5 + 1)) {
                MP_FAIL("%s of %zu doubles: [%zu] = %g, expected %g", reduce ? "reduce" : "allreduce",
                        n, j, r[j], tri * (double)(j % 5 + 1));
                break;
            }
    free(s);
    free(r);
}

/* gather, allgather (everyone gets it), scatter; every other gather and
 * scatter in place at the root (its own block stays in rbuf / sbuf) */
static void run_blocks(const char *k, size_t b)
{
    const int root = (int)(calls++ % (unsigned)p);
    const int all = !strcmp(k, "allgather"), scatter = !strcmp(k, "scatter");
    const int in_place = !all && me == root && (calls & 2);
    uint8_t *s = alloc(scatter ? b * (size_t)p : b), *r = alloc(scatter ? b : b * (size_t)p);
    if (scatter) {
        for (int d = 0; d < p; d++)
            for (size_t j = 0; j < b; j++)
                s[(size_t)d * b + j] = me == root ? pat((unsigned)d, j) : 0xee;
        memset(r, 0xee, b);
        MP_OK(floc_scatter(ctx, s, in_place ? FLOC_IN_PLACE : r, b, FLOC_BYTE, root));
        const uint8_t *mine = in_place ? s + (size_t)me * b : r;
        for (size_t j = 0; j < b; j++)
            if (mine[j] != pat((unsigned)me, j)) {
                MP_FAIL("scatter of %zu-byte blocks from %d%s: byte %zu", b, root,
                        in_place ? " (in place)" : "", j);
                break;
            }
    } else {
        for (size_t j = 0; j < b; j++)
            s[j] = pat((unsigned)me, j);
        memset(r, 0xee, b * (size_t)p);
        if (in_place)
            memcpy(r + (size_t)me * b, s, b);
        if (all)
            MP_OK(floc_allgather(ctx, s, r, b, FLOC_BYTE));
        else
            MP_OK(floc_gather(ctx, in_place ? FLOC_IN_PLACE : s, r, b, FLOC_BYTE, root));
        if (all || me == root)
            for (size_t q = 0; q < (size_t)p * b; q++)
                if (r[q] != pat((unsigned)(q / b), q % b)) {
                    MP_FAIL("%s of %zu-byte blocks: byte %zu of block %zu", k, b, q % b, q / b);
                    break;
                }
    }
    free(s);
    free(r);
}

static void run_alltoall(size_t b)
{
    uint8_t *s = alloc(b * (size_t)p), *r = alloc(b * (size_t)p);
    for (int d = 0; d < p; d++)
        for (size_t j = 0; j < b; j++)
            s[(size_t)d * b + j] = pat((unsigned)(me * p + d), j);
    memset(r, 0xee, b * (size_t)p);
    MP_OK(floc_alltoall(ctx, s, r, b, FLOC_BYTE));
    for (size_t q = 0; q < (size_t)p * b; q++)
        if (r[q] != pat((unsigned)((int)(q / b) * p + me), q % b)) {
            MP_FAIL("alltoall of %zu-byte blocks: byte %zu from %zu", b, q % b, q / b);
            break;
        }
    free(s);
    free(r);
}

/* every other call the result over the start of the send vector (block
 * 0, which the others read while this locality writes there) */
static void run_reduce_scatter(size_t b)
{
    const size_t n = b / sizeof(double);
    double *s = alloc(b * (size_t)p), *own = alloc(b);
    double *r = calls++ & 1 ? s : own;
    for (int d = 0; d < p; d++)
        for (size_t j = 0; j < n; j++)
            s[(size_t)d * n + j] = (double)((me + 1) * (d + 1)) + (double)(j % 3);
    if (r != s)
        for (size_t j = 0; j < n; j++)
            r[j] = -1;
    MP_OK(floc_reduce_scatter(ctx, s, r, n, FLOC_DOUBLE, FLOC_SUM));
    const double tri = (double)p * (p + 1) / 2;
    for (size_t j = 0; j < n; j++)
        if (r[j] != tri * (me + 1) + (double)p * (double)(j % 3)) {
            MP_FAIL("reduce_scatter of %zu-double blocks%s: [%zu] = %g", n,
                    r == s ? " over the send vector" : "", j, r[j]);
            break;
        }
    free(s);
    free(own);
}

static void run(const char *k, size_t b)
{
    if (!strcmp(k, "bcast"))
        run_bcast(b);
    else if (!strcmp(k, "allreduce") || !strcmp(k, "reduce"))
        run_allreduce(b, !strcmp(k, "reduce"));
    else if (!strcmp(k, "alltoall"))
        run_alltoall(b);
    else if (!strcmp(k, "reduce_scatter"))
        run_reduce_scatter(b);
    else
        run_blocks(k, b);
    check_algorithm(k, b);
}

/* k at each threshold (bytes), one element (e bytes) below and above */
static void around(const char *k, size_t e, const size_t *thresholds, size_t nt)
{
    run(k, e);
    for (size_t i = 0; i < nt; i++) {
        const size_t t = thresholds[i] / e * e;
        if (t > e)
            run(k, t - e);
        if (t >= e) {
            run(k, t);
            run(k, t + e);
        }
    }
}
#define AROUND(k, e, ...)                                                                 \
    do {                                                                                  \
        const size_t t_[] = {__VA_ARGS__};                                                \
        around(k, e, t_, sizeof t_ / sizeof t_[0]);                                       \
    } while (0)

/* ---- the environment the expectations need ------------------------- */

/* Does process_vm_readv reach the next locality?  (floc's own probe
 * decides whether the CMA allgather can run; this one is the test's.) */
static int probe_cma(void)
{
    if (p < 2)
        return 0;
    struct { uint64_t pid, addr; } mine = {(uint64_t)getpid(), 0}, next;
    static volatile uint64_t word = 0x5eed5eed5eedull;
    mine.addr = (uint64_t)(uintptr_t)&word;
    const int to = (me + p - 1) % p, from = (me + 1) % p;
    floc_request_t *rq;
    MP_MUST(floc_irecv(ctx, &next, sizeof next, from, 71, NULL, &rq));
    MP_MUST(floc_send(ctx, &mine, sizeof mine, to, 71));
    MP_MUST(floc_wait(rq));
    uint64_t seen = 0;
    struct iovec here = {&seen, sizeof seen}, there = {(void *)(uintptr_t)next.addr, sizeof seen};
    int ok = process_vm_readv((pid_t)next.pid, &here, 1, &there, 1, 0) == (ssize_t)sizeof seen &&
             seen == 0x5eed5eed5eedull;
    /* everyone's answer, by messages (not a collective under test) */
    int all = ok;
    if (me == 0) {
        for (int q = 1; q < p; q++) {
            int v;
            MP_MUST(floc_recv(ctx, &v, sizeof v, q, 72, NULL));
            all &= v;
        }
        for (int q = 1; q < p; q++)
            MP_MUST(floc_send(ctx, &all, sizeof all, q, 73));
    } else {
        MP_MUST(floc_send(ctx, &ok, sizeof ok, 0, 72));
        MP_MUST(floc_recv(ctx, &all, sizeof all, 0, 73, NULL));
    }
    return all;
}

int main(int argc, char **argv)
{
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    p = floc_num_localities(ctx);
    const char *mode = argc > 1 ? argv[1] : "segment";
    forced = !strcmp(mode, "forced");
    nodes = floc_num_nodes(ctx);
    const int several = !strcmp(mode, "nodes") || !strcmp(mode, "flat");
    hier = !strcmp(mode, "nodes");
    /* the node segment of a one-node job */
    seg_max = several || !strcmp(mode, "fabric") ? 0 : !strcmp(mode, "small") ? 4096 : 64 * KiB;
    if ((nodes > 1) != several || p > 64) {
        fprintf(stderr, "mp_algo: modes nodes and flat on several nodes, the others on one; "
                        "up to 64 localities (the table above)\n");
        return 2;
    }
    cma = seg_max ? probe_cma() : 0;
    const size_t m = seg_max, pm = seg_max / (size_t)p; /* the segment holds m, or p blocks of pm */

    MP_OK(floc_barrier(ctx));
    check_algorithm("barrier", 0);
    AROUND("bcast", 1, 16 * KiB, 32 * KiB, 64 * KiB, 512 * KiB, 1 * MiB, m);
    AROUND("allreduce", 8, 8 * KiB, 32 * KiB, 64 * KiB, 256 * KiB, 512 * KiB, m);
    AROUND("reduce", 8, 64 * KiB, 2 * MiB, m);
    AROUND("gather", 1, 1 * KiB, 16 * KiB, 64 * KiB, 1 * MiB, m);
    AROUND("scatter", 1, 1 * KiB, 16 * KiB, 32 * KiB, pm, m);
    AROUND("allgather", 1, 1 * KiB, 4 * KiB, 8 * KiB, 32 * KiB, m);
    AROUND("alltoall", 1, 8 * KiB, 16 * KiB, pm);
    AROUND("reduce_scatter", 8, 4 * KiB, 8 * KiB, pm);

    /* nothing to exchange: no algorithm */
    const char *name = NULL;
    double x = 1, y = 0;
    MP_OK(floc_allreduce(ctx, &x, &y, 0, FLOC_DOUBLE, FLOC_SUM));
    MP_OK(floc_coll_last_algorithm(ctx, "allreduce", &name));
    if (!name || strcmp(name, "none"))
        MP_FAIL("an allreduce of 0 elements ran %s", name ? name : "(null)");
    /* the arguments are checked */
    MP_EXPECT(FLOC_ERR_INVALID, floc_coll_algorithm(ctx, "allreduction", 8, &name));
    MP_EXPECT(FLOC_ERR_INVALID, floc_coll_last_algorithm(ctx, NULL, &name));
    MP_EXPECT(FLOC_ERR_INVALID, floc_coll_algorithm(ctx, "bcast", 8, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_coll_algorithm(NULL, "bcast", 8, &name));
    MP_OK(floc_coll_algorithm(ctx, "broadcast", 8, &name));

    if (me == 0)
        printf("mp_algo %s on %d (%d nodes): CMA %s, segment %zu bytes, %u rooted calls\n",
               mode, p, nodes, cma ? "yes" : "no", seg_max, calls);
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_algo");
}
