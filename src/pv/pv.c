/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv.c - partitioned vectors: creation, destruction, queries, fence.
 */
#include <stdlib.h>
#include <string.h>

#include "../coll/kernels.h"
#include "../exec/exec.h"
#include "pv.h"
#include "../core/dtype.h"

int floc_pv_check(const floc_pv_t *pv, const char *func)
{
    if (!pv)
        return floc_log_invalid(func, "pv is NULL");
    if (pv->magic != FLOC_PV_MAGIC)
        return floc_log_invalid(func, "pv is not a live partitioned vector (destroyed?)");
    return floc_ctx_check(pv->ctx, func);
}

int floc_pv_same_layout(const floc_pv_t *a, const floc_pv_t *b)
{
    const floc_dist_map_t *x = &a->map, *y = &b->map;
    if (x->n != y->n || x->p != y->p)
        return 0;
    /* cyclic is block-cyclic(1); a block-cyclic whose single round covers
     * n is not block, so compare the maps, not the names */
    if ((x->kind == FLOC_DIST_BLOCK) != (y->kind == FLOC_DIST_BLOCK))
        return 0;
    return x->kind == FLOC_DIST_BLOCK ? x->u == y->u : x->b == y->b;
}

/* What every locality contributes at creation: its key, and the
 * arguments, so that a mismatch is seen by all. */
typedef struct create_blob {
    floc_rkey_t rkey;
    uint64_t n, block;
    int32_t dt, kind;
} create_blob_t;

static void pv_free(floc_pv_t *pv)
{
    if (pv->mem && pv->allocated) {
        floc_mem_free(pv->mem);   /* and the data */
    } else {
        if (pv->mem)
            floc_mem_deregister(pv->mem);
        free(pv->data);
    }
    free(pv->rkeys);
    pv->magic = 0;
    free(pv);
}

int floc_pv_create(floc_ctx_t *ctx, size_t n, floc_dtype_t dt, floc_dist_t dist, floc_pv_t **out)
{
    FLOC_CHECK_CTX(ctx);
    if (!out)
        return FLOC_INVALID("pv (output) is NULL");
    if ((unsigned)dt >= FLOC_DTYPE_COUNT)
        return FLOC_INVALID("dtype %d is not a floc_dtype_t", (int)dt);
    const size_t esize = (size_t)floc_dtype_size(dt);
    floc_dist_map_t map;
    if (floc_dist_map_init(&map, n, ctx->size, dist))
        return dist.kind == FLOC_DIST_BLOCK
                   ? FLOC_INVALID("%zu elements are not whole rows of %zu", n, dist.block)
                   : FLOC_INVALID("bad distribution (kind %d, block %zu)", (int)dist.kind,
                                  dist.block);
    /* Checked on the global size, the same everywhere: a check that one
     * locality fails and another passes would leave the other alone in
     * the creation's exchange. */
    if (n > SIZE_MAX / esize)
        return FLOC_INVALID("%zu elements of %zu bytes overflow", n, esize);
    size_t nlocal = floc_dist_local_count(&map, ctx->rank);

    const uint64_t serial = ctx->pv_made++;   /* counted by every member, failed or not */
    floc_pv_t *pv = calloc(1, sizeof *pv);
    if (!pv)
        return FLOC_ERR_NOMEM;
    *pv = (floc_pv_t){.ctx = ctx, .dt = dt, .esize = esize, .dist = dist, .map = map,
                      .rank = ctx->rank, .size = ctx->size, .nlocal = nlocal};
    if (dist.kind == FLOC_DIST_CYCLIC || (dist.kind == FLOC_DIST_BLOCK && dist.block == 1))
        pv->dist.block = 0;   /* one way to say "elements" */
    int ret = 0;
    pv->rkeys = calloc((size_t)ctx->size, sizeof *pv->rkeys);
    create_blob_t *all = calloc((size_t)ctx->size, sizeof *all);
    if (!pv->rkeys || !all)
        ret = FLOC_ERR_NOMEM;
    create_blob_t mine = {.rkey = {.owner = floc_ctx_world_id(ctx, ctx->rank)}, .n = n,
                          .block = pv->dist.block, .dt = (int32_t)dt, .kind = (int32_t)dist.kind};
    const unsigned access = FLOC_MEM_REMOTE_READ | FLOC_MEM_REMOTE_WRITE;
    /* the local part from floc_mem_alloc (zeroed): the other localities of
     * the node then reach it with plain copies; where the system has no
     * memfd, calloc'd memory, registered */
    if (!ret && nlocal) {
        ret = floc_mem_alloc(ctx, nlocal * esize, access, &pv->data, &pv->mem);
        pv->allocated = ret == 0;
        if (ret == FLOC_ERR_SYSTEM)
            ret = (pv->data = calloc(nlocal, esize)) ? 0 : FLOC_ERR_NOMEM;
        if (!ret && !pv->allocated)
            ret = floc_mem_register(ctx, pv->data, nlocal * esize, access, &pv->mem);
        if (!ret)
            ret = floc_mem_rkey(pv->mem, &mine.rkey);
    }
    /* everyone joins the exchange even after a local failure, reporting it
     * (n = UINT64_MAX), so that no one waits for it forever */
    if (ret)
        mine.n = UINT64_MAX;
    int xret = all ? floc_allgather(ctx, &mine, all, sizeof mine, FLOC_BYTE) : FLOC_ERR_NOMEM;
    if (!ret && xret)
        ret = xret;
    for (int k = 0; !ret && k < ctx->size; k++) {
        if (all[k].n == UINT64_MAX) {
            FLOC_WARN(FLOC_LOG_PV, "locality %d could not create its part", k);
            ret = FLOC_ERR_NOMEM;
        } else if (all[k].n != n || all[k].dt != (int32_t)dt || all[k].kind != (int32_t)dist.kind ||
                   all[k].block != pv->dist.block) {
            ret = FLOC_INVALID("locality %d asked for (n %llu, dtype %d, dist %d/%llu), this one "
                               "for (n %zu, dtype %d, dist %d/%zu)", k,
                               (unsigned long long)all[k].n, (int)all[k].dt, (int)all[k].kind,
                               (unsigned long long)all[k].block, n, (int)dt, (int)dist.kind,
                               pv->dist.block);
        } else {
            pv->rkeys[k] = all[k].rkey;
        }
    }
    free(all);
    if (ret) {
        pv_free(pv);
        return ret;
    }
    pv->magic = FLOC_PV_MAGIC;
    pv->serial = serial;
    atomic_fetch_add(&ctx->vectors, 1);   /* (a team is not freed under it) */
    floc_ctx_lock(ctx);
    pv->next_live = ctx->world->pv_live;
    ctx->world->pv_live = pv;
    floc_ctx_unlock(ctx);
    FLOC_DEBUG(FLOC_LOG_PV, "created: n %zu, dist %d/%zu, %zu local elements", n, (int)dist.kind,
               pv->dist.block, nlocal);
    *out = pv;
    return 0;
}

int floc_pv_destroy(floc_pv_t *pv)
{
    FLOC_CHECK_PV(pv);
    if (pv->inflight) {
        FLOC_WARN(FLOC_LOG_API, "%zu nonblocking gets/puts on this vector not "
                  "waited for", pv->inflight);
        return FLOC_ERR_BUSY;
    }
    /* nobody may still be reading or writing our part */
    floc_ctx_t *ctx = pv->ctx;
    int ret = floc_barrier(ctx);
    floc_ctx_lock(ctx);
    for (floc_pv_t **q = &ctx->world->pv_live; *q; q = &(*q)->next_live)
        if (*q == pv) {
            *q = pv->next_live;
            break;
        }
    floc_ctx_unlock(ctx);
    pv_free(pv);
    atomic_fetch_sub(&ctx->vectors, 1);
    return ret;
}

int floc_pv_size(const floc_pv_t *pv, size_t *n)
{
    FLOC_CHECK_PV(pv);
    if (!n)
        return FLOC_INVALID("n is NULL");
    *n = pv->map.n;
    return 0;
}

int floc_pv_dtype(const floc_pv_t *pv, floc_dtype_t *dt)
{
    FLOC_CHECK_PV(pv);
    if (!dt)
        return FLOC_INVALID("dt is NULL");
    *dt = pv->dt;
    return 0;
}

int floc_pv_dist(const floc_pv_t *pv, floc_dist_t *dist)
{
    FLOC_CHECK_PV(pv);
    if (!dist)
        return FLOC_INVALID("dist is NULL");
    *dist = pv->dist;
    return 0;
}

int floc_pv_local(floc_pv_t *pv, void **ptr, size_t *nlocal)
{
    FLOC_CHECK_PV(pv);
    if (!ptr || !nlocal)
        return FLOC_INVALID("%s is NULL", ptr ? "nlocal" : "ptr");
    *ptr = pv->data;
    *nlocal = pv->nlocal;
    return 0;
}

int floc_pv_local_count(const floc_pv_t *pv, int locality, size_t *nlocal)
{
    FLOC_CHECK_PV(pv);
    if (!nlocal)
        return FLOC_INVALID("nlocal is NULL");
    if (locality < 0 || locality >= pv->size)
        return FLOC_INVALID("locality %d outside [0, %d)", locality, pv->size);
    *nlocal = floc_dist_local_count(&pv->map, locality);
    return 0;
}

int floc_pv_owner(const floc_pv_t *pv, size_t gidx, int *locality, size_t *lidx)
{
    FLOC_CHECK_PV(pv);
    if (!locality || !lidx)
        return FLOC_INVALID("%s is NULL", locality ? "lidx" : "locality");
    if (gidx >= pv->map.n)
        return FLOC_INVALID("index %zu outside the vector's %zu elements", gidx, pv->map.n);
    floc_dist_owner(&pv->map, gidx, locality, lidx);
    return 0;
}

int floc_pv_global_index(const floc_pv_t *pv, int locality, size_t lidx, size_t *gidx)
{
    FLOC_CHECK_PV(pv);
    if (!gidx)
        return FLOC_INVALID("gidx is NULL");
    if (locality < 0 || locality >= pv->size)
        return FLOC_INVALID("locality %d outside [0, %d)", locality, pv->size);
    size_t cnt = floc_dist_local_count(&pv->map, locality);
    if (lidx >= cnt)
        return FLOC_INVALID("local index %zu outside locality %d's %zu elements", lidx, locality,
                            cnt);
    *gidx = floc_dist_global(&pv->map, locality, lidx);
    return 0;
}

int floc_pv_fence(floc_pv_t *pv)
{
    FLOC_CHECK_PV(pv);
    if (pv->inflight) {
        FLOC_WARN(FLOC_LOG_API, "%zu nonblocking gets/puts on this vector not "
                  "waited for", pv->inflight);
        return FLOC_ERR_BUSY;
    }
    /* every put of ours completed with delivery complete before we got
     * here: once everyone is here, all of them are in place */
    return floc_barrier(pv->ctx);
}

/* ---- running a kernel over the local part ------------------------- */

int floc_pv_parts(floc_pv_t *pv, size_t grain)
{
    return floc_exec_parts(pv->ctx, pv->nlocal, grain);
}

/* The collective end of a writing algorithm. */
int floc_pv_written(floc_pv_t *pv)
{
    return floc_barrier(pv->ctx);
}

int floc_pv_check_pair(const floc_pv_t *a, const floc_pv_t *b, int same_dtype, const char *func)
{
    int ret = floc_pv_check(a, func);
    if (!ret)
        ret = floc_pv_check(b, func);
    if (ret)
        return ret;
    if (a->ctx != b->ctx)
        return floc_log_invalid(func, "the vectors belong to different contexts");
    if (!floc_pv_same_layout(a, b))
        return floc_log_invalid(func, "the vectors differ in length or distribution");
    if (same_dtype && a->dt != b->dt)
        return floc_log_invalid(func, "the vectors differ in dtype");
    return 0;
}

int floc_pv_check_scalar(const floc_pv_t *pv, floc_dtype_t dt, const char *what, const char *func)
{
    int ret = floc_pv_check(pv, func);
    if (!ret && dt != pv->dt)
        ret = floc_log_invalid(func, "%s: %s is a %s, but the vector holds %s", func, what,
                               floc_dtype_name(dt), floc_dtype_name(pv->dt));
    return ret;
}
