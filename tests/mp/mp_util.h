/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_util.h - helpers shared by the multi-locality tests.
 *
 * Failures are counted, not fatal: a test reports every check that went
 * wrong (at most MP_MAX_REPORTS lines) and exits non-zero at the end.
 */
#ifndef MP_UTIL_H
#define MP_UTIL_H

#include <floc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MP_MAX_REPORTS 10

static int mp_failures;
static int mp_me = -1;

#define MP_FAIL(...)                                                              \
    do {                                                                          \
        if (mp_failures++ < MP_MAX_REPORTS) {                                     \
            fprintf(stderr, "locality %d: %s:%d: ", mp_me, __FILE__, __LINE__);   \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
        }                                                                         \
    } while (0)

/* The call must return `want`. */
#define MP_EXPECT(want, call)                                                     \
    do {                                                                          \
        int mp_rc_ = (call);                                                      \
        if (mp_rc_ != (want))                                                     \
            MP_FAIL("%s returned %d (%s), expected %d (%s)", #call, mp_rc_,       \
                    floc_strerror(mp_rc_), (want), floc_strerror(want));          \
    } while (0)
#define MP_OK(call) MP_EXPECT(0, call)

/* A call the rest of the test cannot go on without. */
#define MP_MUST(call)                                                             \
    do {                                                                          \
        int mp_rc_ = (call);                                                      \
        if (mp_rc_) {                                                             \
            fprintf(stderr, "locality %d: %s:%d: %s: %s (fatal)\n", mp_me,        \
                    __FILE__, __LINE__, #call, floc_strerror(mp_rc_));            \
            exit(1);                                                              \
        }                                                                         \
    } while (0)

/* Every locality's rkey, exchanged with tagged messages (independent of
 * the collectives under test elsewhere). */
static inline void mp_exchange_rkeys(floc_ctx_t *ctx, const floc_rkey_t *mine, floc_rkey_t *all,
                                     int tag)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx);
    floc_request_t **reqs = calloc((size_t)n, sizeof *reqs);
    if (!reqs)
        exit(1);
    for (int p = 0; p < n; p++)
        if (p != me)
            MP_MUST(floc_irecv(ctx, &all[p], sizeof *all, p, tag, NULL, &reqs[p]));
    all[me] = *mine;
    for (int p = 0; p < n; p++)
        if (p != me)
            MP_MUST(floc_send(ctx, mine, sizeof *mine, p, tag));
    for (int p = 0; p < n; p++)
        if (p != me)
            MP_MUST(floc_wait(reqs[p]));
    free(reqs);
}

/* A barrier from tagged messages: everyone reports to 0, 0 releases all. */
static inline void mp_sync(floc_ctx_t *ctx, int tag)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx), token = 0;
    if (me == 0) {
        for (int p = 1; p < n; p++)
            MP_MUST(floc_recv(ctx, &token, sizeof token, FLOC_ANY_SOURCE, tag, NULL));
        for (int p = 1; p < n; p++)
            MP_MUST(floc_send(ctx, &token, sizeof token, p, tag));
    } else {
        MP_MUST(floc_send(ctx, &token, sizeof token, 0, tag));
        MP_MUST(floc_recv(ctx, &token, sizeof token, 0, tag, NULL));
    }
}

/* Deterministic test data: value i written by locality `from` for `to`. */
static inline uint64_t mp_value(int from, int to, uint64_t i)
{
    uint64_t x = ((uint64_t)from << 48) ^ ((uint64_t)to << 32) ^ i;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static inline int mp_finish(const char *name)
{
    if (mp_failures)
        fprintf(stderr, "locality %d: %s: %d check(s) FAILED\n", mp_me, name, mp_failures);
    else
        printf("locality %d: %s: all checks passed\n", mp_me, name);
    fflush(stdout);
    return mp_failures ? 1 : 0;
}

#endif
