/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv_sum.c - the seed's first distributed-array program, in C:
 *
 *     a = hpx.zeros((n,), distribution='block')   ->  floc_pv_zeros
 *     a.fill(1.0); hpx.sum(a)                     ->  floc_pv_fill, floc_pv_reduce
 *
 * then iota (a[i] = i), a sum checked against n (n - 1) / 2, and a look
 * at which part of the vector each locality holds.
 *
 *   floc-run -n 4 ./pv_sum [n]
 */
#include <floc.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                               \
    do {                                                                          \
        int rc_ = (call);                                                         \
        if (rc_) {                                                                \
            fprintf(stderr, "%s: %s\n", #call, floc_strerror(rc_));               \
            return 1;                                                             \
        }                                                                         \
    } while (0)

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    CHECK(floc_init(&argc, &argv, NULL, &ctx));
    const size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const int me = floc_locality_id(ctx);

    floc_pv_t *a;
    CHECK(floc_pv_zeros(ctx, n, FLOC_DOUBLE, floc_dist_block(), &a));

    /* each locality's part: a plain array, and where it sits in the vector */
    double *part;
    size_t nlocal, first = 0;
    CHECK(floc_pv_local(a, (void **)&part, &nlocal));
    if (nlocal)
        CHECK(floc_pv_global_index(a, me, 0, &first));
    printf("locality %d of %d holds a[%zu:%zu]\n", me, floc_num_localities(ctx), first,
           first + nlocal);
    fflush(stdout);

    double zeros, ones, total, one = 1.0, start = 0.0;
    CHECK(floc_pv_reduce(a, FLOC_SUM, &zeros));
    CHECK(floc_pv_fill(a, &one));
    CHECK(floc_pv_reduce(a, FLOC_SUM, &ones));
    CHECK(floc_pv_iota(a, &start));
    CHECK(floc_pv_reduce(a, FLOC_SUM, &total));

    /* exact in double while n (n - 1) / 2 < 2^53 */
    const double want = (double)n * (double)(n ? n - 1 : 0) / 2;
    int ok = zeros == 0.0 && ones == (double)n && total == want;
    if (me == 0)
        printf("n = %zu: sum(zeros) = %g, sum(ones) = %.17g, sum(0..n-1) = %.17g (expected %.17g): %s\n",
               n, zeros, ones, total, want, ok ? "ok" : "WRONG");
    CHECK(floc_pv_destroy(a));
    CHECK(floc_finalize(ctx));
    return ok ? 0 : 1;
}
