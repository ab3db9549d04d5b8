/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * apply.c - floc_pv_apply: remote actions on the elements of a vector,
 * batched per owner (floc/action.h).
 *
 * The caller finds each element's owner and local index, and sends every
 * owner one action call: [header | local indices | args].  The owner's
 * handler unpacks it with floc_pv_apply_unpack, which finds the vector by
 * its context id and serial (vectors are made collectively, so the n-th
 * of a context is the same vector everywhere).
 */
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "../exec/action.h"

#define APPLY_MAGIC 0x70766170u   /* "pvap" */

typedef struct apply_hdr {
    uint32_t magic, cid;
    uint64_t serial, count, len;
} apply_hdr_t;

int floc_pv_apply(floc_pv_t *pv, const size_t *idx, size_t count, floc_action_t action,
                  const void *args, size_t len)
{
    FLOC_CHECK_PV(pv);
    if (!idx && count)
        return FLOC_INVALID("idx is NULL with count %zu", count);
    if (!args && len)
        return FLOC_INVALID("args is NULL with len %zu", len);
    const int p = pv->size;
    size_t *per = calloc((size_t)p, sizeof *per), *fill = calloc((size_t)p, sizeof *fill);
    int *owner = malloc((count ? count : 1) * sizeof *owner);
    uint64_t *lidx = malloc((count ? count : 1) * sizeof *lidx);
    unsigned char **msg = calloc((size_t)p, sizeof *msg);
    floc_request_t **reqs = calloc((size_t)p, sizeof *reqs);
    int ret = per && fill && owner && lidx && msg && reqs ? 0 : FLOC_ERR_NOMEM;
    for (size_t i = 0; !ret && i < count; i++) {
        size_t l;
        if ((ret = floc_pv_owner(pv, idx[i], &owner[i], &l)))
            break;   /* logged: the index is past n */
        lidx[i] = l;
        per[owner[i]]++;
    }
    for (int k = 0; !ret && k < p; k++) {
        if (!per[k])
            continue;
        msg[k] = malloc(sizeof(apply_hdr_t) + per[k] * sizeof *lidx + len);
        if (!msg[k]) {
            ret = FLOC_ERR_NOMEM;
            break;
        }
        apply_hdr_t h = {APPLY_MAGIC, pv->ctx->cid, pv->serial, per[k], len};
        memcpy(msg[k], &h, sizeof h);
        if (len)
            memcpy(msg[k] + sizeof h + per[k] * sizeof *lidx, args, len);
    }
    for (size_t i = 0; !ret && i < count; i++) {
        const int k = owner[i];
        memcpy(msg[k] + sizeof(apply_hdr_t) + fill[k]++ * sizeof *lidx, &lidx[i], sizeof *lidx);
    }
    for (int k = 0; !ret && k < p; k++)
        if (per[k])
            ret = floc_async(pv->ctx, k, action, msg[k],
                             sizeof(apply_hdr_t) + per[k] * sizeof *lidx + len, NULL, 0, NULL,
                             &reqs[k]);
    for (int k = 0; reqs && k < p; k++) {
        if (!reqs[k])
            continue;
        /* (one that gives up lets its call go: msg[k] is freed below) */
        int r = floc_req_wait_handle(reqs[k], "floc_pv_apply");
        if (r && !ret)
            ret = r;
    }
    for (int k = 0; msg && k < p; k++)
        free(msg[k]);
    free(per);
    free(fill);
    free(owner);
    free(lidx);
    free(msg);
    free(reqs);
    return ret;
}

int floc_pv_apply_unpack(const floc_action_call_t *call, const void *args, size_t len,
                         floc_pv_apply_view_t *view)
{
    if (!call || !view || (!args && len))
        return FLOC_INVALID("%s is NULL", !call ? "call" : !view ? "view" : "args");
    apply_hdr_t h;
    if (len < sizeof h || (memcpy(&h, args, sizeof h), h.magic != APPLY_MAGIC) ||
        h.count > (len - sizeof h) / sizeof(uint64_t) ||
        h.len != len - sizeof h - h.count * sizeof(uint64_t))
        return FLOC_INVALID("these arguments do not come from floc_pv_apply");
    floc_ctx_t *w = call->ctx->world;
    floc_ctx_lock(w);
    floc_pv_t *pv = w->pv_live;
    while (pv && !(pv->ctx->cid == h.cid && pv->serial == h.serial))
        pv = pv->next_live;
    floc_ctx_unlock(w);
    if (!pv)
        return FLOC_INVALID("vector %llu of context %u is not alive here (not made yet? a "
                            "floc_pv_fence after making a vector orders it before applies)",
                            (unsigned long long)h.serial, h.cid);
    const uint64_t *lidx = (const uint64_t *)(const void *)((const unsigned char *)args + sizeof h);
    for (uint64_t i = 0; i < h.count; i++)
        if (lidx[i] >= pv->nlocal)
            return FLOC_INVALID("local index %llu past this part's %zu elements",
                                (unsigned long long)lidx[i], pv->nlocal);
    *view = (floc_pv_apply_view_t){pv, pv->data, lidx, (size_t)h.count,
                                   (const unsigned char *)args + sizeof h + h.count * sizeof *lidx,
                                   (size_t)h.len};
    return 0;
}
