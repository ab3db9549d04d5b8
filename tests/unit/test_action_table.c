/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_action_table.c - the actions' table (src/exec/action_table.c):
 * ids are the names' hashes, found again after the table grows, and a
 * name whose id another name holds already is refused, naming both (a
 * real 64-bit collision is not at hand: the table is given an entry
 * under another name's id, as a colliding name would have it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec/action.h"

static int fn(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)call, (void)args, (void)len, (void)user;
    return 0;
}

static void ids_are_hashes_and_survive_growth(void **state)
{
    (void)state;
    struct floc_actions a;
    memset(&a, 0, sizeof a);
    char name[32];
    for (int i = 0; i < 1000; i++) {
        floc_action_t id;
        snprintf(name, sizeof name, "action.%d", i);
        assert_int_equal(floc_act_table_add(&a, name, fn, NULL, &id), 0);
        assert_true(id == floc_act_hash(name));
        assert_true(id == floc_action_id(name));
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "action.%d", i);
        const act_entry_t *e = floc_act_lookup(&a, floc_act_hash(name));
        assert_non_null(e);
        assert_string_equal(e->name, name);
    }
    assert_null(floc_act_lookup(&a, floc_act_hash("action.1000")));
    floc_action_t id;
    assert_int_equal(floc_act_table_add(&a, "action.7", fn, NULL, &id), FLOC_ERR_INVALID);
    floc_act_table_fini(&a);
}

static void a_colliding_name_is_refused(void **state)
{
    (void)state;
    struct floc_actions a;
    memset(&a, 0, sizeof a);
    floc_action_t id;
    /* "first" under the id "second" hashes to: as if the two collided */
    const floc_action_t h2 = floc_act_hash("second");
    assert_int_equal(floc_act_table_put(&a, h2, "first", fn, NULL, &id), 0);
    assert_true(id == h2);
    assert_int_equal(floc_act_table_add(&a, "second", fn, NULL, &id), FLOC_ERR_INVALID);
    /* "first" still serves that id, nothing else was added */
    const act_entry_t *e = floc_act_lookup(&a, h2);
    assert_non_null(e);
    assert_string_equal(e->name, "first");
    assert_int_equal((int)a.table_n, 1);
    floc_act_table_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_are_hashes_and_survive_growth),
        cmocka_unit_test(a_colliding_name_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
