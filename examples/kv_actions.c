/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kv_actions.c - remote actions (docs/exec.md): a key-value store spread
 * over the localities (key k lives on locality k mod n), filled with
 * one-way floc_post and read back with floc_async futures; then a
 * histogram in a partitioned vector, its bins incremented where they live
 * with floc_pv_apply.  Every result is checked against what it must be.
 *
 *   floc-run -n 4 ./kv_actions
 */
#include <floc.h>
#include <inttypes.h>
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

enum { KEYS_PER_LOCALITY = 1000, BINS = 64 };

static floc_ctx_t *world;
static int n;
static int64_t *store;   /* this locality's keys: store[k / n] */

/* "kv.put": args {key, value} */
static int kv_put(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)call, (void)user;
    int64_t kv[2];
    if (len != sizeof kv)
        return FLOC_ERR_INVALID;
    memcpy(kv, args, sizeof kv);
    store[kv[0] / n] = kv[1];
    return 0;
}

/* "kv.get": args {key}, reply {value} */
static int kv_get(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    int64_t k;
    if (len != sizeof k)
        return FLOC_ERR_INVALID;
    memcpy(&k, args, sizeof k);
    return floc_action_reply(call, &store[k / n], sizeof store[k / n]);
}

/* "hist.add": floc_pv_apply's handler, each bin named += 1 */
static int hist_add(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    floc_pv_apply_view_t v;
    int ret = floc_pv_apply_unpack(call, args, len, &v);
    if (ret)
        return ret;
    int64_t *bins = v.local;
    for (size_t i = 0; i < v.count; i++)
        bins[v.lidx[i]]++;
    return 0;
}

static int64_t value_of(int64_t key)
{
    return key * key % 1000003;
}

int main(int argc, char **argv)
{
    CHECK(floc_init(&argc, &argv, NULL, &world));
    const int me = floc_locality_id(world);
    n = floc_num_localities(world);
    const int64_t keys = (int64_t)KEYS_PER_LOCALITY * n;
    store = calloc(KEYS_PER_LOCALITY, sizeof *store);
    floc_action_t put, get, add;
    CHECK(floc_action_register(world, "kv.put", kv_put, NULL, &put));
    CHECK(floc_action_register(world, "kv.get", kv_get, NULL, &get));
    CHECK(floc_action_register(world, "hist.add", hist_add, NULL, &add));
    CHECK(floc_barrier(world));   /* everyone serves before anyone calls */

    /* every locality stores its share of the keys wherever they live */
    for (int64_t k = me; k < keys; k += n) {
        int64_t kv[2] = {(k * 1000003 + 3) % keys, 0};   /* a permutation of the keys */
        kv[1] = value_of(kv[0]);
        CHECK(floc_post(world, (int)(kv[0] % n), put, kv, sizeof kv));
    }
    CHECK(floc_action_flush(world));   /* my posts have run */
    CHECK(floc_barrier(world));        /* and everyone's */

    /* read 256 keys back, 32 futures at a time */
    int bad = 0;
    for (int base = 0; base < 256; base += 32) {
        floc_request_t *reqs[32];
        int64_t key[32], got[32];
        for (int i = 0; i < 32; i++) {
            key[i] = ((int64_t)(base + i) * 7919 + me) % keys;
            CHECK(floc_async(world, (int)(key[i] % n), get, &key[i], sizeof key[i], &got[i],
                             sizeof got[i], NULL, &reqs[i]));
        }
        for (int i = 0; i < 32; i++) {
            CHECK(floc_wait(reqs[i]));
            bad += got[i] != value_of(key[i]);
        }
    }

    /* a histogram of the stored values' last digits... of 64 bins */
    floc_pv_t *hist;
    CHECK(floc_pv_zeros(world, BINS, FLOC_INT64, floc_dist_cyclic(), &hist));
    CHECK(floc_pv_fence(hist));   /* made everywhere before anyone applies (as for puts) */
    size_t idx[KEYS_PER_LOCALITY];
    for (int i = 0; i < KEYS_PER_LOCALITY; i++)
        idx[i] = (size_t)(value_of((int64_t)i * n + me) % BINS);
    CHECK(floc_pv_apply(hist, idx, KEYS_PER_LOCALITY, add, NULL, 0));
    CHECK(floc_barrier(world));
    int64_t bins[BINS], want[BINS] = {0};
    CHECK(floc_pv_get(hist, 0, BINS, bins));
    for (int64_t k = 0; k < keys; k++)
        want[value_of(k) % BINS]++;
    for (int b = 0; b < BINS; b++)
        bad += bins[b] != want[b];
    if (me == 0)
        printf("kv_actions: %" PRId64 " keys on %d localities, 256 reads per locality, "
               "histogram of %d bins: %s\n", keys, n, BINS, bad ? "WRONG" : "all checked");
    CHECK(floc_barrier(world));
    CHECK(floc_pv_destroy(hist));
    free(store);
    CHECK(floc_finalize(world));
    return bad != 0;
}
