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
    MP_EXPECT(FLOC_ERR_BUSY, floc_init(NULL, NULL, NULL, &other));
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

    /* finalize with a live registration is refused, and changes nothing */
    MP_EXPECT(FLOC_ERR_BUSY, floc_finalize(ctx));
    MP_OK(floc_mem_deregister(mem));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_deregister(NULL));
    MP_OK(floc_finalize(ctx));
    /* ctx is gone: every call on it is refused, none touches it */
    MP_EXPECT(FLOC_ERR_INVALID, floc_finalize(ctx));
    MP_EXPECT(FLOC_ERR_INVALID, floc_num_localities(ctx));
    MP_EXPECT(FLOC_ERR_INVALID, floc_send(ctx, &v, sizeof v, 0, 0));
    if (floc_provider_name(ctx) != NULL)
        MP_FAIL("floc_provider_name on a finalized ctx is not NULL");
    if (strcmp(floc_strerror(12345), "unknown error") != 0)
        MP_FAIL("floc_strerror(12345) = %s", floc_strerror(12345));
    free(win);
    free(keys);
    return mp_finish("mp_badinput");
}
