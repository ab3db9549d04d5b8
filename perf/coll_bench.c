/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coll_bench.c - OSU-style collective latency, one timing loop compiled
 * twice: against floc (floc_coll_bench) and, when MPI is found, against
 * MPI (mpi_coll_bench), so the two run side by side on the same sizes.
 *
 *   floc-run -n N ./floc_coll_bench COLL [-m min:max] [-i iters] [-x warmup] [-f] [-c] [-t 1]
 *   mpirun -np N ./mpi_coll_bench   COLL [...]
 *
 * COLL: barrier bcast reduce allreduce gather scatter allgather alltoall
 * reduce_scatter, and split (a split of the group in two by parity and
 * the new team's free: floc_split + floc_team_free against MPI_Comm_split
 * + MPI_Comm_free).  -t 1: run on the row team of a 2 x N/2 grid (a team
 * made by floc_split, an MPI_Comm_split communicator) instead of all
 * localities.  Size is bytes per locality as in the OSU benchmarks
 * (the block each locality contributes or receives); reductions use
 * doubles with sum, movers bytes; rooted ones root 0.  Reported: the
 * average over iterations of the per-call time, averaged over localities
 * (osu_allreduce's "Avg Latency(us)"); -f adds min and max over
 * localities and the iteration count; -c checks every result against a
 * reference computed here and reports "Pass"/"Fail" (the timed loop then
 * also refills the inputs, as osu -c does).  COLL_BENCH_MEM=shared in
 * the environment: floc's buffers come from floc_mem_alloc (the node's
 * localities map them: allreduce folds straight from them, docs/coll.md);
 * MPI's stay ordinary, the reference the issue names.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_lib.h"

enum { BARRIER, BCAST, REDUCE, ALLREDUCE, GATHER, SCATTER, ALLGATHER, ALLTOALL, REDUCE_SCATTER,
       SPLIT, NKINDS };
static const char *const names[NKINDS] = {"barrier", "bcast", "reduce", "allreduce", "gather",
                                          "scatter", "allgather", "alltoall", "reduce_scatter",
                                          "split"};

#ifdef USE_MPI
static MPI_Comm group;   /* where the collectives run: the world or a row (-t) */
static int printer;      /* world rank 0: prints the table */
static void use_rows(void)
{
    MPI_Comm_split(MPI_COMM_WORLD, rank / (size / 2), rank, &group);
    MPI_Comm_rank(group, &rank);
    MPI_Comm_size(group, &size);
}
static void end_rows(void)
{
    if (group != MPI_COMM_WORLD)
        MPI_Comm_free(&group);
}
static void run(int kind, void *s, void *r, size_t bytes)
{
    const int nd = (int)(bytes / sizeof(double)), nb = (int)bytes;
    MPI_Comm w = group, t;
    switch (kind) {
    case SPLIT:
        MPI_Comm_split(w, rank % 2, rank, &t);
        MPI_Comm_free(&t);
        break;
    case BARRIER: MPI_Barrier(w); break;
    case BCAST: MPI_Bcast(s, nb, MPI_BYTE, 0, w); break;
    case REDUCE: MPI_Reduce(s, r, nd, MPI_DOUBLE, MPI_SUM, 0, w); break;
    case ALLREDUCE: MPI_Allreduce(s, r, nd, MPI_DOUBLE, MPI_SUM, w); break;
    case GATHER: MPI_Gather(s, nb, MPI_BYTE, r, nb, MPI_BYTE, 0, w); break;
    case SCATTER: MPI_Scatter(s, nb, MPI_BYTE, r, nb, MPI_BYTE, 0, w); break;
    case ALLGATHER: MPI_Allgather(s, nb, MPI_BYTE, r, nb, MPI_BYTE, w); break;
    case ALLTOALL: MPI_Alltoall(s, nb, MPI_BYTE, r, nb, MPI_BYTE, w); break;
    case REDUCE_SCATTER: MPI_Reduce_scatter_block(s, r, nd, MPI_DOUBLE, MPI_SUM, w); break;
    }
}
static void reduce3(double *v)   /* sum, min, max over ranks */
{
    double in[3] = {v[0], -v[1], v[2]}, out[3];
    MPI_Allreduce(in, out, 1, MPI_DOUBLE, MPI_SUM, group);
    MPI_Allreduce(in + 1, out + 1, 2, MPI_DOUBLE, MPI_MAX, group);
    v[0] = out[0];
    v[1] = -out[1];
    v[2] = out[2];
}
#else
static floc_ctx_t *world;   /* (ctx: where the collectives run, the world or a row) */
static int printer;         /* world rank 0: prints the table */
static void use_rows(void)
{
    check(floc_split(ctx, rank / (size / 2), rank, &ctx), "floc_split");
    rank = floc_locality_id(ctx);
    size = floc_num_localities(ctx);
}
static void end_rows(void)
{
    if (ctx != world)
        check(floc_team_free(ctx), "floc_team_free");
    ctx = world;
}
static void run(int kind, void *s, void *r, size_t bytes)
{
    const size_t nd = bytes / sizeof(double);
    int rc = 0;
    floc_ctx_t *t;
    switch (kind) {
    case SPLIT:
        if (!(rc = floc_split(ctx, rank % 2, rank, &t)))
            rc = floc_team_free(t);
        break;
    case BARRIER: rc = floc_barrier(ctx); break;
    case BCAST: rc = floc_broadcast(ctx, s, bytes, FLOC_BYTE, 0); break;
    case REDUCE: rc = floc_reduce(ctx, s, r, nd, FLOC_DOUBLE, FLOC_SUM, 0); break;
    case ALLREDUCE: rc = floc_allreduce(ctx, s, r, nd, FLOC_DOUBLE, FLOC_SUM); break;
    case GATHER: rc = floc_gather(ctx, s, r, bytes, FLOC_BYTE, 0); break;
    case SCATTER: rc = floc_scatter(ctx, s, r, bytes, FLOC_BYTE, 0); break;
    case ALLGATHER: rc = floc_allgather(ctx, s, r, bytes, FLOC_BYTE); break;
    case ALLTOALL: rc = floc_alltoall(ctx, s, r, bytes, FLOC_BYTE); break;
    case REDUCE_SCATTER: rc = floc_reduce_scatter(ctx, s, r, nd, FLOC_DOUBLE, FLOC_SUM); break;
    }
    check(rc, names[kind]);
}
static void reduce3(double *v)   /* sum, min, max over localities */
{
    double in[2] = {-v[1], v[2]}, out[2], sum;
    check(floc_allreduce(ctx, v, &sum, 1, FLOC_DOUBLE, FLOC_SUM), "floc_allreduce");
    check(floc_allreduce(ctx, in, out, 2, FLOC_DOUBLE, FLOC_MAX), "floc_allreduce");
    v[0] = sum;
    v[1] = -out[0];
    v[2] = out[1];
}
#endif

/* input byte j of locality q's send buffer / double j: exact small sums */
static unsigned char in_byte(int q, size_t j)
{
    return (unsigned char)((size_t)q * 131 + j * 7 + 1);
}
static double in_double(int q, size_t j)
{
    return (double)((q * 3 + (int)(j % 61)) % 17);
}

/* fill the send buffer (bytes per locality: the whole vector for alltoall,
 * scatter at the root and reduce_scatter) */
static void fill(int kind, char *s, size_t bytes)
{
    const size_t total = kind == ALLTOALL || kind == SCATTER ? bytes * (size_t)size : bytes;
    if (kind == REDUCE || kind == ALLREDUCE || kind == REDUCE_SCATTER) {
        size_t nd = (kind == REDUCE_SCATTER ? bytes * (size_t)size : bytes) / sizeof(double);
        for (size_t j = 0; j < nd; j++)
            ((double *)s)[j] = in_double(rank, j);
    } else if (kind == BCAST) {
        for (size_t j = 0; j < bytes; j++)
            s[j] = rank == 0 ? (char)in_byte(0, j) : 0;
    } else {
        for (size_t j = 0; j < total; j++)
            s[j] = (char)in_byte(rank, j);
    }
}

/* 1 if the result of the last call is right */
static int valid(int kind, const char *s, const char *r, size_t bytes)
{
    const size_t nd = bytes / sizeof(double), p = (size_t)size;
    const double *rd = (const double *)r;
    switch (kind) {
    case BCAST:
        for (size_t j = 0; j < bytes; j++)
            if ((unsigned char)s[j] != in_byte(0, j))
                return 0;
        return 1;
    case REDUCE:
    case ALLREDUCE:
    case REDUCE_SCATTER:
        if (kind == REDUCE && rank != 0)
            return 1;
        for (size_t j = 0; j < nd; j++) {
            size_t g = kind == REDUCE_SCATTER ? (size_t)rank * nd + j : j;
            double want = 0;
            for (int q = 0; q < size; q++)
                want += in_double(q, g);
            if (rd[j] != want)
                return 0;
        }
        return 1;
    case GATHER:
    case ALLGATHER:
        if (kind == GATHER && rank != 0)
            return 1;
        for (size_t j = 0; j < bytes * p; j++)
            if ((unsigned char)r[j] != in_byte((int)(j / bytes), j % bytes))
                return 0;
        return 1;
    case SCATTER:
        for (size_t j = 0; j < bytes; j++)
            if ((unsigned char)r[j] != in_byte(0, (size_t)rank * bytes + j))
                return 0;
        return 1;
    case ALLTOALL:
        for (size_t j = 0; j < bytes * p; j++)
            if ((unsigned char)r[j] != in_byte((int)(j / bytes), (size_t)rank * bytes + j % bytes))
                return 0;
        return 1;
    default:
        return 1;
    }
}

static void usage(const char *prog)
{
    if (rank == 0) {
        fprintf(stderr, "usage: %s COLL [-m min:max] [-i iters] [-x warmup] [-f] [-c] [-t 1 (a row "
                "team; even n)]\nCOLL:", prog);
        for (int k = 0; k < NKINDS; k++)
            fprintf(stderr, " %s", names[k]);
        fputc('\n', stderr);
    }
}

int main(int argc, char **argv)
{
    lib_init(&argc, &argv);
    int kind = -1;
    for (int k = 0; argc > 1 && k < NKINDS; k++)
        if (strcmp(argv[1], names[k]) == 0)
            kind = k;
    if (kind < 0) {
        usage(argv[0]);
        lib_fini();
        return 2;
    }
    bench_opts_t o = {.min = 8, .max = 1u << 20, .iters = 1000, .warm = 100};
    optind = 2;   /* after COLL */
    if (bench_parse(argc, argv, 't', &o) || (o.extra && size % 2)) {
        usage(argv[0]);
        lib_fini();
        return 2;
    }
#ifdef USE_MPI
    group = MPI_COMM_WORLD;
#else
    world = ctx;
#endif
    printer = rank == 0;   /* (a row's rank 0 is not the only one) */
    if (o.extra)
        use_rows();
    size_t min = o.min, max = o.max;
    long iters = o.iters, warm = o.warm;
    int full = o.full, validate = o.validate;
    const int reduction = kind == REDUCE || kind == ALLREDUCE || kind == REDUCE_SCATTER;
    if (reduction && min < sizeof(double))
        min = sizeof(double);
    if (min == 0)
        min = 1;
    const size_t vec = max * (size_t)size + 64;
    char *s, *r;
#ifndef USE_MPI
    const char *mem = getenv("COLL_BENCH_MEM");
    floc_mem_t *smem = NULL, *rmem = NULL;
    if (mem && strcmp(mem, "shared") == 0) {
        const unsigned rw = FLOC_MEM_REMOTE_READ | FLOC_MEM_REMOTE_WRITE;
        check(floc_mem_alloc(ctx, vec, rw, (void **)&s, &smem), "floc_mem_alloc");
        check(floc_mem_alloc(ctx, vec, rw, (void **)&r, &rmem), "floc_mem_alloc");
    } else
#endif
    {
        s = malloc(vec);
        r = malloc(vec);
    }
    if (!s || !r) {
        fprintf(stderr, "out of memory for %zu-byte buffers\n", vec);
        return 1;
    }
    memset(s, 1, vec);
    memset(r, 0, vec);
    if (printer) {
        printf("# OSU-style %s %s Latency Test (%d localities%s)\n", LIB, names[kind], size,
               o.extra ? ", a row team of 2 x n/2" : "");
        printf("# Size       Avg Latency(us)%s%s\n",
               full ? "   Min Latency(us)   Max Latency(us)  Iterations" : "",
               validate ? "  Validation" : "");
    }
    int failures = 0;
    const int sizeless = kind == BARRIER || kind == SPLIT;
    for (size_t sz = sizeless ? 0 : min; sz <= (sizeless ? 0 : max); sz *= 2) {
        size_t bytes = reduction ? sz / sizeof(double) * sizeof(double) : sz;
        long it = sz > (1u << 20) ? iters / 10 + 1 : iters;
        int ok = 1;
        double t = 0;
        run(BARRIER, NULL, NULL, 0);
        for (long i = 0; i < warm + it; i++) {
            if (validate)
                fill(kind, s, bytes);
            double t0 = now_us();
            run(kind, s, r, bytes);
            if (i >= warm)
                t += now_us() - t0;
            if (validate)
                ok &= valid(kind, s, r, bytes);
        }
        double v[3] = {t / (double)it, t / (double)it, t / (double)it};
        reduce3(v);
        double okd[3] = {ok, ok, ok};
        reduce3(okd);
        failures += okd[1] == 0;
        if (printer) {
            printf("%-12zu%16.2f", bytes, v[0] / size);
            if (full)
                printf("%18.2f%18.2f%12ld", v[1], v[2], it);
            if (validate)
                printf("%12s", okd[1] ? "Pass" : "Fail");
            printf("\n");
            fflush(stdout);
        }
        if (sizeless)
            break;
    }
#ifndef USE_MPI
    if (smem) {
        check(floc_mem_free(smem), "floc_mem_free");
        check(floc_mem_free(rmem), "floc_mem_free");
    } else
#endif
    {
        free(s);
        free(r);
    }
    end_rows();
    lib_fini();
    return failures ? 1 : 0;
}
