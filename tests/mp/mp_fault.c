/*
 * mp_fault.c - the last locality calls abort() mid-run while the others
 * are blocked waiting for it: each survivor must get FLOC_ERR_PEER_LOST
 * (not hang), and floc_finalize must still return.  fault.sh checks the
 * launcher's side.
 *
 * Survivors print "survivor <id>: PEER_LOST after <ms> ms" on success.
 *
 *   mp_fault            survivors wait in a receive / a request
 *   mp_fault coll       survivors are in a loop of allreduces and barriers
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <time.h>
#include <unistd.h>

#include "mp_util.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    int n = floc_num_localities(ctx), victim = n - 1;
    if (n < 2) {
        fprintf(stderr, "mp_fault needs at least 2 localities\n");
        return 2;
    }
    mp_sync(ctx, 1);   /* everyone is wired before the failure */

    const int coll = argc > 1 && strcmp(argv[1], "coll") == 0;
    if (mp_me == victim) {
        if (coll) {   /* take part for a while (the same calls), then die mid-run */
            double v[1000] = {0}, r[1000];
            for (int i = 0; i < 50; i++) {
                floc_allreduce(ctx, v, r, 1000, FLOC_DOUBLE, FLOC_SUM);
                floc_barrier(ctx);
            }
            floc_allreduce(ctx, v, r, 1000, FLOC_DOUBLE, FLOC_SUM);   /* no barrier after it */
        }
        usleep(300 * 1000);   /* let the survivors block first */
        abort();
    }
    double t0 = now_ms();
    int got = 0, rc;
    if (coll) {
        double v[1000], r[1000];
        for (int i = 0; i < 1000; i++)
            v[i] = i;
        do {
            rc = floc_allreduce(ctx, v, r, 1000, FLOC_DOUBLE, FLOC_SUM);
            if (!rc)
                rc = floc_barrier(ctx);
        } while (rc == 0 && now_ms() - t0 < 20000);
    } else if (mp_me % 2 == 0) {
        /* blocked in a receive from the victim, which never sends */
        rc = floc_recv(ctx, &got, sizeof got, victim, 7, NULL);
    } else {
        /* blocked in floc_wait on a request */
        floc_request_t *req;
        MP_MUST(floc_irecv(ctx, &got, sizeof got, FLOC_ANY_SOURCE, 7, NULL, &req));
        rc = floc_wait(req);
    }
    double waited = now_ms() - t0;
    if (rc == FLOC_ERR_PEER_LOST)
        printf("survivor %d: PEER_LOST after %.0f ms\n", mp_me, waited);
    else
        MP_FAIL("wait returned %d (%s), expected FLOC_ERR_PEER_LOST", rc, floc_strerror(rc));
    /* later operations fail fast too */
    MP_EXPECT(FLOC_ERR_PEER_LOST, floc_send(ctx, &got, sizeof got, victim, 8));
    fflush(stdout);
    rc = floc_finalize(ctx);
    if (rc != FLOC_ERR_PEER_LOST)
        MP_FAIL("floc_finalize returned %s", floc_strerror(rc));
    return mp_failures ? 1 : 0;
}
