/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_tool.c - the tools' interception point (floc/tool.h) and FLOC_PROFILE.
 *
 *   floc-run -n N mp_tool          a tool attached: the events of a known
 *                                  set of operations, counted and checked
 *   floc-run -n N mp_tool profile  the same operations, nothing attached:
 *                                  tests/tool/profile.sh checks the profile
 *                                  FLOC_PROFILE prints and writes
 *
 * The operations, on every locality: ROUNDS blocking 8-byte allreduces,
 * one 4 KiB iallreduce and its wait, one broadcast of 64 bytes from the
 * last locality, a ring of 100-byte sends and receives, a put of 16
 * bytes and a flush, and one remote call (floc_call, whose own wait is
 * floc's, not the application's: no second event).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>

#include "mp_util.h"

#define ROUNDS 1000

static int me, n;

typedef struct seen {
    _Atomic int begins, ends;
    int calls[FLOC_TOOL_OPS], nonblocking[FLOC_TOOL_OPS], timed[FLOC_TOOL_OPS];
    size_t bytes[FLOC_TOOL_OPS];
    int peer[FLOC_TOOL_OPS];
    const char *algorithm[FLOC_TOOL_OPS];
    int bad_status;
} seen_t;

static void on_begin(const floc_tool_event_t *ev, void *user)
{
    seen_t *s = user;
    atomic_fetch_add(&s->begins, 1);
    if ((unsigned)ev->op >= FLOC_TOOL_OPS)
        MP_FAIL("begin of op %d", (int)ev->op);
}

static void on_end(const floc_tool_event_t *ev, void *user)
{
    seen_t *s = user;
    atomic_fetch_add(&s->ends, 1);
    if ((unsigned)ev->op >= FLOC_TOOL_OPS)
        return;
    s->calls[ev->op]++;
    s->nonblocking[ev->op] += ev->nonblocking;
    s->timed[ev->op] += ev->timed;
    s->bytes[ev->op] += ev->bytes;
    s->peer[ev->op] = ev->peer;
    if (ev->algorithm)
        s->algorithm[ev->op] = ev->algorithm;
    if (ev->status)
        s->bad_status++;
}

static int echo(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    return floc_action_reply(call, args, len);
}

/* the known set of operations */
static void operations(floc_ctx_t *ctx, floc_action_t act)
{
    double x = me + 1.0, y = 0;
    for (int i = 0; i < ROUNDS; i++) {
        MP_OK(floc_allreduce(ctx, &x, &y, 1, FLOC_DOUBLE, FLOC_SUM));
        if (y != n * (n + 1) / 2.0)
            MP_FAIL("allreduce gave %g", y);
    }
    static double a[512], b[512];
    floc_request_t *req;
    MP_MUST(floc_iallreduce(ctx, a, b, 512, FLOC_DOUBLE, FLOC_MAX, &req));
    MP_OK(floc_wait(req));
    char bc[64] = {0};
    MP_OK(floc_broadcast(ctx, bc, sizeof bc, FLOC_BYTE, n - 1));
    char out[100] = {0}, in[100];
    const int right = (me + 1) % n, left = (me + n - 1) % n;
    MP_MUST(floc_irecv(ctx, in, sizeof in, left, 7, NULL, &req));
    MP_OK(floc_send(ctx, out, sizeof out, right, 7));
    MP_OK(floc_wait(req));

    static uint64_t window[4];
    floc_mem_t *mem;
    floc_rkey_t mine, *keys = calloc((size_t)n, sizeof *keys);
    MP_MUST(floc_mem_register(ctx, window, sizeof window, FLOC_MEM_REMOTE_WRITE, &mem));
    MP_OK(floc_mem_rkey(mem, &mine));
    MP_OK(floc_allgather(ctx, &mine, keys, sizeof mine, FLOC_BYTE));
    uint64_t v[2] = {1, 2};
    MP_OK(floc_put(ctx, v, sizeof v, &keys[right], 0));
    MP_OK(floc_flush(ctx));
    char r[8];
    size_t rlen;
    MP_OK(floc_call(ctx, right, act, "ping", 4, r, sizeof r, &rlen));
    MP_OK(floc_barrier(ctx));
    MP_OK(floc_mem_deregister(mem));
    free(keys);
}

static void expect(const seen_t *s, floc_tool_op_t op, int calls, size_t bytes, int nonblocking)
{
    if (s->calls[op] != calls)
        MP_FAIL("%s: %d calls seen, %d made", floc_tool_op_name(op), s->calls[op], calls);
    if (s->bytes[op] != bytes)
        MP_FAIL("%s: %zu bytes seen, %zu", floc_tool_op_name(op), s->bytes[op], bytes);
    if (s->nonblocking[op] != nonblocking)
        MP_FAIL("%s: %d nonblocking, %d", floc_tool_op_name(op), s->nonblocking[op], nonblocking);
}

static void with_tool(floc_ctx_t *ctx, floc_action_t act)
{
    static seen_t s;
    floc_tool_t tool = {.begin = on_begin, .end = on_end, .user = &s, .sample = 1};
    MP_OK(floc_tool_attach(&tool));
    operations(ctx, act);
    MP_OK(floc_tool_detach(&tool));
    MP_EXPECT(FLOC_ERR_INVALID, floc_tool_detach(&tool));   /* (not attached any more) */
    MP_OK(floc_barrier(ctx));   /* not seen: detached */

    const int right = (me + 1) % n, left = (me + n - 1) % n;
    expect(&s, FLOC_TOOL_ALLREDUCE, ROUNDS + 1, ROUNDS * 8 + 4096, 1);
    expect(&s, FLOC_TOOL_BCAST, 1, 64, 0);
    expect(&s, FLOC_TOOL_ALLGATHER, 1, sizeof(floc_rkey_t), 0);
    expect(&s, FLOC_TOOL_BARRIER, 1, 0, 0);
    expect(&s, FLOC_TOOL_SEND, 1, 100, 0);
    expect(&s, FLOC_TOOL_RECV, 1, 100, 1);
    expect(&s, FLOC_TOOL_PUT, 1, 16, 0);
    expect(&s, FLOC_TOOL_FLUSH, 1, 0, 0);
    expect(&s, FLOC_TOOL_CALL, 1, 4, 0);   /* its own wait is not an event */
    expect(&s, FLOC_TOOL_WAIT, 2, 0, 0);   /* the iallreduce's and the irecv's */
    if (s.peer[FLOC_TOOL_SEND] != right || s.peer[FLOC_TOOL_RECV] != left ||
        s.peer[FLOC_TOOL_CALL] != right || s.peer[FLOC_TOOL_PUT] != right)
        MP_FAIL("peers: send %d recv %d call %d put %d", s.peer[FLOC_TOOL_SEND],
                s.peer[FLOC_TOOL_RECV], s.peer[FLOC_TOOL_CALL], s.peer[FLOC_TOOL_PUT]);
    if (s.peer[FLOC_TOOL_BCAST] != n - 1 || s.peer[FLOC_TOOL_ALLREDUCE] != -1)
        MP_FAIL("roots: bcast %d allreduce %d", s.peer[FLOC_TOOL_BCAST], s.peer[FLOC_TOOL_ALLREDUCE]);
    if (n > 1 && (!s.algorithm[FLOC_TOOL_ALLREDUCE] || !s.algorithm[FLOC_TOOL_BCAST]))
        MP_FAIL("no algorithm named for allreduce or bcast");
    const char *ran = NULL;
    MP_OK(floc_coll_last_algorithm(ctx, "bcast", &ran));
    if (n > 1 && ran && s.algorithm[FLOC_TOOL_BCAST] && strcmp(ran, s.algorithm[FLOC_TOOL_BCAST]))
        MP_FAIL("bcast: the tool saw %s, floc ran %s", s.algorithm[FLOC_TOOL_BCAST], ran);
    if (s.timed[FLOC_TOOL_ALLREDUCE] != ROUNDS + 1)   /* sample 1: every call */
        MP_FAIL("%d of %d allreduces timed", s.timed[FLOC_TOOL_ALLREDUCE], ROUNDS + 1);
    if (atomic_load(&s.begins) != atomic_load(&s.ends) || s.bad_status)
        MP_FAIL("%d begins, %d ends, %d failed", atomic_load(&s.begins), atomic_load(&s.ends),
                s.bad_status);

    /* misuse */
    MP_EXPECT(FLOC_ERR_INVALID, floc_tool_attach(NULL));
    floc_tool_t none = {0};
    MP_EXPECT(FLOC_ERR_INVALID, floc_tool_attach(&none));
    floc_tool_t many[5];
    int attached = 0;
    for (int i = 0; i < 5; i++) {
        many[i] = (floc_tool_t){.end = on_end, .user = &many[i]};
        attached += floc_tool_attach(&many[i]) == 0;
    }
    if (attached != 4)
        MP_FAIL("%d of 5 tools attached (4 at most)", attached);
    for (int i = 0; i < attached; i++)
        MP_OK(floc_tool_detach(&many[i]));
    if (strcmp(floc_tool_op_name(FLOC_TOOL_ALLREDUCE), "allreduce") ||
        strcmp(floc_tool_op_name(FLOC_TOOL_OPS), "?"))
        MP_FAIL("op names");
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    floc_action_t act;
    MP_MUST(floc_action_register(ctx, "mp_tool.echo", echo, NULL, &act));
    MP_OK(floc_barrier(ctx));
    if (argc > 1 && strcmp(argv[1], "profile") == 0)
        operations(ctx, act);
    else
        with_tool(ctx, act);
    int rc = mp_finish("mp_tool");
    MP_OK(floc_finalize(ctx));
    return rc || mp_failures;
}
