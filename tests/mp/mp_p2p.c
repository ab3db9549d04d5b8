/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_p2p.c - point-to-point messages where a new user trips: truncation
 * at every size (both sides complete, the true length reported, the next
 * message intact), cancellation (nothing written afterwards), blocking
 * calls that time out (nothing left for finalize to refuse), stale
 * request handles, and the request-array calls (waitall retried after a
 * timeout, waitany, testany, testall, waitsome).
 *
 *   floc-run -n N mp_p2p        (N >= 2; every pair of neighbours on a ring)
 */
#include <string.h>
#include <time.h>

#include "mp_util.h"

static floc_ctx_t *ctx;
static int me, n;

static unsigned char pattern(size_t i, int salt)
{
    return (unsigned char)(i * 131u + (unsigned)salt * 7u + 1u);
}

/* Truncation: each locality sends to its right neighbour messages of
 * length len into receive buffers of cap < len bytes; the receiver gets
 * FLOC_ERR_TRUNCATED, the status says the true length, its buffer
 * holds the first cap bytes (and nothing past them), the sender
 * succeeds, and a message after it on the same pair arrives intact. */
static void test_truncation(size_t len, size_t cap, int any_source, int tag)
{
    const int right = (me + 1) % n, left = (me + n - 1) % n;
    unsigned char *out = malloc(len + 1), *in = malloc(cap + 64), follow_in[32], follow_out[32];
    if (!out || !in)
        exit(1);
    for (size_t i = 0; i < len; i++)
        out[i] = pattern(i, me);
    memset(in, 0xee, cap + 64);
    for (size_t i = 0; i < sizeof follow_out; i++)
        follow_out[i] = pattern(i, 100 + me);
    floc_request_t *rr, *rf, *sr;
    floc_msg_status_t st = {-1, -1, 0}, fst = {-1, -1, 0};
    MP_MUST(floc_irecv(ctx, in, cap, any_source ? FLOC_ANY_SOURCE : left, tag, &st, &rr));
    MP_MUST(floc_irecv(ctx, follow_in, sizeof follow_in, left, tag, &fst, &rf));
    MP_MUST(floc_isend(ctx, out, len, right, tag, &sr));
    MP_OK(floc_send(ctx, follow_out, sizeof follow_out, right, tag));
    MP_OK(floc_wait(sr));
    MP_EXPECT(FLOC_ERR_TRUNCATED, floc_wait(rr));
    if (st.len != len || st.source != left || st.tag != tag)
        MP_FAIL("truncated %zu into %zu: status len %zu source %d tag %d, expected %zu %d %d",
                len, cap, st.len, st.source, st.tag, len, left, tag);
    for (size_t i = 0; i < cap; i++)
        if (in[i] != pattern(i, left)) {
            MP_FAIL("truncated %zu into %zu: byte %zu is %u, expected %u", len, cap, i, in[i],
                    pattern(i, left));
            break;
        }
    for (size_t i = cap; i < cap + 64; i++)
        if (in[i] != 0xee) {
            MP_FAIL("truncated %zu into %zu: byte %zu past the buffer was written", len, cap, i);
            break;
        }
    MP_OK(floc_wait(rf));
    if (fst.len != sizeof follow_in || memcmp(follow_in, follow_out, 0) ||
        follow_in[5] != pattern(5, 100 + left))
        MP_FAIL("the message after a truncated one (%zu into %zu) was not intact", len, cap);
    free(out);
    free(in);
}

/* A receive nobody sends to, canceled: FLOC_ERR_CANCELED, the buffer
 * untouched even when a message with that tag comes later (it goes to
 * the next receive). */
static void test_cancel(void)
{
    const int right = (me + 1) % n, left = (me + n - 1) % n;
    char buf[64], late[64];
    memset(buf, 0x5a, sizeof buf);
    floc_request_t *r;
    MP_MUST(floc_irecv(ctx, buf, sizeof buf, left, 901, NULL, &r));
    MP_OK(floc_cancel(r));
    MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(r));
    mp_sync(ctx, 902);
    char msg[64];
    memset(msg, 'a' + me % 26, sizeof msg);
    MP_OK(floc_send(ctx, msg, sizeof msg, right, 901));
    MP_OK(floc_recv(ctx, late, sizeof late, left, 901, NULL));
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i] != 0x5a) {
            MP_FAIL("a canceled receive's buffer was written (byte %zu)", i);
            break;
        }
    if (late[0] != 'a' + left % 26)
        MP_FAIL("the message after a canceled receive went astray");
    /* canceling a receive whose message has come: it completes normally
     * (the marker after it on the same pair says it has come) */
    MP_MUST(floc_irecv(ctx, buf, sizeof buf, left, 903, NULL, &r));
    MP_OK(floc_send(ctx, msg, sizeof msg, right, 903));
    MP_OK(floc_send(ctx, msg, sizeof msg, right, 904));
    MP_OK(floc_recv(ctx, late, sizeof late, left, 904, NULL));
    MP_OK(floc_cancel(r));
    MP_OK(floc_wait(r));
    if (buf[0] != 'a' + left % 26)
        MP_FAIL("a receive canceled after its message came lost the message");
    /* a long message's receive (header protocol) canceled before it came */
    char *big = malloc(1 << 20);
    if (!big)
        exit(1);
    memset(big, 0x33, 1 << 20);
    MP_MUST(floc_irecv(ctx, big, 1 << 20, left, 905, NULL, &r));
    MP_OK(floc_cancel(r));
    MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(r));
    if (big[0] != 0x33 || big[(1 << 20) - 1] != 0x33)
        MP_FAIL("a canceled long receive's buffer was written");
    free(big);
}

/* Handles stay invalid once freed, even after their memory went to
 * another request. */
static void test_stale_handles(void)
{
    const int right = (me + 1) % n, left = (me + n - 1) % n;
    int x = me, y = -1, z = -1;
    floc_request_t *r, *s, *r2;
    MP_MUST(floc_irecv(ctx, &y, sizeof y, left, 910, NULL, &r));
    MP_MUST(floc_isend(ctx, &x, sizeof x, right, 910, &s));
    MP_OK(floc_wait(s));
    MP_OK(floc_wait(r));
    /* the next request probably reuses r's memory */
    MP_MUST(floc_irecv(ctx, &z, sizeof z, left, 911, NULL, &r2));
    MP_EXPECT(FLOC_ERR_INVALID, floc_wait(r));
    MP_EXPECT(FLOC_ERR_INVALID, floc_wait(s));
    int done = 0;
    MP_EXPECT(FLOC_ERR_INVALID, floc_test(r, &done));
    MP_EXPECT(FLOC_ERR_INVALID, floc_cancel(r));
    MP_OK(floc_send(ctx, &x, sizeof x, right, 911));
    MP_OK(floc_wait(r2));   /* its owner still gets it */
    if (y != left || z != left)
        MP_FAIL("stale handles: received %d and %d, expected %d", y, z, left);
}

/* The request arrays: waitall retried after a timeout, waitany,
 * testany, testall and waitsome with per-request statuses. */
static void test_arrays(floc_ctx_t *quick)
{
    const int qme = floc_locality_id(quick), qn = floc_num_localities(quick);
    const int right = (qme + 1) % qn, left = (qme + qn - 1) % qn;
    int out[4] = {qme, qme + 10, qme + 20, qme + 30}, in[4] = {-1, -1, -1, -1};
    floc_request_t *reqs[4];
    /* waitall with a receive whose message is not sent yet: times out
     * (the context's wait timeout is short), then retried after it is */
    MP_MUST(floc_irecv(quick, &in[0], sizeof in[0], left, 920, NULL, &reqs[0]));
    MP_MUST(floc_irecv(quick, &in[1], sizeof in[1], left, 921, NULL, &reqs[1]));
    MP_OK(floc_send(quick, &out[0], sizeof out[0], right, 920));
    int st[2] = {99, 99};
    MP_EXPECT(FLOC_ERR_TIMEOUT, floc_waitall_status(2, reqs, st));
    if (reqs[0] != NULL || st[0] != 0 || reqs[1] == NULL || st[1] != FLOC_ERR_TIMEOUT)
        MP_FAIL("waitall after a timeout: entries %p %p statuses %d %d", (void *)reqs[0],
                (void *)reqs[1], st[0], st[1]);
    /* 921 goes only once its receiver timed out: the receiver tells */
    int token = 0;
    MP_OK(floc_send(quick, &token, sizeof token, left, 930));
    MP_OK(floc_recv(quick, &token, sizeof token, right, 930, NULL));
    MP_OK(floc_send(quick, &out[1], sizeof out[1], right, 921));
    MP_OK(floc_waitall(2, reqs));   /* the retry: NULL entries skipped */
    if (in[0] != left || in[1] != left + 10)
        MP_FAIL("waitall retry received %d %d", in[0], in[1]);
    /* waitany: the one whose message comes completes */
    MP_MUST(floc_irecv(quick, &in[2], sizeof in[2], left, 922, NULL, &reqs[0]));
    MP_MUST(floc_irecv(quick, &in[3], sizeof in[3], left, 923, NULL, &reqs[1]));
    MP_OK(floc_send(quick, &out[3], sizeof out[3], right, 923));
    size_t idx = 99;
    MP_OK(floc_waitany(2, reqs, &idx));
    if (idx != 1 || reqs[1] != NULL || in[3] != left + 30)
        MP_FAIL("waitany: index %zu", idx);
    int done = 1;
    MP_OK(floc_testany(2, reqs, &idx, &done));
    if (done)
        MP_FAIL("testany found a request complete whose message was not sent");
    MP_OK(floc_testall(2, reqs, NULL, &done));
    if (done || reqs[0] == NULL)
        MP_FAIL("testall completed an incomplete array");
    /* 922 goes only once its receiver is done testing */
    MP_OK(floc_send(quick, &token, sizeof token, left, 931));
    MP_OK(floc_recv(quick, &token, sizeof token, right, 931, NULL));
    MP_OK(floc_send(quick, &out[2], sizeof out[2], right, 922));
    size_t count = 0, indices[2];
    int statuses[2];
    MP_OK(floc_waitsome(2, reqs, &count, indices, statuses));
    if (count != 1 || indices[0] != 0 || statuses[0] != 0 || in[2] != left + 20)
        MP_FAIL("waitsome: %zu complete", count);
    MP_OK(floc_waitany(2, reqs, &idx));   /* every entry NULL: nothing to wait for */
    if (idx != 2)
        MP_FAIL("waitany over NULL entries gave index %zu", idx);
}

/* One-sided access the region's flags forbid is refused before anything
 * is sent, for registered and allocated memory, and the peer stays well. */
static void test_access_rights(void)
{
    const int right = (me + 1) % n, left = (me + n - 1) % n;
    static uint64_t ro[4], wo[4];
    void *abuf;
    floc_mem_t *mro, *mwo, *mal;
    MP_MUST(floc_mem_register(ctx, ro, sizeof ro, FLOC_MEM_REMOTE_READ, &mro));
    MP_MUST(floc_mem_register(ctx, wo, sizeof wo, FLOC_MEM_REMOTE_WRITE, &mwo));
    MP_MUST(floc_mem_alloc(ctx, 64, FLOC_MEM_REMOTE_READ | FLOC_MEM_REMOTE_WRITE, &abuf, &mal));
    floc_rkey_t mine[3], theirs[3];
    MP_MUST(floc_mem_rkey(mro, &mine[0]));
    MP_MUST(floc_mem_rkey(mwo, &mine[1]));
    MP_MUST(floc_mem_rkey(mal, &mine[2]));
    floc_request_t *r;
    MP_MUST(floc_irecv(ctx, theirs, sizeof theirs, left, 940, NULL, &r));
    MP_MUST(floc_send(ctx, mine, sizeof mine, right, 940));
    MP_MUST(floc_wait(r));
    uint64_t v = 7, old;
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, &v, sizeof v, &theirs[0], 0));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_iput(ctx, &v, sizeof v, &theirs[0], 0, &r));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_get(ctx, &v, sizeof v, &theirs[1], 0));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_atomic_fetch_add(ctx, &theirs[1], 0, 1, &old));
    MP_EXPECT(FLOC_ERR_ACCESS, floc_atomic_fetch_add(ctx, &theirs[2], 0, 1, &old));
    /* a key with its rights widened fails its check */
    floc_rkey_t forged = theirs[0];
    forged.access |= FLOC_MEM_REMOTE_WRITE;
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, &v, sizeof v, &forged, 0));
    /* what is allowed still works, and nobody was declared lost */
    uint64_t got = 1;
    MP_OK(floc_get(ctx, &got, sizeof got, &theirs[0], 0));
    MP_OK(floc_put(ctx, &v, sizeof v, &theirs[1], 8));
    MP_OK(floc_put(ctx, &v, sizeof v, &theirs[2], 8));
    MP_OK(floc_flush(ctx));
    mp_sync(ctx, 941);
    if (wo[1] != 7 || ((uint64_t *)abuf)[1] != 7)
        MP_FAIL("allowed puts did not land");
    MP_OK(floc_mem_deregister(mro));
    MP_OK(floc_mem_deregister(mwo));
    MP_OK(floc_mem_free(mal));
}

int main(int argc, char **argv)
{
    floc_attr_t attr = FLOC_ATTR_INIT;
    attr.wait_timeout = 3.0;   /* short: the timeouts below are meant */
    MP_MUST(floc_init(&argc, &argv, &attr, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    if (n < 2) {
        fprintf(stderr, "mp_p2p needs 2 or more localities\n");
        return 2;
    }
    /* every size class: eager (in and past the bounce buffer), and long
     * messages (header and parts) truncated in their first part */
    const size_t sizes[][2] = {{100, 99}, {100, 0}, {4096, 100}, {4097, 4096}, {4097, 8},
                               {20000, 19999}, {20000, 0}, {(1 << 20) + 3, 4097},
                               {(1 << 20) + 3, (1 << 20) + 2}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        test_truncation(sizes[i][0], sizes[i][1], (int)(i % 2), 800 + (int)i);
    test_cancel();
    test_stale_handles();
    test_access_rights();
    /* a blocking receive nobody sends to: it times out, and nothing it
     * posted keeps floc_finalize busy */
    int lonely;
    MP_EXPECT(FLOC_ERR_TIMEOUT, floc_recv(ctx, &lonely, sizeof lonely, FLOC_ANY_SOURCE, 999, NULL));
    test_arrays(ctx);
    mp_sync(ctx, 998);
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_p2p");
}
