/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_msgpath.c - tagged messages by size class, with wildcards, probes
 * and ordering, on whichever path the job gives them (the node message
 * path, the fabric when FLOC_NODE_P2P=0 or between nodes), checked
 * against the data each sender wrote (mp_value) and the order it sent.
 *
 *   floc-run -n N mp_msgpath          every check (N >= 1: alone, every
 *                                     message to itself; across namespace
 *                                     hosts: tests/netns, mode msgs)
 *   floc-run -n N mp_msgpath flood [KiB]
 *                                     1,000,000 unmatched 8-byte messages
 *                                     from 1 to 0 before their receives:
 *                                     all arrive in order, and locality
 *                                     0's peak memory grows by at most
 *                                     KiB (default 16384)
 *   floc-run -n N mp_msgpath manyflood
 *                                     every other locality sends 0 20,000
 *                                     8-byte messages at once; 0 takes
 *                                     them sender by sender, so the later
 *                                     senders' wait unreceived meanwhile
 *   floc-run -n 3 mp_msgpath kill     locality 2 dies while 0 has receives
 *                                     posted from it: they fail with
 *                                     FLOC_ERR_PEER_LOST and their buffers
 *                                     are never written
 *
 * With FLOC_ANY_TAG and probes refused (FLOC_ERR_NOT_SUPPORTED: the
 * fabric carries some of the messages) the wildcard checks expect that
 * refusal instead: MP_WILD=0 in the environment says so.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mp_util.h"

static floc_ctx_t *ctx;
static int me, n, wild = 1;

/* sizes around every class boundary: one cell (48), the eager limit
 * (3828 with 256-cell rings), the fabric's eager and chunk sizes */
static const size_t sizes[] = {0, 1, 8, 47, 48, 49, 100, 1000, 3827, 3828, 3829, 4096,
                               8192, 65536, 65537, (1u << 20) + 3};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void fill(unsigned char *b, size_t len, int from, int to, uint64_t salt)
{
    for (size_t i = 0; i < len; i += 8) {
        const uint64_t v = mp_value(from, to, salt + i);
        memcpy(b + i, &v, len - i < 8 ? len - i : 8);
    }
}

static int same(const unsigned char *b, size_t len, int from, int to, uint64_t salt)
{
    for (size_t i = 0; i < len; i += 8) {
        const uint64_t v = mp_value(from, to, salt + i);
        if (memcmp(b + i, &v, len - i < 8 ? len - i : 8))
            return 0;
    }
    return 1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Every locality sends every size to every locality (itself too), all
 * with one tag, nonblocking; each receives them source by source in the
 * order sent, into buffers posted after (unexpected) or before the
 * messages, alternately: the data and the order are the senders'. */
static void sizes_and_order(int posted_first)
{
    const int tag = 10 + posted_first;
    unsigned char **out = calloc((size_t)n * NSIZES, sizeof *out);
    unsigned char **in = calloc((size_t)n * NSIZES, sizeof *in);
    floc_request_t **rs = calloc(2 * (size_t)n * NSIZES, sizeof *rs);
    floc_msg_status_t *st = calloc((size_t)n * NSIZES, sizeof *st);
    if (!out || !in || !rs || !st)
        exit(1);
    size_t k = 0;
    for (int p = 0; p < n; p++)
        for (size_t s = 0; s < NSIZES; s++, k++) {
            out[k] = malloc(sizes[s] + 1);
            in[k] = malloc(sizes[s] + 1);
            if (!out[k] || !in[k])
                exit(1);
            fill(out[k], sizes[s], me, p, s << 24);
            memset(in[k], 0xee, sizes[s] + 1);
        }
    size_t nr = 0;
    if (posted_first) {
        for (int p = 0; p < n; p++)
            for (size_t s = 0; s < NSIZES; s++)
                MP_MUST(floc_irecv(ctx, in[p * NSIZES + s], sizes[s], p, tag,
                                   &st[p * NSIZES + s], &rs[nr++]));
        mp_sync(ctx, 19);
    }
    for (int d = 0; d < n; d++) {
        const int p = (me + d) % n;
        for (size_t s = 0; s < NSIZES; s++)
            MP_MUST(floc_isend(ctx, out[p * NSIZES + s], sizes[s], p, tag, &rs[nr++]));
    }
    if (!posted_first) {
        mp_sync(ctx, 19);   /* the messages are on their way before any receive */
        for (int p = 0; p < n; p++)
            for (size_t s = 0; s < NSIZES; s++)
                MP_MUST(floc_irecv(ctx, in[p * NSIZES + s], sizes[s], p, tag,
                                   &st[p * NSIZES + s], &rs[nr++]));
    }
    MP_OK(floc_waitall(nr, rs));
    for (int p = 0; p < n; p++)
        for (size_t s = 0; s < NSIZES; s++) {
            const size_t i = p * NSIZES + s;
            if (st[i].source != p || st[i].tag != tag || st[i].len != sizes[s])
                MP_FAIL("%s: message %zu from %d: status source %d tag %d len %zu",
                        posted_first ? "posted" : "unexpected", s, p, st[i].source, st[i].tag,
                        st[i].len);
            else if (!same(in[i], sizes[s], p, me, s << 24))
                MP_FAIL("%s: the %zu-byte message from %d is not its data (order kept?)",
                        posted_first ? "posted" : "unexpected", sizes[s], p);
            if (in[i][sizes[s]] != 0xee)
                MP_FAIL("a %zu-byte receive wrote past its buffer", sizes[s]);
        }
    for (size_t i = 0; i < (size_t)n * NSIZES; i++) {
        free(out[i]);
        free(in[i]);
    }
    free(out);
    free(in);
    free(rs);
    free(st);
}

/* Every other locality sends M messages of mixed sizes, tags and
 * sequence numbers to 0, which takes them with FLOC_ANY_SOURCE and
 * FLOC_ANY_TAG (without wildcard tags: one tag): each status names the
 * sender and tag the data says, and every sender's messages come in the
 * order it sent them. */
static void wildcards(void)
{
    enum { M = 40 };
    const size_t big = 70000;
    unsigned char *buf = malloc(big + 16);
    if (!buf)
        exit(1);
    if (me != 0) {
        for (uint64_t m = 0; m < M; m++) {
            const size_t len = 16 + (m % 4 == 3 ? big - 16 : m * 37 % 3000);
            uint64_t head[2] = {(uint64_t)me, m};
            fill(buf, len, me, 0, m << 20);
            memcpy(buf, head, sizeof head);
            MP_OK(floc_send(ctx, buf, len, 0, wild ? 100 + (int)(m % 7) : 100));
        }
        /* nothing else to 0 (a barrier's message) before it has taken these */
        MP_OK(floc_recv(ctx, buf, 1, 0, 139, NULL));
    } else {
        uint64_t *next = calloc((size_t)n, sizeof *next);
        for (int got = 0; got < (n - 1) * M; got++) {
            floc_msg_status_t st = {-1, -1, 0};
            int r = floc_recv(ctx, buf, big + 16, FLOC_ANY_SOURCE, wild ? FLOC_ANY_TAG : 100, &st);
            if (r) {
                MP_FAIL("receive %d from any source, any tag: %s", got, floc_strerror(r));
                break;
            }
            uint64_t head[2];
            memcpy(head, buf, sizeof head);
            const int from = (int)head[0];
            const uint64_t m = head[1];
            const size_t len = 16 + (m % 4 == 3 ? big - 16 : m * 37 % 3000);
            if (from != st.source || from <= 0 || from >= n ||
                st.tag != (wild ? 100 + (int)(m % 7) : 100) ||
                st.len != len)
                MP_FAIL("any/any: status source %d tag %d len %zu for message %llu of %d",
                        st.source, st.tag, st.len, (unsigned long long)m, from);
            else if (m != next[from])
                MP_FAIL("any/any: message %llu of %d came before %llu", (unsigned long long)m,
                        from, (unsigned long long)next[from]);
            else if (!same(buf + 16, len - 16, from, 0, (m << 20) + 16))
                MP_FAIL("any/any: message %llu of %d: wrong data", (unsigned long long)m, from);
            if (from > 0 && from < n)
                next[from] = m + 1;
        }
        free(next);
        for (int p = 1; p < n; p++)
            MP_OK(floc_send(ctx, buf, 1, p, 139));
    }
    free(buf);
}

/* A receiver that learns the size first: 0 probes, allocates, receives.
 * Also: a probe for a message nobody sends finds nothing, and a
 * specific tag skips messages of other tags (they stay to be received). */
static void probes(void)
{
    unsigned char flag_done = 1;
    mp_sync(ctx, 29);
    if (me == 0) {
        int flag = 1;
        MP_OK(floc_iprobe(ctx, FLOC_ANY_SOURCE, 55, &flag, NULL));
        if (flag)
            MP_FAIL("iprobe found a message with a tag nobody sends");
    }
    mp_sync(ctx, 29);
    if (me != 0) {
        const size_t len = 1000u * (size_t)me + 7;   /* the second crosses into rendezvous */
        unsigned char *b = malloc(len * 5);
        fill(b, len * 5, me, 0, 77);
        floc_request_t *rs[2];   /* nonblocking: 0 takes tag 32 first */
        MP_OK(floc_isend(ctx, b, len, 0, 31, &rs[0]));
        MP_OK(floc_isend(ctx, b, len * 5, 0, 32, &rs[1]));
        MP_OK(floc_waitall(2, rs));
        free(b);
        MP_OK(floc_recv(ctx, b = malloc(1), 1, 0, 39, NULL));   /* 0 has taken them */
        free(b);
    } else {
        for (int i = 0; i < 2 * (n - 1); i++) {
            floc_msg_status_t st = {-1, -1, 0}, got = {-1, -1, 0};
            /* tag 32 first: its messages come after the same sender's tag 31 */
            const int tag = i < n - 1 ? 32 : FLOC_ANY_TAG;
            MP_OK(floc_probe(ctx, FLOC_ANY_SOURCE, tag, &st));
            const size_t want = (1000u * (size_t)st.source + 7) * (st.tag == 32 ? 5 : 1);
            if (st.source <= 0 || st.source >= n || (tag == 32 && st.tag != 32) ||
                st.len != want) {
                MP_FAIL("probe %d: source %d tag %d len %zu", i, st.source, st.tag, st.len);
                continue;
            }
            unsigned char *b = malloc(st.len);
            MP_OK(floc_recv(ctx, b, st.len, st.source, st.tag, &got));
            if (got.source != st.source || got.tag != st.tag || got.len != st.len ||
                !same(b, st.len, st.source, 0, 77))
                MP_FAIL("the message received after probe %d is not the one probed", i);
            free(b);
        }
        for (int tag = 31; tag <= 32; tag++) {
            int flag = 1;
            MP_OK(floc_iprobe(ctx, FLOC_ANY_SOURCE, tag, &flag, NULL));
            if (flag)
                MP_FAIL("iprobe found a message of tag %d after all were received", tag);
        }
        for (int p = 1; p < n; p++)
            MP_OK(floc_send(ctx, &flag_done, 1, p, 39));
    }
}

/* Truncation, a cancel and a team's messages kept apart from the world's. */
static void edges(void)
{
    const int right = (me + 1) % n, left = (me + n - 1) % n;
    unsigned char out[200], in[64 + 16];
    fill(out, sizeof out, me, right, 5);
    memset(in, 0xee, sizeof in);
    floc_request_t *r;
    floc_msg_status_t st = {-1, -1, 0};
    MP_MUST(floc_irecv(ctx, in, 64, left, 41, &st, &r));
    MP_OK(floc_send(ctx, out, sizeof out, right, 41));
    MP_EXPECT(FLOC_ERR_TRUNCATED, floc_wait(r));
    if (st.len != sizeof out || st.source != left || !same(in, 64, left, me, 5) ||
        in[64] != 0xee)
        MP_FAIL("truncated: status len %zu source %d, or the buffer's bytes", st.len, st.source);

    /* canceled before any message: nothing written afterwards */
    memset(in, 0xee, sizeof in);
    MP_MUST(floc_irecv(ctx, in, sizeof in, left, 42, NULL, &r));
    MP_OK(floc_cancel(r));
    MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(r));
    mp_sync(ctx, 49);   /* every receive canceled before any message is sent */
    MP_OK(floc_send(ctx, out, 8, right, 42));
    MP_OK(floc_recv(ctx, in + 16, 8, left, 42, NULL));   /* the message goes to this one */
    for (int i = 0; i < 16; i++)
        if (in[i] != 0xee)
            MP_FAIL("a canceled receive was written");

    /* a large send to itself waits for its receive; canceled, it is gone:
     * no receive reads its buffer afterwards (the node path: where the
     * fabric carries it, the provider holds the send) */
    if (wild) {
        static unsigned char big[65536], back[65536];
        memset(big, 0x5a, sizeof big);
        floc_request_t *s;
        MP_MUST(floc_isend(ctx, big, sizeof big, me, 44, &s));
        MP_OK(floc_cancel(s));
        MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(s));
        MP_MUST(floc_irecv(ctx, back, sizeof back, me, 44, NULL, &r));
        int done = 0;
        for (const double t0 = now(); now() - t0 < 0.05 && !done;)
            MP_OK(floc_test(r, &done));
        if (done)
            MP_FAIL("a canceled send to itself was received");
        else {
            MP_OK(floc_cancel(r));
            MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(r));
        }
        MP_OK(floc_send(ctx, big, 8, me, 44));   /* small: copied, no receive needed */
        MP_OK(floc_recv(ctx, back, 8, me, 44, NULL));
        if (back[0] != 0x5a || back[8] != 0)
            MP_FAIL("a send to itself after the canceled one: wrong bytes");
    }

    /* a receive that finds its large message already held is matched,
     * and reads it at the next progress; canceled before that, it
     * completes as the matched receive it is, its data in place when the
     * cancel returns (the node path: probes show the message held) */
    if (wild) {
        static unsigned char big[(1u << 20) + 3], back[(1u << 20) + 3];
        fill(big, sizeof big, me, right, 46);
        memset(back, 0xee, sizeof back);
        floc_request_t *s;
        MP_MUST(floc_isend(ctx, big, sizeof big, right, 46, &s));
        MP_OK(floc_probe(ctx, left, 46, &st));
        MP_MUST(floc_irecv(ctx, back, sizeof back, left, 46, &st, &r));
        MP_OK(floc_cancel(r));
        if (!same(back, sizeof back, left, me, 46))
            MP_FAIL("a matched receive canceled: its data was not in place when cancel returned");
        MP_OK(floc_wait(r));
        if (st.len != sizeof back || st.source != left)
            MP_FAIL("a matched receive canceled: status len %zu source %d", st.len, st.source);
        MP_OK(floc_wait(s));
    }

    /* a team of everyone in reverse order: the same tag on the team and
     * on the world, from the same sender, received team first */
    floc_ctx_t *team;
    MP_MUST(floc_split(ctx, 0, n - me, &team));
    const int tr = floc_locality_id(team), tn = floc_num_localities(team);
    uint64_t wv = mp_value(me, 1, 1), tv = mp_value(me, 2, 2), got = 0;
    MP_OK(floc_send(ctx, &wv, sizeof wv, right, 43));
    MP_OK(floc_send(team, &tv, sizeof tv, (tr + 1) % tn, 43));
    const int tleft = (tr + tn - 1) % tn;
    MP_OK(floc_recv(team, &got, sizeof got, wild ? FLOC_ANY_SOURCE : tleft,
                    wild ? FLOC_ANY_TAG : 43, &st));
    if (got != mp_value(n - 1 - tleft, 2, 2) || st.source != tleft)
        MP_FAIL("the team's receive took the world's message (or another): source %d",
                st.source);
    MP_OK(floc_recv(ctx, &got, sizeof got, left, 43, NULL));
    if (got != mp_value(left, 1, 1))
        MP_FAIL("the world's message was lost after the team's");
    MP_OK(floc_team_free(team));
}

static size_t kib_of(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t v = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0)
            v = strtoull(line + strlen(field), NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* A receive of a later message past many unreceived earlier ones: 1
 * sends MANY of tag 80 (nonblocking), then one of tag 81 (blocking); 0
 * takes the tag-81 one first, then the others in order.  On the node
 * path the held ones pass its bound while a receive waits; through the
 * fabric they pass floc's credit (256): the receiver lends more while its
 * receive waits (src/fabric/credit.c).  Without that, a hang. */
static void selective(void)
{
    enum { MANY = 1000 };
    if (n < 2)
        return;
    mp_sync(ctx, 79);
    if (me == 1) {
        static uint64_t v[MANY];
        static floc_request_t *rs[MANY];
        for (uint64_t i = 0; i < MANY; i++) {
            v[i] = i;
            MP_MUST(floc_isend(ctx, &v[i], sizeof v[i], 0, 80, &rs[i]));
        }
        const uint64_t last = 4242;
        MP_OK(floc_send(ctx, &last, sizeof last, 0, 81));
        MP_OK(floc_waitall(MANY, rs));
    } else if (me == 0) {
        uint64_t x = 0;
        MP_OK(floc_recv(ctx, &x, sizeof x, 1, 81, NULL));
        if (x != 4242)
            MP_FAIL("selective: the later message read %llu", (unsigned long long)x);
        for (uint64_t i = 0; i < MANY; i++) {
            x = ~0ull;
            int r = floc_recv(ctx, &x, sizeof x, 1, 80, NULL);
            if (r || x != i) {
                MP_FAIL("selective: message %llu: %s, value %llu", (unsigned long long)i,
                        floc_strerror(r), (unsigned long long)x);
                break;
            }
        }
    }
    mp_sync(ctx, 79);
}

/* 1 floods 0 with 8-byte messages before 0 posts anything; then 0
 * receives them in order.  0's peak memory grows by at most bound_kib:
 * far less than the messages would take held (1,000,000 x 8 bytes, with
 * bookkeeping; through tcp;ofi_rxm without floc's credit, 16 KiB each). */
static int flood(size_t bound_kib)
{
    enum { COUNT = 1000000 };
    mp_sync(ctx, 59);
    if (me == 1) {
        for (uint64_t i = 0; i < COUNT; i++)
            if (floc_send(ctx, &i, sizeof i, 0, 60)) {
                MP_FAIL("flood: send %llu failed", (unsigned long long)i);
                break;
            }
    } else if (me == 0) {
        const size_t before = kib_of("VmRSS:");
        const double t0 = now();
        while (now() - t0 < 0.5)
            floc_progress(ctx);   /* the sender runs into the bound meanwhile */
        for (uint64_t i = 0; i < COUNT; i++) {
            uint64_t v = ~0ull;
            int r = floc_recv(ctx, &v, sizeof v, 1, 60, NULL);
            if (r || v != i) {
                MP_FAIL("flood: message %llu: %s, value %llu", (unsigned long long)i,
                        floc_strerror(r), (unsigned long long)v);
                break;
            }
        }
        const size_t peak = kib_of("VmHWM:");
        printf("flood: %d messages in %.2f s, peak memory %zu KiB over %zu before\n", COUNT,
               now() - t0, peak > before ? peak - before : 0, before);
        if (peak > before + bound_kib)
            MP_FAIL("flood: peak memory grew by %zu KiB", peak - before);
    }
    mp_sync(ctx, 59);
    return 0;
}

/* Every locality but 0 sends it COUNT messages; 0 takes all of 1's
 * first, then 2's, ...: the messages of the others wait unreceived
 * meanwhile, up to their credit.  Through libfabric's shm (FLOC_NODE_P2P=0)
 * they share one bounded pool of the receiver's: 7 senders x 256 credit
 * overflowed its 1024 entries and the job hung (credit.c). */
static void many_flood(void)
{
    enum { COUNT = 20000 };
    mp_sync(ctx, 61);
    if (me != 0) {
        for (uint64_t i = 0; i < COUNT; i++) {
            const uint64_t v = (uint64_t)me << 32 | i;
            if (floc_send(ctx, &v, sizeof v, 0, 62)) {
                MP_FAIL("manyflood: send %llu failed", (unsigned long long)i);
                break;
            }
        }
    } else {
        const double t0 = now();
        for (int from = 1; from < n && !mp_failures; from++)
            for (uint64_t i = 0; i < COUNT; i++) {
                uint64_t v = ~0ull;
                int r = floc_recv(ctx, &v, sizeof v, from, 62, NULL);
                if (r || v != ((uint64_t)from << 32 | i)) {
                    MP_FAIL("manyflood: message %llu from %d: %s, value %llx",
                            (unsigned long long)i, from, floc_strerror(r),
                            (unsigned long long)v);
                    break;
                }
            }
        printf("manyflood: %d x %d messages in %.2f s\n", n - 1, COUNT, now() - t0);
    }
    mp_sync(ctx, 61);
}

/* 2 sends one message nobody receives, then dies; 0 has receives posted
 * from 2 and from anyone with a tag nobody else sends */
static int kill_peer(void)
{
    unsigned char a[256], b[256];
    memset(a, 0xee, sizeof a);
    memset(b, 0xee, sizeof b);
    floc_request_t *ra = NULL, *rb = NULL;
    if (me == 0) {
        MP_MUST(floc_irecv(ctx, a, sizeof a, 2, 71, NULL, &ra));
        MP_MUST(floc_irecv(ctx, b, sizeof b, FLOC_ANY_SOURCE, 72, NULL, &rb));
    }
    mp_sync(ctx, 79);
    if (me == 2) {
        unsigned char big[8192] = {1};
        floc_request_t *s;
        MP_OK(floc_isend(ctx, big, sizeof big, 0, 73, &s));   /* held at 0, unread */
        usleep(100000);
        raise(SIGKILL);
    }
    if (me == 1)
        sleep(2);   /* no loss of its own while 0 checks (2's) */
    if (me == 0) {
        const double t0 = now();
        MP_EXPECT(FLOC_ERR_PEER_LOST, floc_wait(ra));
        MP_EXPECT(FLOC_ERR_PEER_LOST, floc_wait(rb));
        const double t1 = now();
        while (now() - t1 < 0.3)
            floc_progress(ctx);
        for (size_t i = 0; i < sizeof a; i++)
            if (a[i] != 0xee || b[i] != 0xee) {
                MP_FAIL("a receive failed by the loss was written");
                break;
            }
        unsigned char big[8192];
        MP_EXPECT(FLOC_ERR_PEER_LOST, floc_recv(ctx, big, sizeof big, 2, 73, NULL));
        printf("kill: locality 0: receives from the lost locality failed after %.2f s, "
               "buffers untouched\n", t1 - t0);
    }
    return 0;
}

/* Run with FLOC_MSG_CREDIT=4 through the fabric (FLOC_NODE_P2P=0): a send
 * held for want of credit can be canceled (FLOC_ERR_CANCELED), and its
 * message never arrives; the sends after it go once credit returns. */
static void held_cancel(void)
{
    uint64_t v[6];
    if (me == 0) {
        floc_request_t *s[6];
        /* tags: 81 the first 4 (the credit), 82 the 5th (canceled), 83 the 6th */
        for (int i = 0; i < 6; i++) {
            v[i] = 1000 + (uint64_t)i;
            MP_MUST(floc_isend(ctx, &v[i], sizeof v[i], 1, i < 4 ? 81 : 78 + i, &s[i]));
        }
        int done = 1;
        MP_OK(floc_test(s[4], &done));   /* the 5th: held (4 in flight, none received) */
        if (done)
            MP_FAIL("the 5th send completed with no credit left (FLOC_MSG_CREDIT=4?)");
        MP_OK(floc_cancel(s[4]));
        MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(s[4]));
        MP_OK(floc_barrier(ctx));   /* floc's own traffic goes past held sends */
        for (int i = 0; i < 6; i++)
            if (i != 4)
                MP_OK(floc_wait(s[i]));
    } else {
        MP_OK(floc_barrier(ctx));
    }
    if (me == 1) {
        for (int i = 0; i < 4; i++) {
            MP_OK(floc_recv(ctx, &v[i], sizeof v[i], 0, 81, NULL));
            if (v[i] != 1000 + (uint64_t)i)
                MP_FAIL("message %d: %llu", i, (unsigned long long)v[i]);
        }
        MP_OK(floc_recv(ctx, &v[5], sizeof v[5], 0, 83, NULL));   /* the 6th, after credit */
        if (v[5] != 1005)
            MP_FAIL("the 6th message: %llu", (unsigned long long)v[5]);
        /* (probes need the node path: a receive that must not complete) */
        uint64_t x = 0;
        floc_request_t *r;
        int done = 0;
        MP_MUST(floc_irecv(ctx, &x, sizeof x, 0, 82, NULL, &r));
        for (const double t0 = now(); now() - t0 < 0.2 && !done;)
            MP_OK(floc_test(r, &done));
        if (done)
            MP_FAIL("the canceled send's message arrived (%llu)", (unsigned long long)x);
        else {
            MP_OK(floc_cancel(r));
            MP_EXPECT(FLOC_ERR_CANCELED, floc_wait(r));
        }
    }
    MP_OK(floc_barrier(ctx));
    printf("heldcancel: locality %d: done\n", me);
}

int main(int argc, char **argv)
{
    floc_attr_t attr = FLOC_ATTR_INIT;
    attr.wait_timeout = 60.0;
    MP_MUST(floc_init(&argc, &argv, &attr, &ctx));
    me = mp_me = floc_locality_id(ctx);
    n = floc_num_localities(ctx);
    const char *w = getenv("MP_WILD");
    wild = !w || strcmp(w, "0") != 0;
    const char *mode = argc > 1 ? argv[1] : "all";
    if (n < 2 && strcmp(mode, "all") != 0) {
        fprintf(stderr, "mp_msgpath %s needs 2 or more localities\n", mode);
        return 2;
    }
    if (strcmp(mode, "kill") == 0) {
        if (n != 3)
            return 2;
        kill_peer();
        fflush(stdout);
        _exit(mp_failures ? 1 : 0);   /* a job with a lost locality: no finalize */
    }
    if (strcmp(mode, "heldcancel") == 0) {
        held_cancel();
    } else if (strcmp(mode, "manyflood") == 0) {
        many_flood();
    } else if (strcmp(mode, "flood") == 0) {
        flood(argc > 2 ? strtoul(argv[2], NULL, 10) : 16384);
    } else {
        sizes_and_order(0);
        sizes_and_order(1);
        edges();
        selective();
        wildcards();   /* FLOC_ANY_SOURCE, and FLOC_ANY_TAG where it is there */
        if (wild) {
            probes();
        } else {
            unsigned char x;
            floc_request_t *r;
            int flag;
            MP_EXPECT(FLOC_ERR_NOT_SUPPORTED,
                      floc_irecv(ctx, &x, 1, FLOC_ANY_SOURCE, FLOC_ANY_TAG, NULL, &r));
            MP_EXPECT(FLOC_ERR_NOT_SUPPORTED,
                      floc_iprobe(ctx, FLOC_ANY_SOURCE, 1, &flag, NULL));
        }
    }
    mp_sync(ctx, 99);
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_msgpath");
}
