/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p2p_bench.c - OSU-style point-to-point and one-sided benchmarks between
 * localities 0 and 1, one timing loop compiled once per benchmark
 * (-DBENCH=...) and per library: against floc (floc_<bench>) and, when
 * MPI is found, against MPI (mpi_<bench>), so that perf/compare.sh can
 * run the two side by side.
 *
 *   latency      ping-pong of tagged messages, half the round trip   (osu_latency)
 *   bw           a window of 64 sends, one ack                         (osu_bw)
 *   bibw         both directions at once                               (osu_bibw)
 *   put_latency  put + remote completion (floc_flush / MPI_Win_flush)  (osu_put_latency)
 *   get_latency  get + completion                                      (osu_get_latency)
 *   put_bw       a window of 64 puts (32 above 8 KiB), then completion (osu_put_bw)
 *   get_bw       a window of 64 gets (32 above 8 KiB), then completion (osu_get_bw)
 *   fadd_latency 8-byte fetch-and-add + completion                     (osu_fop_latency)
 *
 *   floc-run -n 2 perf/floc_latency [-m min:max] [-i iters] [-x warmup] [-f] [-c]
 *   mpirun -np 2 perf/mpi_latency   [...]
 *
 * -c fills the source with a pattern for each size and checks what
 * arrived (the last message of each size) at the receiving end.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_lib.h"

enum { LATENCY, BW, BIBW, PUT_LATENCY, GET_LATENCY, PUT_BW, GET_BW, FADD_LATENCY };
#ifndef BENCH
#error "compile with -DBENCH=<one of the enum above>"
#endif
static const char *const titles[] = {"Latency", "Bandwidth", "Bi-Directional Bandwidth",
                                     "Put Latency", "Get Latency", "Put Bandwidth",
                                     "Get Bandwidth", "Fetch-and-Add Latency"};
#define WINDOW 64
/* one-sided windows above 8 KiB, as OSU's put/get bandwidth tests: 32 */
#define RMA_WINDOW(n) ((n) > 8192 ? 32 : WINDOW)
#define IS_BW (BENCH == BW || BENCH == BIBW || BENCH == PUT_BW || BENCH == GET_BW)


/* ------------------------------------------------------------------ */
#ifdef USE_MPI
static MPI_Win win;
static MPI_Request reqs[2 * WINDOW];
static const char *lib_detail(void) { return "Open MPI"; }
static void lib_send(const void *b, size_t n, int to, int tag)
{
    MPI_Send(b, (int)n, MPI_BYTE, to, tag, MPI_COMM_WORLD);
}
static void lib_recv(void *b, size_t n, int from, int tag)
{
    MPI_Recv(b, (int)n, MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
static void lib_isend(const void *b, size_t n, int to, int tag, int slot)
{
    MPI_Isend(b, (int)n, MPI_BYTE, to, tag, MPI_COMM_WORLD, &reqs[slot]);
}
static void lib_irecv(void *b, size_t n, int from, int tag, int slot)
{
    MPI_Irecv(b, (int)n, MPI_BYTE, from, tag, MPI_COMM_WORLD, &reqs[slot]);
}
static void lib_waitall(int n) { MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE); }
/* the window: memory the library allocates (osu -w allocate), every
 * locality exposes it; passive target, all locked */
static unsigned char *lib_win_alloc(size_t len)
{
    void *base = NULL;
    MPI_Win_allocate((MPI_Aint)len, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    MPI_Win_lock_all(0, win);
    return base;
}
static void lib_win_free(void)
{
    MPI_Win_unlock_all(win);
    MPI_Win_free(&win);
}
static void lib_put(const void *src, size_t n, int target, size_t off, int slot)
{
    (void)slot;
    MPI_Put(src, (int)n, MPI_BYTE, target, (MPI_Aint)off, (int)n, MPI_BYTE, win);
}
static void lib_get(void *dst, size_t n, int target, size_t off, int slot)
{
    (void)slot;
    MPI_Get(dst, (int)n, MPI_BYTE, target, (MPI_Aint)off, (int)n, MPI_BYTE, win);
}
static void lib_rma_complete(int target, int n)
{
    (void)n;
    MPI_Win_flush(target, win);
}
static void lib_fadd(uint64_t *add, uint64_t *old, int target)
{
    MPI_Fetch_and_op(add, old, MPI_UINT64_T, target, 0, MPI_SUM, win);
    MPI_Win_flush(target, win);
}
/* ------------------------------------------------------------------ */
#else
static floc_request_t *reqs[2 * WINDOW];
static floc_mem_t *mem;
static floc_rkey_t peer_key;
static const char *lib_detail(void) { return floc_provider_name(ctx); }
static void lib_send(const void *b, size_t n, int to, int tag)
{
    check(floc_send(ctx, b, n, to, tag), "floc_send");
}
static void lib_recv(void *b, size_t n, int from, int tag)
{
    check(floc_recv(ctx, b, n, from, tag, NULL), "floc_recv");
}
static void lib_isend(const void *b, size_t n, int to, int tag, int slot)
{
    check(floc_isend(ctx, b, n, to, tag, &reqs[slot]), "floc_isend");
}
static void lib_irecv(void *b, size_t n, int from, int tag, int slot)
{
    check(floc_irecv(ctx, b, n, from, tag, NULL, &reqs[slot]), "floc_irecv");
}
static void lib_waitall(int n) { check(floc_waitall((size_t)n, reqs), "floc_waitall"); }
static unsigned char *lib_win_alloc(size_t len)
{
    floc_rkey_t mine, all[2];
    void *buf = NULL;
    check(floc_mem_alloc(ctx, len, FLOC_MEM_REMOTE_ALL, &buf, &mem), "floc_mem_alloc");
    check(floc_mem_rkey(mem, &mine), "floc_mem_rkey");
    check(floc_allgather(ctx, &mine, all, sizeof mine, FLOC_BYTE), "floc_allgather");
    peer_key = all[1 - rank];
    return buf;
}
static void lib_win_free(void)
{
    lib_barrier();
    check(floc_mem_free(mem), "floc_mem_free");
}
/* puts: implicit (floc_put) for latency, nonblocking for bandwidth */
static void lib_put(const void *src, size_t n, int target, size_t off, int slot)
{
    (void)target;
    if (IS_BW)
        check(floc_iput(ctx, src, n, &peer_key, off, &reqs[slot]), "floc_iput");
    else
        check(floc_put(ctx, src, n, &peer_key, off), "floc_put");
}
static void lib_get(void *dst, size_t n, int target, size_t off, int slot)
{
    (void)target;
    check(floc_iget(ctx, dst, n, &peer_key, off, &reqs[slot]), "floc_iget");
}
static void lib_rma_complete(int target, int n)
{
    (void)target;
    if (BENCH == PUT_LATENCY)
        check(floc_flush(ctx), "floc_flush");
    else
        check(floc_waitall((size_t)n, reqs), "floc_waitall");
}
static void lib_fadd(uint64_t *add, uint64_t *old, int target)
{
    (void)target;
    check(floc_atomic_fetch_add(ctx, &peer_key, 0, *add, old), "floc_atomic_fetch_add");
}
#endif

/* ------------------------------------------------------------------ */
static unsigned char pattern(size_t len, size_t j)
{
    return (unsigned char)(len * 31 + j * 7 + 3);
}

static int check_pattern(const unsigned char *b, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (b[j] != pattern(n, j))
            return 0;
    return 1;
}

/* One measurement at `n` bytes: us per operation (latency) or MB/s. */
static double measure(size_t n, long iters, long warm, unsigned char *s, unsigned char *r,
                      unsigned char *win, int *ok, double *tmin, double *tmax)
{
    const int peer = 1 - rank;
    double t0 = 0, lo = 1e30, hi = 0;
    lib_barrier();
    for (long i = 0; i < warm + iters; i++) {
        if (i == warm) {
            lib_barrier();
            t0 = now_us();
        }
        double ti = now_us();
        switch (BENCH) {
        case LATENCY:
            if (rank == 0) {
                lib_send(s, n, 1, 1);
                lib_recv(r, n, 1, 1);
            } else {
                lib_recv(r, n, 0, 1);
                lib_send(s, n, 0, 1);
            }
            break;
        case BW:
            if (rank == 0) {
                for (int w = 0; w < WINDOW; w++)
                    lib_isend(s, n, 1, 2, w);
                lib_waitall(WINDOW);
                lib_recv(r, 4, 1, 3);
            } else {
                for (int w = 0; w < WINDOW; w++)
                    lib_irecv(r, n, 0, 2, w);
                lib_waitall(WINDOW);
                lib_send(s, 4, 0, 3);
            }
            break;
        case BIBW:
            for (int w = 0; w < WINDOW; w++)
                lib_irecv(r, n, peer, 2, w);
            for (int w = 0; w < WINDOW; w++)
                lib_isend(s, n, peer, 2, WINDOW + w);
            lib_waitall(2 * WINDOW);
            break;
        case PUT_LATENCY:
            if (rank == 0) {
                lib_put(s, n, 1, 0, 0);
                lib_rma_complete(1, 1);
            }
            break;
        case GET_LATENCY:
            if (rank == 0) {
                lib_get(r, n, 1, 0, 0);
                lib_rma_complete(1, 1);
            }
            break;
        case PUT_BW:
            if (rank == 0) {
                for (int w = 0; w < RMA_WINDOW(n); w++)
                    lib_put(s, n, 1, (size_t)w * n, w);
                lib_rma_complete(1, RMA_WINDOW(n));
            }
            break;
        case GET_BW:
            if (rank == 0) {
                for (int w = 0; w < RMA_WINDOW(n); w++)
                    lib_get(r + (size_t)w * n, n, 1, (size_t)w * n, w);
                lib_rma_complete(1, RMA_WINDOW(n));
            }
            break;
        case FADD_LATENCY:
            if (rank == 0) {
                uint64_t add = 1, old = 0;
                lib_fadd(&add, &old, 1);
                if ((long)old != i)
                    *ok = 0;   /* each add sees the count of the ones before */
            }
            break;
        }
        double dt = now_us() - ti;
        if (i >= warm) {
            lo = dt < lo ? dt : lo;
            hi = dt > hi ? dt : hi;
        }
    }
    double us = now_us() - t0;
    lib_barrier();
    /* what arrived at the receiving end */
    switch (BENCH) {
    case LATENCY: case BW: case BIBW:
        if (BENCH == BIBW || (BENCH == LATENCY) || rank == 1)
            *ok &= check_pattern(r, n);
        break;
    case PUT_LATENCY: case PUT_BW:
        if (rank == 1)
            *ok &= check_pattern(win + (BENCH == PUT_BW ? (size_t)(RMA_WINDOW(n) - 1) * n : 0), n);
        break;
    case GET_LATENCY: case GET_BW:
        if (rank == 0)
            *ok &= check_pattern(r, n);
        break;
    default:
        break;
    }
    *tmin = lo;
    *tmax = hi;
    if (!IS_BW)
        return BENCH == LATENCY ? us / (double)iters / 2 : us / (double)iters;
    const int window = BENCH == PUT_BW || BENCH == GET_BW ? RMA_WINDOW(n) : WINDOW;
    double bytes = (double)n * window * (double)iters * (BENCH == BIBW ? 2 : 1);
    return bytes / us;   /* bytes per us = MB/s */
}

int main(int argc, char **argv)
{
    lib_init(&argc, &argv);
    if (size != 2) {
        if (rank == 0)
            fprintf(stderr, "%s: needs exactly 2 localities\n", argv[0]);
        lib_fini();
        return 2;
    }
    bench_opts_t o = {.min = BENCH == FADD_LATENCY ? 8 : 1,
                      .max = BENCH == FADD_LATENCY ? 8 : 1u << 22, .iters = 10000, .warm = 1000};
    if (bench_parse(argc, argv, 0, &o)) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [-m min:max] [-i iters] [-x warmup] [-f] [-c]\n", argv[0]);
        lib_fini();
        return 2;
    }
    size_t min = o.min, max = o.max;
    long iters = o.iters, warm = o.warm;
    int full = o.full, validate = o.validate;
    if (min == 0 || max < min || iters < 1 || warm < 0) {
        if (rank == 0)
            fprintf(stderr, "%s: bad sizes or counts\n", argv[0]);
        lib_fini();
        return 2;
    }
    if (BENCH == FADD_LATENCY)
        min = max = 8;
    const size_t span = IS_BW ? max * WINDOW : max;
    const int rma = BENCH >= PUT_LATENCY;
    unsigned char *s = malloc(max), *r = calloc(1, span);
    unsigned char *win = rma ? lib_win_alloc(span + 8) : NULL;
    if (!s || !r || (rma && !win)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* fault every page in now, not inside the timed loops */
    memset(r, 0, span);
    if (rma)
        memset(win, 0, span + 8);
    if (rank == 0) {
        printf("# OSU-style %s %s Test (%s)\n", LIB, titles[BENCH], lib_detail());
        printf("# Size   %s%s%s\n", IS_BW ? "   Bandwidth (MB/s)" : "       Latency (us)",
               full ? (IS_BW ? "   Min Time (us)   Max Time (us)  Iterations"
                             : "   Min Latency(us)   Max Latency(us)  Iterations")
                    : "",
               validate ? "  Validation" : "");
    }
    int failures = 0;
    for (size_t n = min; n <= max; n *= 2) {
        long it = n > 65536 ? (IS_BW ? iters / 500 : iters / 10) + 1 : (IS_BW ? iters / 50 + 1 : iters);
        long wu = n > 65536 ? (IS_BW ? 2 : warm / 10) : (IS_BW ? warm / 50 + 1 : warm);
        for (size_t j = 0; j < n; j++)
            s[j] = pattern(n, j);
        if (BENCH == GET_LATENCY || BENCH == GET_BW) {   /* the data a get reads */
            for (size_t w = 0; w < (BENCH == GET_BW ? (size_t)RMA_WINDOW(n) : 1); w++)
                for (size_t j = 0; j < n; j++)
                    win[w * n + j] = pattern(n, j);
            lib_barrier();
        }
        if (BENCH == FADD_LATENCY) {
            memset(win, 0, 8);
            lib_barrier();
        }
        int ok = 1;
        double lo, hi, v = measure(n, it, wu, s, r, win, &ok, &lo, &hi);
        if (BENCH == FADD_LATENCY && rank == 1)
            ok = *(uint64_t *)win == (uint64_t)(it + wu);
        /* locality 1 reports its check to 0 */
        int okpeer = ok;
        if (rank == 1)
            lib_send(&ok, sizeof ok, 0, 9);
        else
            lib_recv(&okpeer, sizeof okpeer, 1, 9);
        ok = ok && okpeer;
        failures += !ok;
        if (rank == 0) {
            printf("%-10zu%18.2f", n, v);
            if (full)
                printf("%18.2f%18.2f%12ld", lo, hi, it);
            if (validate)
                printf("%12s", ok ? "Pass" : "Fail");
            printf("\n");
            fflush(stdout);
        }
    }
    if (rma)
        lib_win_free();   /* and the window's memory */
    free(s);
    free(r);
    lib_fini();
    return failures && validate ? 1 : 0;
}
