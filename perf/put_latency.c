/*
 * put_latency.c - OSU-style one-sided put latency: locality 0 puts a
 * message into locality 1's registered window and waits for remote
 * completion (floc_flush), as osu_put_latency does with MPI_Put + flush.
 *
 *   floc-run -n 2 ./put_latency [-m min:max] [-i iters] [-x warmup] [-f]
 */
#include "perf_common.h"

int main(int argc, char **argv)
{
    perf_opts_t o;
    perf_parse(argc, argv, &o, 1u << 22);
    floc_ctx_t *ctx = perf_init_pair(&argc, &argv, "put_latency");
    const int me = floc_locality_id(ctx);
    char *src = malloc(o.max_size), *win = calloc(1, o.max_size);
    memset(src, 'a', o.max_size);
    floc_rkey_t rkey;
    floc_mem_t *mem = perf_window(ctx, win, o.max_size, &rkey);

    if (me == 0) {
        printf("# OSU-style floc Put Latency Test (provider %s)\n", floc_provider_name(ctx));
        printf(o.full ? "# Size          Latency (us)        Min Latency (us)    Max Latency (us)  Iterations\n"
                      : "# Size          Latency (us)\n");
    }
    for (size_t size = o.min_size; size <= o.max_size; size *= 2) {
        long iters = size > 65536 ? o.iterations / 10 + 1 : o.iterations;
        long warm = size > 65536 ? o.warmup / 10 : o.warmup;
        perf_sync(ctx);
        if (me == 0) {
            double min = 1e30, max = 0, total = 0;
            for (long i = 0; i < warm + iters; i++) {
                double t0 = perf_now_us();
                PERF_CHECK(floc_put(ctx, src, size, &rkey, 0));
                PERF_CHECK(floc_flush(ctx));
                double dt = perf_now_us() - t0;
                if (i >= warm) {
                    total += dt;
                    min = dt < min ? dt : min;
                    max = dt > max ? dt : max;
                }
            }
            if (o.full)
                printf("%-10zu%18.2f%24.2f%20.2f%12ld\n", size, total / iters, min, max, iters);
            else
                printf("%-10zu%18.2f\n", size, total / iters);
            fflush(stdout);
        }
    }
    perf_finish(ctx, mem);
    free(src);
    free(win);
    return 0;
}
