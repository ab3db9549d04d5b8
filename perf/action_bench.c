/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action_bench.c - remote actions, OSU format, compiled twice: against
 * floc (floc_action_bench: floc_call / floc_post) and, with -DUSE_MPI,
 * against MPI as the RPC an MPI code writes by hand (mpi_action_bench:
 * the request by MPI_Send, served by MPI_Recv in a loop at the target,
 * the reply by MPI_Send).  Two localities: 0 calls, 1 serves.
 *
 *   action_bench rtt   [-m max]  round trip of an action with args of
 *                                0..max bytes and an 8-byte reply (us)
 *   action_bench rate            one-way null actions per second (the
 *                                last answered before the clock stops)
 *   action_bench self            an action on oneself (floc: a direct call)
 *   action_bench bw    [-m max]  large arguments: MB/s of a call with
 *                                args of the size and an empty reply (floc:
 *                                args in floc_mem_alloc memory, as
 *                                floc_get_bw's)
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_lib.h"

#include <stdint.h>

enum { RTT, RATE, SELF, BW };

#ifdef USE_MPI
/* the target: serve requests until a tag-2 message says stop */
static void serve(size_t max)
{
    char *buf = malloc(max + 8);
    MPI_Status st;
    uint64_t r = 7;
    for (;;) {
        MPI_Recv(buf, (int)max + 8, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == 2)
            break;
        if (st.MPI_TAG == 1)   /* a call: the reply */
            MPI_Send(&r, 8, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
        /* tag 3: a one-way message, nothing to answer but the last */
        if (st.MPI_TAG == 4)
            MPI_Send(&r, 8, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
    free(buf);
}
static void call(const void *args, size_t len, int self)
{
    uint64_t r;
    if (self)
        return;
    MPI_Send(args, (int)len, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
    MPI_Recv(&r, 8, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
static void post(void) { MPI_Send(NULL, 0, MPI_BYTE, 1, 3, MPI_COMM_WORLD); }
static void flush(void)
{
    uint64_t r;
    MPI_Send(NULL, 0, MPI_BYTE, 1, 4, MPI_COMM_WORLD);
    MPI_Recv(&r, 8, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
static void stop(void) { MPI_Send(NULL, 0, MPI_BYTE, 1, 2, MPI_COMM_WORLD); }
static void setup(void) {}
#else
static floc_action_t a_null, a_stop;
static volatile int stop_flag;
static int h_null(floc_action_call_t *c, const void *args, size_t len, void *user)
{
    (void)args, (void)len, (void)user;
    uint64_t r = 7;
    (void)floc_action_reply(c, &r, sizeof r);   /* FLOC_ERR_STATE for a post: no reply */
    return 0;
}
static int h_stop(floc_action_call_t *c, const void *args, size_t len, void *user)
{
    (void)c, (void)args, (void)len, (void)user;
    stop_flag = 1;
    return 0;
}
static void setup(void)
{
    check(floc_action_register(ctx, "bench.null", h_null, NULL, &a_null), "register");
    check(floc_action_register(ctx, "bench.stop", h_stop, NULL, &a_stop), "register");
}
static void serve(size_t max)
{
    (void)max;
    while (!stop_flag)
        floc_progress(ctx);
}
static void call(const void *args, size_t len, int self)
{
    uint64_t r;
    check(floc_call(ctx, self ? 0 : 1, a_null, args, len, &r, sizeof r, NULL), "floc_call");
}
static void post(void) { check(floc_post(ctx, 1, a_null, NULL, 0), "floc_post"); }
static void flush(void) { check(floc_action_flush(ctx), "floc_action_flush"); }
static void stop(void) { check(floc_post(ctx, 1, a_stop, NULL, 0), "floc_post"); }
#endif

int main(int argc, char **argv)
{
    lib_init(&argc, &argv);
    setup();
    const char *what = argc > 1 ? argv[1] : "rtt";
    const int b = !strcmp(what, "rate") ? RATE : !strcmp(what, "self") ? SELF
                : !strcmp(what, "bw") ? BW : RTT;
    bench_opts_t o = {.min = 0, .max = b == BW ? (size_t)4 << 20 : 8192, .iters = 10000,
                      .warm = 1000};
    if (b == BW)
        o.min = 8192;
    if (bench_parse(argc - 1, argv + 1, 0, &o) || size < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: action_bench rtt|rate|self|bw [-m [min:]max] [-i n] (2 localities)\n");
        lib_fini();
        return 2;
    }
    char *args = NULL;
#ifndef USE_MPI
    /* the arguments in floc_mem_alloc memory, as floc_get_bw's window (osu
     * -w allocate): on one node the target reads them through the shared
     * mapping */
    floc_mem_t *args_mem = NULL;
    check(floc_mem_alloc(ctx, o.max + 8, FLOC_MEM_REMOTE_READ, (void **)&args, &args_mem),
          "floc_mem_alloc");
#else
    args = calloc(1, o.max + 8);
#endif
    lib_barrier();
    if (rank == 1 && b != SELF) {
        serve(o.max);
    } else if (rank == 0 && b == RATE) {
        printf("# %s action one-way rate (null actions)\n# %-10s %14s\n", LIB, "count", "actions/s");
        for (long i = 0; i < o.warm; i++)
            post();
        flush();
        const long n = o.iters * 20;
        double t0 = now_us();
        for (long i = 0; i < n; i++)
            post();
        flush();
        double t = now_us() - t0;
        printf("%-12ld %14.0f\n", n, n / t * 1e6);
        stop();
    } else if (rank == 0) {
        printf("# %s action %s\n# %-10s %14s\n", LIB,
               b == BW ? "argument bandwidth (empty reply)" : b == SELF ? "on oneself"
                                                           : "round trip (8-byte reply)",
               "size", b == BW ? "MB/s" : "latency(us)");
        for (size_t s = o.min; s <= o.max; s = s ? 2 * s : 1) {
            long iters = b == BW ? (o.iters > 200 ? 200 : o.iters) : o.iters;
            /* the first size warms up longer: the first ms of a job are
             * slow on tcp (an action over tcp;ofi_rxm: 10.5 us at the
             * first size after 11 calls, 7.6 after 2000) */
            const long warm = s == o.min ? o.warm : o.warm / 10 + 1;
            for (long i = 0; i < warm; i++)
                call(args, s, b == SELF);
            double t0 = now_us();
            for (long i = 0; i < iters; i++)
                call(args, s, b == SELF);
            double t = (now_us() - t0) / (double)iters;
            if (b == BW)
                printf("%-12zu %14.2f\n", s, (double)s / t);
            else
                printf("%-12zu %14.3f\n", s, t);
            fflush(stdout);
            if (b == SELF)
                break;
        }
        if (b != SELF)
            stop();
    }
    lib_barrier();
#ifndef USE_MPI
    check(floc_mem_free(args_mem), "floc_mem_free");
#else
    free(args);
#endif
    lib_fini();
    return 0;
}
