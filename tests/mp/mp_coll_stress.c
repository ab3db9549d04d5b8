/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_coll_stress.c - many randomly chosen collectives back to back:
 * kinds, sizes, roots, dtypes and algorithms drawn from a seed shared by
 * all localities (logged), some nonblocking and overlapped, localities
 * slowed down at random so they drift apart; every result verified.
 *
 *   floc-run -n 4 mp_coll_stress [count] [seed]
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "mp_util.h"

static int n, me;
static floc_ctx_t *ctx;

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int64_t ival(int r, size_t i, uint64_t salt)
{
    return (int64_t)(mp_value(r, (int)(salt & 0xffff), i) % 1001) - 500;
}

typedef struct {
    int kind;          /* 0 barrier, 1 bcast, 2 allreduce sum int64, 3 allreduce max int32,
                          4 reduce sum int64, 5 gather, 6 allgather, 7 alltoall (int64) */
    size_t count;
    int root;
    uint64_t salt;
    void *buf;   /* result (count * n elements for the movers) */
    void *in;    /* input of reduce and the movers */
    floc_request_t *req;
} op_t;

static void start(op_t *o)
{
    int64_t *b64 = o->buf;
    int32_t *b32 = o->buf;
    int64_t *in = o->in;
    for (size_t i = 0; i < o->count; i++) {
        if (o->kind == 1)
            b64[i] = me == o->root ? ival(o->root, i, o->salt) : -1;
        else if (o->kind == 2)
            b64[i] = ival(me, i, o->salt);
        else if (o->kind == 3)
            b32[i] = (int32_t)ival(me, i, o->salt);
        else if (o->kind >= 4 && o->kind <= 6)
            in[i] = ival(me, i, o->salt);
    }
    if (o->kind == 7)
        for (size_t i = 0; i < o->count * (size_t)n; i++)
            in[i] = ival(me, i, o->salt);
    switch (o->kind) {
    case 0: MP_MUST(floc_ibarrier(ctx, &o->req)); break;
    case 1: MP_MUST(floc_ibroadcast(ctx, o->buf, o->count, FLOC_INT64, o->root, &o->req)); break;
    case 2: MP_MUST(floc_iallreduce(ctx, FLOC_IN_PLACE, o->buf, o->count, FLOC_INT64, FLOC_SUM, &o->req)); break;
    case 3: MP_MUST(floc_iallreduce(ctx, FLOC_IN_PLACE, o->buf, o->count, FLOC_INT32, FLOC_MAX, &o->req)); break;
    case 4: MP_MUST(floc_ireduce(ctx, o->in, o->buf, o->count, FLOC_INT64, FLOC_SUM, o->root, &o->req)); break;
    case 5: MP_MUST(floc_igather(ctx, o->in, o->buf, o->count, FLOC_INT64, o->root, &o->req)); break;
    case 6: MP_MUST(floc_iallgather(ctx, o->in, o->buf, o->count, FLOC_INT64, &o->req)); break;
    default: MP_MUST(floc_ialltoall(ctx, o->in, o->buf, o->count, FLOC_INT64, &o->req)); break;
    }
}

static void finish(op_t *o, long idx)
{
    MP_OK(floc_wait(o->req));
    int64_t *b64 = o->buf;
    int32_t *b32 = o->buf;
    if (o->kind >= 5) {   /* movers: block q from locality q */
        if (o->kind == 5 && me != o->root)
            return;
        for (int q = 0; q < n; q++)
            for (size_t i = 0; i < o->count; i++) {
                size_t src = o->kind == 7 ? (size_t)me * o->count + i : i;
                if (b64[(size_t)q * o->count + i] != ival(q, src, o->salt)) {
                    MP_FAIL("collective %ld (kind %d, count %zu, root %d): block %d [%zu] wrong",
                            idx, o->kind, o->count, o->root, q, i);
                    return;
                }
            }
        return;
    }
    if (o->kind == 4 && me != o->root)
        return;
    for (size_t i = 0; i < o->count; i++) {
        int64_t want = o->kind == 1 ? ival(o->root, i, o->salt) : o->kind == 3 ? -1000000 : 0;
        if (o->kind >= 2)
            for (int q = 0; q < n; q++) {
                int64_t x = ival(q, i, o->salt);
                want = o->kind == 3 ? (x > want ? x : want) : want + x;
            }
        int64_t got = o->kind == 3 ? b32[i] : b64[i];
        if (got != want) {
            MP_FAIL("collective %ld (kind %d, count %zu, root %d): [%zu] = %lld, expected %lld", idx,
                    o->kind, o->count, o->root, i, (long long)got, (long long)want);
            break;
        }
    }
}

int main(int argc, char **argv)
{
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    long total = argc > 1 ? atol(argv[1]) : 2000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
    if (seed == 0) {
        /* one seed for all: locality 0 draws it, everyone logs it */
        seed = (uint64_t)time(NULL) | 1;
        MP_OK(floc_broadcast(ctx, &seed, 1, FLOC_UINT64, 0));
    }
    if (me == 0)
        printf("mp_coll_stress: %ld collectives, seed %llu\n", total, (unsigned long long)seed);
    uint64_t s = seed, slow = seed ^ (uint64_t)(me + 1) * 0x9e3779b97f4a7c15ull;
    enum { WINDOW = 4 };
    op_t win[WINDOW];
    int inflight = 0;
    for (long k = 0; k < total; k++) {
        op_t *o = &win[inflight];
        uint64_t r = rnd(&s);
        o->kind = (int)(r % 8);
        size_t sizes[] = {0, 1, 3, 17, 100, 1000, 4099, 20000};
        o->count = o->kind == 0 ? 0 : sizes[(r >> 8) % (sizeof sizes / sizeof sizes[0])];
        o->root = (int)((r >> 16) % (uint64_t)n);
        o->salt = r >> 24;
        o->buf = malloc((o->count * (size_t)n + 1) * sizeof(int64_t));
        o->in = malloc((o->count * (size_t)n + 1) * sizeof(int64_t));
        start(o);
        inflight++;
        /* some collectives stay in flight while the next ones start */
        int keep = (int)((r >> 40) % WINDOW);
        while (inflight > keep || (k == total - 1 && inflight > 0)) {
            finish(&win[0], k - inflight + 1);
            free(win[0].buf);
            free(win[0].in);
            memmove(&win[0], &win[1], (size_t)(inflight - 1) * sizeof win[0]);
            inflight--;
        }
        if (rnd(&slow) % 50 == 0) {   /* drift apart */
            struct timespec ts = {0, (long)(rnd(&slow) % 2000) * 1000};
            nanosleep(&ts, NULL);
        }
    }
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_coll_stress");
}
