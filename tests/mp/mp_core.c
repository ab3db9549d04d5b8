/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_core.c - the core runtime across localities: identities, RMA
 * put/get/fetch-add between every pair, tagged message ordering and
 * matching, 1000 back-to-back operations, a large zero-copy transfer.
 * Every result is compared with values computed here from (writer,
 * target, index), never with what floc itself reports.
 *
 *   floc-run -n N mp_core [N]     (N: the locality count to expect)
 */
#include <unistd.h>

#include "mp_util.h"

#define BLK 1031          /* odd: no power-of-two alignment luck */
#define NOPS 1000
#define BIG (4u << 20)    /* 4 MiB */

enum { TAG_KEYS = 1, TAG_SYNC, TAG_ID, TAG_ORDER, TAG_ANY, TAG_TRUNC };

/* per_node > 0: the launcher filled nodes in order, per_node each (floc-run
 * --host a:K,b:K): node ids and local ranks must follow */
static void check_identity(floc_ctx_t *ctx, int expect_n, int per_node)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx);
    if (expect_n > 0 && n != expect_n)
        MP_FAIL("floc_num_localities = %d, launched %d", n, expect_n);
    if (me < 0 || me >= n)
        MP_FAIL("floc_locality_id = %d outside [0, %d)", me, n);
    int lr = floc_local_rank(ctx), ls = floc_local_size(ctx), node = floc_node_id(ctx);
    if (ls < 1 || lr < 0 || lr >= ls)
        MP_FAIL("local rank %d / local size %d", lr, ls);
    if (node < 0 || node >= floc_num_nodes(ctx) || floc_locality_node(ctx, me) != node)
        MP_FAIL("node id %d of %d (locality_node says %d)", node, floc_num_nodes(ctx),
                floc_locality_node(ctx, me));

    if (per_node > 0) {
        int nodes = (n + per_node - 1) / per_node;
        int want_ls = me / per_node == nodes - 1 ? n - (nodes - 1) * per_node : per_node;
        if (floc_num_nodes(ctx) != nodes || node != me / per_node || lr != me % per_node ||
            ls != want_ls)
            MP_FAIL("node %d of %d, local rank %d of %d; laid out: node %d of %d, local rank %d "
                    "of %d", node, floc_num_nodes(ctx), lr, ls, me / per_node, nodes,
                    me % per_node, want_ls);
        for (int r = 0; r < n; r++)
            if (floc_locality_node(ctx, r) != r / per_node)
                MP_FAIL("locality %d on node %d, laid out on %d", r, floc_locality_node(ctx, r),
                        r / per_node);
    }

    int info[3] = {me, lr, node};
    if (me != 0) {
        MP_MUST(floc_send(ctx, info, sizeof info, 0, TAG_ID));
        return;
    }
    /* locality 0: ids form exactly {0..n-1}, each sent by its owner, and
     * local ranks are distinct within each node */
    char *seen = calloc((size_t)n, 1);
    int *lranks = calloc((size_t)n, sizeof *lranks), *nodes = calloc((size_t)n, sizeof *nodes);
    seen[0] = 1;
    lranks[0] = lr;
    nodes[0] = node;
    for (int k = 1; k < n; k++) {
        floc_msg_status_t st;
        MP_MUST(floc_recv(ctx, info, sizeof info, FLOC_ANY_SOURCE, TAG_ID, &st));
        if (st.source != info[0] || st.len != sizeof info || st.tag != TAG_ID)
            MP_FAIL("message from %d claims id %d (len %zu tag %d)", st.source, info[0], st.len, st.tag);
        if (info[0] <= 0 || info[0] >= n || seen[info[0]])
            MP_FAIL("id %d duplicated or out of range", info[0]);
        else {
            seen[info[0]] = 1;
            lranks[info[0]] = info[1];
            nodes[info[0]] = info[2];
        }
    }
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (nodes[a] == nodes[b] && lranks[a] == lranks[b])
                MP_FAIL("localities %d and %d share local rank %d on node %d", a, b, lranks[a], nodes[a]);
    free(seen);
    free(lranks);
    free(nodes);
}

/* allocated: the window comes from floc_mem_alloc (same-node peers reach
 * it through a mapping), else it is calloc'd memory, registered */
static void check_rma_pairs(floc_ctx_t *ctx, int allocated)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx);
    /* window: slot w (BLK values) written by locality w, then n counters
     * (counter w belongs to writer w), then one counter shared by all */
    size_t words = (size_t)n * BLK + (size_t)n + 1;
    uint64_t *win = NULL;
    uint64_t *src = malloc(BLK * sizeof *src), *dst = malloc(BLK * sizeof *dst);
    floc_rkey_t *keys = calloc((size_t)n, sizeof *keys), mine;
    floc_mem_t *mem;
    if (allocated)
        MP_MUST(floc_mem_alloc(ctx, words * sizeof *win, FLOC_MEM_REMOTE_ALL, (void **)&win, &mem));
    else if (!(win = calloc(words, sizeof *win)))
        exit(1);
    else
        MP_MUST(floc_mem_register(ctx, win, words * sizeof *win, FLOC_MEM_REMOTE_ALL, &mem));
    MP_MUST(floc_mem_rkey(mem, &mine));
    if (mine.owner != me || mine.len != words * sizeof *win)
        MP_FAIL("rkey owner %d len %llu", (int)mine.owner, (unsigned long long)mine.len);
    mp_exchange_rkeys(ctx, &mine, keys, TAG_KEYS);

    /* put my block into slot `me` of every locality, myself included */
    for (int p = 0; p < n; p++) {
        for (size_t i = 0; i < BLK; i++)
            src[i] = mp_value(me, p, i);
        MP_OK(floc_put(ctx, src, BLK * sizeof *src, &keys[p], (size_t)me * BLK * sizeof *src));
    }
    MP_OK(floc_flush(ctx));
    /* fetch-add: everyone adds me+1 to counter[me] of every target, 3 times */
    for (int rep = 0; rep < 3; rep++) {
        for (int p = 0; p < n; p++) {
            uint64_t old = ~0ull;
            size_t off = ((size_t)n * BLK + (size_t)me) * sizeof(uint64_t);
            MP_OK(floc_atomic_fetch_add(ctx, &keys[p], off, (uint64_t)me + 1, &old));
            if (old != (uint64_t)rep * ((uint64_t)me + 1))
                MP_FAIL("fetch-add on %d: old %llu, expected %llu", p, (unsigned long long)old,
                        (unsigned long long)rep * ((uint64_t)me + 1));
        }
    }
    /* shared counter: everybody adds to counter 0 of locality 0 */
    uint64_t old;
    MP_OK(floc_atomic_fetch_add(ctx, &keys[0], ((size_t)n * BLK + (size_t)n) * sizeof(uint64_t), 1000,
                                &old));
    if (old % 1000 || old >= 1000ull * (uint64_t)n)
        MP_FAIL("shared counter: old value %llu", (unsigned long long)old);
    mp_sync(ctx, TAG_SYNC);

    /* what every writer put into my window */
    for (int w = 0; w < n; w++)
        for (size_t i = 0; i < BLK; i++)
            if (win[(size_t)w * BLK + i] != mp_value(w, me, i))
                MP_FAIL("window slot %d [%zu] = %016llx, expected %016llx", w, i,
                        (unsigned long long)win[(size_t)w * BLK + i],
                        (unsigned long long)mp_value(w, me, i));
    for (int w = 0; w < n; w++) {
        uint64_t want = 3ull * ((uint64_t)w + 1);
        if (win[(size_t)n * BLK + (size_t)w] != want)
            MP_FAIL("counter %d = %llu, expected %llu", w,
                    (unsigned long long)win[(size_t)n * BLK + (size_t)w], (unsigned long long)want);
    }
    uint64_t shared = win[(size_t)n * BLK + (size_t)n];
    if (shared != (me == 0 ? 1000ull * (uint64_t)n : 0))
        MP_FAIL("shared counter = %llu", (unsigned long long)shared);
    /* read back from every locality the block I wrote there */
    for (int p = 0; p < n; p++) {
        memset(dst, 0, BLK * sizeof *dst);
        MP_OK(floc_get(ctx, dst, BLK * sizeof *dst, &keys[p], (size_t)me * BLK * sizeof *dst));
        for (size_t i = 0; i < BLK; i++)
            if (dst[i] != mp_value(me, p, i)) {
                MP_FAIL("get from %d [%zu] = %016llx, expected %016llx", p, i,
                        (unsigned long long)dst[i], (unsigned long long)mp_value(me, p, i));
                break;
            }
    }
    mp_sync(ctx, TAG_SYNC);   /* nobody deregisters while others still read */
    if (allocated) {
        MP_OK(floc_mem_free(mem));
    } else {
        MP_OK(floc_mem_deregister(mem));
        free(win);
    }
    free(src);
    free(dst);
    free(keys);
}

/*
 * floc_mem_alloc beyond the pairs: zeroed memory; a put and get of 1 MiB
 * + 5 bytes at an odd offset (streaming stores on the direct path) and
 * nonblocking ones; more allocations than the node directory lists (the
 * rest go through the fabric); the release functions refuse each other's
 * memory.
 */
/* mappings of floc_mem_alloc memory (memfds named floc-mem) in this process */
static int mem_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int k = 0;
    while (f && fgets(line, sizeof line, f))
        k += strstr(line, "floc-mem") != NULL;
    if (f)
        fclose(f);
    return k;
}

#define ALLOC_BIG ((1u << 20) + 5)
#define ALLOC_MANY 70          /* > FLOC_NODE_MEMS (64) */

static void check_alloc(floc_ctx_t *ctx)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx);
    int right = (me + 1) % n, left = (me + n - 1) % n;
    const size_t len = 3 + ALLOC_BIG + 4096 + 16;   /* the last 16 bytes: the contended word */
    unsigned char *win = NULL, *src = malloc(ALLOC_BIG), *dst = malloc(ALLOC_BIG);
    floc_rkey_t *keys = calloc((size_t)n, sizeof *keys), mine;
    floc_mem_t *mem;
    if (!src || !dst || !keys)
        exit(1);
    MP_MUST(floc_mem_alloc(ctx, len, FLOC_MEM_REMOTE_ALL, (void **)&win, &mem));
    for (size_t i = 0; i < len; i++)
        if (win[i]) {
            MP_FAIL("floc_mem_alloc: byte %zu is %d, not 0", i, win[i]);
            break;
        }
    MP_MUST(floc_mem_rkey(mem, &mine));
    mp_exchange_rkeys(ctx, &mine, keys, TAG_KEYS);
    for (size_t i = 0; i < ALLOC_BIG; i++)
        src[i] = (unsigned char)mp_value(me, right, i);
    /* the big block at offset 3, then 4096 bytes after it, nonblocking */
    MP_OK(floc_put(ctx, src, ALLOC_BIG, &keys[right], 3));
    floc_request_t *req;
    MP_MUST(floc_iput(ctx, src + 7, 4096, &keys[right], 3 + ALLOC_BIG, &req));
    MP_OK(floc_wait(req));
    MP_OK(floc_flush(ctx));
    mp_sync(ctx, TAG_SYNC);
    for (size_t i = 0; i < ALLOC_BIG; i++)
        if (win[3 + i] != (unsigned char)mp_value(left, me, i)) {
            MP_FAIL("allocated window [%zu] = %d, expected %d", 3 + i, win[3 + i],
                    (unsigned char)mp_value(left, me, i));
            break;
        }
    if (win[0] || win[1] || win[2])
        MP_FAIL("allocated window: bytes before the block were written");
    for (size_t i = 0; i < 4096; i++)
        if (win[3 + ALLOC_BIG + i] != (unsigned char)mp_value(left, me, i + 7)) {
            MP_FAIL("allocated window, iput [%zu] wrong", i);
            break;
        }
    /* read back what I wrote at the right neighbour */
    memset(dst, 0, ALLOC_BIG);
    MP_OK(floc_get(ctx, dst, ALLOC_BIG, &keys[right], 3));
    if (memcmp(dst, src, ALLOC_BIG) != 0)
        MP_FAIL("get of %u bytes from %d differs from what was put", ALLOC_BIG, right);
    memset(dst, 0, 4096);
    MP_MUST(floc_iget(ctx, dst, 4096, &keys[right], 3 + ALLOC_BIG, &req));
    MP_OK(floc_wait(req));
    if (memcmp(dst, src + 7, 4096) != 0)
        MP_FAIL("iget of 4096 bytes from %d differs from what was put", right);
    MP_EXPECT(FLOC_ERR_ACCESS, floc_put(ctx, src, 16, &keys[right], len - 8));
    /* contention: everyone (locality 0 too) adds 1 to one word of locality
     * 0's allocation, FADDS times; each sees its old values rise, and the
     * word ends at n * FADDS */
    enum { FADDS = 3000 };
    const size_t word = (len - 16) & ~(size_t)7;   /* after the iput's bytes */
    uint64_t prev = 0;
    mp_sync(ctx, TAG_SYNC);
    for (int i = 0; i < FADDS; i++) {
        uint64_t old = ~0ull;
        MP_OK(floc_atomic_fetch_add(ctx, &keys[0], word, 1, &old));
        if (old >= (uint64_t)n * FADDS || (i && old <= prev)) {
            MP_FAIL("contended fetch-add %d: old %llu after %llu", i, (unsigned long long)old,
                    (unsigned long long)prev);
            break;
        }
        prev = old;
    }
    mp_sync(ctx, TAG_SYNC);
    if (me == 0 && *(uint64_t *)(win + word) != (uint64_t)n * FADDS)
        MP_FAIL("contended word = %llu, expected %llu", (unsigned long long)*(uint64_t *)(win + word),
                (unsigned long long)n * FADDS);
    mp_sync(ctx, TAG_SYNC);   /* nobody frees while others still read */
    MP_OK(floc_mem_free(mem));

    /* many allocations: each locality writes one word into each of its
     * right neighbour's */
    floc_mem_t *ms[ALLOC_MANY];
    uint64_t *words[ALLOC_MANY];
    floc_rkey_t *many = calloc((size_t)n * ALLOC_MANY, sizeof *many);
    if (!many)
        exit(1);
    for (int a = 0; a < ALLOC_MANY; a++) {
        MP_MUST(floc_mem_alloc(ctx, 64, FLOC_MEM_REMOTE_ALL, (void **)&words[a], &ms[a]));
        MP_MUST(floc_mem_rkey(ms[a], &mine));
        mp_exchange_rkeys(ctx, &mine, many + (size_t)a * (size_t)n, TAG_KEYS);
    }
    for (int a = 0; a < ALLOC_MANY; a++) {
        uint64_t v = (uint64_t)(me + 1) * 1000 + (uint64_t)a;
        MP_OK(floc_put(ctx, &v, sizeof v, &many[(size_t)a * (size_t)n + (size_t)right], 8));
    }
    MP_OK(floc_flush(ctx));
    mp_sync(ctx, TAG_SYNC);
    for (int a = 0; a < ALLOC_MANY; a++)
        if (words[a][1] != (uint64_t)(left + 1) * 1000 + (uint64_t)a || words[a][0])
            MP_FAIL("allocation %d: word 1 = %llu, expected %llu", a,
                    (unsigned long long)words[a][1],
                    (unsigned long long)((uint64_t)(left + 1) * 1000 + (uint64_t)a));
    mp_sync(ctx, TAG_SYNC);
    for (int a = 0; a < ALLOC_MANY; a++)
        MP_OK(floc_mem_free(ms[a]));

    /* a loop that allocates, writes to the neighbour's and frees: mapped
     * regions of freed peers' memory do not pile up (each would keep its
     * memory alive) */
    for (int round = 0; round < 40; round++) {
        uint64_t *w;
        floc_mem_t *rm;
        MP_MUST(floc_mem_alloc(ctx, 1u << 20, FLOC_MEM_REMOTE_ALL, (void **)&w, &rm));
        MP_MUST(floc_mem_rkey(rm, &mine));
        mp_exchange_rkeys(ctx, &mine, keys, TAG_KEYS);
        uint64_t v = (uint64_t)round;
        MP_OK(floc_put(ctx, &v, sizeof v, &keys[right], 4096));
        MP_OK(floc_flush(ctx));
        mp_sync(ctx, TAG_SYNC);
        if (w[512] != v)
            MP_FAIL("round %d: word = %llu", round, (unsigned long long)w[512]);
        mp_sync(ctx, TAG_SYNC);
        MP_OK(floc_mem_free(rm));
    }
    if (mem_mappings() > 2)
        MP_FAIL("%d floc-mem mappings left after 40 rounds of alloc/free", mem_mappings());

    /* misuse */
    void *p = NULL;
    floc_mem_t *m = NULL;
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_alloc(ctx, 0, FLOC_MEM_REMOTE_ALL, &p, &m));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_alloc(ctx, 8, FLOC_MEM_REMOTE_ALL, NULL, &m));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_alloc(ctx, 8, 0, &p, &m));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_alloc(NULL, 8, FLOC_MEM_REMOTE_ALL, &p, &m));
    MP_EXPECT(FLOC_ERR_NOMEM, floc_mem_alloc(ctx, SIZE_MAX, FLOC_MEM_REMOTE_ALL, &p, &m));
    MP_EXPECT(FLOC_ERR_NOMEM, floc_mem_alloc(ctx, (size_t)1 << 62, FLOC_MEM_REMOTE_ALL, &p, &m));
    MP_MUST(floc_mem_alloc(ctx, 8, FLOC_MEM_REMOTE_READ, &p, &m));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_deregister(m));
    MP_OK(floc_mem_free(m));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_free(NULL));
    MP_MUST(floc_mem_register(ctx, dst, 64, FLOC_MEM_REMOTE_READ, &m));
    MP_EXPECT(FLOC_ERR_INVALID, floc_mem_free(m));
    MP_OK(floc_mem_deregister(m));
    free(many);
    free(keys);
    free(src);
    free(dst);
}

static void check_back_to_back(floc_ctx_t *ctx)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx);
    int right = (me + 1) % n, left = (me + n - 1) % n;
    uint64_t *win = calloc(NOPS, sizeof *win), *got = calloc(NOPS, sizeof *got);
    floc_rkey_t *keys = calloc((size_t)n, sizeof *keys), mine;
    floc_mem_t *mem;
    MP_MUST(floc_mem_register(ctx, win, NOPS * sizeof *win, FLOC_MEM_REMOTE_ALL, &mem));
    MP_MUST(floc_mem_rkey(mem, &mine));
    mp_exchange_rkeys(ctx, &mine, keys, TAG_KEYS);

    /* 1000 small puts in a row, one flush */
    for (uint64_t i = 0; i < NOPS; i++) {
        uint64_t v = mp_value(me, right, i);
        MP_OK(floc_put(ctx, &v, sizeof v, &keys[right], i * sizeof v));
    }
    MP_OK(floc_flush(ctx));
    mp_sync(ctx, TAG_SYNC);
    for (uint64_t i = 0; i < NOPS; i++)
        if (win[i] != mp_value(left, me, i))
            MP_FAIL("back-to-back put %llu from %d: %016llx", (unsigned long long)i, left,
                    (unsigned long long)win[i]);

    /* 1000 gets outstanding at once from the right neighbour */
    floc_request_t **reqs = calloc(NOPS, sizeof *reqs);
    for (uint64_t i = 0; i < NOPS; i++)
        MP_MUST(floc_iget(ctx, &got[i], sizeof *got, &keys[right], i * sizeof *got, &reqs[i]));
    MP_OK(floc_waitall(NOPS, reqs));
    for (uint64_t i = 0; i < NOPS; i++)
        if (got[i] != mp_value(me, right, i))
            MP_FAIL("back-to-back get %llu: %016llx", (unsigned long long)i, (unsigned long long)got[i]);

    /* a large transfer: zero-copy put then get of 4 MiB */
    uint64_t *big = malloc(BIG), *back = malloc(BIG);
    size_t words = BIG / sizeof *big;
    floc_mem_t *bmem;
    floc_rkey_t bmine, *bkeys = calloc((size_t)n, sizeof *bkeys);
    uint64_t *bwin = calloc(words, sizeof *bwin);
    MP_MUST(floc_mem_register(ctx, bwin, BIG, FLOC_MEM_REMOTE_ALL, &bmem));
    MP_MUST(floc_mem_rkey(bmem, &bmine));
    mp_exchange_rkeys(ctx, &bmine, bkeys, TAG_KEYS);
    for (size_t i = 0; i < words; i++)
        big[i] = mp_value(me, right, i);
    MP_OK(floc_put(ctx, big, BIG, &bkeys[right], 0));
    MP_OK(floc_flush(ctx));
    mp_sync(ctx, TAG_SYNC);
    size_t bad = 0;
    for (size_t i = 0; i < words; i++)
        if (bwin[i] != mp_value(left, me, i) && bad++ == 0)
            MP_FAIL("4 MiB put from %d: word %zu wrong", left, i);
    MP_OK(floc_get(ctx, back, BIG, &bkeys[right], 0));
    if (memcmp(back, big, BIG) != 0)
        MP_FAIL("4 MiB get from %d differs from what was put", right);
    mp_sync(ctx, TAG_SYNC);
    MP_OK(floc_mem_deregister(bmem));
    MP_OK(floc_mem_deregister(mem));
    free(big); free(back); free(bwin); free(bkeys);
    free(win); free(got); free(keys); free(reqs);
}

/* Send `count` messages to each locality in `to` and receive as many from
 * each in `from`, checking order and contents; sizes vary across the
 * provider's inline/inject thresholds. */
static void ordered_exchange(floc_ctx_t *ctx, const int *to, int nto, const int *from, int nfrom,
                             uint64_t count, int tag)
{
    int me = floc_locality_id(ctx);
    uint64_t *buf = calloc(64, sizeof *buf);
    floc_request_t **sreq = calloc((size_t)nto * count, sizeof *sreq);
    uint64_t *payload = calloc((size_t)nto * count * 64, sizeof *payload);
    size_t ns = 0;
    for (uint64_t i = 0; i < count; i++) {
        for (int k = 0; k < nto; k++) {
            size_t words = 1 + (size_t)(i % 64);
            uint64_t *msg = &payload[ns * 64];
            for (size_t w = 0; w < words; w++)
                msg[w] = mp_value(me, to[k], i * 64 + w);
            MP_MUST(floc_isend(ctx, msg, words * sizeof *msg, to[k], tag, &sreq[ns++]));
        }
    }
    for (int k = 0; k < nfrom; k++) {
        int p = from[k];
        for (uint64_t i = 0; i < count; i++) {
            floc_msg_status_t st;
            MP_OK(floc_recv(ctx, buf, 64 * sizeof *buf, p, tag, &st));
            size_t words = 1 + (size_t)(i % 64);
            if (st.source != p || st.tag != tag || st.len != words * sizeof *buf) {
                MP_FAIL("message %llu from %d: source %d tag %d len %zu", (unsigned long long)i, p,
                        st.source, st.tag, st.len);
                continue;
            }
            for (size_t w = 0; w < words; w++)
                if (buf[w] != mp_value(p, me, i * 64 + w)) {
                    MP_FAIL("message %llu from %d out of order or corrupt (word %zu)",
                            (unsigned long long)i, p, w);
                    break;
                }
        }
    }
    MP_OK(floc_waitall(ns, sreq));
    free(buf);
    free(sreq);
    free(payload);
}

static void check_tagged(floc_ctx_t *ctx)
{
    int n = floc_num_localities(ctx), me = floc_locality_id(ctx);
    /* NOPS messages in a row around the ring, all sent before any is
     * received, then 100 to every locality (self included).  What a
     * provider buffers for unexpected messages is bounded (shm: 1024
     * entries), so the all-to-all part stays below that. */
    int right = (me + 1) % n, left = (me + n - 1) % n;
    ordered_exchange(ctx, &right, 1, &left, 1, NOPS, TAG_ORDER);
    mp_sync(ctx, TAG_SYNC);
    int *all = calloc((size_t)n, sizeof *all);
    if (!all)
        exit(1);
    for (int p = 0; p < n; p++)
        all[p] = p;
    ordered_exchange(ctx, all, n, all, n, 100, TAG_ORDER);
    free(all);

    /* any source: one message from everybody, each source once */
    int token = me;
    for (int p = 0; p < n; p++)
        MP_OK(floc_send(ctx, &token, sizeof token, p, TAG_ANY));
    char *seen = calloc((size_t)n, 1);
    for (int k = 0; k < n; k++) {
        floc_msg_status_t st;
        int got = -1;
        MP_OK(floc_recv(ctx, &got, sizeof got, FLOC_ANY_SOURCE, TAG_ANY, &st));
        if (st.tag != TAG_ANY || got != st.source || st.source < 0 || st.source >= n ||
            seen[st.source]++)
            MP_FAIL("any-source message: tag %d source %d payload %d", st.tag, st.source, got);
    }
    /* truncation is reported, not silent */
    uint64_t two[2] = {1, 2}, one = 0;
    floc_request_t *r;
    MP_MUST(floc_isend(ctx, two, sizeof two, me, TAG_TRUNC, &r));
    MP_EXPECT(FLOC_ERR_TRUNCATED, floc_recv(ctx, &one, sizeof one, me, TAG_TRUNC, NULL));
    MP_OK(floc_wait(r));
    mp_sync(ctx, TAG_SYNC);
    free(seen);
}

/*
 * libfabric's shm zero-fills its own region from the endpoint's name to
 * its end when it creates it (3.8 MiB of 16); floc gives those pages back
 * (floc_shm_trim).  Checked right after init, before anything moved:
 * this locality's own region (".p<pid>:" in its name) holds at most a few
 * pages.
 */
static void check_shm_trimmed(floc_ctx_t *ctx)
{
    if (strcmp(floc_provider_name(ctx), "shm") != 0)
        return;
    char mine[32], line[512];
    snprintf(mine, sizeof mine, ".p%d:", (int)getpid());
    FILE *f = fopen("/proc/self/smaps", "r");
    int ours = 0, found = 0;
    long kib = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)   /* a mapping's first line */
            ours = strstr(line, "/dev/shm/floc.") && strstr(line, mine);
        found |= ours;
        if (ours && strncmp(line, "Rss:", 4) == 0)
            kib += strtol(line + 4, NULL, 10);
    }
    if (f)
        fclose(f);
    if (!found)
        MP_FAIL("no shm region of this locality's own in /proc/self/smaps (its name changed?)");
    else if (kib > 512)
        MP_FAIL("this locality's shm region holds %ld KiB right after init (its zero pages "
                "were not given back)", kib);
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    check_shm_trimmed(ctx);
    int expect_n = argc > 1 ? atoi(argv[1]) : 0;
    int per_node = argc > 2 ? atoi(argv[2]) : 0;

    check_identity(ctx, expect_n, per_node);
    check_rma_pairs(ctx, 0);
    check_rma_pairs(ctx, 1);
    check_alloc(ctx);
    check_back_to_back(ctx);
    check_tagged(ctx);

    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_core");
}
