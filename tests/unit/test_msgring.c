/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_msgring.c - the node message path's rings (src/p2p/local_wire.c)
 * between a sender and a receiver in one process, on a queue in plain
 * memory: eager messages of every cell count arrive whole and in order
 * through many laps of a small ring, while their data is made to look
 * like the headers the receiver waits for (every 32-bit word of it is a
 * position + 1 a later header could have).  Before continuation cells
 * carried their own position, such data was taken for a header about
 * once in ten runs of mp.action.thread.3.  Also: every cell of the ring
 * starts with its own position + 1 after each message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p2p/local.h"

enum { CELLS = 16, MESSAGES = 4000 };

typedef struct rig {
    floc_p2p_t pp;
    peer_t peer[2];           /* [0] the receiver's view of the sender, [1] the sender's */
    floc_node_queue_t *q;
    floc_ctx_t ctx;
} rig_t;

static void rig_make(rig_t *r)
{
    memset(r, 0, sizeof *r);
    const size_t bytes = sizeof(floc_node_queue_t) + (CELLS + CELLS / 4) * 64;
    r->q = aligned_alloc(64, bytes);
    assert_non_null(r->q);
    memset(r->q, 0, bytes);
    static const int local_of[2] = {0, 1};
    r->pp.local_of = local_of;
    r->pp.p = 2;
    r->pp.cells = CELLS;
    r->pp.mask = CELLS - 1;
    r->pp.ctl_cells = CELLS / 4;
    r->pp.eager_max = FLOC_NODE_CELL_DATA + (CELLS / 4 - 1) * FLOC_NODE_CONT_DATA;
    r->pp.credit_cells = 1u << 30;   /* the ring, not the credit, is under test */
    r->pp.peers = r->peer;
    r->pp.probing = 1;               /* drain whatever comes */
    r->peer[0].world = 1;
    r->peer[0].in = r->q;
    r->peer[1].out = r->q;
    r->ctx.world = &r->ctx;
    r->pp.world = &r->ctx;
}

/* Message m, of up to max bytes, starting at cell `head`: each 32-bit
 * word past the first cell's 48 bytes holds the position + 1 that the
 * header one lap later will have at the cell that word would begin if
 * continuation cells were 64 bytes of data: the stale word the receiver
 * would have read there as that header. */
static size_t fill(unsigned char *b, unsigned m, uint64_t head, size_t max)
{
    const size_t len = 1 + (m * 37u) % max;
    memset(b, (int)m, len);
    for (size_t i = FLOC_NODE_CELL_DATA; i + 4 <= len; i += 4) {
        const uint64_t cell = head + 1 + (i - FLOC_NODE_CELL_DATA) / 64;
        const uint32_t v = (uint32_t)(cell + CELLS + 1);
        memcpy(b + i, &v, 4);
    }
    return len;
}

static void every_cell_says_its_position(const rig_t *r, uint64_t head)
{
    const floc_node_cell_t *cells = floc_node_cells(r->q);
    for (uint64_t pos = head > CELLS ? head - CELLS : 0; pos < head; pos++)
        assert_int_equal(atomic_load(&cells[pos & (CELLS - 1)].seq), (uint32_t)(pos + 1));
}

static void messages_survive_many_laps(void **state)
{
    (void)state;
    rig_t r;
    rig_make(&r);
    unsigned char out[CELLS * 64], expect[CELLS * 64];
    for (unsigned m = 0; m < MESSAGES; m++) {
        const size_t len = fill(out, m, r.peer[1].head, r.pp.eager_max);
        memcpy(expect, out, len);
        assert_int_equal(floc_local_try_send(&r.pp, &r.peer[1], out, len, 7, 3, NULL), 1);
        if (r.peer[1].head >= CELLS)
            every_cell_says_its_position(&r, r.peer[1].head);
        /* the receiver takes it (held: no receive is posted) */
        assert_int_equal(floc_local_drain(&r.ctx, &r.pp, &r.peer[0]), 1);
        assert_int_equal(floc_local_drain(&r.ctx, &r.pp, &r.peer[0]), 0);
        match_list_t *l = list_of(&r.pp, 3);
        held_t *h = l->unexp;
        assert_non_null(h);
        assert_int_equal(h->len, len);
        assert_int_equal(h->tag, 7);
        assert_int_equal(h->cid, 3);
        assert_memory_equal(h->data, expect, len);
        l->unexp = h->next;
        if (!l->unexp)
            l->unexp_tail = NULL;
        r.peer[0].held--;
        free(h);
    }
    free(r.q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(messages_survive_many_laps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
