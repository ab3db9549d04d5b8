/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_coll.c - barrier, broadcast and allreduce against serial references
 * computed here from every locality's deterministic input; bit-identical
 * results across localities and across repeated calls; argument checks.
 * The algorithm under test is forced by the environment (ctest runs this
 * once per algorithm): FLOC_ALLREDUCE_ALGO=recursive_doubling|ring.
 *
 *   floc-run -n N mp_coll
 */
#include <math.h>

#include "mp_util.h"

static int n, me;
static floc_ctx_t *ctx;

static const size_t counts[] = {0, 1, 7, 1000};

/* integer input of locality r at index i: small, signed, varied */
static int64_t ival(int r, size_t i)
{
    return (int64_t)((mp_value(r, 0, i) % 41)) - 20;
}

static void check_barrier(void)
{
    /* everyone adds 1 to a counter at locality 0 before the barrier; after
     * it, everyone must read n: nobody left before all had arrived */
    uint64_t counter = 0, got = 0, old;
    floc_mem_t *mem = NULL;
    floc_rkey_t key, *keys = calloc((size_t)n, sizeof *keys);
    MP_MUST(floc_mem_register(ctx, &counter, sizeof counter, FLOC_MEM_REMOTE_ALL, &mem));
    MP_MUST(floc_mem_rkey(mem, &key));
    mp_exchange_rkeys(ctx, &key, keys, 1);
    for (int round = 0; round < 3; round++) {
        MP_OK(floc_atomic_fetch_add(ctx, &keys[0], 0, 1, &old));
        MP_OK(floc_barrier(ctx));
        MP_OK(floc_get(ctx, &got, sizeof got, &keys[0], 0));
        if (got != (uint64_t)n * (uint64_t)(round + 1))
            MP_FAIL("after barrier %d the counter is %llu, expected %d", round,
                    (unsigned long long)got, n * (round + 1));
        MP_OK(floc_barrier(ctx));
    }
    MP_OK(floc_mem_deregister(mem));
    free(keys);
}

static void check_bcast(void)
{
    for (int root = 0; root < n; root++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t cnt = counts[c];
            int32_t *ib = calloc(cnt + 1, sizeof *ib);
            double *db = calloc(cnt + 1, sizeof *db);
            for (size_t i = 0; i < cnt; i++) {
                ib[i] = me == root ? (int32_t)mp_value(root, 1, i) : -1;
                db[i] = me == root ? (double)ival(root, i) / 8.0 : NAN;
            }
            MP_OK(floc_broadcast(ctx, ib, cnt, FLOC_INT32, root));
            MP_OK(floc_broadcast(ctx, db, cnt, FLOC_DOUBLE, root));
            for (size_t i = 0; i < cnt; i++) {
                if (ib[i] != (int32_t)mp_value(root, 1, i) || db[i] != (double)ival(root, i) / 8.0) {
                    MP_FAIL("bcast root %d count %zu: element %zu wrong", root, cnt, i);
                    break;
                }
            }
            free(ib);
            free(db);
        }
    }
    /* a large one: 1 MiB + 3 bytes */
    size_t big = (1u << 20) + 3;
    unsigned char *bb = malloc(big);
    for (size_t i = 0; i < big; i++)
        bb[i] = me == n - 1 ? (unsigned char)mp_value(n - 1, 2, i) : 0;
    MP_OK(floc_broadcast(ctx, bb, big, FLOC_BYTE, n - 1));
    for (size_t i = 0; i < big; i++)
        if (bb[i] != (unsigned char)mp_value(n - 1, 2, i)) {
            MP_FAIL("large bcast: byte %zu wrong", i);
            break;
        }
    free(bb);
}

/* reference for integer ops, in int64 (inputs are small: no overflow) */
static int64_t iref(floc_op_t op, size_t i)
{
    int64_t acc = ival(0, i);
    for (int r = 1; r < n; r++) {
        int64_t x = ival(r, i);
        switch (op) {
        case FLOC_SUM: acc += x; break;
        case FLOC_MIN: acc = x < acc ? x : acc; break;
        case FLOC_MAX: acc = x > acc ? x : acc; break;
        case FLOC_BAND: acc &= x; break;
        case FLOC_BOR: acc |= x; break;
        case FLOC_BXOR: acc ^= x; break;
        case FLOC_LAND: acc = acc && x; break;
        case FLOC_LOR: acc = acc || x; break;
        default: break;
        }
    }
    /* one locality: allreduce copies, as MPI does (no op applied) */
    if ((op == FLOC_LAND || op == FLOC_LOR) && n > 1)
        acc = acc != 0;
    return acc;
}

static void check_allreduce_int(void)
{
    static const floc_op_t ops[] = {FLOC_SUM, FLOC_MIN, FLOC_MAX, FLOC_BAND, FLOC_BOR,
                                    FLOC_BXOR, FLOC_LAND, FLOC_LOR};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t cnt = counts[c];
            int32_t *s32 = calloc(cnt + 1, 4), *r32 = calloc(cnt + 1, 4);
            int64_t *s64 = calloc(cnt + 1, 8), *r64 = calloc(cnt + 1, 8);
            for (size_t i = 0; i < cnt; i++) {
                s32[i] = (int32_t)ival(me, i);
                s64[i] = ival(me, i);
            }
            MP_OK(floc_allreduce(ctx, s32, r32, cnt, FLOC_INT32, ops[o]));
            MP_OK(floc_allreduce(ctx, s64, s64, cnt, FLOC_INT64, ops[o]));   /* sbuf == rbuf */
            for (size_t i = 0; i < cnt; i++) {
                int64_t want = iref(ops[o], i);
                if (r32[i] != (int32_t)want || s64[i] != want) {
                    MP_FAIL("allreduce op %d count %zu [%zu]: int32 %d int64 %lld, expected %lld",
                            (int)ops[o], cnt, i, r32[i], (long long)s64[i], (long long)want);
                    break;
                }
            }
            (void)r64;
            free(s32); free(r32); free(s64); free(r64);
        }
    }
    /* uint8 sums wrap around: 255 per locality */
    uint8_t u[3] = {255, 1, 0};
    MP_OK(floc_allreduce(ctx, FLOC_IN_PLACE, u, 3, FLOC_UINT8, FLOC_SUM));
    if (u[0] != (uint8_t)(255 * n) || u[1] != (uint8_t)n || u[2] != 0)
        MP_FAIL("uint8 in-place sum: %u %u %u", u[0], u[1], u[2]);
}

static void check_allreduce_float(void)
{
    /* exact sums (values are multiples of 1/8), and a large vector */
    size_t cnts[] = {0, 1, 7, 1000, (1u << 20) + 3};
    for (size_t c = 0; c < sizeof cnts / sizeof cnts[0]; c++) {
        size_t cnt = cnts[c];
        double *d = malloc((cnt + 1) * sizeof *d), *r = malloc((cnt + 1) * sizeof *r);
        float *f = malloc((cnt + 1) * sizeof *f);
        for (size_t i = 0; i < cnt; i++) {
            d[i] = (double)ival(me, i) / 8.0;
            f[i] = (float)ival(me, i);
        }
        MP_OK(floc_allreduce(ctx, d, r, cnt, FLOC_DOUBLE, FLOC_SUM));
        MP_OK(floc_allreduce(ctx, FLOC_IN_PLACE, f, cnt, FLOC_FLOAT, FLOC_MAX));
        for (size_t i = 0; i < cnt; i++) {
            double want = 0;
            float fmax = -1e30f;
            for (int q = 0; q < n; q++) {
                want += (double)ival(q, i) / 8.0;
                fmax = (float)ival(q, i) > fmax ? (float)ival(q, i) : fmax;
            }
            if (r[i] != want || f[i] != fmax) {
                MP_FAIL("double sum / float max count %zu [%zu]: %g %g, expected %g %g", cnt, i,
                        r[i], (double)f[i], want, (double)fmax);
                break;
            }
        }
        free(d); free(r); free(f);
    }
    /* minloc/maxloc: ties resolved to the smaller index */
    floc_double_index_t mn[50], mx[50];
    for (int i = 0; i < 50; i++) {
        mn[i].value = mx[i].value = (double)(ival(me, (size_t)i) % 3);
        mn[i].index = mx[i].index = me;
    }
    MP_OK(floc_allreduce(ctx, FLOC_IN_PLACE, mn, 50, FLOC_DOUBLE_INDEX, FLOC_MINLOC));
    MP_OK(floc_allreduce(ctx, FLOC_IN_PLACE, mx, 50, FLOC_DOUBLE_INDEX, FLOC_MAXLOC));
    for (int i = 0; i < 50; i++) {
        double lo = 1e9, hi = -1e9;
        int64_t ilo = -1, ihi = -1;
        for (int q = 0; q < n; q++) {
            double v = (double)(ival(q, (size_t)i) % 3);
            if (v < lo) { lo = v; ilo = q; }
            if (v > hi) { hi = v; ihi = q; }
        }
        if (mn[i].value != lo || mn[i].index != ilo || mx[i].value != hi || mx[i].index != ihi) {
            MP_FAIL("minloc/maxloc [%d]: (%g,%lld) (%g,%lld), expected (%g,%lld) (%g,%lld)", i,
                    mn[i].value, (long long)mn[i].index, mx[i].value, (long long)mx[i].index, lo,
                    (long long)ilo, hi, (long long)ihi);
            break;
        }
    }
}

/* sums of values that do not associate: every locality must hold the
 * same bits, and a second call must give the same bits again.  At the
 * sizes where each path splits the vector among the localities (and
 * could fold them in different orders): the node segment's small area,
 * where every locality folds every input itself (1023), that area on 2
 * and the pipeline on 3 and more (4099), the pipeline on 2 too (8195),
 * many pipeline chunks, Rabenseifner and the ring (131075). */
static void check_same_bits_at(size_t cnt)
{
    double *x = malloc(cnt * sizeof *x), *r1 = malloc(cnt * sizeof *r1),
           *r2 = malloc(cnt * sizeof *r2), *other = malloc(cnt * sizeof *other);
    if (!x || !r1 || !r2 || !other)
        exit(1);
    for (size_t i = 0; i < cnt; i++) {
        uint64_t v = mp_value(me, 3, i);
        x[i] = ldexp((double)(v >> 11), (int)(v % 61) - 30) * ((v & 1) ? -1 : 1);
    }
    MP_OK(floc_allreduce(ctx, x, r1, cnt, FLOC_DOUBLE, FLOC_SUM));
    MP_OK(floc_allreduce(ctx, x, r2, cnt, FLOC_DOUBLE, FLOC_SUM));
    if (memcmp(r1, r2, cnt * sizeof *r1))
        MP_FAIL("two identical allreduces of %zu doubles gave different bits", cnt);
    if (me != 0) {
        MP_MUST(floc_send(ctx, r1, cnt * sizeof *r1, 0, 2));
    } else {
        for (int q = 1; q < n; q++) {
            MP_MUST(floc_recv(ctx, other, cnt * sizeof *other, q, 2, NULL));
            size_t i = 0;
            while (i < cnt && memcmp(&other[i], &r1[i], sizeof *r1) == 0)
                i++;
            if (i < cnt)
                MP_FAIL("allreduce of %zu doubles: locality %d holds other bits than "
                        "locality 0 from element %zu", cnt, q, i);
        }
    }
    free(x); free(r1); free(r2); free(other);
}

static void check_same_bits(void)
{
    check_same_bits_at(1023);
    check_same_bits_at(4099);
    check_same_bits_at(8195);
    check_same_bits_at(131075);
}

/* several nonblocking collectives in flight, completed in reverse order */
static void check_nonblocking(void)
{
    enum { A = 1000, B = 5003 };
    int32_t *ia = malloc(A * sizeof *ia);
    double *db = malloc(B * sizeof *db);
    uint64_t bc[17];
    for (size_t i = 0; i < A; i++)
        ia[i] = (int32_t)ival(me, i);
    for (size_t i = 0; i < B; i++)
        db[i] = (double)ival(me, i) / 4.0;
    for (int i = 0; i < 17; i++)
        bc[i] = me == n - 1 ? mp_value(n - 1, 4, (uint64_t)i) : 0;
    floc_request_t *r[5];
    MP_MUST(floc_ibarrier(ctx, &r[0]));
    MP_MUST(floc_iallreduce(ctx, FLOC_IN_PLACE, ia, A, FLOC_INT32, FLOC_SUM, &r[1]));
    MP_MUST(floc_ibroadcast(ctx, bc, 17, FLOC_UINT64, n - 1, &r[2]));
    MP_MUST(floc_iallreduce(ctx, FLOC_IN_PLACE, db, B, FLOC_DOUBLE, FLOC_MAX, &r[3]));
    MP_MUST(floc_ibarrier(ctx, &r[4]));
    int done = 0;
    for (long spins = 0; !done && spins < 100000000L; spins++)
        MP_OK(floc_test(r[3], &done));
    if (!done)
        MP_FAIL("iallreduce never completed under floc_test");
    for (int k = 4; k >= 0; k--)
        if (k != 3)
            MP_OK(floc_wait(r[k]));
    for (size_t i = 0; i < A; i++) {
        int64_t want = 0;
        for (int q = 0; q < n; q++)
            want += ival(q, i);
        if (ia[i] != (int32_t)want) {
            MP_FAIL("nonblocking int sum [%zu]: %d, expected %lld", i, ia[i], (long long)want);
            break;
        }
    }
    for (size_t i = 0; i < B; i++) {
        double want = -1e300;
        for (int q = 0; q < n; q++)
            want = (double)ival(q, i) / 4.0 > want ? (double)ival(q, i) / 4.0 : want;
        if (db[i] != want) {
            MP_FAIL("nonblocking double max [%zu]: %g, expected %g", i, db[i], want);
            break;
        }
    }
    for (int i = 0; i < 17; i++)
        if (bc[i] != mp_value(n - 1, 4, (uint64_t)i)) {
            MP_FAIL("nonblocking bcast [%d] wrong", i);
            break;
        }
    free(ia);
    free(db);
}

/* reduce to every root, gather/scatter from every root, allgather, alltoall */
static void check_rooted_and_movers(void)
{
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++) {
        const size_t cnt = counts[ci];
        int64_t *s = calloc(cnt * (size_t)n + 1, 8), *r = calloc(cnt * (size_t)n + 1, 8);
        for (int root = 0; root < n; root++) {
            /* reduce: sum and max */
            for (size_t i = 0; i < cnt; i++) {
                s[i] = ival(me, i);
                r[i] = -777;
            }
            MP_OK(floc_reduce(ctx, s, r, cnt, FLOC_INT64, FLOC_SUM, root));
            for (size_t i = 0; me == root && i < cnt; i++)
                if (r[i] != iref(FLOC_SUM, i)) {
                    MP_FAIL("reduce root %d count %zu [%zu]: %lld", root, cnt, i, (long long)r[i]);
                    break;
                }
            for (size_t i = 0; me != root && i < cnt; i++)
                if (r[i] != -777) {
                    MP_FAIL("reduce wrote rbuf of non-root %d", me);
                    break;
                }
            /* gather: block q from locality q */
            for (size_t i = 0; i < cnt; i++)
                s[i] = (int64_t)mp_value(me, 5, i);
            memset(r, 0, cnt * (size_t)n * 8);
            MP_OK(floc_gather(ctx, s, r, cnt, FLOC_INT64, root));
            for (int q = 0; me == root && q < n; q++)
                for (size_t i = 0; i < cnt; i++)
                    if (r[(size_t)q * cnt + i] != (int64_t)mp_value(q, 5, i)) {
                        MP_FAIL("gather root %d: block %d [%zu] wrong", root, q, i);
                        q = n;
                        break;
                    }
            /* scatter: root's block q to locality q */
            for (size_t i = 0; i < cnt * (size_t)n; i++)
                s[i] = me == root ? (int64_t)mp_value(root, 6, i) : -1;
            memset(r, 0, cnt * 8 + 8);
            MP_OK(floc_scatter(ctx, s, r, cnt, FLOC_INT64, root));
            for (size_t i = 0; i < cnt; i++)
                if (r[i] != (int64_t)mp_value(root, 6, (size_t)me * cnt + i)) {
                    MP_FAIL("scatter root %d: [%zu] wrong", root, i);
                    break;
                }
        }
        /* allgather, then the same in place */
        for (size_t i = 0; i < cnt; i++)
            s[i] = (int64_t)mp_value(me, 7, i);
        memset(r, 0, cnt * (size_t)n * 8);
        MP_OK(floc_allgather(ctx, s, r, cnt, FLOC_INT64));
        int64_t *r2 = calloc(cnt * (size_t)n + 1, 8);
        memcpy(r2 + (size_t)me * cnt, s, cnt * 8);
        MP_OK(floc_allgather(ctx, FLOC_IN_PLACE, r2, cnt, FLOC_INT64));
        for (int q = 0; q < n; q++)
            for (size_t i = 0; i < cnt; i++)
                if (r[(size_t)q * cnt + i] != (int64_t)mp_value(q, 7, i) ||
                    r2[(size_t)q * cnt + i] != (int64_t)mp_value(q, 7, i)) {
                    MP_FAIL("allgather count %zu: block %d [%zu] wrong", cnt, q, i);
                    q = n;
                    break;
                }
        /* alltoall: block q of locality p goes to locality q as block p */
        for (int q = 0; q < n; q++)
            for (size_t i = 0; i < cnt; i++)
                s[(size_t)q * cnt + i] = (int64_t)mp_value(me, 100 + q, i);
        memset(r, 0, cnt * (size_t)n * 8);
        MP_OK(floc_alltoall(ctx, s, r, cnt, FLOC_INT64));
        for (int q = 0; q < n; q++)
            for (size_t i = 0; i < cnt; i++)
                if (r[(size_t)q * cnt + i] != (int64_t)mp_value(q, 100 + me, i)) {
                    MP_FAIL("alltoall count %zu: block from %d [%zu] wrong", cnt, q, i);
                    q = n;
                    break;
                }
        free(s);
        free(r);
        free(r2);
    }
}

/* reduce_scatter, scan, exscan, and the v-variants with uneven blocks */
static void check_scans_and_v(void)
{
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++) {
        const size_t cnt = counts[ci];
        int64_t *s = calloc(cnt * (size_t)n + 1, 8), *r = calloc(cnt * (size_t)n + 1, 8);
        /* reduce_scatter: element j of the whole vector is ival(q, j) summed over q */
        for (size_t j = 0; j < cnt * (size_t)n; j++)
            s[j] = ival(me, j);
        MP_OK(floc_reduce_scatter(ctx, s, r, cnt, FLOC_INT64, FLOC_SUM));
        for (size_t i = 0; i < cnt; i++) {
            int64_t want = 0;
            for (int q = 0; q < n; q++)
                want += ival(q, (size_t)me * cnt + i);
            if (r[i] != want) {
                MP_FAIL("reduce_scatter count %zu [%zu]: %lld, expected %lld", cnt, i,
                        (long long)r[i], (long long)want);
                break;
            }
        }
        /* scan and exscan (sum, max) */
        for (size_t i = 0; i < cnt; i++)
            s[i] = ival(me, i);
        int64_t *x = calloc(cnt + 1, 8);
        memset(r, 0x7f, cnt * 8);
        memset(x, 0x7f, cnt * 8);
        MP_OK(floc_scan(ctx, s, r, cnt, FLOC_INT64, FLOC_SUM));
        MP_OK(floc_exscan(ctx, s, x, cnt, FLOC_INT64, FLOC_MAX));
        for (size_t i = 0; i < cnt; i++) {
            int64_t sum = 0, mx = INT64_MIN;
            for (int q = 0; q <= me; q++)
                sum += ival(q, i);
            for (int q = 0; q < me; q++)
                mx = ival(q, i) > mx ? ival(q, i) : mx;
            int64_t untouched;
            memset(&untouched, 0x7f, 8);
            if (r[i] != sum || x[i] != (me == 0 ? untouched : mx)) {
                MP_FAIL("scan/exscan count %zu [%zu]: %lld %lld, expected %lld %lld", cnt, i,
                        (long long)r[i], (long long)x[i], (long long)sum,
                        (long long)(me == 0 ? untouched : mx));
                break;
            }
        }
        free(x);
        free(s);
        free(r);
    }
    /* v-variants: locality q has q % 3 * 5 + 1 elements, blocks in reverse order with gaps */
    size_t *cnts = calloc((size_t)n, sizeof *cnts), *disp = calloc((size_t)n, sizeof *disp), total = 0;
    for (int q = 0; q < n; q++)
        cnts[q] = (size_t)(q % 3) * 5 + 1;
    for (int q = n - 1; q >= 0; q--) {
        disp[q] = total;
        total += cnts[q] + 2;
    }
    int64_t *vec = calloc(total + 1, 8), *mine = calloc(cnts[me] + 1, 8);
    for (int root = 0; root < n; root++) {
        for (size_t i = 0; i < cnts[me]; i++)
            mine[i] = (int64_t)mp_value(me, 9, i);
        memset(vec, 0, (total + 1) * 8);
        MP_OK(floc_gatherv(ctx, mine, cnts[me], vec, cnts, disp, FLOC_INT64, root));
        for (int q = 0; me == root && q < n; q++)
            for (size_t i = 0; i < cnts[q]; i++)
                if (vec[disp[q] + i] != (int64_t)mp_value(q, 9, i)) {
                    MP_FAIL("gatherv root %d: block %d [%zu] wrong", root, q, i);
                    q = n;
                    break;
                }
        for (int q = 0; q < n; q++)
            for (size_t i = 0; i < cnts[q]; i++)
                vec[disp[q] + i] = me == root ? (int64_t)mp_value(root, 10 + q, i) : -1;
        memset(mine, 0, (cnts[me] + 1) * 8);
        MP_OK(floc_scatterv(ctx, vec, cnts, disp, mine, cnts[me], FLOC_INT64, root));
        for (size_t i = 0; i < cnts[me]; i++)
            if (mine[i] != (int64_t)mp_value(root, 10 + me, i)) {
                MP_FAIL("scatterv root %d: [%zu] wrong", root, i);
                break;
            }
    }
    for (size_t i = 0; i < cnts[me]; i++)
        mine[i] = (int64_t)mp_value(me, 11, i);
    memset(vec, 0, (total + 1) * 8);
    MP_OK(floc_allgatherv(ctx, mine, cnts[me], vec, cnts, disp, FLOC_INT64));
    for (int q = 0; q < n; q++)
        for (size_t i = 0; i < cnts[q]; i++)
            if (vec[disp[q] + i] != (int64_t)mp_value(q, 11, i)) {
                MP_FAIL("allgatherv: block %d [%zu] wrong", q, i);
                q = n;
                break;
            }
    free(cnts); free(disp); free(vec); free(mine);
}

static void check_bad_args(void)
{
    double d = 1, r = 0;
    MP_EXPECT(FLOC_ERR_INVALID, floc_broadcast(ctx, &d, 1, FLOC_DOUBLE, n));
    MP_EXPECT(FLOC_ERR_INVALID, floc_broadcast(ctx, &d, 1, FLOC_DOUBLE, -1));
    MP_EXPECT(FLOC_ERR_INVALID, floc_broadcast(ctx, NULL, 1, FLOC_DOUBLE, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_broadcast(ctx, &d, 1, (floc_dtype_t)77, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, &d, &r, 1, FLOC_DOUBLE, FLOC_BXOR));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, &d, &r, 1, FLOC_BYTE, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, &d, &r, 1, FLOC_DOUBLE, (floc_op_t)42));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, NULL, &r, 1, FLOC_DOUBLE, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, &d, NULL, 1, FLOC_DOUBLE, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, &d, &r, SIZE_MAX / 2, FLOC_DOUBLE, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_barrier(NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iallreduce(ctx, &d, &r, 1, FLOC_DOUBLE, FLOC_SUM, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_ibarrier(ctx, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_reduce(ctx, &d, &r, 1, FLOC_DOUBLE, FLOC_SUM, n));
    MP_EXPECT(FLOC_ERR_INVALID, floc_gather(ctx, &d, &r, 1, FLOC_DOUBLE, -2));
    MP_EXPECT(FLOC_ERR_INVALID, floc_scatter(ctx, &d, &r, 1, FLOC_DOUBLE, n));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allgather(ctx, &d, NULL, 1, FLOC_DOUBLE));
    MP_EXPECT(FLOC_ERR_INVALID, floc_alltoall(ctx, NULL, &r, 1, FLOC_DOUBLE));
    MP_EXPECT(FLOC_ERR_INVALID, floc_alltoall(ctx, &d, &r, SIZE_MAX / 4, FLOC_DOUBLE));
    /* refused calls do not desynchronise the localities: a good one works */
    d = me + 1;
    MP_OK(floc_allreduce(ctx, &d, &r, 1, FLOC_DOUBLE, FLOC_SUM));
    if (r != (double)n * (n + 1) / 2)
        MP_FAIL("allreduce after refused calls: %g", r);
}

int main(int argc, char **argv)
{
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    check_barrier();
    check_bcast();
    check_allreduce_int();
    check_allreduce_float();
    check_same_bits();
    check_nonblocking();
    check_rooted_and_movers();
    check_scans_and_v();
    check_bad_args();
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_coll");
}
