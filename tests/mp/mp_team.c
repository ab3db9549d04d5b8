/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_team.c - teams: floc_split, floc_dup, floc_split_node, floc_team_free.
 *
 *   floc-run -n N mp_team         every check below (N >= 1)
 *   floc-run -n N mp_team noseg   the same, locality 1 refusing the group
 *                                 segments of its teams (FLOC_TEAM_SEGMENT=0)
 *   floc-run -n 4 mp_team lost    a locality of one team freezes: its team
 *                                 fails, a disjoint team and a team without
 *                                 it keep working (FLOC_PEER_TIMEOUT short)
 *
 * The localities form a 2 x N/2 grid (1 x N for odd N): row and column
 * teams run every collective (sizes that cross the algorithms' thresholds;
 * FLOC_<COLL>_ALGO of the environment forces one, and the test checks that
 * it ran) against references computed here from the members' world ids;
 * parent and teams with the same tags in flight at once (no cross-talk);
 * nonblocking collectives on the row, the column and the world started in
 * different orders on different localities; teams of teams; FLOC_UNDEFINED;
 * the node team; alltoallv with zero and uneven counts; waitany/waitsome on
 * team requests; misuse; 1,000 split/free cycles without growth.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "mp_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

static floc_ctx_t *world;
static int me, n;

/* element i of the contribution of world locality w (small: products stay exact) */
static int64_t val(int w, size_t i)
{
    return (int64_t)(w % 3) + 1 + (int64_t)(i % 2);
}

static int64_t big(int w, size_t i)
{
    return (int64_t)w * 1000003 + (int64_t)i;
}

static int64_t fold(floc_op_t op, int64_t a, int64_t b)
{
    switch (op) {
    case FLOC_SUM: return a + b;
    case FLOC_PROD: return a * b;
    case FLOC_MIN: return a < b ? a : b;
    default: return a > b ? a : b;
    }
}

/* the forced algorithm of kind (FLOC_<KIND>_ALGO) must be the one that ran */
static void check_algo(floc_ctx_t *t, const char *kind, const char *var, const char *what)
{
    const char *want = getenv(var), *ran = NULL;
    if (!want || !*want || floc_num_localities(t) == 1)
        return;   /* (one locality: nothing to exchange, "none") */
    MP_OK(floc_coll_last_algorithm(t, kind, &ran));
    if (ran && strcmp(ran, want) != 0)
        MP_FAIL("%s: %s ran %s, %s=%s", what, kind, ran, var, want);
}

static int64_t *alloc64(size_t count)
{
    int64_t *p = calloc(count ? count : 1, sizeof *p);
    if (!p)
        exit(1);
    return p;
}

#define EXPECT_EQ(got, want, ...)                                                       \
    do {                                                                                \
        if ((got) != (want)) {                                                          \
            MP_FAIL(__VA_ARGS__);                                                       \
            goto out;                                                                   \
        }                                                                               \
    } while (0)

/* Every collective on team t (which may be the world), count elements. */
static void collectives(floc_ctx_t *t, size_t count, const char *name)
{
    const int r = floc_locality_id(t), s = floc_num_localities(t);
    int *w = malloc((size_t)s * sizeof *w);
    int64_t *a = alloc64(count * (size_t)s), *b = alloc64(count * (size_t)s);
    size_t *cnt = calloc((size_t)s, sizeof *cnt), *dsp = calloc((size_t)s, sizeof *dsp);
    size_t *rcnt = calloc((size_t)s, sizeof *rcnt), *rdsp = calloc((size_t)s, sizeof *rdsp);
    if (!w || !cnt || !dsp || !rcnt || !rdsp)
        exit(1);
    for (int q = 0; q < s; q++)
        if ((w[q] = floc_team_to_world(t, q)) < 0)
            MP_FAIL("%s: floc_team_to_world(%d) = %d", name, q, w[q]);
    if (w[r] != me)
        MP_FAIL("%s: rank %d maps to world %d, this locality is %d", name, r, w[r], me);

    MP_OK(floc_barrier(t));

    /* broadcast from the last rank */
    const int broot = s - 1;
    for (size_t i = 0; i < count; i++)
        a[i] = r == broot ? big(w[broot], i) : -1;
    MP_OK(floc_broadcast(t, a, count, FLOC_INT64, broot));
    for (size_t i = 0; i < count; i++)
        EXPECT_EQ(a[i], big(w[broot], i), "%s: bcast %zu element %zu", name, count, i);
    check_algo(t, "bcast", "FLOC_BCAST_ALGO", name);

    /* allreduce, every op */
    static const floc_op_t ops[] = {FLOC_SUM, FLOC_PROD, FLOC_MIN, FLOC_MAX};
    for (size_t o = 0; o < 4; o++) {
        for (size_t i = 0; i < count; i++)
            a[i] = val(w[r], i) + (ops[o] == FLOC_PROD ? 0 : big(w[r], i) % 97);
        MP_OK(floc_allreduce(t, a, b, count, FLOC_INT64, ops[o]));
        for (size_t i = 0; i < count; i++) {
            int64_t want = 0;
            for (int q = 0; q < s; q++) {
                int64_t x = val(w[q], i) + (ops[o] == FLOC_PROD ? 0 : big(w[q], i) % 97);
                want = q ? fold(ops[o], want, x) : x;
            }
            EXPECT_EQ(b[i], want, "%s: allreduce op %d of %zu: element %zu is %lld, not %lld",
                      name, (int)ops[o], count, i, (long long)b[i], (long long)want);
        }
    }
    check_algo(t, "allreduce", "FLOC_ALLREDUCE_ALGO", name);

    /* reduce (sum) to rank 0 */
    for (size_t i = 0; i < count; i++)
        a[i] = big(w[r], i);
    MP_OK(floc_reduce(t, a, b, count, FLOC_INT64, FLOC_SUM, 0));
    for (size_t i = 0; r == 0 && i < count; i++) {
        int64_t want = 0;
        for (int q = 0; q < s; q++)
            want += big(w[q], i);
        EXPECT_EQ(b[i], want, "%s: reduce %zu element %zu", name, count, i);
    }
    check_algo(t, "reduce", "FLOC_REDUCE_ALGO", name);

    /* gather to s/2, scatter from 0, allgather, alltoall */
    for (size_t i = 0; i < count; i++)
        a[i] = big(w[r], i);
    MP_OK(floc_gather(t, a, b, count, FLOC_INT64, s / 2));
    for (int q = 0; r == s / 2 && q < s; q++)
        for (size_t i = 0; i < count; i++)
            EXPECT_EQ(b[(size_t)q * count + i], big(w[q], i), "%s: gather %zu block %d", name,
                      count, q);
    check_algo(t, "gather", "FLOC_GATHER_ALGO", name);
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < count; i++)
            a[(size_t)q * count + i] = r == 0 ? (int64_t)mp_value(w[0], w[q], i) : -1;
    MP_OK(floc_scatter(t, a, b, count, FLOC_INT64, 0));
    for (size_t i = 0; i < count; i++)
        EXPECT_EQ(b[i], (int64_t)mp_value(w[0], w[r], i), "%s: scatter %zu element %zu", name,
                  count, i);
    check_algo(t, "scatter", "FLOC_SCATTER_ALGO", name);
    for (size_t i = 0; i < count; i++)
        a[i] = big(w[r], i);
    MP_OK(floc_allgather(t, a, b, count, FLOC_INT64));
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < count; i++)
            EXPECT_EQ(b[(size_t)q * count + i], big(w[q], i), "%s: allgather %zu block %d",
                      name, count, q);
    check_algo(t, "allgather", "FLOC_ALLGATHER_ALGO", name);
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < count; i++)
            a[(size_t)q * count + i] = (int64_t)mp_value(w[r], w[q], i);
    MP_OK(floc_alltoall(t, a, b, count, FLOC_INT64));
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < count; i++)
            EXPECT_EQ(b[(size_t)q * count + i], (int64_t)mp_value(w[q], w[r], i),
                      "%s: alltoall %zu block %d", name, count, q);

    /* reduce_scatter, scan, exscan (sums) */
    for (size_t i = 0; i < count * (size_t)s; i++)
        a[i] = big(w[r], i);
    MP_OK(floc_reduce_scatter(t, a, b, count, FLOC_INT64, FLOC_SUM));
    for (size_t i = 0; i < count; i++) {
        int64_t want = 0;
        for (int q = 0; q < s; q++)
            want += big(w[q], (size_t)r * count + i);
        EXPECT_EQ(b[i], want, "%s: reduce_scatter %zu element %zu", name, count, i);
    }
    for (size_t i = 0; i < count; i++)
        a[i] = big(w[r], i);
    MP_OK(floc_scan(t, a, b, count, FLOC_INT64, FLOC_SUM));
    for (size_t i = 0; i < count; i++) {
        int64_t want = 0;
        for (int q = 0; q <= r; q++)
            want += big(w[q], i);
        EXPECT_EQ(b[i], want, "%s: scan %zu element %zu", name, count, i);
    }
    for (size_t i = 0; i < count; i++)
        b[i] = -7;
    MP_OK(floc_exscan(t, a, b, count, FLOC_INT64, FLOC_SUM));
    for (size_t i = 0; r > 0 && i < count; i++) {
        int64_t want = 0;
        for (int q = 0; q < r; q++)
            want += big(w[q], i);
        EXPECT_EQ(b[i], want, "%s: exscan %zu element %zu", name, count, i);
    }

    /* the v-forms: rank q's block has (q % 3) * count / 2 elements (some empty) */
    size_t total = 0;
    for (int q = 0; q < s; q++) {
        cnt[q] = (size_t)(q % 3) * count / 2;
        dsp[q] = total;
        total += cnt[q];
    }
    int64_t *v = alloc64(total);
    for (size_t i = 0; i < cnt[r]; i++)
        a[i] = big(w[r], i);
    MP_OK(floc_allgatherv(t, a, cnt[r], v, cnt, dsp, FLOC_INT64));
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < cnt[q]; i++)
            EXPECT_EQ(v[dsp[q] + i], big(w[q], i), "%s: allgatherv block %d", name, q);
    memset(v, 0, total * sizeof *v);
    MP_OK(floc_gatherv(t, a, cnt[r], v, cnt, dsp, FLOC_INT64, s - 1));
    for (int q = 0; r == s - 1 && q < s; q++)
        for (size_t i = 0; i < cnt[q]; i++)
            EXPECT_EQ(v[dsp[q] + i], big(w[q], i), "%s: gatherv block %d", name, q);
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < cnt[q]; i++)
            v[dsp[q] + i] = r == 0 ? (int64_t)mp_value(w[0], w[q], i) : -1;
    MP_OK(floc_scatterv(t, v, cnt, dsp, b, cnt[r], FLOC_INT64, 0));
    for (size_t i = 0; i < cnt[r]; i++)
        EXPECT_EQ(b[i], (int64_t)mp_value(w[0], w[r], i), "%s: scatterv element %zu", name, i);
    free(v);

    /* alltoallv: r sends (r + 2q) % 3 * count / 2 elements to q (zeros too) */
    size_t soff = 0, roff = 0;
    for (int q = 0; q < s; q++) {
        cnt[q] = (size_t)((r + 2 * q) % 3) * count / 2;
        rcnt[q] = (size_t)((q + 2 * r) % 3) * count / 2;
        dsp[q] = soff;
        rdsp[q] = roff + 1;   /* a gap: displacements are honoured */
        soff += cnt[q];
        roff += rcnt[q] + 1;
    }
    int64_t *sv = alloc64(soff), *rv = alloc64(roff + 1);
    for (int q = 0; q < s; q++)
        for (size_t i = 0; i < cnt[q]; i++)
            sv[dsp[q] + i] = (int64_t)mp_value(w[r], w[q], i);
    for (size_t i = 0; i <= roff; i++)
        rv[i] = -5;
    MP_OK(floc_alltoallv(t, sv, cnt, dsp, rv, rcnt, rdsp, FLOC_INT64));
    for (int q = 0; q < s; q++) {
        for (size_t i = 0; i < rcnt[q]; i++)
            EXPECT_EQ(rv[rdsp[q] + i], (int64_t)mp_value(w[q], w[r], i),
                      "%s: alltoallv %zu from %d element %zu", name, count, q, i);
        EXPECT_EQ(rv[rdsp[q] - 1], -5, "%s: alltoallv wrote into the gap before block %d", name,
                  q);
    }
    free(sv);
    free(rv);
out:
    free(w);
    free(a);
    free(b);
    free(cnt);
    free(dsp);
    free(rcnt);
    free(rdsp);
}

/* The same tags in flight on the world, a team and its dup at once: each
 * message lands in its own context's receive. */
static void no_crosstalk(floc_ctx_t *t, const char *name)
{
    floc_ctx_t *d = NULL;
    MP_MUST(floc_dup(t, &d));
    floc_ctx_t *ctxs[3] = {world, t, d};
    int32_t in[3] = {-1, -1, -1}, out[3];
    floc_request_t *rr[3], *sr[3];
    for (int k = 0; k < 3; k++) {
        const int s = floc_num_localities(ctxs[k]), r = floc_locality_id(ctxs[k]);
        MP_MUST(floc_irecv(ctxs[k], &in[k], sizeof in[k], FLOC_ANY_SOURCE, 77, NULL, &rr[k]));
        out[k] = k * 1000 + r;
        (void)s;
    }
    /* sends in the reverse order of the receives */
    for (int k = 2; k >= 0; k--) {
        const int s = floc_num_localities(ctxs[k]), r = floc_locality_id(ctxs[k]);
        MP_MUST(floc_isend(ctxs[k], &out[k], sizeof out[k], (r + 1) % s, 77, &sr[k]));
    }
    for (int k = 0; k < 3; k++) {
        floc_msg_status_t st;
        (void)st;
        MP_OK(floc_wait(sr[k]));
        MP_OK(floc_wait(rr[k]));
        const int s = floc_num_localities(ctxs[k]), r = floc_locality_id(ctxs[k]);
        if (in[k] != k * 1000 + (r + s - 1) % s)
            MP_FAIL("%s: context %d received %d, expected %d", name, k, in[k],
                    k * 1000 + (r + s - 1) % s);
    }
    /* ANY_SOURCE status names the sender by team rank */
    {
        const int s = floc_num_localities(d), r = floc_locality_id(d);
        floc_msg_status_t st = {-1, -1, 0};
        int32_t x = r, y = -1;
        floc_request_t *q;
        MP_MUST(floc_irecv(d, &y, sizeof y, FLOC_ANY_SOURCE, 5, &st, &q));
        MP_OK(floc_send(d, &x, sizeof x, (r + 1) % s, 5));
        MP_OK(floc_wait(q));
        if (st.source != (r + s - 1) % s || y != (r + s - 1) % s || st.tag != 5)
            MP_FAIL("%s: status source %d tag %d (value %d), expected team rank %d", name,
                    st.source, st.tag, y, (r + s - 1) % s);
    }
    MP_OK(floc_team_free(d));
}

/* nonblocking allreduces on row, column and world, started in an order
 * that differs between localities (allowed across contexts) */
static void crossed(floc_ctx_t *row, floc_ctx_t *col)
{
    int64_t in[3], outv[3] = {0, 0, 0};
    floc_ctx_t *c[3] = {row, col, world};
    floc_request_t *req[3];
    const int order = me % 2;   /* row first, or column first */
    for (int k = 0; k < 3; k++) {
        const int idx = k == 2 ? 2 : (order ? 1 - k : k);
        in[idx] = me + 1;
        MP_MUST(floc_iallreduce(c[idx], &in[idx], &outv[idx], 1, FLOC_INT64, FLOC_SUM, &req[idx]));
    }
    size_t done = 0, idx, cnt, ids[3];
    int st[3];
    int rc = floc_waitany(3, req, &idx);
    if (rc || idx >= 3 || req[idx]) {
        MP_FAIL("crossed: waitany returned %s, index %zu", floc_strerror(rc), idx);
        exit(1);
    }
    done++;
    while (done < 3) {
        if ((rc = floc_waitsome(3, req, &cnt, ids, st)) || cnt == 0) {
            MP_FAIL("crossed: waitsome returned %s, %zu complete", floc_strerror(rc), cnt);
            exit(1);
        }
        for (size_t k = 0; k < cnt; k++)
            if (req[ids[k]] || st[k])
                MP_FAIL("crossed: waitsome entry %zu left or failed (%d)", ids[k], st[k]);
        done += cnt;
    }
    for (int k = 0; k < 3; k++) {
        int64_t want = 0;
        const int s = floc_num_localities(c[k]);
        for (int q = 0; q < s; q++)
            want += floc_team_to_world(c[k], q) + 1;
        if (outv[k] != want)
            MP_FAIL("crossed: context %d sum %lld, expected %lld", k, (long long)outv[k],
                    (long long)want);
    }
}

static long open_fds(void)
{
    long k = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        k++;
    closedir(d);
    return k;
}

static long rss_kb(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* lines of /proc/self/maps: the mappings of this process */
static long mappings(void)
{
    long k = 0;
    int c;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    while ((c = fgetc(f)) != EOF)
        k += c == '\n';
    fclose(f);
    return k;
}

/* heap bytes in use (malloc'd, small and mmapped) */
static long heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)(mi.uordblks + mi.hblkhd);
}

/* split/free cycles leave nothing behind: the same files and mappings,
 * the heap within a request slab or two, resident memory within 2 MiB */
/*
 * 1,000 split/free cycles leak nothing: open files, mappings and heap are
 * measured after 100 cycles (warm), after 600 and after 1,100, and a leak
 * grows in both halves.  One growth alone is a pool of the provider's
 * filling once under load (tcp;ofi_rxm's buffer pools grow by a chunk
 * when messages queue up: seen once in CI as one mapping and ~480 kB,
 * with another job busy on the same two cores).
 */
static void cycles(void)
{
    floc_ctx_t *t;
    long rss[3] = {0}, fd[3] = {0}, maps[3] = {0}, heap[3] = {0};
    for (int i = 0; i <= 1100; i++) {
        if (i == 100 || i == 600 || i == 1100) {
            const int k = i == 100 ? 0 : i == 600 ? 1 : 2;
            rss[k] = rss_kb();
            fd[k] = open_fds();
            maps[k] = mappings();
            heap[k] = heap_bytes();
            if (i == 1100)
                break;
        }
        MP_MUST(floc_split(world, me % 2, -me, &t));
        int64_t x = 1, y = 0;
        if (i % 100 == 0) {
            MP_OK(floc_allreduce(t, &x, &y, 1, FLOC_INT64, FLOC_SUM));
            if (y != floc_num_localities(t))
                MP_FAIL("cycle %d: team sum %lld", i, (long long)y);
        }
        MP_MUST(floc_team_free(t));
    }
    if (fd[1] > fd[0] && fd[2] > fd[1])
        MP_FAIL("1,000 split/free cycles: open files %ld -> %ld -> %ld", fd[0], fd[1], fd[2]);
    if (maps[1] > maps[0] && maps[2] > maps[1])
        MP_FAIL("1,000 split/free cycles: mappings %ld -> %ld -> %ld", maps[0], maps[1], maps[2]);
    if (heap[1] - heap[0] > 16384 && heap[2] - heap[1] > 16384)
        MP_FAIL("1,000 split/free cycles: heap in use grew %ld -> %ld -> %ld bytes", heap[0],
                heap[1], heap[2]);
    /* (under AddressSanitizer freed memory waits in its quarantine, and
     * resident memory grows by design; its leak check runs at exit) */
    if (rss[1] - rss[0] > 2048 && rss[2] - rss[1] > 2048 && !ASAN)
        MP_FAIL("1,000 split/free cycles: resident memory grew %ld -> %ld -> %ld kB", rss[0],
                rss[1], rss[2]);
}

static void misuse(floc_ctx_t *row)
{
    floc_ctx_t *t = (floc_ctx_t *)&t;
    /* a bad color at one locality: every locality fails */
    MP_EXPECT(FLOC_ERR_INVALID, floc_split(world, me == n - 1 ? -5 : 0, 0, &t));
    if (t)
        MP_FAIL("a failed split left *team = %p", (void *)t);
    MP_EXPECT(FLOC_ERR_INVALID, floc_team_free(world));
    MP_EXPECT(FLOC_ERR_INVALID, floc_finalize(row));
    MP_EXPECT(FLOC_ERR_INVALID, floc_team_to_world(row, floc_num_localities(row)));
    MP_EXPECT(FLOC_ERR_INVALID, floc_team_to_world(row, -1));
    MP_EXPECT(FLOC_ERR_INVALID, floc_split(world, 0, 0, NULL));
    /* a team with a receive in flight is busy; canceled, it frees */
    floc_ctx_t *d;
    MP_MUST(floc_dup(row, &d));
    char buf[8];
    floc_request_t *r;
    MP_MUST(floc_irecv(d, buf, sizeof buf, 0, 99, NULL, &r));
    MP_EXPECT(FLOC_ERR_BUSY, floc_team_free(d));
    MP_OK(floc_cancel(r));
    MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(r));
    MP_OK(floc_team_free(d));
}

/* the small collectives of a team that spans nodes with several members
 * on one are hierarchical (unless an algorithm is forced) */
static void check_hier(floc_ctx_t *t, const char *kind, const char *what)
{
    const char *ran = NULL;
    const char *forced = getenv(strcmp(kind, "bcast") == 0 ? "FLOC_BCAST_ALGO"
                                : strcmp(kind, "allreduce") == 0 ? "FLOC_ALLREDUCE_ALGO"
                                : strcmp(kind, "reduce") == 0 ? "FLOC_REDUCE_ALGO"
                                : strcmp(kind, "allgather") == 0 ? "FLOC_ALLGATHER_ALGO"
                                : "FLOC_BARRIER_ALGO");
    MP_OK(floc_coll_last_algorithm(t, kind, &ran));
    if (!(forced && *forced) && ran && strcmp(ran, "hierarchical") != 0)
        MP_FAIL("%s: %s ran %s, not hierarchical", what, kind, ran);
}

/*
 * A fresh team over nodes with several of its members on one (of the
 * world less its locality 1, ranked backwards: uneven nodes, leaders that
 * are not the lowest world ids): its nonblocking collectives before any
 * blocking one run their node steps through the fabric (no group segment
 * yet), the blocking ones after through the group segments; every result
 * checked, the algorithm too.  Then a message past the group segments'
 * size: not hierarchical, still right.
 */
static void spanning(void)
{
    floc_ctx_t *t;
    MP_MUST(floc_split(world, me == 1 ? FLOC_UNDEFINED : 0, n - me, &t));
    if (!t)
        return;
    const int s = floc_num_localities(t), r = floc_locality_id(t), nodes = floc_num_nodes(t);
    if (s <= nodes || nodes < 2) {
        MP_OK(floc_team_free(t));
        return;
    }
    enum { K = 3 };
    int64_t x[K], y[K], all[64], sum[K] = {0}, max[K] = {0};
    int w[64];
    for (int q = 0; q < s && q < 64; q++)
        w[q] = floc_team_to_world(t, q);
    for (int i = 0; i < K; i++)
        for (int q = 0; q < s; q++) {
            sum[i] += big(w[q], (size_t)i);
            max[i] = q ? fold(FLOC_MAX, max[i], val(w[q], (size_t)i) * w[q]) : val(w[q], (size_t)i) * w[q];
        }
    for (int blocking = 0; blocking < 2; blocking++) {
        const char *how = blocking ? "spanning team, blocking" : "spanning team, nonblocking";
        floc_request_t *req;
        for (int i = 0; i < K; i++)
            x[i] = big(me, (size_t)i);
        if (blocking)
            MP_OK(floc_allreduce(t, x, y, K, FLOC_INT64, FLOC_SUM));
        else if (!floc_iallreduce(t, x, y, K, FLOC_INT64, FLOC_SUM, &req))
            MP_OK(floc_wait(req));
        for (int i = 0; i < K; i++)
            if (y[i] != sum[i])
                MP_FAIL("%s: allreduce element %d is %lld, not %lld", how, i, (long long)y[i],
                        (long long)sum[i]);
        check_hier(t, "allreduce", how);

        for (int i = 0; i < K; i++)
            x[i] = r == s - 1 ? big(me, (size_t)i) : -1;
        if (blocking)
            MP_OK(floc_broadcast(t, x, K, FLOC_INT64, s - 1));
        else if (!floc_ibroadcast(t, x, K, FLOC_INT64, s - 1, &req))
            MP_OK(floc_wait(req));
        for (int i = 0; i < K; i++)
            if (x[i] != big(w[s - 1], (size_t)i))
                MP_FAIL("%s: broadcast element %d is %lld", how, i, (long long)x[i]);
        check_hier(t, "bcast", how);

        /* reduce to rank 1: a root that is not its node's leader */
        for (int i = 0; i < K; i++)
            x[i] = val(me, (size_t)i) * me, y[i] = -1;
        if (blocking)
            MP_OK(floc_reduce(t, x, y, K, FLOC_INT64, FLOC_MAX, 1));
        else if (!floc_ireduce(t, x, y, K, FLOC_INT64, FLOC_MAX, 1, &req))
            MP_OK(floc_wait(req));
        for (int i = 0; r == 1 && i < K; i++)
            if (y[i] != max[i])
                MP_FAIL("%s: reduce element %d is %lld, not %lld", how, i, (long long)y[i],
                        (long long)max[i]);
        check_hier(t, "reduce", how);

        x[0] = big(me, 0);
        if (blocking)
            MP_OK(floc_allgather(t, x, all, 1, FLOC_INT64));
        else if (!floc_iallgather(t, x, all, 1, FLOC_INT64, &req))
            MP_OK(floc_wait(req));
        for (int q = 0; q < s && q < 64; q++)
            if (all[q] != big(w[q], 0))
                MP_FAIL("%s: allgather block %d is %lld", how, q, (long long)all[q]);
        check_hier(t, "allgather", how);

        if (blocking)
            MP_OK(floc_barrier(t));
        else if (!floc_ibarrier(t, &req))
            MP_OK(floc_wait(req));
        check_hier(t, "barrier", how);
    }
    /* past the group segments: the flat algorithms */
    const size_t big_count = (64 << 10) / sizeof(int64_t);
    int64_t *a = alloc64(big_count), *b = alloc64(big_count);
    for (size_t i = 0; i < big_count; i++)
        a[i] = big(me, i);
    MP_OK(floc_allreduce(t, a, b, big_count, FLOC_INT64, FLOC_SUM));
    for (size_t i = 0; i < big_count; i++) {
        int64_t want = 0;
        for (int q = 0; q < s; q++)
            want += big(w[q], i);
        if (b[i] != want) {
            MP_FAIL("spanning team: 64 KiB allreduce element %zu is %lld, not %lld", i,
                    (long long)b[i], (long long)want);
            break;
        }
    }
    const char *ran = NULL;
    MP_OK(floc_coll_last_algorithm(t, "allreduce", &ran));
    if (ran && strcmp(ran, "hierarchical") == 0)
        MP_FAIL("spanning team: a 64 KiB allreduce ran hierarchical (its group segments hold "
                "16 KiB)");
    free(a);
    free(b);
    MP_OK(floc_team_free(t));
}

static void check_team(floc_ctx_t *t, int size, int rank, const char *name)
{
    if (!t) {
        MP_FAIL("%s: no team", name);
        return;
    }
    if (floc_num_localities(t) != size || floc_locality_id(t) != rank)
        MP_FAIL("%s: rank %d of %d, expected %d of %d", name, floc_locality_id(t),
                floc_num_localities(t), rank, size);
}

/* locality 3 of 4 freezes; teams {0,1}, {2,3}, {0,1,2} */
static int lost(void)
{
    floc_ctx_t *pair, *three = NULL;
    MP_MUST(floc_split(world, me / 2, me, &pair));
    MP_MUST(floc_split(world, me < 3 ? 0 : FLOC_UNDEFINED, me, &three));
    int64_t x = 1, y = 0;
    MP_MUST(floc_allreduce(pair, &x, &y, 1, FLOC_INT64, FLOC_SUM));
    MP_MUST(floc_barrier(world));
    if (me == 3) {
        raise(SIGSTOP);   /* silent from now on: only the heartbeats tell */
        return 0;
    }
    int32_t verdict = 0;   /* 1: this locality saw what it should */
    if (me == 2) {
        int rc = 0;
        for (int i = 0; i < 100000 && !rc; i++)
            rc = floc_allreduce(pair, &x, &y, 1, FLOC_INT64, FLOC_SUM);
        verdict = rc == FLOC_ERR_PEER_LOST;
        printf("locality 2: its team with the frozen locality failed: %s\n", floc_strerror(rc));
    } else {
        /* 0 and 1: team allreduces until both know of the loss, then 50
         * more (bounded in time, not in calls: the pair's allreduce through
         * its group segment takes well under a microsecond, the loss 2 s
         * of silence to be known) */
        int after = -1, i;
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (i = 0; after < 50; i++) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            /* (the time limit travels with the data: both stop together) */
            int64_t v[3] = {floc_progress(world) == FLOC_ERR_PEER_LOST, 1,
                            t.tv_sec - t0.tv_sec > 30},
                    r[3];
            int rc = floc_allreduce(pair, v, r, 3, FLOC_INT64, FLOC_SUM);
            if (rc || r[1] != 2) {
                MP_FAIL("pair allreduce %d after the loss: %s", i, floc_strerror(rc));
                break;
            }
            if (r[2])
                break;   /* 30 s without both knowing of the loss */
            if (r[0] == 2 && after < 0)
                after = 0;
            else if (after >= 0)
                after++;
        }
        verdict = after >= 50 && !mp_failures;
        printf("locality %d: its team kept working after the loss (%d more calls)\n", me, after);
    }
    /* the three survivors compare notes on the team without the lost one */
    int32_t all = 0;
    int rc = floc_allreduce(three, &verdict, &all, 1, FLOC_INT32, FLOC_SUM);
    if (me == 0)
        printf("lost-team: %s (verdicts %d of 3, %s)\n",
               !rc && all == 3 ? "all checks passed" : "FAILED", all, floc_strerror(rc));
    fflush(stdout);
    MP_EXPECT(FLOC_ERR_PEER_LOST, floc_barrier(world));
    floc_finalize(world);
    return 3;   /* as an application would: the launcher ends the job */
}

int main(int argc, char **argv)
{
    /* noseg: the second locality opens no group segment (as when it
     * cannot): every team with it goes through the fabric, on all alike */
    const char *pr = getenv("PMIX_RANK");
    if (argc > 1 && strcmp(argv[1], "noseg") == 0 && pr && atoi(pr) == 1)
        setenv("FLOC_TEAM_SEGMENT", "0", 1);
    MP_MUST(floc_init(&argc, &argv, NULL, &world));
    me = mp_me = floc_locality_id(world);
    n = floc_num_localities(world);
    if (argc > 1 && strcmp(argv[1], "lost") == 0)
        return n == 4 ? lost() : 2;

    /* the grid: 2 rows for even n, else 1 */
    const int rows = n % 2 == 0 ? 2 : 1, cols = n / rows;
    floc_ctx_t *row = NULL, *col = NULL;
    MP_MUST(floc_split(world, me / cols, me % cols, &row));
    MP_MUST(floc_split(world, me % cols, me / cols, &col));
    check_team(row, cols, me % cols, "row");
    check_team(col, rows, me / cols, "column");
    for (int q = 0; row && q < cols; q++)
        if (floc_team_to_world(row, q) != (me / cols) * cols + q)
            MP_FAIL("row rank %d is world %d", q, floc_team_to_world(row, q));

    static const size_t counts[] = {1, 7, 4099};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        collectives(row, counts[i], "row");
        collectives(col, counts[i], "column");
    }
    collectives(world, 7, "world");

    spanning();

    /* reversed keys order the team backwards */
    floc_ctx_t *rev;
    MP_MUST(floc_split(world, 0, n - me, &rev));
    check_team(rev, n, n - 1 - me, "reversed");
    collectives(rev, 7, "reversed");

    /* teams of teams: the row split by parity of its rank */
    floc_ctx_t *sub;
    const int rr = floc_locality_id(row);
    MP_MUST(floc_split(row, rr % 2, rr, &sub));
    check_team(sub, (cols - rr % 2 + 1) / 2, rr / 2, "row half");
    collectives(sub, 7, "row half");

    /* FLOC_UNDEFINED: every third locality stays out */
    floc_ctx_t *some = (floc_ctx_t *)&some;
    MP_MUST(floc_split(world, me % 3 == 0 ? FLOC_UNDEFINED : 1, me, &some));
    if (me % 3 == 0 && some)
        MP_FAIL("FLOC_UNDEFINED gave a team");
    if (me % 3) {
        check_team(some, n - (n + 2) / 3, me - me / 3 - 1, "defined");
        collectives(some, 7, "defined");
        MP_OK(floc_team_free(some));
    }

    /* the node team */
    floc_ctx_t *node;
    MP_MUST(floc_split_node(world, &node));
    check_team(node, floc_local_size(world), floc_local_rank(world), "node");
    if (node && floc_num_nodes(node) != 1)
        MP_FAIL("node team spans %d nodes", floc_num_nodes(node));
    collectives(node, 7, "node");

    no_crosstalk(row, "row");
    no_crosstalk(col, "column");
    crossed(row, col);

    /* a partitioned vector on the row team */
    floc_pv_t *pv;
    const size_t len = 1000;
    MP_MUST(floc_pv_create(row, len, FLOC_INT64, floc_dist_block(), &pv));
    int64_t *part;
    size_t nloc;
    MP_OK(floc_pv_local(pv, (void **)&part, &nloc));
    for (size_t i = 0; i < nloc; i++) {
        size_t g;
        MP_OK(floc_pv_global_index(pv, rr, i, &g));
        part[i] = (int64_t)g * (me / cols + 1);
    }
    MP_OK(floc_pv_fence(pv));
    int64_t got[10];
    MP_OK(floc_pv_get(pv, len - 10, 10, got));
    for (int i = 0; i < 10; i++)
        if (got[i] != (int64_t)(len - 10 + (size_t)i) * (me / cols + 1))
            MP_FAIL("pv on the row team: element %zu is %lld", len - 10 + (size_t)i,
                    (long long)got[i]);
    MP_OK(floc_pv_fence(pv));
    {   /* a team with a live vector is busy */
        floc_ctx_t *d;
        floc_pv_t *dv;
        MP_MUST(floc_dup(row, &d));
        MP_MUST(floc_pv_create(d, 10, FLOC_INT64, floc_dist_block(), &dv));
        MP_EXPECT(FLOC_ERR_BUSY, floc_team_free(d));
        MP_OK(floc_pv_destroy(dv));
        MP_OK(floc_team_free(d));
    }
    MP_OK(floc_pv_destroy(pv));

    misuse(row);
    cycles();

    MP_OK(floc_team_free(sub));
    MP_OK(floc_team_free(rev));
    MP_OK(floc_team_free(col));
    /* row and node still live: floc_finalize frees them */
    int rc = mp_finish("mp_team");
    MP_OK(floc_finalize(world));
    return rc || mp_failures;
}
