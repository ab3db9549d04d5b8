/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_coll_flow.c - collective flow control: the root broadcasts 3000
 * times while locality 1 first waits for a message that locality 3 sends
 * 300 ms late.  Broadcasts complete at the root without the receivers,
 * so without flow control the root runs thousands of collectives ahead
 * and its messages fill locality 1's receive pool (shm: 1024 entries,
 * processed in order); locality 3's message then sits behind the pile
 * and never arrives: a hang (as seen with a barrier in that place).  Run
 * with the node segment off (FLOC_NODE_COLL_MAX=0) so that the fabric
 * algorithms carry the broadcasts; every broadcast's data is checked.
 */
#define _DEFAULT_SOURCE   /* usleep */
#include <unistd.h>

#include "mp_util.h"

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    const int n = floc_num_localities(ctx);
    int token = 42;
    if (mp_me == 3) {
        usleep(300000);
        MP_OK(floc_send(ctx, &token, sizeof token, 1, 5));
    } else if (mp_me == 1 && n > 3) {
        MP_OK(floc_recv(ctx, &token, sizeof token, 3, 5, NULL));
    }
    enum { ROUNDS = 3000, LEN = 64 };
    unsigned char buf[LEN];
    for (int i = 0; i < ROUNDS; i++) {
        for (int j = 0; j < LEN; j++)
            buf[j] = mp_me == 0 ? (unsigned char)(i * 7 + j) : 0;
        MP_OK(floc_broadcast(ctx, buf, LEN, FLOC_BYTE, 0));
        for (int j = 0; j < LEN; j++)
            if (buf[j] != (unsigned char)(i * 7 + j)) {
                MP_FAIL("broadcast %d: byte %d is %u", i, j, buf[j]);
                break;
            }
    }
    MP_OK(floc_barrier(ctx));
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_coll_flow");
}
