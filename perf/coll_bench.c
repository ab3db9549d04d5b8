/*
 * coll_bench.c - OSU-style collective latency, one timing loop compiled
 * twice: against floc (floc_coll_bench) and, when MPI is found, against
 * MPI (mpi_coll_bench), so the two can run side by side on the same sizes.
 *
 *   floc-run -n N ./floc_coll_bench allreduce|bcast|barrier [-m min:max] [-i it] [-x warm]
 *   mpirun -np N ./mpi_coll_bench   allreduce|bcast|barrier [...]
 *
 * allreduce: doubles, sum; bcast: bytes from root 0.  Reported: the
 * average over iterations of the per-call time, averaged over localities
 * (osu_allreduce's "Avg Latency(us)").
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef USE_MPI
#include <mpi.h>
#define LIB "MPI"
static int rank, size;
static void lib_init(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
}
static void lib_fini(void) { MPI_Finalize(); }
static void do_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }
static void do_bcast(void *b, size_t n) { MPI_Bcast(b, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD); }
static void do_allreduce(const double *s, double *r, size_t n)
{
    MPI_Allreduce(s, r, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static double avg_over_ranks(double v)
{
    double sum;
    MPI_Allreduce(&v, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return sum / size;
}
#else
#include <floc.h>
#define LIB "floc"
static int rank, size;
static floc_ctx_t *ctx;
static void check(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "%s: %s\n", what, floc_strerror(rc));
        exit(1);
    }
}
static void lib_init(int *argc, char ***argv)
{
    check(floc_init(argc, argv, NULL, &ctx), "floc_init");
    rank = floc_locality_id(ctx);
    size = floc_num_localities(ctx);
}
static void lib_fini(void) { check(floc_finalize(ctx), "floc_finalize"); }
static void do_barrier(void) { check(floc_barrier(ctx), "floc_barrier"); }
static void do_bcast(void *b, size_t n) { check(floc_broadcast(ctx, b, n, FLOC_BYTE, 0), "floc_broadcast"); }
static void do_allreduce(const double *s, double *r, size_t n)
{
    check(floc_allreduce(ctx, s, r, n, FLOC_DOUBLE, FLOC_SUM), "floc_allreduce");
}
static double avg_over_ranks(double v)
{
    double sum;
    check(floc_allreduce(ctx, &v, &sum, 1, FLOC_DOUBLE, FLOC_SUM), "floc_allreduce");
    return sum / size;
}
#endif

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    lib_init(&argc, &argv);
    if (argc < 2 || (strcmp(argv[1], "allreduce") && strcmp(argv[1], "bcast") &&
                     strcmp(argv[1], "barrier"))) {
        if (rank == 0)
            fprintf(stderr, "usage: %s allreduce|bcast|barrier [-m min:max] [-i iters] [-x warmup]\n",
                    argv[0]);
        lib_fini();
        return 2;
    }
    const char *what = argv[1];
    size_t min = 8, max = 1u << 20;
    long iters = 1000, warm = 100;
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "m:i:x:")) != -1) {
        if (c == 'm') {
            char *colon = strchr(optarg, ':');
            if (colon) {
                min = strtoull(optarg, NULL, 10);
                max = strtoull(colon + 1, NULL, 10);
            } else {
                max = strtoull(optarg, NULL, 10);
            }
        } else if (c == 'i') {
            iters = atol(optarg);
        } else if (c == 'x') {
            warm = atol(optarg);
        }
    }
    if (min == 0)
        min = 1;
    char *buf = malloc(max + 8), *res = malloc(max + 8);
    memset(buf, 1, max + 8);
    if (rank == 0) {
        printf("# OSU-style %s %s Latency Test (%d localities)\n", LIB, what, size);
        printf("# Size       Avg Latency(us)\n");
    }
    int is_barrier = strcmp(what, "barrier") == 0;
    for (size_t sz = is_barrier ? 0 : min; sz <= (is_barrier ? 0 : max); sz = sz ? sz * 2 : 1) {
        long it = sz > (1u << 20) ? iters / 10 + 1 : iters;
        size_t nd = sz / sizeof(double) ? sz / sizeof(double) : 1;
        double t0 = 0;
        do_barrier();
        for (long i = 0; i < warm + it; i++) {
            if (i == warm)
                t0 = now_us();
            if (is_barrier)
                do_barrier();
            else if (what[0] == 'b')
                do_bcast(buf, sz);
            else
                do_allreduce((double *)buf, (double *)res, nd);
        }
        double avg = avg_over_ranks((now_us() - t0) / (double)it);
        if (rank == 0) {
            printf("%-12zu%16.2f\n", is_barrier ? 0 : (what[0] == 'a' ? nd * sizeof(double) : sz), avg);
            fflush(stdout);
        }
        if (is_barrier)
            break;
    }
    free(buf);
    free(res);
    lib_fini();
    return 0;
}
