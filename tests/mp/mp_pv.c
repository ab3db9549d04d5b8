/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_pv.c - partitioned vectors on every locality count, against serial
 * references computed here on every locality from the element formula.
 *
 * For each distribution (block, cyclic, block-cyclic 3 and 64) and length
 * (0, 1, p - 1, p + 1, 7, 1000, 100003: empty parts, n < p, n not
 * divisible by p, b not dividing n, parts large enough for several
 * worker threads): the index maps, get/put of ranges across owners
 * (blocking and nonblocking) checked element by element, fill, iota,
 * for_each, transform, reduce with every op, transform_reduce, dot,
 * min/max with index (with ties), inclusive/exclusive scans, copies
 * between every pair of distributions, redistribute round trips, gather
 * and scatter.  Then the argument checks.
 */
#include <math.h>

#include "mp_util.h"

static floc_ctx_t *ctx;
static int me, np;

/* the element formula: distinct values, both signs */
static int64_t val(size_t g)
{
    return (int64_t)((g * 2654435761ull) % 1000003ull) - 500000;
}

static const char *dist_name(floc_dist_t d)
{
    static char buf[32];
    if (d.kind == FLOC_DIST_BLOCK)
        return "block";
    if (d.kind == FLOC_DIST_CYCLIC)
        return "cyclic";
    snprintf(buf, sizeof buf, "block-cyclic(%zu)", d.block);
    return buf;
}

#define NDISTS 4
static floc_dist_t dists[NDISTS];

static uint64_t rng_state = 12345;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* set every element to val(g) through the local part (no floc algorithm) */
static void set_local(floc_pv_t *pv, int64_t (*f)(size_t))
{
    int64_t *d;
    size_t nl;
    MP_MUST(floc_pv_local(pv, (void **)&d, &nl));
    for (size_t l = 0; l < nl; l++) {
        size_t g;
        MP_MUST(floc_pv_global_index(pv, me, l, &g));
        d[l] = f(g);
    }
    MP_OK(floc_pv_fence(pv));
}

/* every local element against f(g); returns mismatches */
static int check_local(floc_pv_t *pv, int64_t (*f)(size_t), const char *what)
{
    int64_t *d;
    size_t nl;
    MP_MUST(floc_pv_local(pv, (void **)&d, &nl));
    for (size_t l = 0; l < nl; l++) {
        size_t g;
        MP_MUST(floc_pv_global_index(pv, me, l, &g));
        if (d[l] != f(g)) {
            MP_FAIL("%s: element %zu (local %zu) is %lld, expected %lld", what, g, l,
                    (long long)d[l], (long long)f(g));
            return 1;
        }
    }
    return 0;
}

static void check_layout(floc_pv_t *pv, size_t n, floc_dist_t d)
{
    size_t total = 0, nl, sz;
    void *ptr;
    MP_OK(floc_pv_size(pv, &sz));
    if (sz != n)
        MP_FAIL("size %zu, expected %zu", sz, n);
    MP_OK(floc_pv_local(pv, &ptr, &nl));
    for (int k = 0; k < np; k++) {
        size_t c;
        MP_OK(floc_pv_local_count(pv, k, &c));
        if (k == me && c != nl)
            MP_FAIL("local count %zu but floc_pv_local says %zu", c, nl);
        total += c;
    }
    if (total != n)
        MP_FAIL("%s n %zu: parts add up to %zu", dist_name(d), n, total);
    /* owner agrees with the formula of floc.h and with global_index */
    for (size_t g = 0; g < n; g += 1 + g / 16) {
        int k, rk;
        size_t l, rl, back;
        MP_OK(floc_pv_owner(pv, g, &k, &l));
        size_t b = d.kind == FLOC_DIST_CYCLIC ? 1 : d.block;
        if (d.kind == FLOC_DIST_BLOCK) {
            size_t q = n / (size_t)np, r = n % (size_t)np;
            rk = g < r * (q + 1) ? (int)(g / (q + 1)) : (int)(r + (g - r * (q + 1)) / q);
            rl = g - ((size_t)rk * q + ((size_t)rk < r ? (size_t)rk : r));
        } else {
            rk = (int)((g / b) % (size_t)np);
            rl = (g / (b * (size_t)np)) * b + g % b;
        }
        if (k != rk || l != rl)
            MP_FAIL("%s n %zu: owner of %zu is (%d, %zu), expected (%d, %zu)", dist_name(d), n, g,
                    k, l, rk, rl);
        MP_OK(floc_pv_global_index(pv, k, l, &back));
        if (back != g)
            MP_FAIL("global_index(%d, %zu) = %zu, expected %zu", k, l, back, g);
    }
}

static int check_range(const int64_t *buf, size_t first, size_t count, int64_t (*f)(size_t),
                       const char *what)
{
    for (size_t i = 0; i < count; i++)
        if (buf[i] != f(first + i)) {
            MP_FAIL("%s [%zu, +%zu): element %zu is %lld, expected %lld", what, first, count,
                    first + i, (long long)buf[i], (long long)f(first + i));
            return 1;
        }
    return 0;
}

static int64_t val_put(size_t g)
{
    return val(g) * 3 + 7;
}

static void check_access(size_t n, floc_dist_t d)
{
    floc_pv_t *pv;
    MP_MUST(floc_pv_create(ctx, n, FLOC_INT64, d, &pv));
    check_layout(pv, n, d);
    set_local(pv, val);
    int64_t *buf = malloc((n + 1) * sizeof *buf);
    if (!buf)
        exit(1);
    /* the whole vector, then random ranges */
    MP_OK(floc_pv_get(pv, 0, n, buf));
    check_range(buf, 0, n, val, "get all");
    for (int t = 0; t < 20; t++) {
        size_t a = rnd() % (n + 1), c = rnd() % (n - a + 1);
        memset(buf, 0, (n + 1) * sizeof *buf);
        MP_OK(floc_pv_get(pv, a, c, buf));
        check_range(buf, a, c, val, "get");
    }
    /* several nonblocking gets in flight at once */
    enum { NB = 6 };
    floc_request_t *reqs[NB];
    int64_t *parts[NB];
    size_t firsts[NB], counts[NB];
    for (int t = 0; t < NB; t++) {
        firsts[t] = rnd() % (n + 1);
        counts[t] = rnd() % (n - firsts[t] + 1);
        parts[t] = malloc((counts[t] + 1) * sizeof(int64_t));
        MP_MUST(floc_pv_iget(pv, firsts[t], counts[t], parts[t], &reqs[t]));
    }
    MP_OK(floc_waitall(NB, reqs));
    for (int t = 0; t < NB; t++) {
        check_range(parts[t], firsts[t], counts[t], val, "iget");
        free(parts[t]);
    }
    MP_OK(floc_pv_fence(pv));
    /* puts: chunk c of 3p chunks written by locality c mod p, half of them
     * nonblocking; everyone then reads everything back */
    int nchunks = 3 * np;
    for (int c = me; c < nchunks; c += np) {
        size_t a = (size_t)((unsigned __int128)n * (unsigned)c / (unsigned)nchunks);
        size_t e = (size_t)((unsigned __int128)n * (unsigned)(c + 1) / (unsigned)nchunks);
        int64_t *src = malloc((e - a + 1) * sizeof *src);
        for (size_t g = a; g < e; g++)
            src[g - a] = val_put(g);
        if (c % 2) {
            floc_request_t *r;
            MP_OK(floc_pv_iput(pv, a, e - a, src, &r));
            MP_OK(floc_wait(r));
        } else {
            MP_OK(floc_pv_put(pv, a, e - a, src));
        }
        free(src);
    }
    MP_OK(floc_pv_fence(pv));
    check_local(pv, val_put, "after puts (local part)");
    memset(buf, 0, (n + 1) * sizeof *buf);
    MP_OK(floc_pv_get(pv, 0, n, buf));
    check_range(buf, 0, n, val_put, "get after puts");
    free(buf);
    MP_OK(floc_pv_destroy(pv));
}

/* ---- algorithms ---------------------------------------------------- */

static void triple_plus_one(void *data, size_t count, size_t lidx, void *arg)
{
    int64_t *d = data;
    (void)lidx, (void)arg;
    for (size_t i = 0; i < count; i++)
        d[i] = 3 * d[i] + 1;
}
static int64_t val_tpo(size_t g) { return 3 * val(g) + 1; }

static void half(const void *in, void *out, size_t count, size_t lidx, void *arg)
{
    const int64_t *a = in;
    double *b = out;
    (void)lidx, (void)arg;
    for (size_t i = 0; i < count; i++)
        b[i] = (double)a[i] * 0.5;
}

static void square(const void *in, void *out, size_t count, size_t lidx, void *arg)
{
    const int64_t *a = in;
    int64_t *b = out;
    (void)lidx, (void)arg;
    for (size_t i = 0; i < count; i++)
        b[i] = a[i] * a[i];
}

/* a value with many ties */
static int64_t val_tie(size_t g) { return val(g) % 97; }
static int64_t val_small(size_t g) { return val(g) % 5 + 2; }
static int64_t val_iota(size_t g) { return (int64_t)g - 42; }
static int64_t val_seven(size_t g) { (void)g; return 7; }

static void check_reduce_ops(floc_pv_t *pv, size_t n, int64_t (*f)(size_t))
{
    int64_t sum = 0, mn = INT64_MAX, mx = INT64_MIN, r;
    uint64_t prod = 1, band = ~0ull, bor = 0, bxor = 0;
    for (size_t g = 0; g < n; g++) {
        int64_t v = f(g);
        sum += v;
        prod *= (uint64_t)v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        band &= (uint64_t)v;
        bor |= (uint64_t)v;
        bxor ^= (uint64_t)v;
    }
    const struct { floc_op_t op; int64_t want; const char *name; } cases[] = {
        {FLOC_SUM, sum, "sum"}, {FLOC_PROD, (int64_t)prod, "prod"}, {FLOC_MIN, mn, "min"},
        {FLOC_MAX, mx, "max"}, {FLOC_BAND, (int64_t)band, "band"}, {FLOC_BOR, (int64_t)bor, "bor"},
        {FLOC_BXOR, (int64_t)bxor, "bxor"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        r = 12345;
        MP_OK(floc_pv_reduce(pv, cases[i].op, &r));
        if (r != cases[i].want)
            MP_FAIL("reduce %s over %zu: %lld, expected %lld", cases[i].name, n, (long long)r,
                    (long long)cases[i].want);
    }
}

static void check_minmax(floc_pv_t *pv, size_t n, int64_t (*f)(size_t))
{
    if (n == 0)
        return;   /* no minimum: checked in check_bad_args */
    for (int m = 0; m < 2; m++) {
        size_t bi = 0;
        for (size_t g = 1; g < n; g++)
            if (m ? f(g) > f(bi) : f(g) < f(bi))
                bi = g;
        int64_t v;
        size_t gi;
        MP_OK(floc_pv_minmax(pv, m ? FLOC_MAX : FLOC_MIN, &v, &gi));
        if (v != f(bi) || gi != bi)
            MP_FAIL("%s over %zu: %lld at %zu, expected %lld at %zu", m ? "max" : "min", n,
                    (long long)v, gi, (long long)f(bi), bi);
    }
}

static int64_t *scan_ref;   /* reference for the scans, by global index */
static int64_t val_scan(size_t g) { return scan_ref[g]; }

static void check_scans(floc_pv_t *pv, size_t n, floc_dist_t d)
{
    scan_ref = malloc((n + 1) * sizeof *scan_ref);
    floc_pv_t *out[NDISTS];
    for (int k = 0; k < NDISTS; k++)
        MP_MUST(floc_pv_create(ctx, n, FLOC_INT64, dists[k], &out[k]));
    for (int excl = 0; excl < 2; excl++) {
        for (int opi = 0; opi < 2; opi++) {
            floc_op_t op = opi ? FLOC_MAX : FLOC_SUM;
            int64_t acc = opi ? INT64_MIN : 0;
            for (size_t g = 0; g < n; g++) {
                if (excl)
                    scan_ref[g] = acc;
                acc = opi ? (val(g) > acc ? val(g) : acc) : acc + val(g);
                if (!excl)
                    scan_ref[g] = acc;
            }
            for (int k = 0; k < NDISTS; k++) {
                MP_OK(excl ? floc_pv_exclusive_scan(pv, out[k], op)
                           : floc_pv_inclusive_scan(pv, out[k], op));
                char what[96];
                snprintf(what, sizeof what, "%s scan %s, %s -> %s", excl ? "exclusive" : "inclusive",
                         opi ? "max" : "sum", dist_name(d), dist_name(dists[k]));
                check_local(out[k], val_scan, what);
            }
        }
    }
    /* in place */
    floc_pv_t *tmp;
    MP_MUST(floc_pv_create(ctx, n, FLOC_INT64, d, &tmp));
    set_local(tmp, val);
    int64_t acc = 0;
    for (size_t g = 0; g < n; g++)
        scan_ref[g] = acc += val(g);
    MP_OK(floc_pv_inclusive_scan(tmp, tmp, FLOC_SUM));
    check_local(tmp, val_scan, "inclusive scan in place");
    MP_OK(floc_pv_destroy(tmp));
    for (int k = 0; k < NDISTS; k++)
        MP_OK(floc_pv_destroy(out[k]));
    free(scan_ref);
}

static void check_algorithms(size_t n, floc_dist_t d)
{
    floc_pv_t *pv, *pd;
    int64_t seven = 7, start = -42;
    MP_MUST(floc_pv_full(ctx, n, FLOC_INT64, d, &seven, &pv));
    check_local(pv, val_seven, "full");
    MP_OK(floc_pv_iota(pv, &start));
    check_local(pv, val_iota, "iota");
    set_local(pv, val);
    check_reduce_ops(pv, n, val);
    check_minmax(pv, n, val);
    set_local(pv, val_tie);
    check_minmax(pv, n, val_tie);
    set_local(pv, val_small);
    check_reduce_ops(pv, n, val_small);   /* products that are not 0 */
    set_local(pv, val);

    /* transform_reduce: sum of squares, exact in int64 */
    int64_t ss = 0, r = 0;
    for (size_t g = 0; g < n; g++)
        ss += val(g) * val(g);
    MP_OK(floc_pv_transform_reduce(pv, square, NULL, FLOC_INT64, FLOC_SUM, &r));
    if (r != ss)
        MP_FAIL("transform_reduce: %lld, expected %lld", (long long)r, (long long)ss);
    /* dot with itself is the same sum */
    r = 0;
    MP_OK(floc_pv_dot(pv, pv, &r));
    if (r != ss)
        MP_FAIL("dot: %lld, expected %lld", (long long)r, (long long)ss);

    /* transform int64 -> double (exact), then double reductions */
    MP_MUST(floc_pv_create(ctx, n, FLOC_DOUBLE, d, &pd));
    MP_OK(floc_pv_transform(pv, pd, half, NULL));
    double *dd;
    size_t nl;
    MP_OK(floc_pv_local(pd, (void **)&dd, &nl));
    for (size_t l = 0; l < nl; l++) {
        size_t g;
        floc_pv_global_index(pd, me, l, &g);
        if (dd[l] != (double)val(g) * 0.5) {
            MP_FAIL("transform: element %zu is %g, expected %g", g, dd[l], (double)val(g) * 0.5);
            break;
        }
    }
    double dsum = 0, dmin = INFINITY, dot = 0, rs = 0, rmin = 0, rdot = 0;
    for (size_t g = 0; g < n; g++) {
        double x = (double)val(g) * 0.5;
        dsum += x;
        dot += x * x;
        dmin = x < dmin ? x : dmin;
    }
    MP_OK(floc_pv_reduce(pd, FLOC_SUM, &rs));
    MP_OK(floc_pv_reduce(pd, FLOC_MIN, &rmin));
    MP_OK(floc_pv_dot(pd, pd, &rdot));
    /* sums of these halves are exact in double (|x| < 2^19, n < 2^17) */
    if (rs != dsum || rmin != dmin || fabs(rdot - dot) > 1e-12 * fabs(dot))
        MP_FAIL("double: sum %.17g/%.17g min %g/%g dot %.17g/%.17g", rs, dsum, rmin, dmin, rdot, dot);
    MP_OK(floc_pv_destroy(pd));

    /* for_each */
    MP_OK(floc_pv_for_each(pv, triple_plus_one, NULL));
    check_local(pv, val_tpo, "for_each");
    set_local(pv, val);
    check_scans(pv, n, d);
    MP_OK(floc_pv_destroy(pv));
}

/* ---- moving whole vectors ------------------------------------------- */

static void check_moves(size_t n)
{
    floc_pv_t *v[NDISTS];
    for (int k = 0; k < NDISTS; k++)
        MP_MUST(floc_pv_create(ctx, n, FLOC_INT64, dists[k], &v[k]));
    for (int a = 0; a < NDISTS; a++) {
        set_local(v[a], val);
        for (int b = 0; b < NDISTS; b++) {
            if (a == b)
                continue;
            set_local(v[b], val_seven);
            MP_OK(floc_pv_copy(v[a], v[b]));
            char what[80];
            snprintf(what, sizeof what, "copy n %zu %s ->", n, dist_name(dists[a]));
            snprintf(what + strlen(what), sizeof what - strlen(what), " %s", dist_name(dists[b]));
            check_local(v[b], val, what);
        }
    }
    /* redistribute round trip block -> cyclic -> bc(3) -> bc(64) -> block */
    floc_pv_t *cur;
    MP_MUST(floc_pv_redistribute(v[0], dists[0], &cur));
    for (int k = 1; k <= NDISTS; k++) {
        floc_pv_t *next;
        MP_OK(floc_pv_redistribute(cur, dists[k % NDISTS], &next));
        MP_OK(floc_pv_destroy(cur));
        cur = next;
        floc_dist_t got;
        MP_OK(floc_pv_dist(cur, &got));
        if (got.kind != dists[k % NDISTS].kind)
            MP_FAIL("redistribute gave kind %d", (int)got.kind);
        check_local(cur, val, "redistribute round trip");
    }
    MP_OK(floc_pv_destroy(cur));
    /* gather to each root, scatter from it */
    int64_t *all = malloc((n + 1) * sizeof *all);
    for (int k = 0; k < NDISTS; k++) {
        int root = (k + 1) % np;
        memset(all, 0, (n + 1) * sizeof *all);
        MP_OK(floc_pv_gather(v[k], root, all));
        if (me == root)
            check_range(all, 0, n, val, "gather");
        for (size_t g = 0; g < n && me == root; g++)
            all[g] = val_tpo(g);
        MP_OK(floc_pv_scatter(v[k], root, me == root ? all : NULL));
        check_local(v[k], val_tpo, "scatter");
    }
    free(all);
    for (int k = 0; k < NDISTS; k++)
        MP_OK(floc_pv_destroy(v[k]));
}

/* ---- argument checks --------------------------------------------------- */

static void check_bad_args(void)
{
    floc_pv_t *pv, *other;
    const size_t n = 10;
    int64_t x = 0, buf[16];
    size_t s;
    int k;
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_create(NULL, n, FLOC_INT64, dists[0], &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_create(ctx, n, FLOC_INT64, dists[0], NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_create(ctx, n, (floc_dtype_t)99, dists[0], &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_create(ctx, n, FLOC_INT64, floc_dist_block_cyclic(0), &pv));
    floc_dist_t bad = {(floc_dist_kind_t)9, 0};
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_create(ctx, n, FLOC_INT64, bad, &pv));
    /* localities that disagree on the length all get the error */
    if (np > 1)
        MP_EXPECT(FLOC_ERR_INVALID, floc_pv_create(ctx, me == 0 ? n : n + 1, FLOC_INT64, dists[0],
                                                   &pv));
    MP_MUST(floc_pv_create(ctx, n, FLOC_INT64, dists[1], &pv));
    MP_MUST(floc_pv_create(ctx, n + 1, FLOC_INT64, dists[1], &other));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_get(pv, n, 1, buf));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_get(pv, 0, n + 1, buf));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_get(pv, 1, SIZE_MAX, buf));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_put(pv, 0, 1, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_get(NULL, 0, 1, buf));
    MP_OK(floc_pv_get(pv, n, 0, NULL));   /* an empty range at the end is fine */
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_iget(pv, 0, 1, buf, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_owner(pv, n, &k, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_owner(pv, 0, NULL, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_global_index(pv, np, 0, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_global_index(pv, -1, 0, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_global_index(pv, 0, n, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_local_count(pv, np, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_local(pv, NULL, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_fill(pv, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_reduce(pv, FLOC_MINLOC, &x));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_reduce(pv, (floc_op_t)77, &x));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_reduce(pv, FLOC_SUM, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_minmax(pv, FLOC_SUM, &x, &s));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_for_each(pv, NULL, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_dot(pv, other, &x));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_copy(pv, other));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_gather(pv, np, buf));
    /* a nonblocking get not waited for holds fence and destroy back */
    floc_request_t *req;
    MP_OK(floc_pv_iget(pv, 0, n, buf, &req));
    MP_EXPECT(FLOC_ERR_BUSY, floc_pv_fence(pv));
    MP_EXPECT(FLOC_ERR_BUSY, floc_pv_destroy(pv));
    MP_OK(floc_wait(req));
    MP_OK(floc_pv_fence(pv));
    MP_OK(floc_pv_destroy(other));
    MP_OK(floc_pv_destroy(pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_destroy(NULL));
    /* an empty vector has an identity sum and no minimum */
    MP_MUST(floc_pv_create(ctx, 0, FLOC_DOUBLE, dists[0], &pv));
    double z = 1, mn = 0;
    MP_OK(floc_pv_reduce(pv, FLOC_SUM, &z));
    MP_OK(floc_pv_reduce(pv, FLOC_MIN, &mn));
    if (z != 0.0 || !isinf(mn) || mn < 0)
        MP_FAIL("empty reductions: sum %g, min %g", z, mn);
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_minmax(pv, FLOC_MIN, &z, &s));
    MP_OK(floc_pv_destroy(pv));
}

int main(int argc, char **argv)
{
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    np = floc_num_localities(ctx);
    dists[0] = floc_dist_block();
    dists[1] = floc_dist_cyclic();
    dists[2] = floc_dist_block_cyclic(3);
    dists[3] = floc_dist_block_cyclic(64);
    const size_t sizes[] = {0, 1, (size_t)np - 1, (size_t)np + 1, 7, 1000, 100003};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int k = 0; k < NDISTS; k++) {
            check_access(sizes[si], dists[k]);
            check_algorithms(sizes[si], dists[k]);
        }
        check_moves(sizes[si]);
    }
    check_bad_args();
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_pv");
}
