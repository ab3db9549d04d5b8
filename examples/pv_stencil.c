/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv_stencil.c - the 1-D heat equation on a block-distributed vector.
 *
 * u(i) <- u(i) + k (u(i-1) - 2 u(i) + u(i+1)), both ends held fixed.  Each
 * locality updates its own part; the two values just outside it (the
 * halo) are read one-sided from the neighbours' parts with floc_pv_get.
 * Two vectors take turns as old and new state, so one fence per step is
 * enough: after it, every part of the new state is complete, and nobody
 * reads the old one any more.  At the end locality 0 gathers the result
 * and compares it bit for bit with the same computation done serially.
 *
 *   floc-run -n 4 ./pv_stencil [points [steps]]
 */
#include <floc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                               \
    do {                                                                          \
        int rc_ = (call);                                                         \
        if (rc_) {                                                                \
            fprintf(stderr, "%s: %s\n", #call, floc_strerror(rc_));               \
            return 1;                                                             \
        }                                                                         \
    } while (0)

static const double K = 0.25;

/* the one formula, shared by the distributed and the serial run */
static double update(double left, double mid, double right)
{
    return mid + K * (left - 2.0 * mid + right);
}

static double initial(size_t i, size_t n)
{
    if (i == 0)
        return 100.0;             /* hot end */
    if (i == n - 1)
        return -50.0;             /* cold end */
    return (i % 17 == 0) ? 10.0 : 0.0;
}

static void serial(double *u, size_t n, int steps)
{
    double *v = malloc(n * sizeof *v);
    for (int s = 0; s < steps; s++) {
        v[0] = u[0];
        v[n - 1] = u[n - 1];
        for (size_t i = 1; i + 1 < n; i++)
            v[i] = update(u[i - 1], u[i], u[i + 1]);
        memcpy(u, v, n * sizeof *u);
    }
    free(v);
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    CHECK(floc_init(&argc, &argv, NULL, &ctx));
    const size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1003;
    const int steps = argc > 2 ? atoi(argv[2]) : 100;
    const int me = floc_locality_id(ctx);
    if (n < 3) {
        fprintf(stderr, "pv_stencil: need at least 3 points\n");
        return 1;
    }

    floc_pv_t *u, *v;
    CHECK(floc_pv_create(ctx, n, FLOC_DOUBLE, floc_dist_block(), &u));
    CHECK(floc_pv_create(ctx, n, FLOC_DOUBLE, floc_dist_block(), &v));

    /* this locality's range [first, first + nl) */
    double *pu, *pv;
    size_t nl, first = 0;
    CHECK(floc_pv_local(u, (void **)&pu, &nl));
    if (nl)
        CHECK(floc_pv_global_index(u, me, 0, &first));
    for (size_t l = 0; l < nl; l++)
        pu[l] = initial(first + l, n);
    CHECK(floc_pv_fence(u));

    for (int s = 0; s < steps; s++) {
        CHECK(floc_pv_local(u, (void **)&pu, &nl));
        CHECK(floc_pv_local(v, (void **)&pv, &nl));
        if (nl) {
            /* the halo: one element on each side, wherever it lives */
            double left = 0.0, right = 0.0;
            if (first > 0)
                CHECK(floc_pv_get(u, first - 1, 1, &left));
            if (first + nl < n)
                CHECK(floc_pv_get(u, first + nl, 1, &right));
            for (size_t l = 0; l < nl; l++) {
                size_t i = first + l;
                if (i == 0 || i == n - 1) {
                    pv[l] = pu[l];
                    continue;
                }
                double lo = l > 0 ? pu[l - 1] : left;
                double hi = l + 1 < nl ? pu[l + 1] : right;
                pv[l] = update(lo, pu[l], hi);
            }
        }
        CHECK(floc_pv_fence(v));   /* v complete everywhere; u free to overwrite */
        floc_pv_t *t = u;
        u = v;
        v = t;
    }

    double *all = me == 0 ? malloc(n * sizeof *all) : NULL;
    CHECK(floc_pv_gather(u, 0, all));
    int ok = 1;
    if (me == 0) {
        double *ref = malloc(n * sizeof *ref);
        for (size_t i = 0; i < n; i++)
            ref[i] = initial(i, n);
        serial(ref, n, steps);
        ok = memcmp(all, ref, n * sizeof *ref) == 0;
        double mid = all[n / 2];
        printf("pv_stencil: %zu points, %d steps on %d localities: u[%zu] = %.17g; %s\n", n, steps,
               floc_num_localities(ctx), n / 2, mid,
               ok ? "identical to the serial run, bit for bit" : "DIFFERS from the serial run");
        free(ref);
        free(all);
    }
    CHECK(floc_broadcast(ctx, &ok, 1, FLOC_INT32, 0));
    CHECK(floc_pv_destroy(v));
    CHECK(floc_pv_destroy(u));
    CHECK(floc_finalize(ctx));
    return ok ? 0 : 1;
}
