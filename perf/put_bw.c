/*
 * put_bw.c - OSU-style one-sided put bandwidth: locality 0 issues a
 * window of 64 puts into locality 1's registered memory, then flushes;
 * bytes moved over elapsed time, in MB/s (10^6 bytes), as osu_put_bw.
 *
 *   floc-run -n 2 ./put_bw [-m min:max] [-i iters] [-x warmup]
 */
#include "perf_common.h"

#define WINDOW 64

int main(int argc, char **argv)
{
    perf_opts_t o;
    perf_parse(argc, argv, &o, 1u << 22);
    floc_ctx_t *ctx = perf_init_pair(&argc, &argv, "put_bw");
    const int me = floc_locality_id(ctx);
    char *src = malloc(o.max_size), *win = calloc(1, o.max_size * WINDOW);
    memset(src, 'b', o.max_size);
    floc_rkey_t rkey;
    floc_mem_t *mem = perf_window(ctx, win, o.max_size * WINDOW, &rkey);
    floc_request_t *reqs[WINDOW];

    if (me == 0) {
        printf("# OSU-style floc Put Bandwidth Test (provider %s)\n", floc_provider_name(ctx));
        printf("# Size      Bandwidth (MB/s)\n");
    }
    for (size_t size = o.min_size; size <= o.max_size; size *= 2) {
        long iters = size > 65536 ? o.iterations / 100 + 1 : o.iterations / 10 + 1;
        long warm = size > 65536 ? 2 : o.warmup / 10;
        perf_sync(ctx);
        if (me == 0) {
            double t0 = 0;
            for (long i = 0; i < warm + iters; i++) {
                if (i == warm)
                    t0 = perf_now_us();
                /* nonblocking puts: the whole window is in flight at once */
                for (int w = 0; w < WINDOW; w++)
                    PERF_CHECK(floc_iput(ctx, src, size, &rkey, (size_t)w * size, &reqs[w]));
                PERF_CHECK(floc_waitall(WINDOW, reqs));
            }
            double us = perf_now_us() - t0;
            printf("%-10zu%18.2f\n", size, (double)size * WINDOW * (double)iters / us);
            fflush(stdout);
        }
    }
    perf_finish(ctx, mem);
    free(src);
    free(win);
    return 0;
}
