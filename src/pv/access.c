/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * access.c - one-sided get/put of any global range of a partitioned vector.
 *
 * The owners of a range are consecutive localities (modulo p), and each
 * owner's elements in the range are one contiguous run of its part, so a
 * get/put is at most one RMA transfer per owner, through the key the
 * owner published at creation (checked against the part's bounds like any
 * floc_iput/floc_iget).  With block distribution a run is also contiguous
 * in the caller's buffer and moves zero-copy; otherwise it is staged in a
 * buffer packed before a put, unpacked after a get.  This locality's own
 * run is a memcpy.
 *
 * The nonblocking forms return a composite request: its parts are the
 * per-owner RMA requests; its progress unpacks once all have landed.
 */
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "../p2p/p2p.h"

/* one owner's share of an access */
typedef struct pv_part {
    floc_request_t *req;       /* its RMA request; NULL once finished */
    int owner;
    size_t lo, hi;             /* its local index run */
    void *stage;               /* staging buffer (owned by req->heap), or NULL */
} pv_part_t;

typedef struct pv_access {
    floc_pv_t *pv;
    int write;
    size_t first;
    void *buf;                 /* the caller's range buffer */
    int nparts;
    pv_part_t parts[];
} pv_access_t;

static inline void copy_elems(void *dst, const void *src, size_t n, size_t esize)
{
    memcpy(dst, src, n * esize);
}

void floc_pv_copy_run(const floc_pv_t *pv, int k, size_t lo, size_t hi, size_t first, void *part,
                      void *range, int to_range)
{
    const size_t es = pv->esize;
    char *p = part, *r = range;
    if (pv->map.kind == FLOC_DIST_BLOCK) {
        size_t g = floc_dist_global(&pv->map, k, lo);
        if (to_range)
            copy_elems(r + (g - first) * es, p, hi - lo, es);
        else
            copy_elems(p, r + (g - first) * es, hi - lo, es);
        return;
    }
    /* block-cyclic: runs of up to b elements are contiguous on both sides */
    const size_t b = pv->map.b;
    for (size_t l = lo; l < hi;) {
        size_t run = b - l % b;
        if (run > hi - l)
            run = hi - l;
        size_t g = floc_dist_global(&pv->map, k, l);
        char *pp = p + (l - lo) * es, *rr = r + (g - first) * es;
        if (to_range)
            copy_elems(rr, pp, run, es);
        else
            copy_elems(pp, rr, run, es);
        l += run;
    }
}

/* Hand the parts still held back to the context (lock held): finished
 * ones are freed, ones still in flight (lost peer) freed on completion,
 * their staging buffers with them. */
static void access_fini(floc_request_t *req)
{
    pv_access_t *a = req->priv;
    if (!a)
        return;
    for (int i = 0; i < a->nparts; i++)
        if (a->parts[i].req)
            floc_req_abandon(req->ctx, a->parts[i].req);
    a->pv->inflight--;
    free(a);
    req->priv = NULL;
}

/* Composite progress (lock held): done when every part has landed. */
static int access_progress(floc_request_t *req)
{
    pv_access_t *a = req->priv;
    for (int i = 0; i < a->nparts; i++)
        if (a->parts[i].req && a->parts[i].req->pending)
            return FLOC_ERR_AGAIN;
    int status = 0;
    for (int i = 0; i < a->nparts; i++) {
        pv_part_t *pt = &a->parts[i];
        if (!pt->req)
            continue;
        if (pt->req->status && !status)
            status = pt->req->status;
        if (!status && !a->write && pt->stage)
            floc_pv_copy_run(a->pv, pt->owner, pt->lo, pt->hi, a->first, pt->stage, a->buf, 1);
    }
    return status;
}

static int check_range(const floc_pv_t *pv, size_t first, size_t count, const void *buf,
                       const char *func)
{
    int ret = floc_pv_check(pv, func);
    if (ret)
        return ret;
    if (first > pv->map.n || count > pv->map.n - first)
        return floc_log_invalid(func, "range [%zu, +%zu) outside the vector's %zu elements", first,
                                count, pv->map.n);
    if (count && !buf)
        return floc_log_invalid(func, "buffer is NULL");
    if (floc_ctx_peer_lost(pv->ctx))
        return FLOC_ERR_PEER_LOST;
    return 0;
}

/* Post one owner's run; 0 or an error (nothing left pending for it). */
static int post_part(pv_access_t *a, pv_part_t *pt)
{
    floc_pv_t *pv = a->pv;
    const size_t es = pv->esize, bytes = (pt->hi - pt->lo) * es;
    char *range = a->buf;
    if (pt->owner == pv->rank) {   /* our own part: no fabric */
        floc_pv_copy_run(pv, pt->owner, pt->lo, pt->hi, a->first, (char *)pv->data + pt->lo * es,
                         range, !a->write);
        return 0;
    }
    void *local;
    if (pv->map.kind == FLOC_DIST_BLOCK) {
        local = range + (floc_dist_global(&pv->map, pt->owner, pt->lo) - a->first) * es;
    } else {
        if (!(pt->stage = malloc(bytes)))
            return FLOC_ERR_NOMEM;
        if (a->write)
            floc_pv_copy_run(pv, pt->owner, pt->lo, pt->hi, a->first, pt->stage, range, 0);
        local = pt->stage;
    }
    const floc_rkey_t *key = &pv->rkeys[pt->owner];
    int ret = floc_p2p_rma(pv->ctx, a->write, local, bytes, key, pt->lo * es, &pt->req,
                           a->write ? "floc_pv_iput" : "floc_pv_iget");
    if (ret) {
        free(pt->stage);
        pt->stage = NULL;
        pt->req = NULL;
        return ret;
    }
    /* the request owns the staging buffer: freed with it, even when it
     * outlives this access (orphaned after a lost peer) */
    pt->req->heap = pt->stage;
    return 0;
}

static int access_start(floc_pv_t *pv, int write, size_t first, size_t count, void *buf,
                        floc_request_t **out, const char *func)
{
    int ret = check_range(pv, first, count, buf, func);
    if (ret)
        return ret;
    if (!out)
        return floc_log_invalid(func, "req (output) is NULL");
    int k0 = 0, nowners = 0;
    if (count)
        floc_dist_range_owners(&pv->map, first, count, &k0, &nowners);
    pv_access_t *a = calloc(1, sizeof *a + (size_t)nowners * sizeof a->parts[0]);
    if (!a)
        return FLOC_ERR_NOMEM;
    *a = (pv_access_t){.pv = pv, .write = write, .first = first, .buf = buf};
    for (int i = 0; i < nowners && !ret; i++) {
        int k = (k0 + i) % pv->size;
        size_t lo = floc_dist_below(&pv->map, k, first);
        size_t hi = floc_dist_below(&pv->map, k, first + count);
        if (lo == hi)
            continue;
        pv_part_t *pt = &a->parts[a->nparts++];
        *pt = (pv_part_t){.owner = k, .lo = lo, .hi = hi};
        ret = post_part(a, pt);
    }

    floc_ctx_t *ctx = pv->ctx;
    floc_ctx_lock(ctx);
    floc_request_t *req = ret ? NULL : floc_req_alloc(ctx, NULL);
    if (!req) {
        for (int i = 0; i < a->nparts; i++)
            if (a->parts[i].req)
                floc_req_abandon(ctx, a->parts[i].req);
        floc_ctx_unlock(ctx);
        free(a);
        return ret ? ret : FLOC_ERR_NOMEM;
    }
    req->progress = access_progress;
    req->fini = access_fini;
    req->priv = a;
    pv->inflight++;
    floc_ctx_unlock(ctx);
    *out = req;
    return 0;
}

int floc_pv_iget(floc_pv_t *pv, size_t first, size_t count, void *dst, floc_request_t **req)
{
    int ret = access_start(pv, 0, first, count, dst, req, __func__);
    if (!ret)
        *req = floc_req_handle(*req);
    return ret;
}

int floc_pv_iput(floc_pv_t *pv, size_t first, size_t count, const void *src, floc_request_t **req)
{
    int ret = access_start(pv, 1, first, count, (void *)src, req, __func__);
    if (!ret)
        *req = floc_req_handle(*req);
    return ret;
}

/* The blocking forms: a request nobody could wait for again after a
 * timeout is given up (request.h). */
static int access_wait(floc_request_t *req)
{
    return floc_req_wait_blocking(req);
}

int floc_pv_get(floc_pv_t *pv, size_t first, size_t count, void *dst)
{
    floc_request_t *req;
    int ret = access_start(pv, 0, first, count, dst, &req, __func__);
    return ret ? ret : access_wait(req);
}

int floc_pv_put(floc_pv_t *pv, size_t first, size_t count, const void *src)
{
    floc_request_t *req;
    int ret = access_start(pv, 1, first, count, (void *)src, &req, __func__);
    return ret ? ret : access_wait(req);
}
