/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmix.c - wiring through PMIx: who am I, how many are we, where are my
 * peers, their fabric addresses, and news of peers that died.
 *
 * Works under any PMIx server (floc-run, mpirun, prterun, srun --mpi=pmix).
 * With no launcher (no PMIX_NAMESPACE in the environment) the program is
 * a singleton of one locality and PMIx is not used at all.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pmix.h>

#include "ctx.h"

static pmix_proc_t my_proc;

static int pmix_err(pmix_status_t rc, const char *what)
{
    FLOC_ERROR(FLOC_LOG_PMIX, "%s: %s (%d)", what, PMIx_Error_string(rc), (int)rc);
    return FLOC_ERR_LAUNCH;
}

/* Read an integer-valued key of proc (rank may be PMIX_RANK_WILDCARD). */
static int get_uint(pmix_rank_t rank, const char *key, uint64_t *out)
{
    pmix_proc_t proc;
    pmix_value_t *val = NULL;
    pmix_info_t info;
    int ret = 0;

    PMIX_PROC_LOAD(&proc, my_proc.nspace, rank);
    /* Job and node data come with the launch: never ask the server twice. */
    PMIX_INFO_LOAD(&info, PMIX_OPTIONAL, NULL, PMIX_BOOL);
    pmix_status_t rc = PMIx_Get(&proc, key, &info, 1, &val);
    PMIX_INFO_DESTRUCT(&info);
    if (rc != PMIX_SUCCESS || !val)
        return FLOC_ERR_LAUNCH;
    switch (val->type) {
    case PMIX_UINT8: *out = val->data.uint8; break;
    case PMIX_UINT16: *out = val->data.uint16; break;
    case PMIX_UINT32: *out = val->data.uint32; break;
    case PMIX_UINT64: *out = val->data.uint64; break;
    case PMIX_UINT: *out = val->data.uint; break;
    case PMIX_INT: *out = val->data.integer >= 0 ? (uint64_t)val->data.integer : 0; break;
    case PMIX_INT32: *out = val->data.int32 >= 0 ? (uint64_t)val->data.int32 : 0; break;
    case PMIX_SIZE: *out = val->data.size; break;
    default: ret = FLOC_ERR_LAUNCH; break;
    }
    PMIX_VALUE_RELEASE(val);
    return ret;
}

/*
 * Runs in PMIx's event thread.  A peer that aborted or terminated turns
 * every pending and later wait of this locality into FLOC_ERR_PEER_LOST.
 */
static void peer_event(size_t id, pmix_status_t status, const pmix_proc_t *source,
                       pmix_info_t info[], size_t ninfo, pmix_info_t results[], size_t nresults,
                       pmix_event_notification_cbfunc_fn_t cbfunc, void *cbdata)
{
    floc_ctx_t *ctx = NULL;
    int rank = -1;
    (void)id; (void)results; (void)nresults;

    for (size_t i = 0; i < ninfo; i++) {
        if (PMIX_CHECK_KEY(&info[i], PMIX_EVENT_RETURN_OBJECT) &&
            info[i].value.type == PMIX_POINTER)
            ctx = info[i].value.data.ptr;
        else if (PMIX_CHECK_KEY(&info[i], PMIX_EVENT_AFFECTED_PROC) &&
                 info[i].value.type == PMIX_PROC && info[i].value.data.proc)
            rank = (int)info[i].value.data.proc->rank;
    }
    if (rank < 0 && source && PMIX_CHECK_NSPACE(source->nspace, my_proc.nspace) &&
        source->rank != my_proc.rank && source->rank < PMIX_RANK_VALID)
        rank = (int)source->rank;
    if (ctx && rank != (int)my_proc.rank) {
        char why[128];
        snprintf(why, sizeof why, "PMIx event %s", PMIx_Error_string(status));
        floc_ctx_mark_lost(ctx, rank, why);
    }
    if (cbfunc)
        cbfunc(PMIX_EVENT_ACTION_COMPLETE, NULL, 0, NULL, NULL, cbdata);
}

static int register_events(floc_ctx_t *ctx)
{
    pmix_status_t codes[] = {PMIX_ERR_PROC_ABORTED, PMIX_PROC_TERMINATED,
                             PMIX_ERR_PROC_ABORTED_BY_SIG, PMIX_ERR_PROC_TERM_WO_SYNC,
                             PMIX_EVENT_PROC_TERMINATED, PMIX_ERR_EXIT_NONZERO_TERM,
                             PMIX_ERR_PROC_KILLED_BY_CMD, PMIX_ERR_LOST_CONNECTION};
    pmix_info_t info;
    /* The handler finds the context through the event's return object. */
    PMIX_INFO_LOAD(&info, PMIX_EVENT_RETURN_OBJECT, ctx, PMIX_POINTER);
    pmix_status_t rc = PMIx_Register_event_handler(codes, sizeof codes / sizeof codes[0], &info, 1,
                                                   peer_event, NULL, NULL);
    PMIX_INFO_DESTRUCT(&info);
    if (rc < 0) {
        /* Not fatal: waits still end on floc's own timeouts. */
        FLOC_WARN(FLOC_LOG_PMIX, "PMIx_Register_event_handler: %s", PMIx_Error_string(rc));
        return 0;
    }
    ctx->pmix.evhdlr_id = (size_t)rc;
    ctx->pmix.evhdlr_registered = 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* raw[r] = index of locality r's hostname among the distinct ones, in
 * order of first appearance. */
static int node_ids_from_hostnames(floc_ctx_t *ctx, uint64_t *raw)
{
    char **hosts = calloc((size_t)ctx->size, sizeof *hosts);   /* the distinct names */
    size_t nhosts = 0;
    int ret = hosts ? 0 : FLOC_ERR_NOMEM;
    for (int r = 0; r < ctx->size && !ret; r++) {
        pmix_proc_t proc;
        pmix_value_t *val = NULL;
        pmix_info_t info;
        PMIX_PROC_LOAD(&proc, my_proc.nspace, (pmix_rank_t)r);
        PMIX_INFO_LOAD(&info, PMIX_OPTIONAL, NULL, PMIX_BOOL);
        pmix_status_t rc = PMIx_Get(&proc, PMIX_HOSTNAME, &info, 1, &val);
        PMIX_INFO_DESTRUCT(&info);
        if (rc != PMIX_SUCCESS || !val || val->type != PMIX_STRING || !val->data.string) {
            ret = FLOC_ERR_LAUNCH;
        } else {
            size_t h = 0;
            while (h < nhosts && strcmp(hosts[h], val->data.string) != 0)
                h++;
            if (h == nhosts && !(hosts[nhosts++] = strdup(val->data.string)))
                ret = FLOC_ERR_NOMEM;
            raw[r] = h;
        }
        if (val)
            PMIX_VALUE_RELEASE(val);
    }
    for (size_t h = 0; h < nhosts; h++)
        free(hosts[h]);
    free(hosts);
    return ret;
}

/* Dense node ids (0..num_nodes-1, in ascending launcher node id) of every locality. */
static int map_nodes(floc_ctx_t *ctx)
{
    uint64_t *raw = calloc((size_t)ctx->size, sizeof *raw);
    ctx->node_of = calloc((size_t)ctx->size, sizeof *ctx->node_of);
    if (!raw || !ctx->node_of) {
        free(raw);
        return FLOC_ERR_NOMEM;
    }
    int have_ids = 1;
    for (int r = 0; r < ctx->size && have_ids; r++)
        if (get_uint((pmix_rank_t)r, PMIX_NODEID, &raw[r]))
            have_ids = 0;
    /* libpmix 4.2 answers PMIX_NODEID of other nodes' processes with
     * NOT_FOUND when the server registered several nodes (floc-run
     * --host), but their hostnames it knows */
    if (!have_ids)
        have_ids = node_ids_from_hostnames(ctx, raw) == 0;
    if (!have_ids) {
        FLOC_WARN(FLOC_LOG_PMIX, "launcher gives no PMIX_NODEID: assuming one node");
        memset(raw, 0, (size_t)ctx->size * sizeof *raw);
    }
    /* dense id = position of the launcher's id among the sorted distinct ids */
    uint64_t *ids = malloc((size_t)ctx->size * sizeof *ids);
    if (!ids) {
        free(raw);
        return FLOC_ERR_NOMEM;
    }
    memcpy(ids, raw, (size_t)ctx->size * sizeof *ids);
    qsort(ids, (size_t)ctx->size, sizeof *ids, cmp_u64);
    size_t nids = 0;
    for (int r = 0; r < ctx->size; r++)
        if (nids == 0 || ids[nids - 1] != ids[r])
            ids[nids++] = ids[r];
    ctx->num_nodes = (int)nids;
    for (int r = 0; r < ctx->size; r++) {
        const uint64_t *hit = bsearch(&raw[r], ids, nids, sizeof *ids, cmp_u64);
        ctx->node_of[r] = (int)(hit - ids);
    }
    free(ids);
    free(raw);
    ctx->node_id = ctx->node_of[ctx->rank];
    return 0;
}

/* One locality, no launcher: every query has its one-locality answer. */
static int become_singleton(floc_ctx_t *ctx)
{
    ctx->pmix.singleton = 1;
    ctx->rank = 0;
    ctx->size = 1;
    ctx->local_rank = 0;
    ctx->local_size = 1;
    ctx->node_id = 0;
    ctx->num_nodes = 1;
    ctx->node_of = calloc(1, sizeof *ctx->node_of);
    snprintf(ctx->pmix.nspace, sizeof ctx->pmix.nspace, "singleton.%d", (int)getpid());
    FLOC_INFO(FLOC_LOG_PMIX, "no launcher: running as a singleton");
    return ctx->node_of ? 0 : FLOC_ERR_NOMEM;
}

/*
 * An MPI program started by floc-run: Open MPI 4.1 recognises a direct
 * launch only by Slurm's, Flux's or LSF's variables, so under floc-run
 * every process would start as an MPI job of its own (a singleton with a
 * PMIx server of its own, which floc would then join too: N jobs of 1,
 * silently).  A program that brings MPI is refused at once under floc-run,
 * with the launchers that run it told; mpirun and srun --mpi=pmix start
 * MPI and floc as one job (docs/core.md, "MPI and floc in one program").
 */
static int hybrid_under_floc_run(void)
{
    if (!getenv("FLOC_RUN_JOB") || !dlsym(RTLD_DEFAULT, "MPI_Init"))
        return 0;
    FLOC_ERROR(FLOC_LOG_PMIX, "floc_init: this program uses MPI, which floc-run cannot start "
               "(Open MPI would run each process as a job of its own): launch it with mpirun "
               "or srun --mpi=pmix, which start MPI and floc as one job");
    return 1;
}

int floc_pmix_init(floc_ctx_t *ctx)
{
    if (hybrid_under_floc_run())
        return FLOC_ERR_LAUNCH;
    /*
     * Every PMIx launcher (floc-run, mpirun, prterun, srun --mpi=pmix) puts
     * PMIX_NAMESPACE in its processes' environment.  Without it we are a
     * singleton, and PMIx_Init is not even tried: it would look for a
     * system server, and may find an unrelated one (another job's mpirun).
     */
    if (!getenv("PMIX_NAMESPACE"))
        return become_singleton(ctx);

    pmix_status_t rc = PMIx_Init(&my_proc, NULL, 0);
    if (rc != PMIX_SUCCESS) {
        /* Started by a launcher that we cannot reach: never pretend to be
         * a singleton (and PMIx_Finalize would crash in this state). */
        FLOC_ERROR(FLOC_LOG_PMIX, "PMIx_Init: %s, but PMIX_NAMESPACE=%s says a launcher started us",
                   PMIx_Error_string(rc), getenv("PMIX_NAMESPACE"));
        return FLOC_ERR_LAUNCH;
    }
    ctx->pmix.initialized = 1;
    snprintf(ctx->pmix.nspace, sizeof ctx->pmix.nspace, "%s", my_proc.nspace);

    uint64_t v;
    if (get_uint(PMIX_RANK_WILDCARD, PMIX_JOB_SIZE, &v) || v == 0 || v > 0x7fffffff)
        return pmix_err(PMIX_ERR_NOT_FOUND, "PMIx_Get(PMIX_JOB_SIZE)");
    ctx->size = (int)v;
    ctx->rank = (int)my_proc.rank;
    if (ctx->rank < 0 || ctx->rank >= ctx->size)
        return pmix_err(PMIX_ERR_BAD_PARAM, "rank outside the job");
    floc_log_set_rank(ctx->rank);

    int ret = map_nodes(ctx);
    if (ret)
        return ret;
    /* Local rank/size as the launcher states them; derived from the node
     * map when it does not. */
    int derived_rank = 0, derived_size = 0;
    for (int r = 0; r < ctx->size; r++) {
        if (ctx->node_of[r] == ctx->node_id) {
            if (r < ctx->rank)
                derived_rank++;
            derived_size++;
        }
    }
    ctx->local_rank = get_uint(my_proc.rank, PMIX_LOCAL_RANK, &v) ? derived_rank : (int)v;
    ctx->local_size = get_uint(PMIX_RANK_WILDCARD, PMIX_LOCAL_SIZE, &v) ? derived_size : (int)v;
    if (ctx->local_size != derived_size || ctx->local_rank >= ctx->local_size)
        FLOC_WARN(FLOC_LOG_PMIX,
                  "launcher local rank/size %d/%d disagree with its node map (%d/%d)",
                  ctx->local_rank, ctx->local_size, derived_rank, derived_size);
    FLOC_INFO(FLOC_LOG_PMIX, "nspace %s rank %d/%d local %d/%d node %d/%d", ctx->pmix.nspace,
              ctx->rank, ctx->size, ctx->local_rank, ctx->local_size, ctx->node_id,
              ctx->num_nodes);
    return register_events(ctx);
}

int floc_pmix_allgather(floc_ctx_t *ctx, const char *key, const void *blob, size_t len, void *all)
{
    if (ctx->pmix.singleton) {
        memcpy(all, blob, len);
        return 0;
    }
    pmix_value_t val;
    pmix_status_t rc;
    val.type = PMIX_BYTE_OBJECT;
    val.data.bo.bytes = (char *)blob;
    val.data.bo.size = len;
    if ((rc = PMIx_Put(PMIX_GLOBAL, key, &val)) != PMIX_SUCCESS)
        return pmix_err(rc, "PMIx_Put");
    if ((rc = PMIx_Commit()) != PMIX_SUCCESS)
        return pmix_err(rc, "PMIx_Commit");

    pmix_info_t info;
    PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, NULL, PMIX_BOOL);
    rc = PMIx_Fence(NULL, 0, &info, 1);
    PMIX_INFO_DESTRUCT(&info);
    if (rc != PMIX_SUCCESS) {
        if (floc_ctx_peer_lost(ctx))
            return FLOC_ERR_PEER_LOST;
        return pmix_err(rc, "PMIx_Fence");
    }
    for (int r = 0; r < ctx->size; r++) {
        pmix_proc_t proc;
        pmix_value_t *got = NULL;
        PMIX_PROC_LOAD(&proc, my_proc.nspace, (pmix_rank_t)r);
        rc = PMIx_Get(&proc, key, NULL, 0, &got);
        if (rc != PMIX_SUCCESS || !got)
            return pmix_err(rc, "PMIx_Get of a peer's address");
        if (got->type != PMIX_BYTE_OBJECT || got->data.bo.size != len) {
            PMIX_VALUE_RELEASE(got);
            FLOC_ERROR(FLOC_LOG_PMIX, "locality %d published a %s of another size", r, key);
            return FLOC_ERR_LAUNCH;
        }
        memcpy((char *)all + (size_t)r * len, got->data.bo.bytes, len);
        PMIX_VALUE_RELEASE(got);
    }
    return 0;
}

typedef struct fence_wait {
    _Atomic int done;
    _Atomic int status;
} fence_wait_t;

static void fence_cb(pmix_status_t status, void *cbdata)
{
    fence_wait_t *w = cbdata;
    atomic_store(&w->status, (int)status);
    atomic_store_explicit(&w->done, 1, memory_order_release);
}

static int fence_done(void *arg)
{
    fence_wait_t *w = arg;
    return atomic_load_explicit(&w->done, memory_order_acquire);
}

int floc_pmix_fence_progress(floc_ctx_t *ctx, double timeout)
{
    if (ctx->pmix.singleton)
        return 0;
    /* Heap, not stack: if we stop waiting (timeout, lost peer) the PMIx
     * thread may still call back later.  Leaked on purpose in that case. */
    fence_wait_t *w = calloc(1, sizeof *w);
    if (!w)
        return FLOC_ERR_NOMEM;
    pmix_status_t rc = PMIx_Fence_nb(NULL, 0, NULL, 0, fence_cb, w);
    if (rc != PMIX_SUCCESS) {
        free(w);
        return pmix_err(rc, "PMIx_Fence_nb");
    }
    /* The fabric must keep progressing while we wait: peers may still be
     * reading from or writing to us (manual-progress providers). */
    int ret = floc_progress_wait(ctx, fence_done, w, timeout);
    if (ret == FLOC_ERR_PEER_LOST && !fence_done(w)) {
        /* give the server a moment to fail the fence (a frozen peer is
         * alive to PMIx: its fence would never end) */
        double end = floc_now() + (timeout > 0 && timeout < 1.0 ? timeout : 1.0);
        while (!fence_done(w) && floc_now() < end) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    if (!fence_done(w)) {
        FLOC_WARN(FLOC_LOG_PMIX, "fence did not complete: %s",
                  floc_strerror(ret ? ret : FLOC_ERR_TIMEOUT));
        return ret ? ret : FLOC_ERR_TIMEOUT;
    }
    int st = atomic_load(&w->status);
    free(w);
    if (ret)
        return ret;
    if (st != PMIX_SUCCESS) {
        if (floc_ctx_peer_lost(ctx))
            return FLOC_ERR_PEER_LOST;
        return pmix_err(st, "PMIx_Fence_nb");
    }
    return 0;
}

void floc_pmix_abort(floc_ctx_t *ctx, int status, const char *msg)
{
    if (!ctx || !ctx->pmix.initialized)
        return;
    pmix_status_t rc = PMIx_Abort(status, msg, NULL, 0);
    if (rc != PMIX_SUCCESS)
        FLOC_WARN(FLOC_LOG_PMIX, "PMIx_Abort: %s", PMIx_Error_string(rc));
}

void floc_pmix_finalize(floc_ctx_t *ctx)
{
    if (ctx->pmix.evhdlr_registered) {
        PMIx_Deregister_event_handler(ctx->pmix.evhdlr_id, NULL, NULL);
        ctx->pmix.evhdlr_registered = 0;
    }
    if (ctx->pmix.initialized) {
        pmix_status_t rc = PMIx_Finalize(NULL, 0);
        if (rc != PMIX_SUCCESS)
            FLOC_WARN(FLOC_LOG_PMIX, "PMIx_Finalize: %s", PMIx_Error_string(rc));
        ctx->pmix.initialized = 0;
    }
}
