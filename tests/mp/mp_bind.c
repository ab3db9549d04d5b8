/*
 * mp_bind.c - hwloc binding as the kernel sees it (sched_getaffinity),
 * not as floc reports it.
 *
 *   floc-run -n N --bind core mp_bind core   each locality on its own share:
 *                                            non-empty, pairwise disjoint when
 *                                            N <= CPUs, one CPU each beyond
 *   floc-run -n N --bind none mp_bind none   everyone keeps the whole machine
 */
#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>

#include "mp_util.h"

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
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_bind");
}
