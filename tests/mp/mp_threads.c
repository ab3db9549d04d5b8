/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_threads.c - FLOC_THREAD_MULTIPLE: several threads of each locality
 * exchange tagged messages and RMA with the other localities at the same
 * time.  Thread t uses tag t: per (pair, tag) the order must hold and
 * every payload must be intact; each thread's puts land in its own slot.
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
    MP_OK(floc_finalize(ctx));
    free(win);
    free(keys);
    return mp_finish("mp_threads");
}
