/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_select.c - the algorithm table and its rules (src/coll/select.c):
 * every row is sound, every kind has a choice for every situation, the
 * fabric-only choice never names a shared-memory or hierarchical
 * algorithm, and each threshold picks what docs/coll.md says on both
 * sides of its boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "coll/select.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* a single-node job of p localities with its segment (64 KiB buffers) */
static floc_coll_where_t single(int p, int cma)
{
    return (floc_coll_where_t){.p = p, .nodes = 1, .segment = 1, .segment_max = 64 * KiB,
                               .cma = cma};
}

/* p localities without a segment, on `nodes` nodes */
static floc_coll_where_t flat(int p, int nodes)
{
    return (floc_coll_where_t){.p = p, .nodes = nodes};
}

/* several nodes with segments: the hierarchical algorithms */
static floc_coll_where_t hier(int p, int nodes)
{
    return (floc_coll_where_t){.p = p, .nodes = nodes, .hier = 1, .hier_small_max = 8 * KiB,
                               .hier_max = SIZE_MAX};
}

static const char *choose(floc_coll_where_t w, floc_coll_kind_t kind, size_t bytes)
{
    const floc_coll_alg_t *a = floc_coll_choose(&w, kind, bytes, 0);
    return a ? a->name : "(none)";
}

static void test_rows_are_sound(void **state)
{
    (void)state;
    size_t na, nr;
    const floc_coll_alg_t *algs = floc_coll_algs(&na);
    const floc_coll_rule_t *rules = floc_coll_rules(&nr);
    for (size_t i = 0; i < na; i++) {
        assert_non_null(algs[i].step);
        assert_true(algs[i].kind < FLOC_COLL_KINDS);
        for (size_t j = i + 1; j < na; j++)
            assert_false(algs[i].kind == algs[j].kind && !strcmp(algs[i].name, algs[j].name));
        assert_ptr_equal(floc_coll_alg_find(algs[i].kind, algs[i].name), &algs[i]);
    }
    for (size_t i = 0; i < nr; i++) {
        assert_non_null(floc_coll_alg_find(rules[i].kind, rules[i].alg));
        assert_true(rules[i].bmax == 0 || rules[i].bmin <= rules[i].bmax);
    }
    assert_null(floc_coll_alg_find(FLOC_COLL_ALLREDUCE, "bogus"));
}

/* Every kind has an answer wherever it runs, at every size; the
 * fabric-only answer is a fabric algorithm. */
static void test_every_kind_has_a_choice(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 8, 63, 64, 1 * KiB, 8 * KiB + 1, 64 * KiB, 1 * MiB, 64 * MiB};
    const int ps[] = {2, 3, 4, 7, 8, 64, 1000, 16384};
    for (int k = 0; k < FLOC_COLL_KINDS; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            for (size_t q = 0; q < sizeof ps / sizeof *ps; q++) {
                const floc_coll_where_t where[] = {single(ps[q], 1), flat(ps[q], 1),
                                                   flat(ps[q], 2), hier(ps[q], 2)};
                for (size_t w = 0; w < sizeof where / sizeof *where; w++) {
                    const floc_coll_alg_t *a = floc_coll_choose(&where[w], k, sizes[s], 0);
                    assert_non_null(a);
                    assert_int_equal(a->kind, k);
                    assert_true(floc_coll_alg_usable(a, &where[w], sizes[s]));
                    const floc_coll_alg_t *f = floc_coll_choose(&where[w], k, sizes[s], 1);
                    assert_non_null(f);
                    assert_int_equal(f->flags & (FLOC_ALG_SHM | FLOC_ALG_HIER), 0);
                }
            }
}

static void test_node_segment_boundaries(void **state)
{
    (void)state;
    assert_string_equal(choose(single(2, 0), FLOC_COLL_ALLREDUCE, 8), "shm");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_ALLREDUCE, 64 * KiB), "shm");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_ALLREDUCE, 64 * KiB + 1), "shm_pipeline");
    assert_string_equal(choose(single(3, 0), FLOC_COLL_ALLREDUCE, 32 * KiB), "shm");
    assert_string_equal(choose(single(3, 0), FLOC_COLL_ALLREDUCE, 32 * KiB + 1), "shm_pipeline");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_BCAST, 16 * KiB), "shm");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_BCAST, 16 * KiB + 1), "shm_pipeline");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_REDUCE, 64 * KiB), "shm");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_REDUCE, 64 * KiB + 1), "shm_pipeline");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_GATHER, 64 * KiB), "shm");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_GATHER, 64 * KiB + 1), "direct");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_ALLGATHER, 8 * KiB), "shm");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_ALLGATHER, 8 * KiB + 1), "shm_pipeline");
    /* CMA from 4 KiB blocks on 2 localities that may read each other */
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLGATHER, 4 * KiB - 1), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLGATHER, 4 * KiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_ALLGATHER, 8 * KiB), "shm");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_ALLGATHER, 1 * MiB), "shm_pipeline");
    /* and the reduce from 32 KiB on 2 */
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE, 32 * KiB - 1), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE, 32 * KiB), "cma");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE, 512 * KiB), "cma");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE, 64 * MiB), "cma");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_REDUCE, 32 * KiB), "shm");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_REDUCE, 64 * KiB), "shm");
    /* scatter and alltoall hold p blocks in a buffer of 64 KiB */
    assert_string_equal(choose(single(4, 0), FLOC_COLL_SCATTER, 16 * KiB), "shm");
    assert_string_equal(choose(single(8, 0), FLOC_COLL_SCATTER, 16 * KiB), "direct");
    assert_string_equal(choose(single(4, 0), FLOC_COLL_ALLTOALL, 16 * KiB + 1), "pairwise");
    /* broadcast by CMA from 16 KiB on 2; alltoall from 8 KiB on 2, 16 KiB beyond */
    assert_string_equal(choose(single(2, 1), FLOC_COLL_BCAST, 16 * KiB - 1), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_BCAST, 16 * KiB), "cma");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_BCAST, 64 * MiB), "cma");
    /* ... on 3 from 32 KiB to 1 MiB, on 4 from 64 to 512 KiB */
    assert_string_equal(choose(single(3, 1), FLOC_COLL_BCAST, 32 * KiB - 1), "shm_pipeline");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_BCAST, 32 * KiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_BCAST, 1 * MiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_BCAST, 1 * MiB + 1), "shm_pipeline");
    assert_string_equal(choose(single(4, 1), FLOC_COLL_BCAST, 64 * KiB - 1), "shm_pipeline");
    assert_string_equal(choose(single(4, 1), FLOC_COLL_BCAST, 64 * KiB), "cma");
    assert_string_equal(choose(single(4, 1), FLOC_COLL_BCAST, 512 * KiB + 1), "shm_pipeline");
    assert_string_equal(choose(single(5, 1), FLOC_COLL_BCAST, 64 * KiB), "shm_pipeline");
    /* gather and scatter by CMA: from 16 KiB on 2; scatter from 32 KiB,
     * gather from 64 KiB beyond */
    assert_string_equal(choose(single(2, 1), FLOC_COLL_GATHER, 16 * KiB - 1), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_GATHER, 16 * KiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_GATHER, 64 * KiB - 1), "shm");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_GATHER, 64 * KiB), "cma");
    assert_string_equal(choose(single(8, 1), FLOC_COLL_GATHER, 4 * MiB), "cma");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_SCATTER, 16 * KiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_SCATTER, 16 * KiB), "shm");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_SCATTER, 32 * KiB), "cma");
    /* reduce_scatter by CMA from 8 KiB on any number */
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE_SCATTER, 4 * KiB), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE_SCATTER, 8 * KiB - 1), "ring");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_REDUCE_SCATTER, 8 * KiB), "cma");
    assert_string_equal(choose(single(16, 1), FLOC_COLL_REDUCE_SCATTER, 1 * MiB), "cma");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLTOALL, 8 * KiB - 1), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLTOALL, 8 * KiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_ALLTOALL, 16 * KiB - 1), "shm");
    assert_string_equal(choose(single(8, 1), FLOC_COLL_ALLTOALL, 16 * KiB), "cma");
    assert_string_equal(choose(single(8, 1), FLOC_COLL_ALLTOALL, 1 * MiB), "cma");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_REDUCE_SCATTER, 4 * KiB), "shm");
    assert_string_equal(choose(single(2, 0), FLOC_COLL_REDUCE_SCATTER, 4 * KiB + 1), "ring");
    /* allreduce by CMA on 2 from 8 KiB, where the localities may read each other */
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLREDUCE, 8 * KiB - 8), "shm");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLREDUCE, 8 * KiB), "cma");
    assert_string_equal(choose(single(2, 1), FLOC_COLL_ALLREDUCE, 64 * MiB), "cma");
    assert_string_equal(choose(single(3, 1), FLOC_COLL_ALLREDUCE, 1 * MiB), "shm_pipeline");
    /* and never beyond 64 localities (FLOC_ALG_FEW) */
    floc_coll_where_t many = single(65, 1);
    assert_false(floc_coll_alg_usable(floc_coll_alg_find(FLOC_COLL_ALLREDUCE, "cma"), &many, 1));
    /* buffers smaller than a rule's size: the fabric, not the pipeline */
    floc_coll_where_t w = single(2, 0);
    w.segment_max = 128;
    assert_string_equal(choose(w, FLOC_COLL_ALLREDUCE, 129), "recursive_doubling");
    assert_string_equal(choose(w, FLOC_COLL_BARRIER, 0), "shm");
}

static void test_fabric_boundaries(void **state)
{
    (void)state;
    assert_string_equal(choose(flat(2, 2), FLOC_COLL_ALLREDUCE, 256 * KiB - 1), "recursive_doubling");
    assert_string_equal(choose(flat(2, 2), FLOC_COLL_ALLREDUCE, 256 * KiB), "rabenseifner");
    assert_string_equal(choose(flat(2, 2), FLOC_COLL_ALLREDUCE, 8 * MiB), "rabenseifner");
    assert_string_equal(choose(flat(2, 2), FLOC_COLL_ALLREDUCE, 8 * MiB + 1), "ring");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_ALLREDUCE, 64 * KiB - 1), "recursive_doubling");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_ALLREDUCE, 64 * KiB), "rabenseifner");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_ALLREDUCE, 512 * KiB - 1), "rabenseifner");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_ALLREDUCE, 512 * KiB), "ring");
    /* 3 nodes or more (the hierarchical allreduce's leaders): Rabenseifner
     * up to 8 MiB, from the projections (docs/scale.md) */
    assert_string_equal(choose(flat(3, 3), FLOC_COLL_ALLREDUCE, 512 * KiB), "rabenseifner");
    assert_string_equal(choose(flat(64, 64), FLOC_COLL_ALLREDUCE, 32 * KiB - 1),
                        "recursive_doubling");
    assert_string_equal(choose(flat(64, 64), FLOC_COLL_ALLREDUCE, 32 * KiB), "rabenseifner");
    assert_string_equal(choose(flat(64, 2), FLOC_COLL_ALLREDUCE, 32 * KiB), "recursive_doubling");
    /* broadcast across nodes: scatter-allgather for blocks of 8 KiB or more */
    assert_string_equal(choose(flat(256, 256), FLOC_COLL_BCAST, 2 * MiB - 1), "binomial");
    assert_string_equal(choose(flat(256, 256), FLOC_COLL_BCAST, 2 * MiB), "scatter_allgather");
    assert_string_equal(choose(flat(64, 64), FLOC_COLL_ALLREDUCE, 8 * MiB), "rabenseifner");
    assert_string_equal(choose(flat(64, 64), FLOC_COLL_ALLREDUCE, 8 * MiB + 1), "ring");
    /* one a node, fewer than 64 bytes a locality: still Rabenseifner
     * (projected 2.1-2.6x faster at 4096 and 16384 nodes) */
    assert_string_equal(choose(flat(4096, 4096), FLOC_COLL_ALLREDUCE, 64 * KiB), "rabenseifner");
    assert_string_equal(choose(flat(16384, 16384), FLOC_COLL_ALLREDUCE, 64 * KiB),
                        "rabenseifner");
    /* not in a flat job of many localities a node: the ring as before */
    assert_string_equal(choose(flat(512, 64), FLOC_COLL_ALLREDUCE, 2 * MiB), "ring");
    /* fewer than 64 bytes per locality: recursive doubling at any size */
    assert_string_equal(choose(flat(4096, 2), FLOC_COLL_ALLREDUCE, 256 * KiB - 1),
                        "recursive_doubling");
    assert_string_equal(choose(flat(4096, 2), FLOC_COLL_ALLREDUCE, 256 * KiB), "rabenseifner");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_REDUCE, 2 * MiB - 1), "binomial");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_REDUCE, 2 * MiB), "ring");
    assert_string_equal(choose(flat(3, 2), FLOC_COLL_BCAST, 512 * KiB - 1), "binomial");
    assert_string_equal(choose(flat(3, 2), FLOC_COLL_BCAST, 512 * KiB), "scatter_allgather");
    assert_string_equal(choose(flat(2, 2), FLOC_COLL_BCAST, 512 * KiB), "binomial");
    assert_string_equal(choose(flat(3, 1), FLOC_COLL_BCAST, 512 * KiB), "binomial");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_GATHER, 1 * KiB), "binomial");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_GATHER, 1 * KiB + 1), "direct");
    assert_string_equal(choose(flat(3, 2), FLOC_COLL_GATHER, 1 * KiB), "direct");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_GATHER, 1 * MiB - 1), "direct");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_GATHER, 1 * MiB), "rma");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_SCATTER, 1 * KiB), "binomial");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_SCATTER, 1 * MiB), "direct");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_ALLGATHER, 1 * KiB), "bruck");
    assert_string_equal(choose(flat(4, 2), FLOC_COLL_ALLGATHER, 1 * KiB + 1), "ring");
    assert_string_equal(choose(flat(3, 2), FLOC_COLL_ALLGATHER, 8), "ring");
}

static void test_hierarchical(void **state)
{
    (void)state;
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_BARRIER, 0), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_BCAST, 64 * MiB), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_ALLREDUCE, 8), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_REDUCE, 8), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_ALLGATHER, 8 * KiB), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_ALLGATHER, 8 * KiB + 1), "ring");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_GATHER, 8), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_GATHER, 1 * KiB), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_GATHER, 1 * KiB + 1), "direct");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_SCATTER, 1 * KiB), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_SCATTER, 1 * KiB + 1), "direct");
    /* alltoall: blocks up to 8 KiB, vectors (p blocks) up to 256 KiB */
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_ALLTOALL, 8), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_ALLTOALL, 8 * KiB), "hierarchical");
    assert_string_equal(choose(hier(6, 2), FLOC_COLL_ALLTOALL, 8 * KiB + 1), "pairwise");
    assert_string_equal(choose(hier(32, 4), FLOC_COLL_ALLTOALL, 8 * KiB), "hierarchical");
    assert_string_equal(choose(hier(33, 4), FLOC_COLL_ALLTOALL, 8 * KiB), "pairwise");
    assert_string_equal(choose(hier(16384, 1024), FLOC_COLL_ALLTOALL, 16), "hierarchical");
    assert_string_equal(choose(hier(16384, 1024), FLOC_COLL_ALLTOALL, 32), "pairwise");
    /* a job of several nodes never takes the single-node segment's algorithms */
    floc_coll_where_t w = hier(6, 2);
    const floc_coll_alg_t *shm = floc_coll_alg_find(FLOC_COLL_ALLREDUCE, "shm");
    assert_false(floc_coll_alg_usable(shm, &w, 8));
    /* a team of several nodes: hierarchical up to what its group segments hold */
    w.hier_max = 16 * KiB;
    assert_string_equal(choose(w, FLOC_COLL_ALLREDUCE, 16 * KiB), "hierarchical");
    assert_string_equal(choose(w, FLOC_COLL_ALLREDUCE, 16 * KiB + 8), "recursive_doubling");
    assert_string_equal(choose(w, FLOC_COLL_BARRIER, 0), "hierarchical");
    /* nor the hierarchical ones on one node */
    assert_false(floc_coll_alg_usable(floc_coll_alg_find(FLOC_COLL_BARRIER, "hierarchical"),
                                      &(floc_coll_where_t){.p = 4, .nodes = 1, .segment = 1}, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_sound),
        cmocka_unit_test(test_every_kind_has_a_choice),
        cmocka_unit_test(test_node_segment_boundaries),
        cmocka_unit_test(test_fabric_boundaries),
        cmocka_unit_test(test_hierarchical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
