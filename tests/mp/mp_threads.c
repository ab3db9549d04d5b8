/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_threads.c - FLOC_THREAD_MULTIPLE: several threads of each locality
 * exchange tagged messages and RMA with the other localities at the same
 * time.  Thread t uses tag t: per (pair, tag) the order must hold and
 * every payload must be intact; each thread's puts land in its own slot.
 * Then two threads split two parents at once, many times: every team
 * made must have a context of its own (a message on one team is never
 * taken by a receive on another: the receives are posted in the reverse
 * order of the sends, so two teams sharing a context id would swap them).
 *
 *   floc-run -n N mp_threads
 */
#include <pthread.h>

#include "mp_util.h"

#define NTHREADS 4
#define NMSG 200
#define SLOT 64   /* uint64 per (writer, thread) slot */

static floc_ctx_t *ctx;
static floc_rkey_t *keys;
static int n, me;

static void *worker(void *arg)
{
    const int t = (int)(intptr_t)arg, right = (me + 1) % n, left = (me + n - 1) % n;
    floc_request_t *sreq[NMSG];
    uint64_t out[NMSG][2], in[2], vals[SLOT];
    for (int i = 0; i < NMSG; i++) {
        out[i][0] = mp_value(me, t, (uint64_t)i);
        out[i][1] = (uint64_t)i;
        if (floc_isend(ctx, out[i], sizeof out[i], right, t, &sreq[i]))
            MP_FAIL("thread %d: isend %d failed", t, i);
    }
    for (int i = 0; i < NMSG; i++) {
        floc_msg_status_t st;
        int rc = floc_recv(ctx, in, sizeof in, left, t, &st);
        if (rc || st.source != left || st.tag != t || in[1] != (uint64_t)i ||
            in[0] != mp_value(left, t, (uint64_t)i))
            MP_FAIL("thread %d: message %d from %d: rc %d seq %llu", t, i, left, rc,
                    (unsigned long long)in[1]);
    }
    if (floc_waitall(NMSG, sreq))
        MP_FAIL("thread %d: waitall", t);
    /* RMA: this thread's slot in the right neighbour's window */
    for (int k = 0; k < SLOT; k++)
        vals[k] = mp_value(me, t, 1000u + (uint64_t)k);
    size_t off = ((size_t)me * NTHREADS + (size_t)t) * SLOT * sizeof(uint64_t);
    if (floc_put(ctx, vals, sizeof vals, &keys[right], off) || floc_flush(ctx))
        MP_FAIL("thread %d: put", t);
    return NULL;
}

#define NSPLITS 24

static floc_ctx_t *parents[2], *made[2][NSPLITS];

static void *splitter(void *arg)
{
    const int t = (int)(intptr_t)arg;
    for (int i = 0; i < NSPLITS; i++)
        if (floc_dup(parents[t], &made[t][i]))
            MP_FAIL("thread %d: floc_dup %d failed", t, i);
    return NULL;
}

/* one message on every team made, to the right neighbour; taken in the
 * reverse order: each must carry its own team's number */
static void splits_apart(void)
{
    const int right = (me + 1) % n, left = (me + n - 1) % n, teams = 2 * NSPLITS;
    floc_request_t *sreq[2 * NSPLITS], *rreq[2 * NSPLITS];
    uint64_t out[2 * NSPLITS], in[2 * NSPLITS];
    for (int k = teams - 1; k >= 0; k--)
        if (floc_irecv(made[k % 2][k / 2], &in[k], sizeof in[k], left, 7, NULL, &rreq[k]))
            MP_FAIL("irecv on team %d", k);
    for (int k = 0; k < teams; k++) {
        out[k] = mp_value(me, k, 7);
        if (floc_isend(made[k % 2][k / 2], &out[k], sizeof out[k], right, 7, &sreq[k]))
            MP_FAIL("isend on team %d", k);
    }
    if (floc_waitall((size_t)teams, sreq) || floc_waitall((size_t)teams, rreq))
        MP_FAIL("waitall of the teams' messages");
    for (int k = 0; k < teams; k++)
        if (in[k] != mp_value(left, k, 7)) {
            MP_FAIL("team %d took another team's message: two teams share a context", k);
            break;
        }
}

static void concurrent_splits(void)
{
    MP_MUST(floc_dup(ctx, &parents[0]));
    MP_MUST(floc_dup(ctx, &parents[1]));
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        pthread_create(&th[t], NULL, splitter, (void *)(intptr_t)t);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    splits_apart();
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < NSPLITS; i++)
            MP_OK(floc_team_free(made[t][i]));
        MP_OK(floc_team_free(parents[t]));
    }
}

int main(int argc, char **argv)
{
    floc_attr_t attr = FLOC_ATTR_INIT;
    attr.thread_level = FLOC_THREAD_MULTIPLE;
    MP_MUST(floc_init(&argc, &argv, &attr, &ctx));
    n = floc_num_localities(ctx);
    me = mp_me = floc_locality_id(ctx);
    size_t words = (size_t)n * NTHREADS * SLOT;
    uint64_t *win = calloc(words, sizeof *win);
    floc_mem_t *mem;
    floc_rkey_t mine;
    keys = calloc((size_t)n, sizeof *keys);
    MP_MUST(floc_mem_register(ctx, win, words * sizeof *win, FLOC_MEM_REMOTE_WRITE, &mem));
    MP_MUST(floc_mem_rkey(mem, &mine));
    mp_exchange_rkeys(ctx, &mine, keys, 1000);

    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    mp_sync(ctx, 1001);

    int left = (me + n - 1) % n;
    for (int t = 0; t < NTHREADS; t++)
        for (int k = 0; k < SLOT; k++) {
            uint64_t got = win[((size_t)left * NTHREADS + (size_t)t) * SLOT + (size_t)k];
            if (got != mp_value(left, t, 1000u + (uint64_t)k)) {
                MP_FAIL("slot of thread %d of locality %d, word %d: %016llx", t, left, k,
                        (unsigned long long)got);
                break;
            }
        }
    MP_OK(floc_mem_deregister(mem));
    concurrent_splits();
    MP_OK(floc_finalize(ctx));
    free(win);
    free(keys);
    return mp_finish("mp_threads");
}
