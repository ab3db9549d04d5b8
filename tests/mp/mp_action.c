/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_action.c - remote actions (floc/action.h).
 *
 *   floc-run -n N mp_action          every check below (N >= 1)
 *   floc-run -n N mp_action flood    10,000 one-way 1 MiB actions to locality 0
 *                                    from each other one; peak memory printed
 *   floc-run -n N mp_action busy     (FLOC_PROGRESS=thread) a target that
 *                                    computes without floc calls answers
 *   floc-run -n 2 mp_action abandon  (FLOC_WAIT_TIMEOUT=300ms) a blocking call
 *                                    that times out is let go: its reply, which
 *                                    comes later, never reaches its buffers;
 *                                    a floc_wait that times out leaves its call
 *                                    live, and a second wait gets the reply
 *   floc-run -n 2 mp_action abandonbig  (FLOC_WAIT_TIMEOUT=500ms,
 *                                    FLOC_PROGRESS=thread) the same with 16 MiB
 *                                    replies that come as the calls time out:
 *                                    the progress thread may be reading one
 *                                    into its buffer right then; the call
 *                                    returns after that read, never before
 *   floc-run -n 3 mp_action kill     locality 2 is killed with calls to it in
 *                                    flight: they fail with FLOC_ERR_PEER_LOST,
 *                                    and the survivors go on calling each other
 *
 * Every reply is checked against a value computed here: 100,000 calls
 * among all pairs in windows, arguments and replies of 0, 1, eager - 1,
 * eager, eager + 1, 1 MiB + 3 and 64 MiB bytes, truncation, handler
 * errors, unknown ids, tables that differ, recursion a -> b -> a inside
 * handlers, posts counted at their targets after floc_action_flush,
 * floc_action_on_all, floc_pv_apply on every element of a cyclic and a
 * block vector, misuse.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mp_util.h"

static floc_ctx_t *ctx;
static int me, n;
static floc_action_t a_mix, a_echo, a_fail, a_rec, a_count, a_size, a_busy;
static _Atomic uint64_t posts_here, bytes_here;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ull;
    x ^= x >> 27;
    return x * 0x81dadef4bc2dd44dull;
}

static unsigned char pattern(size_t i, uint64_t seed)
{
    return (unsigned char)(mix(seed + i / 8) >> (8 * (i % 8)));
}

/* reply mix(a ^ b << 1) ^ this locality */
static int h_mix(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    uint64_t v[2];
    if (len != sizeof v)
        return FLOC_ERR_INVALID;
    memcpy(v, args, sizeof v);
    uint64_t r = mix(v[0] ^ v[1] << 1) ^ (uint64_t)me;
    return floc_action_reply(call, &r, sizeof r);
}

static int h_echo(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    return floc_action_reply(call, args, len);
}

static int h_fail(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)call, (void)args, (void)len, (void)user;
    return FLOC_ERR_ACCESS;
}

/* args {depth, value}: depth 0 replies value; else calls the caller back
 * with {depth - 1, value + 1} and replies what it got */
static int h_rec(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    int64_t v[2];
    if (len != sizeof v)
        return FLOC_ERR_INVALID;
    memcpy(v, args, sizeof v);
    if (v[0] > 0) {
        int64_t next[2] = {v[0] - 1, v[1] + 1}, got = 0;
        size_t gl = 0;
        int ret = floc_call(ctx, floc_action_source(call), a_rec, next, sizeof next, &got,
                            sizeof got, &gl);
        if (ret)
            return ret;
        v[1] = got;
    }
    return floc_action_reply(call, &v[1], sizeof v[1]);
}

static int h_count(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    int first;
    if (len == sizeof first && (memcpy(&first, args, sizeof first), first == 0) &&
        floc_action_reply(call, NULL, 0) != FLOC_ERR_STATE)
        return FLOC_ERR_INVALID;   /* a post has nobody to reply to */
    /* every byte checked: pattern seeded by the sender */
    if (len >= 8) {
        uint64_t seed;
        memcpy(&seed, args, 8);
        const unsigned char *b = args;
        for (size_t i = 8; i < len; i += 4093)
            if (b[i] != pattern(i, seed))
                return FLOC_ERR_INVALID;
    }
    atomic_fetch_add(&posts_here, 1);
    atomic_fetch_add(&bytes_here, len);
    return 0;
}

/* args {size, seed}: a reply of size bytes of pattern(seed) */
static int h_size(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    uint64_t v[2];
    if (len < sizeof v)
        return FLOC_ERR_INVALID;
    memcpy(v, args, sizeof v);
    unsigned char *b = malloc(v[0] ? v[0] : 1);
    if (!b)
        return FLOC_ERR_NOMEM;
    for (size_t i = 0; i < v[0]; i++)
        b[i] = pattern(i, v[1]);
    int ret = floc_action_reply(call, b, v[0]);
    free(b);
    return ret;
}

static int h_busy(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)args, (void)len, (void)user;
    int r = me;
    return floc_action_reply(call, &r, sizeof r);
}

/* floc_pv_apply's handler: the elements += the int64 argument */
static int h_pvadd(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    floc_pv_apply_view_t v;
    int ret = floc_pv_apply_unpack(call, args, len, &v);
    if (ret)
        return ret;
    int64_t add;
    if (v.len != sizeof add)
        return FLOC_ERR_INVALID;
    memcpy(&add, v.args, sizeof add);
    int64_t *local = v.local;
    for (size_t i = 0; i < v.count; i++)
        local[v.lidx[i]] += add;
    return 0;
}
static floc_action_t a_pvadd;

/* a read-modify-write that takes a while: two handlers at once lose bumps */
static volatile long bumps;
static floc_action_t a_bump;
static int h_bump(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)call, (void)args, (void)len, (void)user;
    const long v = bumps;
    for (volatile int spin = 0; spin < 2000; spin++)
        ;
    bumps = v + 1;
    return 0;
}

static _Atomic int done_here;
static floc_action_t a_done;
static int h_done(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)call, (void)args, (void)len, (void)user;
    atomic_store(&done_here, 1);
    return 0;
}

/* answers 8 bytes of 0xab after a second (longer than the callers'
 * FLOC_WAIT_TIMEOUT in mode abandon) */
static floc_action_t a_slow;
static int h_slow(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)args, (void)len, (void)user;
    const struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    unsigned char r[8];
    memset(r, 0xab, sizeof r);
    return floc_action_reply(call, r, sizeof r);
}

/* sleeps the milliseconds it is given, then replies BIG_REPLY bytes of
 * pattern(i, 7) (mode abandonbig) */
enum { BIG_REPLY = 16 << 20, BIG_TIMEOUT_MS = 500 };
static floc_action_t a_slowbig;
static unsigned char *big_reply;
static int h_slowbig(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    uint32_t ms;
    if (len != sizeof ms)
        return FLOC_ERR_INVALID;
    memcpy(&ms, args, sizeof ms);
    const struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
    return floc_action_reply(call, big_reply, BIG_REPLY);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void sync_all(void)
{
    MP_MUST(floc_barrier(ctx));
}

static void check_pairs(int total)
{
    enum { WINDOW = 64 };
    floc_request_t *reqs[WINDOW] = {0};
    uint64_t got[WINDOW], args[WINDOW][2];
    int to[WINDOW];
    size_t lens[WINDOW];
    int bad = 0;
    for (int i = 0; i < total + WINDOW; i++) {
        const int w = i % WINDOW;
        if (reqs[w]) {
            int ret = floc_wait(reqs[w]);
            uint64_t want = mix(args[w][0] ^ args[w][1] << 1) ^ (uint64_t)to[w];
            if (ret || got[w] != want || lens[w] != 8)
                if (bad++ < 3)
                    MP_FAIL("call %llu to %d: %s, %llx (want %llx)",
                            (unsigned long long)args[w][0], to[w], floc_strerror(ret),
                            (unsigned long long)got[w], (unsigned long long)want);
            reqs[w] = NULL;
        }
        if (i >= total)
            continue;
        to[w] = (me + 1 + i) % n;
        args[w][0] = (uint64_t)i;
        args[w][1] = (uint64_t)me * 1000003u;
        MP_OK(floc_async(ctx, to[w], a_mix, args[w], sizeof args[w], &got[w], sizeof got[w],
                         &lens[w], &reqs[w]));
    }
}

static void check_sizes(int big)
{
    const size_t eager = FLOC_ACTION_EAGER;
    const size_t sizes[] = {0, 1, eager - 1, eager, eager + 1, ((size_t)1 << 20) + 3,
                            (size_t)64 << 20};
    const int nsizes = big ? 7 : 6;
    unsigned char *buf = malloc(((size_t)64 << 20) + 16), *out = malloc(((size_t)64 << 20) + 16);
    if (!buf || !out)
        exit(1);
    for (int s = 0; s < nsizes; s++) {
        const size_t len = sizes[s];
        const int t = (me + 1) % n;
        /* arguments of len bytes echoed */
        uint64_t seed = mix((uint64_t)me * 77 + (uint64_t)s);
        for (size_t i = 0; i < len; i++)
            buf[i] = pattern(i, seed);
        size_t rl = 12345;
        MP_OK(floc_call(ctx, t, a_echo, buf, len, out, len, &rl));
        if (rl != len || (len && memcmp(out, buf, len)))
            MP_FAIL("echo of %zu bytes to %d: %zu back, %s", len, t, rl,
                    len && memcmp(out, buf, len) ? "different" : "same");
        /* a reply of len bytes from a small request */
        uint64_t req[2] = {len, seed ^ 1};
        rl = 0;
        memset(out, 0, len + 1);
        MP_OK(floc_call(ctx, t, a_size, req, sizeof req, out, len + 1, &rl));
        int same = rl == len;
        for (size_t i = 0; same && i < len; i++)
            same = out[i] == pattern(i, seed ^ 1);
        if (!same)
            MP_FAIL("reply of %zu bytes from %d: %zu, wrong", len, t, rl);
        /* truncated: half the capacity */
        if (len >= 2) {
            rl = 0;
            MP_EXPECT(FLOC_ERR_TRUNCATED, floc_call(ctx, t, a_size, req, sizeof req, out, len / 2,
                                                    &rl));
            if (rl != len || out[len / 2 - 1] != pattern(len / 2 - 1, seed ^ 1))
                MP_FAIL("truncated reply of %zu bytes: length %zu", len, rl);
        }
    }
    free(buf);
    free(out);
}

static int all_checks(void)
{
    floc_action_t dup;
    MP_EXPECT(FLOC_ERR_INVALID, floc_action_register(ctx, "mp.echo", h_echo, NULL, &dup));
    MP_EXPECT(FLOC_ERR_INVALID, floc_action_register(ctx, "", h_echo, NULL, &dup));
    MP_EXPECT(FLOC_ERR_INVALID, floc_action_register(ctx, "x", NULL, NULL, &dup));
    if (a_echo != floc_action_id("mp.echo"))
        MP_FAIL("the id is not the name's");
    MP_EXPECT(FLOC_ERR_INVALID, floc_call(ctx, n, a_echo, NULL, 0, NULL, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_call(ctx, 0, a_echo, NULL, 5, NULL, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_async(ctx, 0, a_echo, NULL, 0, NULL, 0, NULL, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_action_reply(NULL, NULL, 0));

    /* handler errors and unknown ids, on every target */
    for (int t = 0; t < n; t++) {
        MP_EXPECT(FLOC_ERR_ACCESS, floc_call(ctx, t, a_fail, NULL, 0, NULL, 0, NULL));
        MP_EXPECT(FLOC_ERR_INVALID,
                  floc_call(ctx, t, floc_action_id("nobody serves this"), NULL, 0, NULL, 0, NULL));
    }
    /* tables that differ: only locality 0 serves mp.only0 */
    if (me == 0) {
        floc_action_t id;
        MP_OK(floc_action_register(ctx, "mp.only0", h_busy, NULL, &id));
    }
    sync_all();
    int r = -1;
    MP_OK(floc_call(ctx, 0, floc_action_id("mp.only0"), NULL, 0, &r, sizeof r, NULL));
    if (r != 0)
        MP_FAIL("mp.only0 on 0 answered %d", r);
    if (n > 1)
        MP_EXPECT(FLOC_ERR_INVALID, floc_call(ctx, n - 1, floc_action_id("mp.only0"), NULL, 0, &r,
                                              sizeof r, NULL));

    /* recursion a -> b -> a -> ... inside handlers */
    for (int depth = 0; depth <= 6; depth++) {
        int64_t v[2] = {depth, 1000 * me}, got = -1;
        MP_OK(floc_call(ctx, (me + 1) % n, a_rec, v, sizeof v, &got, sizeof got, NULL));
        if (got != 1000 * me + depth)
            MP_FAIL("recursion depth %d: %lld", depth, (long long)got);
    }

    check_pairs(100000 / n);
    check_sizes(1);

    /* posts: K small and 3 large to every locality, counted there */
    enum { K = 500 };
    sync_all();
    uint64_t before = atomic_load(&posts_here), before_bytes = atomic_load(&bytes_here);
    sync_all();
    unsigned char *large = malloc((size_t)1 << 20);
    uint64_t seed = mix((uint64_t)me + 99);
    memcpy(large, &seed, 8);
    for (size_t i = 8; i < ((size_t)1 << 20); i++)
        large[i] = pattern(i, seed);
    for (int t = 0; t < n; t++) {
        for (int k = 0; k < K; k++)
            MP_OK(floc_post(ctx, t, a_count, &k, sizeof k));
        for (int k = 0; k < 3; k++)
            MP_OK(floc_post(ctx, t, a_count, large, (size_t)1 << 20));
    }
    MP_OK(floc_action_flush(ctx));
    free(large);
    sync_all();
    uint64_t got = atomic_load(&posts_here) - before, gotb = atomic_load(&bytes_here) - before_bytes;
    uint64_t want = (uint64_t)n * (K + 3), wantb = (uint64_t)n * (K * sizeof(int) + 3 * (1u << 20));
    if (got != want || gotb != wantb)
        MP_FAIL("posts run here: %llu (%llu bytes), want %llu (%llu)", (unsigned long long)got,
                (unsigned long long)gotb, (unsigned long long)want, (unsigned long long)wantb);

    /* floc_pv_apply on every element of a cyclic vector, in a scrambled order */
    for (int d = 0; d < 2; d++) {
        const size_t nel = 1000 + 7;
        floc_pv_t *pv;
        MP_OK(floc_pv_zeros(ctx, nel, FLOC_INT64, d ? floc_dist_block() : floc_dist_cyclic(),
                            &pv));
        MP_OK(floc_pv_fence(pv));   /* made everywhere before anyone applies (as for puts) */
        size_t *idx = malloc(nel * sizeof *idx);
        for (size_t i = 0; i < nel; i++)
            idx[i] = (i * 7919 + (size_t)me) % nel;
        int64_t add = me + 1;
        MP_OK(floc_pv_apply(pv, idx, nel, a_pvadd, &add, sizeof add));
        size_t past = nel;
        MP_EXPECT(FLOC_ERR_INVALID, floc_pv_apply(pv, &past, 1, a_pvadd, &add, sizeof add));
        sync_all();
        int64_t *all = malloc(nel * sizeof *all);
        MP_OK(floc_pv_get(pv, 0, nel, all));
        const int64_t total = (int64_t)n * (n + 1) / 2;
        for (size_t i = 0; i < nel; i++)
            if (all[i] != total) {
                MP_FAIL("floc_pv_apply: element %zu is %lld, want %lld", i, (long long)all[i],
                        (long long)total);
                break;
            }
        sync_all();
        MP_OK(floc_pv_destroy(pv));
        free(all);
        free(idx);
    }
    /* handlers one at a time: this locality's calls on itself while the
     * others call it (with a progress thread serving those meanwhile) */
    {
        enum { BUMPS = 3000 };
        sync_all();
        bumps = 0;
        sync_all();
        for (int i = 0; i < BUMPS; i++) {   /* the neighbour's call and mine overlap */
            floc_request_t *bump;
            MP_OK(floc_async(ctx, (me + 1) % n, a_bump, NULL, 0, NULL, 0, NULL, &bump));
            MP_OK(floc_call(ctx, me, a_bump, NULL, 0, NULL, 0, NULL));
            MP_OK(floc_wait(bump));
        }
        sync_all();
        if (bumps != 2L * BUMPS)
            MP_FAIL("handlers at once: %ld bumps of %d", bumps, 2 * BUMPS);
    }
    /* arguments that floc_pv_apply did not make */
    MP_EXPECT(FLOC_ERR_INVALID, floc_call(ctx, (me + 1) % n, a_pvadd, "junk", 4, NULL, 0, NULL));

    /* every locality at once */
    int *replies = calloc((size_t)n, sizeof *replies);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    MP_OK(floc_action_on_all(ctx, a_busy, NULL, 0, replies, sizeof *replies, lens));
    for (int k = 0; k < n; k++)
        if (replies[k] != k || lens[k] != sizeof(int))
            MP_FAIL("on_all: locality %d answered %d (%zu bytes)", k, replies[k], lens[k]);
    free(replies);
    free(lens);
    sync_all();
    return 0;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int flood(void)
{
    enum { COUNT = 10000 };
    const size_t len = (size_t)1 << 20;
    sync_all();
    const long before = peak_kib();
    double t0 = 0;
    if (me != 0) {
        unsigned char *b = malloc(len);
        uint64_t seed = mix((uint64_t)me);
        memcpy(b, &seed, 8);
        for (size_t i = 8; i < len; i++)
            b[i] = pattern(i, seed);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t0 = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
        for (int i = 0; i < COUNT; i++)
            MP_OK(floc_post(ctx, 0, a_count, b, len));
        MP_OK(floc_action_flush(ctx));
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t0 = (double)ts.tv_sec + ts.tv_nsec * 1e-9 - t0;
        free(b);
    }
    sync_all();
    if (me == 0 && atomic_load(&posts_here) != (uint64_t)COUNT * (uint64_t)(n - 1))
        MP_FAIL("flood: %llu posts ran, want %llu", (unsigned long long)atomic_load(&posts_here),
                (unsigned long long)COUNT * (uint64_t)(n - 1));
    printf("flood: locality %d: peak RSS %ld MiB (%ld MiB before)%s\n", me, peak_kib() / 1024,
           before / 1024, me ? "" : " (the target)");
    if (me)
        printf("flood: locality %d: %d x 1 MiB in %.2f s (%.0f MB/s)\n", me, COUNT, t0,
               COUNT * (double)len / t0 / 1e6);
    /* bounded: a few times the credits' worth of 1 MiB buffers, not 10,000 */
    if (peak_kib() - before > 1024L * 1024)
        MP_FAIL("flood: peak memory grew by %ld MiB", (peak_kib() - before) / 1024);
    return 0;
}

static int busy(void)
{
    /* locality 0 computes for 2 s without calling floc; the others call it */
    sync_all();
    if (me == 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        volatile double x = 0;
        do {
            for (int i = 0; i < 100000; i++)
                x += i * 1e-9;
            clock_gettime(CLOCK_MONOTONIC, &b);
        } while (b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) * 1e-9 < 2.0);
    } else {
        usleep(300000);   /* well inside the computation */
        double worst = 0, t_all[100];
        for (int i = 0; i < 100; i++) {
            struct timespec a, b;
            int r = -1;
            clock_gettime(CLOCK_MONOTONIC, &a);
            MP_OK(floc_call(ctx, 0, a_busy, NULL, 0, &r, sizeof r, NULL));
            clock_gettime(CLOCK_MONOTONIC, &b);
            double t = b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) * 1e-9;
            worst = t > worst ? t : worst;
            t_all[i] = t;
            if (r != 0)
                MP_FAIL("busy target answered %d", r);
        }
        int below = 0;
        for (int i = 0; i < 100; i++)
            below += t_all[i] < 1e-3;
        printf("busy: locality %d: round trips to a computing target: %d of 100 within 1 ms, "
               "worst %.0f us\n", me, below, worst * 1e6);
        /* the progress thread shares the target's cores with its computation:
         * the scheduler, not floc, decides the worst case on a small machine */
        if (below < 50)
            MP_FAIL("a computing target answered only %d of 100 calls within 1 ms", below);
    }
    sync_all();
    return 0;
}

static int kill_target(void)
{
    sync_all();
    if (me == 2) {   /* serves for 0.2 s, then dies with calls in flight */
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        do {
            floc_progress(ctx);
            clock_gettime(CLOCK_MONOTONIC, &b);
        } while (b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) * 1e-9 < 0.2);
        raise(SIGKILL);
    }
    if (me == 2)
        return 0;
    /* calls to 2 in flight when it dies, and after: small ones, and every
     * 4th an echo of BIG bytes (arguments the target reads one-sidedly, a
     * reply it exposes for the caller to read) */
    enum { C = 32, BIG = 100003 };
    floc_request_t *reqs[C];
    uint64_t args[2] = {1, 2}, got[C];
    unsigned char *big_in = malloc(BIG), *big_out = malloc((size_t)C / 4 * BIG);
    if (!big_in || !big_out)
        MP_FAIL("out of memory");
    for (size_t i = 0; i < BIG; i++)
        big_in[i] = pattern(i, (uint64_t)me);
    int lost = 0, ok = 0, bad = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int round = 0; round < 100000 && lost == 0; round++) {
        for (int i = 0; i < C; i++) {
            int r = i % 4 == 3 ? floc_async(ctx, 2, a_echo, big_in, BIG, big_out + i / 4 * BIG,
                                            BIG, NULL, &reqs[i])
                               : floc_async(ctx, 2, a_mix, args, sizeof args, &got[i], 8, NULL,
                                            &reqs[i]);
            if (r)
                reqs[i] = NULL;
        }
        for (int i = 0; i < C; i++) {
            if (!reqs[i]) {
                lost++;
                continue;
            }
            int r = floc_wait(reqs[i]);
            lost += r == FLOC_ERR_PEER_LOST;
            ok += r == 0;
            if (!r && i % 4 == 3)
                bad += memcmp(big_out + i / 4 * BIG, big_in, BIG) != 0;
        }
    }
    if (bad)
        MP_FAIL("%d large echoes came back wrong before the loss", bad);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("kill: locality %d: %d answered, then %d failed with 'peer lost' after %.2f s\n", me,
           ok, lost, b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) * 1e-9);
    if (!lost || !ok)
        MP_FAIL("%d calls answered before the loss, %d failed with FLOC_ERR_PEER_LOST after it",
                ok, lost);
    /* the survivors go on with each other */
    const int other = 1 - me;
    int after = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t v[2] = {i, (uint64_t)me}, r = 0;
        int ret = floc_call(ctx, other, a_mix, v, sizeof v, &r, sizeof r, NULL);
        after += !ret && r == (mix(i ^ (uint64_t)me << 1) ^ (uint64_t)other);
    }
    /* large calls too: the loss left no exposure or registration behind */
    for (int i = 0; i < 20; i++) {
        size_t len = 0;
        memset(big_out, 0, BIG);
        int ret = floc_call(ctx, other, a_echo, big_in, BIG, big_out, BIG, &len);
        after += !ret && len == BIG && memcmp(big_out, big_in, BIG) == 0;
    }
    MP_EXPECT(FLOC_ERR_PEER_LOST, floc_call(ctx, 2, a_mix, args, sizeof args, got, 8, NULL));
    MP_EXPECT(FLOC_ERR_PEER_LOST, floc_call(ctx, 2, a_echo, big_in, BIG, big_out, BIG, NULL));
    free(big_in);
    free(big_out);
    printf("kill: locality %d: %d of 1020 calls (20 of %d bytes) to the other survivor answered "
           "after the loss\n", me, after, (int)BIG);
    if (after != 1020)
        MP_FAIL("after the loss, %d of 1020 calls to the other survivor were answered", after);
    /* leave together: each tells the other it is done, serving until told
     * (no flush: the other may be gone once it has run our post, and a
     * finalize after a loss has no closing fence to wait for it) */
    int one = 1;
    MP_OK(floc_post(ctx, other, a_done, &one, sizeof one));
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        (void)floc_progress(ctx);
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while (!atomic_load(&done_here) &&
             b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) * 1e-9 < 10.0);
    if (!atomic_load(&done_here))
        MP_FAIL("the other survivor never said it was done");
    floc_finalize(ctx);
    if (mp_failures)
        fprintf(stderr, "locality %d: %d failures\n", me, mp_failures);
    return mp_failures ? 1 : 0;
}

/* locality 0 calls the slow action on locality 1, which serves until
 * told it is done */
/* 0 tells 1 it is done calling; 1 serves until then (at most limit s) */
static void tell_done(void)
{
    int one = 1;
    MP_OK(floc_post(ctx, 1, a_done, &one, sizeof one));
    MP_OK(floc_action_flush(ctx));
}

static void serve_until_done(double limit)
{
    for (const double t0 = seconds(); !atomic_load(&done_here) && seconds() - t0 < limit;)
        (void)floc_progress(ctx);
    if (!atomic_load(&done_here))
        MP_FAIL("locality 0 never said it was done");
}

static void abandon(void)
{
    if (me == 0) {
        unsigned char got[8];
        size_t len = 0;
        MP_EXPECT(FLOC_ERR_TIMEOUT, floc_call(ctx, 1, a_slow, NULL, 0, got, sizeof got, &len));
        memset(got, 0x5a, sizeof got);   /* ours again: the reply must not land here */
        len = 77;
        for (const double t0 = seconds(); seconds() - t0 < 2.0;)
            (void)floc_progress(ctx);   /* the reply came meanwhile (after ~1 s) */
        for (size_t i = 0; i < sizeof got; i++)
            if (got[i] != 0x5a) {
                MP_FAIL("a timed-out floc_call's reply was written into its buffer afterwards "
                        "(byte %zu is 0x%02x)", i, got[i]);
                break;
            }
        if (len != 77)
            MP_FAIL("a timed-out floc_call's reply length was written afterwards (%zu)", len);
        /* the nonblocking form: a wait that times out leaves the call live */
        floc_request_t *r;
        memset(got, 0, sizeof got);
        MP_MUST(floc_async(ctx, 1, a_slow, NULL, 0, got, sizeof got, &len, &r));
        int ret = floc_wait(r);
        for (int tries = 0; ret == FLOC_ERR_TIMEOUT && tries < 20; tries++)
            ret = floc_wait(r);
        MP_OK(ret);
        if (len != 8 || got[0] != 0xab || got[7] != 0xab)
            MP_FAIL("a floc_wait again after a timeout: reply of %zu bytes, 0x%02x", len, got[0]);
        tell_done();
    } else if (me == 1) {
        serve_until_done(20.0);
    }
    printf("abandon: locality %d: done\n", me);
}

/* Calls whose 16 MiB replies come around the moment they time out
 * (FLOC_WAIT_TIMEOUT=500ms; a first call's time t0 with a handler that
 * does not sleep, then handlers sleeping from 500 - t0 - 10 ms to 500 +
 * t0 + 10, so that the timeout falls in every part of the reply's
 * transfer): a
 * call that timed out must have nothing written into its buffer
 * afterwards, even when the progress thread was reading its reply right
 * then; one that returned 0 has the whole reply. */
static void abandon_big(void)
{
    if (me == 0) {
        unsigned char *got = malloc(BIG_REPLY);
        if (!got) {
            MP_FAIL("abandonbig: no memory");
            return;
        }
        int timeouts = 0, replies = 0;
        uint32_t ms = 0, t0 = BIG_TIMEOUT_MS;
        size_t len = 0;
        /* a loaded machine (the suite's other tests) may time the first
         * ones out: the first that comes back gives t0 */
        for (int tries = 0; tries < 5 && t0 >= BIG_TIMEOUT_MS / 2; tries++) {
            const double t = seconds();
            const int ret = floc_call(ctx, 1, a_slowbig, &ms, sizeof ms, got, BIG_REPLY, &len);
            if (ret && ret != FLOC_ERR_TIMEOUT)
                MP_FAIL("abandonbig: floc_call: %s", floc_strerror(ret));
            if (!ret)
                t0 = (uint32_t)((seconds() - t) * 1000);
        }
        if (t0 >= BIG_TIMEOUT_MS / 2)
            MP_FAIL("abandonbig: 5 calls with 16 MiB replies took %u ms or more", t0);
        const uint32_t step = (2 * t0 + 20) / 16 > 2 ? (2 * t0 + 20) / 16 : 2;   /* 16 calls */
        for (ms = BIG_TIMEOUT_MS - 10 - t0; ms <= BIG_TIMEOUT_MS + 10 + t0 && !mp_failures;
             ms += step) {
            int ret = floc_call(ctx, 1, a_slowbig, &ms, sizeof ms, got, BIG_REPLY, &len);
            if (ret == 0) {
                replies++;
                for (size_t i = 0; i < BIG_REPLY; i += 4093)
                    if (got[i] != pattern(i, 7)) {
                        MP_FAIL("abandonbig: reply byte %zu wrong", i);
                        break;
                    }
                continue;
            }
            if (ret != FLOC_ERR_TIMEOUT) {
                MP_FAIL("abandonbig: floc_call: %s", floc_strerror(ret));
                break;
            }
            timeouts++;
            memset(got, 0x5a, BIG_REPLY);   /* ours again */
            for (const double w = seconds(); seconds() - w < 0.1;)
                (void)floc_progress(ctx);
            for (size_t i = 0; i < BIG_REPLY; i++)
                if (got[i] != 0x5a) {
                    MP_FAIL("abandonbig: a timed-out call's reply was written into its buffer "
                            "after it returned (handler %u ms, byte %zu)", ms, i);
                    break;
                }
        }
        printf("abandonbig: a reply %u ms; %d calls timed out, %d replied\n", t0, timeouts,
               replies);
        if (!timeouts)
            MP_FAIL("abandonbig: no call timed out (FLOC_WAIT_TIMEOUT=500ms?)");
        free(got);
        tell_done();
    } else if (me == 1) {
        serve_until_done(60.0);
    }
}

int main(int argc, char **argv)
{
    floc_attr_t attr = FLOC_ATTR_INIT;
    attr.thread_level = FLOC_THREAD_MULTIPLE;
    MP_MUST(floc_init(&argc, &argv, &attr, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    /* a locality that registered nothing answers "unknown" (it serves from
     * floc_init on), no hang */
    if (n > 1 && me == 0)
        MP_EXPECT(FLOC_ERR_INVALID, floc_call(ctx, n - 1, floc_action_id("mp.mix"), NULL, 0,
                                              NULL, 0, NULL));
    sync_all();
    MP_MUST(floc_action_register(ctx, "mp.mix", h_mix, NULL, &a_mix));
    MP_MUST(floc_action_register(ctx, "mp.echo", h_echo, NULL, &a_echo));
    MP_MUST(floc_action_register(ctx, "mp.fail", h_fail, NULL, &a_fail));
    MP_MUST(floc_action_register(ctx, "mp.rec", h_rec, NULL, &a_rec));
    MP_MUST(floc_action_register(ctx, "mp.count", h_count, NULL, &a_count));
    MP_MUST(floc_action_register(ctx, "mp.size", h_size, NULL, &a_size));
    MP_MUST(floc_action_register(ctx, "mp.busy", h_busy, NULL, &a_busy));
    MP_MUST(floc_action_register(ctx, "mp.pvadd", h_pvadd, NULL, &a_pvadd));
    MP_MUST(floc_action_register(ctx, "mp.done", h_done, NULL, &a_done));
    MP_MUST(floc_action_register(ctx, "mp.bump", h_bump, NULL, &a_bump));
    MP_MUST(floc_action_register(ctx, "mp.slow", h_slow, NULL, &a_slow));
    MP_MUST(floc_action_register(ctx, "mp.slowbig", h_slowbig, NULL, &a_slowbig));
    sync_all();   /* everyone serves before anyone calls */

    const char *mode = argc > 1 ? argv[1] : "all";
    if (strcmp(mode, "kill") == 0)
        return n == 3 ? kill_target() : 2;
    if (strcmp(mode, "flood") == 0)
        flood();
    else if (strcmp(mode, "busy") == 0)
        busy();
    else if (strcmp(mode, "abandon") == 0)
        abandon();
    else if (strcmp(mode, "abandonbig") == 0) {
        if ((big_reply = malloc(BIG_REPLY))) {
            for (size_t i = 0; i < BIG_REPLY; i++)
                big_reply[i] = pattern(i, 7);
            abandon_big();
        } else {
            MP_FAIL("abandonbig: no memory");
        }
        free(big_reply);
    }
    else
        all_checks();
    MP_OK(floc_finalize(ctx));
    if (mp_failures)
        fprintf(stderr, "locality %d: %d failures\n", me, mp_failures);
    return mp_failures ? 1 : 0;
}
