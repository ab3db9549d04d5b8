/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_bind.c - hwloc binding as the kernel sees it (sched_getaffinity),
 * not as floc reports it.
 *
 *   floc-run -n N --bind core mp_bind core   each locality on its own share:
 *                                            non-empty, pairwise disjoint when
 *                                            N <= CPUs, one CPU each beyond
 *   floc-run -n N --bind none mp_bind none   everyone keeps the whole machine
 *
 * Then the worker threads of the partitioned-vector algorithms (run with
 * FLOC_THREADS=2): each runs inside its locality's binding, and with
 * --bind core on a locality of several CPUs it is pinned to a part of it
 * (its own core); with --bind none nobody is pinned.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "mp_util.h"

/* what each for_each call saw: its thread and that thread's affinity */
typedef struct seen {
    pthread_mutex_t mu;
    int n;
    pthread_t who[64];
    cpu_set_t where[64];
} seen_t;

static void record(void *data, size_t count, size_t lidx, void *arg)
{
    seen_t *s = arg;
    (void)data, (void)count, (void)lidx;
    cpu_set_t set;
    CPU_ZERO(&set);
    pthread_getaffinity_np(pthread_self(), sizeof set, &set);
    pthread_mutex_lock(&s->mu);
    if (s->n < 64) {
        s->who[s->n] = pthread_self();
        s->where[s->n++] = set;
    }
    pthread_mutex_unlock(&s->mu);
    usleep(20000);   /* let the other thread take the next part */
}

static void check_workers(floc_ctx_t *ctx, const cpu_set_t *mine, int core)
{
    floc_pv_t *pv;
    seen_t s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    /* 2 parts per locality at least (FLOC_THREADS=2, 32768 per part) */
    const size_t per = 100000;
    MP_MUST(floc_pv_create(ctx, per * (size_t)floc_num_localities(ctx), FLOC_INT32,
                           floc_dist_block(), &pv));
    MP_OK(floc_pv_for_each(pv, record, &s));
    int workers = 0;
    for (int i = 0; i < s.n; i++) {
        if (pthread_equal(s.who[i], pthread_self()))
            continue;
        workers++;
        cpu_set_t extra;
        CPU_XOR(&extra, &s.where[i], mine);
        CPU_AND(&extra, &extra, &s.where[i]);
        if (CPU_COUNT(&extra))
            MP_FAIL("a worker thread runs outside the locality's CPUs");
        if (core && CPU_COUNT(mine) > 1 && CPU_COUNT(&s.where[i]) >= CPU_COUNT(mine))
            MP_FAIL("--bind core: a worker is not pinned (%d of the locality's %d CPUs)",
                    CPU_COUNT(&s.where[i]), CPU_COUNT(mine));
        if (!core && !CPU_EQUAL(&s.where[i], mine))
            MP_FAIL("--bind none: a worker is pinned to %d CPUs", CPU_COUNT(&s.where[i]));
    }
    if (workers == 0)
        MP_FAIL("no part ran on a worker thread (%d calls)", s.n);
    MP_OK(floc_pv_destroy(pv));
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    const int n = floc_num_localities(ctx);
    const int core = argc > 1 && strcmp(argv[1], "core") == 0;

    cpu_set_t mine, all;
    CPU_ZERO(&mine);
    if (sched_getaffinity(0, sizeof mine, &mine) != 0)
        MP_FAIL("sched_getaffinity failed");
    int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

    if (mp_me != 0) {
        MP_MUST(floc_send(ctx, &mine, sizeof mine, 0, 1));
    } else {
        cpu_set_t *sets = calloc((size_t)n, sizeof *sets);
        sets[0] = mine;
        for (int p = 1; p < n; p++)
            MP_MUST(floc_recv(ctx, &sets[p], sizeof sets[p], p, 1, NULL));
        CPU_ZERO(&all);
        for (int c = 0; c < ncpu; c++)
            CPU_SET(c, &all);
        for (int p = 0; p < n; p++) {
            int cnt = CPU_COUNT(&sets[p]);
            if (cnt == 0)
                MP_FAIL("locality %d has an empty cpuset", p);
            if (!core) {
                if (!CPU_EQUAL(&sets[p], &all))
                    MP_FAIL("--bind none: locality %d is bound to %d of %d CPUs", p, cnt, ncpu);
                continue;
            }
            if (n <= ncpu) {
                for (int q = 0; q < p; q++) {
                    cpu_set_t both;
                    CPU_AND(&both, &sets[p], &sets[q]);
                    if (CPU_COUNT(&both))
                        MP_FAIL("--bind core: localities %d and %d share CPUs", p, q);
                }
                if (cnt > (ncpu + n - 1) / n)
                    MP_FAIL("--bind core: locality %d has %d CPUs, more than its share", p, cnt);
            } else if (cnt != 1) {
                MP_FAIL("--bind core, oversubscribed: locality %d has %d CPUs, expected 1", p, cnt);
            }
        }
        free(sets);
    }
    check_workers(ctx, &mine, core);
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_bind");
}
