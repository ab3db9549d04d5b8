/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_badinput.c - every public entry point fed bad arguments on a live
 * multi-locality context: each must return its documented error code and
 * leave the context usable; nothing may crash.  Also: access to a region
 * that is not registered, finalize with live objects, finalize twice.
 */
#include <stdint.h>

#include "mp_util.h"

int main(int argc, char **argv)
{
    floc_ctx_t *ctx, *other = NULL;
    MP_EXPECT(FLOC_ERR_INVALID, floc_init(&argc, &argv, NULL, NULL));
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    const int n = floc_num_localities(ctx), me = mp_me;
    const int right = (me + 1) % n;

    /* context */
    MP_EXPECT(FLOC_ERR_STATE, floc_init(NULL, NULL, NULL, &other));
    MP_EXPECT(FLOC_ERR_INVALID, floc_num_localities(NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_locality_id(NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_locality_node(ctx, -1));
    MP_EXPECT(FLOC_ERR_INVALID, floc_locality_node(ctx, n));
    MP_EXPECT(FLOC_ERR_INVALID, floc_progress(NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_flush(NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_finalize(NULL));
    floc_attr_t bad_attr = FLOC_ATTR_INIT;
    bad_attr.size = 3;
    MP_EXPECT(FLOC_ERR_INVALID, floc_init(NULL, NULL, &bad_attr, &other));
    if (other)
        MP_FAIL("floc_init wrote its output on failure");

    /* tagged messages */
    uint64_t v = 42, w = 0;
    floc_request_t *req = NULL;
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(NULL, &v, sizeof v, right, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, NULL, sizeof v, right, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, &v, sizeof v, -1, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, &v, sizeof v, n, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, &v, sizeof v, FLOC_ANY_SOURCE, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, &v, sizeof v, right, -3));
    MP_EXPECT(FLOC_ERR_INVALID, floc_recv(ctx, &w, sizeof w, n, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_recv(ctx, NULL, sizeof w, 0, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_isend(ctx, &v, sizeof v, right, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_irecv(ctx, &w, sizeof w, right, 0, NULL, NULL));
    /* zero-byte messages are legal, even with a NULL buffer */
    floc_msg_status_t st;
    MP_OK(floc_irecv(ctx, NULL, 0, me, 9, &st, &req));
    MP_OK(floc_send(ctx, NULL, 0, me, 9));
    MP_OK(floc_wait(req));
    if (st.len != 0 || st.source != me || st.tag != 9)
        MP_FAIL("zero-byte message status: len %zu source %d tag %d", st.len, st.source, st.tag);

    /* requests */
    MP_EXPECT(FLOC_ERR_INVALID, floc_wait(NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_wait(req));          /* already completed and freed */
    int done = 0;
    MP_EXPECT(FLOC_ERR_INVALID, floc_test(NULL, &done));
    MP_EXPECT(FLOC_ERR_INVALID, floc_waitall(2, NULL));
    MP_OK(floc_waitall(0, NULL));
    MP_OK(floc_isend(ctx, &v, sizeof v, me, 10, &req));
    MP_EXPECT(FLOC_ERR_INVALID, floc_test(req, NULL));
    MP_OK(floc_recv(ctx, &w, sizeof w, me, 10, NULL));
    MP_OK(floc_wait(req));

    /* registration */
    uint64_t *win = calloc(64, sizeof *win);
    floc_mem_t *mem = NULL;
    floc_rkey_t key, *keys = calloc((size_t)n, sizeof *keys);
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(NULL, win, 64, FLOC_MEM_REMOTE_ALL, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(ctx, NULL, 64, FLOC_MEM_REMOTE_ALL, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(ctx, win, 0, FLOC_MEM_REMOTE_ALL, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(ctx, win, 64, 0, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(ctx, win, 64, 0x100, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(ctx, win, 64, FLOC_MEM_REMOTE_ALL, NULL));
    if (mem)
        MP_FAIL("floc_mem_register wrote its output on failure");
    MP_MUST(floc_mem_register(ctx, win, 64 * sizeof *win, FLOC_MEM_REMOTE_ALL, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_rkey(NULL, &key));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_rkey(mem, NULL));
    MP_MUST(floc_mem_rkey(mem, &key));
    mp_exchange_rkeys(ctx, &key, keys, 1);
    const floc_rkey_t *rk = &keys[right];
    const size_t wlen = 64 * sizeof *win;

    /* remote access: bounds, owners, pointers */
    MP_EXPECT(FLOC_ERR_INVALID, floc_put(ctx, &v, sizeof v, NULL, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_put(ctx, NULL, sizeof v, rk, 0));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, &v, sizeof v, rk, wlen));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, &v, sizeof v, rk, wlen - 4));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, &v, SIZE_MAX, rk, 8));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_get(ctx, &w, sizeof w, rk, SIZE_MAX));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_iget(ctx, &w, wlen + 1, rk, 0, &req));
    MP_OK(floc_put(ctx, &v, 0, rk, wlen));                 /* zero bytes: a no-op */
    floc_rkey_t forged = *rk;
    forged.owner = n;   /* owner is checked first: INVALID, not ACCESS */
    MP_EXPECT(FLOC_ERR_INVALID, floc_put(ctx, &v, sizeof v, &forged, 0));
    forged.owner = -1;
    MP_EXPECT(FLOC_ERR_INVALID, floc_get(ctx, &w, sizeof w, &forged, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_atomic_fetch_add(ctx, rk, 4, 1, &w));
    MP_EXPECT(FLOC_ERR_INVALID, floc_atomic_fetch_add(ctx, rk, 0, 1, NULL));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_atomic_fetch_add(ctx, rk, wlen, 1, &w));

    /* keys that name no registration: altered key, address or length */
    forged = *rk;
    forged.key += 0x10000;
    MP_EXPECT(FLOC_ERR_ACCESS, floc_get(ctx, &w, sizeof w, &forged, 0));
    forged = *rk;
    forged.addr += 4096;
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, &v, sizeof v, &forged, 0));
    forged = *rk;
    forged.len *= 2;
    MP_EXPECT(FLOC_ERR_ACCESS, floc_get(ctx, &w, sizeof w, &forged, wlen));
    floc_rkey_t zero = {0};
    MP_EXPECT(FLOC_ERR_ACCESS, floc_get(ctx, &w, sizeof w, &zero, 0));

    /* still usable after all that: one good put and get */
    v = mp_value(me, right, 1);
    MP_OK(floc_put(ctx, &v, sizeof v, rk, 8));
    MP_OK(floc_flush(ctx));
    MP_OK(floc_get(ctx, &w, sizeof w, rk, 8));
    if (w != v)
        MP_FAIL("good get after bad input: %016llx != %016llx", (unsigned long long)w,
                (unsigned long long)v);
    mp_sync(ctx, 2);

    /* every nonblocking collective refuses a NULL request pointer; the
     * v-forms refuse missing counts; nothing is started by any of them */
    double d[8] = {0}, e[8 * 64];
    size_t cnt[64], dis[64];
    for (int i = 0; i < 64; i++)
        cnt[i] = 1, dis[i] = (size_t)i;
    MP_EXPECT(FLOC_ERR_INVALID, floc_ireduce(ctx, d, e, 1, FLOC_DOUBLE, FLOC_SUM, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_igather(ctx, d, e, 1, FLOC_DOUBLE, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iscatter(ctx, e, d, 1, FLOC_DOUBLE, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iallgather(ctx, d, e, 1, FLOC_DOUBLE, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_ialltoall(ctx, e, e + n, 1, FLOC_DOUBLE, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_ireduce_scatter(ctx, e, d, 1, FLOC_DOUBLE, FLOC_SUM, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iscan(ctx, d, e, 1, FLOC_DOUBLE, FLOC_SUM, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iexscan(ctx, d, e, 1, FLOC_DOUBLE, FLOC_SUM, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_igatherv(ctx, d, 1, e, cnt, dis, FLOC_DOUBLE, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iscatterv(ctx, e, cnt, dis, d, 1, FLOC_DOUBLE, 0, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_iallgatherv(ctx, d, 1, e, cnt, dis, FLOC_DOUBLE, NULL));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allgatherv(ctx, d, 1, e, NULL, dis, FLOC_DOUBLE));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allgatherv(ctx, d, 1, e, cnt, NULL, FLOC_DOUBLE));
    MP_EXPECT(FLOC_ERR_INVALID, floc_scan(ctx, d, e, 1, (floc_dtype_t)-1, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_exscan(ctx, d, e, 1, FLOC_DOUBLE, (floc_op_t)-5));
    MP_EXPECT(FLOC_ERR_INVALID, floc_reduce_scatter(ctx, e, NULL, 1, FLOC_DOUBLE, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_broadcast(ctx, d, SIZE_MAX / 2 + 1, FLOC_DOUBLE, 0));

    /* partitioned vectors: bad dtype, distribution, block, overflowing size */
    floc_pv_t *pv = NULL;
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(NULL, 10, FLOC_DOUBLE, floc_dist_block(), &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(ctx, 10, (floc_dtype_t)99, floc_dist_block(), &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(ctx, 10, FLOC_DOUBLE, floc_dist_block_cyclic(0), &pv));
    floc_dist_t bad_dist = {(floc_dist_kind_t)7, 0};
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(ctx, 10, FLOC_DOUBLE, bad_dist, &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(ctx, SIZE_MAX / 4, FLOC_DOUBLE, floc_dist_block(), &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(ctx, 10, FLOC_DOUBLE, floc_dist_block(), NULL));
    /* 2^60 doubles: no locality can allocate its part, and every one must
     * say so (a creation is collective: none may be left waiting) */
    MP_EXPECT(FLOC_ERR_NOMEM,
              floc_pv_zeros(ctx, (size_t)1 << 60, FLOC_DOUBLE, floc_dist_block(), &pv));
    if (pv)
        MP_FAIL("floc_pv_zeros wrote its output on failure");
    floc_dtype_t dt;
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_dtype(NULL, &dt));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_destroy(NULL));
    /* the typed forms: a scalar of another dtype than the vector's is
     * refused (the untyped call would read garbage), its own works */
    {
        floc_pv_t *dv;
        const int one = 1;
        const double d_one = 1.0;
        MP_MUST(floc_pv_zeros(ctx, 100, FLOC_DOUBLE, floc_dist_block(), &dv));
        MP_EXPECT(FLOC_ERR_INVALID, FLOC_PV_IOTA(dv, &one));
        MP_EXPECT(FLOC_ERR_INVALID, FLOC_PV_FILL(dv, &one));
        MP_OK(FLOC_PV_IOTA(dv, &d_one));
        double sum = 0;
        long lsum = 0;
        MP_EXPECT(FLOC_ERR_INVALID, FLOC_PV_REDUCE(dv, FLOC_SUM, &lsum));
        MP_OK(FLOC_PV_REDUCE(dv, FLOC_SUM, &sum));
        if (sum != 100.0 * 101.0 / 2)
            MP_FAIL("typed iota + reduce gave %g", sum);
        MP_EXPECT(FLOC_ERR_INVALID, FLOC_PV_DOT(dv, dv, &lsum));
        size_t at;
        MP_EXPECT(FLOC_ERR_INVALID, FLOC_PV_MINMAX(dv, FLOC_MAX, &lsum, &at));
        MP_OK(floc_pv_destroy(dv));
        floc_pv_t *iv;
        const int32_t seven = 7;
        MP_MUST(FLOC_PV_FULL(ctx, 10, floc_dist_cyclic(), &seven, &iv));
        floc_dtype_t idt;
        MP_OK(floc_pv_dtype(iv, &idt));
        int32_t isum = 0;
        MP_OK(FLOC_PV_REDUCE(iv, FLOC_SUM, &isum));
        if (idt != FLOC_INT32 || isum != 70)
            MP_FAIL("FLOC_PV_FULL of an int32_t: dtype %d, sum %d", (int)idt, (int)isum);
        MP_OK(floc_pv_destroy(iv));
    }
    /* the library is the header's version */
    if (floc_version() != FLOC_API_VERSION || !floc_version_string())
        MP_FAIL("floc_version %x, the header says %x", floc_version(), FLOC_API_VERSION);
    /* the context still works after all of that */
    MP_OK(floc_allreduce(ctx, d, e, 1, FLOC_DOUBLE, FLOC_SUM));

    /* finalize with a live registration is refused, and changes nothing */
    MP_EXPECT(FLOC_ERR_BUSY, floc_finalize(ctx));
    MP_OK(floc_mem_deregister(mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_deregister(NULL));
    MP_OK(floc_finalize(ctx));
    /* ctx is gone: every call on it is refused, none touches it */
    MP_EXPECT(FLOC_ERR_INVALID, floc_finalize(ctx));
    MP_EXPECT(FLOC_ERR_INVALID, floc_num_localities(ctx));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, &v, sizeof v, 0, 0));
    MP_EXPECT(FLOC_ERR_INVALID, floc_barrier(ctx));
    MP_EXPECT(FLOC_ERR_INVALID, floc_allreduce(ctx, d, e, 1, FLOC_DOUBLE, FLOC_SUM));
    MP_EXPECT(FLOC_ERR_INVALID, floc_progress(ctx));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_register(ctx, win, 64, FLOC_MEM_REMOTE_ALL, &mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_pv_zeros(ctx, 10, FLOC_DOUBLE, floc_dist_block(), &pv));
    MP_EXPECT(FLOC_ERR_INVALID, floc_local_rank(ctx));
    if (floc_provider_name(ctx) != NULL)
        MP_FAIL("floc_provider_name on a finalized ctx is not NULL");
    if (strcmp(floc_strerror(12345), "unknown error") != 0)
        MP_FAIL("floc_strerror(12345) = %s", floc_strerror(12345));
    free(win);
    free(keys);
    return mp_finish("mp_badinput");
}
