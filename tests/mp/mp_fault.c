/* SPDX-License-Identifier: BSD-3-Clause */
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
 *   mp_fault loop S     every locality checks allreduces for S seconds (as
 *                       locality 0 counts them); fault.sh kills, freezes or
 *                       pauses one from outside.  Prints "done <iterations>"
 *                       when nobody was lost; survivors of a loss print the
 *                       wall-clock time they learnt it and exit 3, as an
 *                       application would, so that the launcher ends the job.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <time.h>
#include <unistd.h>

#include "mp_util.h"

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* Allreduces checked against their known sum until locality 0 has run
 * for `seconds` (its verdict travels in the reduction itself). */
static int allreduce_loop(floc_ctx_t *ctx, double seconds)
{
    const int n = floc_num_localities(ctx);
    const double t0 = now_ms();
    printf("locality %d pid %d\n", mp_me, (int)getpid());
    fflush(stdout);
    long it = 0;
    for (;; it++) {
        /* [0]: "stop" vote of locality 0; [1..]: values with a known sum */
        double v[257], r[257];
        v[0] = mp_me == 0 && now_ms() - t0 > seconds * 1e3;
        for (int i = 1; i < 257; i++)
            v[i] = (double)(mp_me + 1) * i + (double)it;
        int rc = floc_allreduce(ctx, v, r, 257, FLOC_DOUBLE, FLOC_SUM);
        if (rc == FLOC_ERR_PEER_LOST) {
            printf("survivor %d: PEER_LOST after %.0f ms at %.0f (iteration %ld)\n", mp_me,
                   now_ms() - t0, clock_ms(CLOCK_REALTIME), it);
            fflush(stdout);
            rc = floc_finalize(ctx);
            if (rc != FLOC_ERR_PEER_LOST)
                MP_FAIL("floc_finalize returned %s", floc_strerror(rc));
            /* mpirun ends the whole job at the first exit: let the other
             * survivors (told within a tick or two) report too */
            usleep(500 * 1000);
            return 3;
        }
        if (rc) {
            MP_FAIL("allreduce %ld: %s", it, floc_strerror(rc));
            break;
        }
        for (int i = 1; i < 257; i++) {
            double want = (double)n * (n + 1) / 2 * i + (double)n * (double)it;
            if (r[i] != want) {
                MP_FAIL("allreduce %ld: element %d is %g, expected %g", it, i, r[i], want);
                break;
            }
        }
        if (mp_failures || r[0] != 0)
            break;
    }
    printf("locality %d: done %ld\n", mp_me, it);
    MP_OK(floc_finalize(ctx));
    return mp_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    int n = floc_num_localities(ctx), victim = n - 1;
    if (argc > 2 && strcmp(argv[1], "hold") == 0) {
        /* stay in the job (to be killed from outside), then leave */
        printf("locality %d pid %d holding\n", mp_me, (int)getpid());
        fflush(stdout);
        usleep((useconds_t)(atof(argv[2]) * 1e6));
        return floc_finalize(ctx) ? 1 : 0;
    }
    if (n == 1 && argc > 1 && strcmp(argv[1], "segv") == 0) {
        volatile int *nowhere = NULL;
        *nowhere = 1;   /* a singleton's crash: it must die of SIGSEGV */
    }
    if (n < 2) {
        fprintf(stderr, "mp_fault needs at least 2 localities\n");
        return 2;
    }
    mp_sync(ctx, 1);   /* everyone is wired before the failure */

    if (argc > 2 && strcmp(argv[1], "loop") == 0)
        return allreduce_loop(ctx, atof(argv[2]));
    const int coll = argc > 1 && strcmp(argv[1], "coll") == 0;
    const char *how = argc > 1 && !coll ? argv[1] : "abort";
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
        printf("locality %d leaves at %.0f\n", mp_me, clock_ms(CLOCK_REALTIME));
        fflush(stdout);
        if (strcmp(how, "segv") == 0) {
            volatile int *nowhere = NULL;
            *nowhere = 1;   /* a crash: the launcher must report SIGSEGV */
        }
        if (strcmp(how, "exit") == 0)
            return 0;   /* returns from main without floc_finalize */
        if (strcmp(how, "floc_abort") == 0)
            floc_abort(ctx, 42, "the victim gives up");
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
        printf("survivor %d: PEER_LOST after %.0f ms at %.0f\n", mp_me, waited, clock_ms(CLOCK_REALTIME));
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
