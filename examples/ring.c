/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring.c - one-sided puts around the ring, verified.
 *
 * Each locality registers a landing buffer, tells its left neighbour the
 * remote key (a tagged message), then puts a block of values derived from
 * its id into its right neighbour's buffer.  After a flush and a token
 * passed round the ring, every locality checks what its left neighbour
 * wrote.
 *
 *   floc-run -n 4 ./ring
 */
#include <floc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4096

#define CHECK(call)                                                                   \
    do {                                                                              \
        int rc_ = (call);                                                             \
        if (rc_) {                                                                    \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, floc_strerror(rc_)); \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

static uint64_t value(int from, size_t i)
{
    return ((uint64_t)from << 40) ^ (i * 2654435761u);
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    CHECK(floc_init(&argc, &argv, NULL, &ctx));
    const int me = floc_locality_id(ctx), n = floc_num_localities(ctx);
    const int right = (me + 1) % n, left = (me + n - 1) % n;

    uint64_t *landing = calloc(N, sizeof *landing), *src = malloc(N * sizeof *src);
    if (!landing || !src)
        return 1;
    for (size_t i = 0; i < N; i++)
        src[i] = value(me, i);

    floc_mem_t *mem;
    floc_rkey_t mine, theirs;
    CHECK(floc_mem_register(ctx, landing, N * sizeof *landing, FLOC_MEM_REMOTE_WRITE, &mem));
    CHECK(floc_mem_rkey(mem, &mine));
    /* my left neighbour writes into me: it needs my key */
    floc_request_t *rreq;
    CHECK(floc_irecv(ctx, &theirs, sizeof theirs, right, 1, NULL, &rreq));
    CHECK(floc_send(ctx, &mine, sizeof mine, left, 1));
    CHECK(floc_wait(rreq));

    CHECK(floc_put(ctx, src, N * sizeof *src, &theirs, 0));
    CHECK(floc_flush(ctx));
    /* token around the ring: my write is complete before I pass it on,
     * so when it returns to me every write is. */
    int token = 0;
    if (me == 0) {
        CHECK(floc_send(ctx, &token, sizeof token, right, 2));
        CHECK(floc_recv(ctx, &token, sizeof token, left, 2, NULL));
        if (right != 0)
            CHECK(floc_send(ctx, &token, sizeof token, right, 3));
    } else {
        CHECK(floc_recv(ctx, &token, sizeof token, left, 2, NULL));
        CHECK(floc_send(ctx, &token, sizeof token, right, 2));
        CHECK(floc_recv(ctx, &token, sizeof token, left, 3, NULL));
        if (right != 0)
            CHECK(floc_send(ctx, &token, sizeof token, right, 3));
    }

    size_t bad = 0;
    for (size_t i = 0; i < N; i++) {
        if (landing[i] != value(left, i) && bad++ < 10)
            fprintf(stderr, "locality %d: landing[%zu] = %llx, expected %llx\n", me, i,
                    (unsigned long long)landing[i], (unsigned long long)value(left, i));
    }
    printf("locality %d: received %d values from locality %d: %s\n", me, N, left,
           bad ? "MISMATCH" : "ok");
    CHECK(floc_mem_deregister(mem));
    free(landing);
    free(src);
    CHECK(floc_finalize(ctx));
    return bad ? 1 : 0;
}
