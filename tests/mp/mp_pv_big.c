/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_pv_big.c - a vector of 2^32 + 7 one-byte elements: indices past 2^32
 * end to end.  Values put at a few indices above (and just below) 2^32
 * must come back from every locality through get, and the reductions must
 * find the largest one at its 64-bit index.  The parts are calloc'd and
 * mostly never written: only the touched pages cost memory.
 */
#include "mp_util.h"

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    MP_MUST(floc_init(&argc, &argv, NULL, &ctx));
    mp_me = floc_locality_id(ctx);
    const int np = floc_num_localities(ctx);
    const size_t n = (1ull << 32) + 7;
    const size_t at[] = {(1ull << 32) - 1, 1ull << 32, (1ull << 32) + 3, n - 1};
    const uint8_t v[] = {11, 22, 200, 33};
    const floc_dist_t dists[] = {floc_dist_block(), floc_dist_block_cyclic(1u << 20)};
    for (int d = 0; d < 2; d++) {
        floc_pv_t *pv;
        MP_MUST(floc_pv_create(ctx, n, FLOC_UINT8, dists[d], &pv));
        size_t sz;
        MP_OK(floc_pv_size(pv, &sz));
        if (sz != n)
            MP_FAIL("size %zu", sz);
        /* each index written by one locality, read back by all */
        for (int i = 0; i < 4; i++)
            if (i % np == mp_me)
                MP_OK(floc_pv_put(pv, at[i], 1, &v[i]));
        MP_OK(floc_pv_fence(pv));
        for (int i = 0; i < 4; i++) {
            uint8_t got[3] = {9, 9, 9};
            size_t first = at[i] - 1, count = at[i] + 1 < n ? 3 : 2;
            MP_OK(floc_pv_get(pv, first, count, got));
            for (size_t c = 0; c < count; c++) {
                uint8_t want = 0;
                for (int j = 0; j < 4; j++)
                    if (at[j] == first + c)
                        want = v[j];
                if (got[c] != want)
                    MP_FAIL("dist %d: element %zu is %u, expected %u", d, first + c, got[c], want);
            }
            int owner;
            size_t lidx, back;
            MP_OK(floc_pv_owner(pv, at[i], &owner, &lidx));
            MP_OK(floc_pv_global_index(pv, owner, lidx, &back));
            if (back != at[i])
                MP_FAIL("index %zu maps to (%d, %zu) and back to %zu", at[i], owner, lidx, back);
        }
        uint8_t mx = 0;
        size_t where = 0;
        MP_OK(floc_pv_reduce(pv, FLOC_MAX, &mx));
        MP_OK(floc_pv_minmax(pv, FLOC_MAX, &mx, &where));
        if (mx != 200 || where != at[2])
            MP_FAIL("dist %d: max %u at %zu, expected 200 at %zu", d, mx, where, at[2]);
        size_t total = 0;
        for (int k = 0; k < np; k++) {
            MP_OK(floc_pv_local_count(pv, k, &sz));
            total += sz;
        }
        if (total != n)
            MP_FAIL("dist %d: parts add up to %zu of %zu elements", d, total, n);
        MP_OK(floc_pv_destroy(pv));
    }
    MP_OK(floc_finalize(ctx));
    return mp_finish("mp_pv_big");
}
