/*
 * perf_common.h - what every floc benchmark shares: OSU-style options
 * (-m min:max sizes, -i iterations, -x warm-up, -f full columns), timing,
 * and the output format of the OSU micro-benchmarks so that the figures
 * can be put next to osu_* output line by line.
 */
#ifndef FLOC_PERF_COMMON_H
#define FLOC_PERF_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <floc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct perf_opts {
    size_t min_size, max_size;
    long iterations, warmup;
    int full;
} perf_opts_t;

static inline double perf_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline void perf_usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-m min:max] [-i iterations] [-x warmup] [-f]\n", prog);
    exit(2);
}

static inline void perf_parse(int argc, char **argv, perf_opts_t *o, size_t def_max)
{
    o->min_size = 1;
    o->max_size = def_max;
    o->iterations = 10000;
    o->warmup = 1000;
    o->full = 0;
    int c;
    while ((c = getopt(argc, argv, "m:i:x:fh")) != -1) {
        char *end;
        switch (c) {
        case 'm': {
            const char *colon = strchr(optarg, ':');
            if (colon) {
                if (colon != optarg)
                    o->min_size = strtoull(optarg, &end, 10);
                if (colon[1])
                    o->max_size = strtoull(colon + 1, &end, 10);
            } else {
                o->max_size = strtoull(optarg, &end, 10);
            }
            if (o->min_size == 0 || o->max_size < o->min_size)
                perf_usage(argv[0]);
            break;
        }
        case 'i': o->iterations = strtol(optarg, &end, 10); if (o->iterations < 1) perf_usage(argv[0]); break;
        case 'x': o->warmup = strtol(optarg, &end, 10); if (o->warmup < 0) perf_usage(argv[0]); break;
        case 'f': o->full = 1; break;
        default: perf_usage(argv[0]);
        }
    }
}

#define PERF_CHECK(call)                                                                  \
    do {                                                                                  \
        int perf_rc_ = (call);                                                            \
        if (perf_rc_) {                                                                   \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,                 \
                    floc_strerror(perf_rc_));                                             \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

/* Barrier on tagged messages (the collectives are not there yet). */
static inline void perf_sync(floc_ctx_t *ctx)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx), t = 0;
    if (me == 0) {
        for (int p = 1; p < n; p++)
            PERF_CHECK(floc_recv(ctx, &t, sizeof t, FLOC_ANY_SOURCE, 999, NULL));
        for (int p = 1; p < n; p++)
            PERF_CHECK(floc_send(ctx, &t, sizeof t, p, 999));
    } else {
        PERF_CHECK(floc_send(ctx, &t, sizeof t, 0, 999));
        PERF_CHECK(floc_recv(ctx, &t, sizeof t, 0, 999, NULL));
    }
}

/* floc_init for a benchmark between exactly two localities. */
static inline floc_ctx_t *perf_init_pair(int *argc, char ***argv, const char *name)
{
    floc_ctx_t *ctx;
    PERF_CHECK(floc_init(argc, argv, NULL, &ctx));
    if (floc_num_localities(ctx) != 2) {
        fprintf(stderr, "%s needs exactly 2 localities\n", name);
        exit(2);
    }
    return ctx;
}

/* Locality 1's window, registered there and its key sent to locality 0. */
static inline floc_mem_t *perf_window(floc_ctx_t *ctx, void *buf, size_t len, floc_rkey_t *rkey)
{
    floc_mem_t *mem = NULL;
    if (floc_locality_id(ctx) == 1) {
        PERF_CHECK(floc_mem_register(ctx, buf, len, FLOC_MEM_REMOTE_ALL, &mem));
        PERF_CHECK(floc_mem_rkey(mem, rkey));
        PERF_CHECK(floc_send(ctx, rkey, sizeof *rkey, 0, 998));
    } else if (floc_locality_id(ctx) == 0) {
        PERF_CHECK(floc_recv(ctx, rkey, sizeof *rkey, 1, 998, NULL));
    }
    return mem;
}

/* End a pair benchmark: everyone done, window gone, context finalized. */
static inline void perf_finish(floc_ctx_t *ctx, floc_mem_t *mem)
{
    perf_sync(ctx);
    if (mem)
        PERF_CHECK(floc_mem_deregister(mem));
    PERF_CHECK(floc_finalize(ctx));
}

#endif
