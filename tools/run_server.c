/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_server.c - floc-run's PMIx server: the module libpmix calls (run
 * in libpmix's progress thread), the job's namespace, and the event that
 * tells the localities one of them is gone.
 *
 * Every locality is this server's own client, wherever it runs: fences
 * are completed by libpmix itself (all data is local), and the module is
 * called only for what the library cannot do alone: a fence after a
 * member died (fail it), an abort, a finalize (answered at once).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pmix.h>
#include <pmix_server.h>

#include "run.h"

static pmix_status_t cb_connected(const pmix_proc_t *proc, void *obj, pmix_op_cbfunc_t cbfunc,
                                  void *cbdata)
{
    (void)obj; (void)cbfunc; (void)cbdata;
    if (proc->rank < (pmix_rank_t)job.n)
        atomic_store(&job.children[proc->rank].connected, 1);
    return PMIX_OPERATION_SUCCEEDED;
}

static pmix_status_t cb_finalized(const pmix_proc_t *proc, void *obj, pmix_op_cbfunc_t cbfunc,
                                  void *cbdata)
{
    (void)obj; (void)cbfunc; (void)cbdata;
    if (proc->rank < (pmix_rank_t)job.n)
        atomic_store(&job.children[proc->rank].finalized, 1);
    /* Answering here, not later: otherwise every client's finalize stalls. */
    return PMIX_OPERATION_SUCCEEDED;
}

static pmix_status_t cb_abort(const pmix_proc_t *proc, void *obj, int status, const char msgtxt[],
                              pmix_proc_t procs[], size_t nprocs, pmix_op_cbfunc_t cbfunc,
                              void *cbdata)
{
    (void)obj; (void)procs; (void)nprocs; (void)cbfunc; (void)cbdata;
    run_msg("locality %u called PMIx_Abort(%d): %s", proc->rank, status, msgtxt ? msgtxt : "");
    pthread_mutex_lock(&job.lock);
    if (job.failed_rank < 0)
        job.failed_rank = (int)proc->rank;
    pthread_mutex_unlock(&job.lock);
    run_server_notify_lost((int)proc->rank);
    return PMIX_OPERATION_SUCCEEDED;
}

static pmix_status_t cb_fence(const pmix_proc_t procs[], size_t nprocs, const pmix_info_t info[],
                              size_t ninfo, char *data, size_t ndata, pmix_modex_cbfunc_t cbfunc,
                              void *cbdata)
{
    (void)procs; (void)nprocs; (void)info; (void)ninfo;
    /* Only called once a member can no longer join (it died): fail the
     * fence, so survivors do not "complete" it without the dead one. */
    pmix_status_t st = atomic_load(&job.any_dead) ? PMIX_ERR_PROC_ABORTED : PMIX_SUCCESS;
    if (cbfunc)
        cbfunc(st, st == PMIX_SUCCESS ? data : NULL, st == PMIX_SUCCESS ? ndata : 0, cbdata, NULL,
               NULL);
    return PMIX_SUCCESS;
}

static pmix_status_t cb_dmodex(const pmix_proc_t *proc, const pmix_info_t info[], size_t ninfo,
                               pmix_modex_cbfunc_t cbfunc, void *cbdata)
{
    (void)proc; (void)info; (void)ninfo; (void)cbfunc; (void)cbdata;
    /* Every locality is this server's client: there is no other server to ask. */
    return PMIX_ERR_NOT_FOUND;
}

static pmix_status_t cb_register_events(pmix_status_t *codes, size_t ncodes,
                                        const pmix_info_t info[], size_t ninfo,
                                        pmix_op_cbfunc_t cbfunc, void *cbdata)
{
    (void)codes; (void)ncodes; (void)info; (void)ninfo; (void)cbfunc; (void)cbdata;
    return PMIX_OPERATION_SUCCEEDED;
}

static pmix_status_t cb_deregister_events(pmix_status_t *codes, size_t ncodes,
                                          pmix_op_cbfunc_t cbfunc, void *cbdata)
{
    (void)codes; (void)ncodes; (void)cbfunc; (void)cbdata;
    return PMIX_OPERATION_SUCCEEDED;
}

static pmix_status_t cb_notify(pmix_status_t code, const pmix_proc_t *source,
                               pmix_data_range_t range, pmix_info_t info[], size_t ninfo,
                               pmix_op_cbfunc_t cbfunc, void *cbdata)
{
    (void)code; (void)source; (void)range; (void)info; (void)ninfo; (void)cbfunc; (void)cbdata;
    /* every locality is this server's client: the library delivers; nothing to relay */
    return PMIX_OPERATION_SUCCEEDED;
}

static pmix_server_module_t server_module = {
    .client_connected = cb_connected,
    .client_finalized = cb_finalized,
    .abort = cb_abort,
    .fence_nb = cb_fence,
    .direct_modex = cb_dmodex,
    .register_events = cb_register_events,
    .deregister_events = cb_deregister_events,
    .notify_event = cb_notify,
};

typedef struct {
    _Atomic int done;
    pmix_status_t status;
} waiter_t;

static void op_cb(pmix_status_t status, void *cbdata)
{
    waiter_t *w = cbdata;
    w->status = status;
    atomic_store(&w->done, 1);
}

static pmix_status_t wait_for(waiter_t *w, pmix_status_t rc)
{
    if (rc == PMIX_OPERATION_SUCCEEDED)
        return PMIX_SUCCESS;
    if (rc != PMIX_SUCCESS)
        return rc;
    /* bounded: libpmix answers locally within milliseconds */
    for (int i = 0; i < 100000 && !atomic_load(&w->done); i++) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(&w->done) ? w->status : PMIX_ERR_TIMEOUT;
}

/* Tell every locality of the job that `rank` is gone. */
void run_server_notify_lost(int rank)
{
    atomic_store(&job.any_dead, 1);
    pmix_info_t *info;
    PMIX_INFO_CREATE(info, 1);
    pmix_proc_t *lost = calloc(1, sizeof *lost);
    if (!info || !lost) {
        free(lost);
        return;
    }
    PMIX_PROC_LOAD(lost, job.nspace, (pmix_rank_t)rank);
    PMIX_INFO_LOAD(&info[0], PMIX_EVENT_AFFECTED_PROC, lost, PMIX_PROC);
    free(lost);
    pmix_status_t rc = PMIx_Notify_event(PMIX_ERR_PROC_ABORTED, NULL, PMIX_RANGE_NAMESPACE, info,
                                         1, NULL, NULL);
    if (rc != PMIX_SUCCESS && rc != PMIX_OPERATION_SUCCEEDED)
        run_msg("PMIx_Notify_event: %s", PMIx_Error_string(rc));
    PMIX_INFO_FREE(info, 1);
}


int run_server_start(void)
{
    pmix_info_t *sinfo;
    size_t nsinfo = job.opt.pmix_iface ? 7 : 4;
    PMIX_INFO_CREATE(sinfo, nsinfo);
    PMIX_INFO_LOAD(&sinfo[0], PMIX_SERVER_TMPDIR, job.tmpdir, PMIX_STRING);
    PMIX_INFO_LOAD(&sinfo[1], PMIX_SYSTEM_TMPDIR, job.tmpdir, PMIX_STRING);
    PMIX_INFO_LOAD(&sinfo[2], PMIX_SERVER_TOOL_SUPPORT, &(bool){false}, PMIX_BOOL);
    PMIX_INFO_LOAD(&sinfo[3], PMIX_SERVER_SYSTEM_SUPPORT, &(bool){false}, PMIX_BOOL);
    if (job.opt.pmix_iface) {
        /* localities on other hosts connect over TCP on this interface
         * only: the server must not advertise any other address */
        PMIX_INFO_LOAD(&sinfo[4], PMIX_SERVER_REMOTE_CONNECTIONS, &(bool){true}, PMIX_BOOL);
        PMIX_INFO_LOAD(&sinfo[5], PMIX_TCP_IF_INCLUDE, job.opt.pmix_iface, PMIX_STRING);
        PMIX_INFO_LOAD(&sinfo[6], PMIX_TCP_DISABLE_IPV6, &(bool){true}, PMIX_BOOL);
    }
    pmix_status_t rc = PMIx_server_init(&server_module, sinfo, nsinfo);
    PMIX_INFO_FREE(sinfo, nsinfo);
    if (rc != PMIX_SUCCESS) {
        run_msg("PMIx_server_init: %s", PMIx_Error_string(rc));
        return -1;
    }

    return 0;
}

int run_server_setup_child(int rank, char ***env)
{
    pmix_proc_t proc;
    PMIX_PROC_LOAD(&proc, job.nspace, (pmix_rank_t)rank);
    /* register the client and wait for it before forking (race in libpmix) */
    waiter_t w = {0};
    pmix_status_t rc = wait_for(&w, PMIx_server_register_client(&proc, geteuid(), getegid(), NULL,
                                                                op_cb, &w));
    if (rc != PMIX_SUCCESS) {
        run_msg("PMIx_server_register_client(%d): %s", rank, PMIx_Error_string(rc));
        return -1;
    }
    if ((rc = PMIx_server_setup_fork(&proc, env)) != PMIX_SUCCESS) {
        run_msg("PMIx_server_setup_fork(%d): %s", rank, PMIx_Error_string(rc));
        return -1;
    }
    return 0;
}

void run_server_stop(void)
{
    PMIx_server_deregister_nspace(job.nspace, NULL, NULL);
    pmix_status_t rc = PMIx_server_finalize();
    if (rc != PMIX_SUCCESS)
        run_msg("PMIx_server_finalize: %s", PMIx_Error_string(rc));
}

/* Hosts that run localities: --host's, in order, as far as -n fills them;
 * without --host, this node.  Locality r runs on host run_host_of(r). */
static int job_hosts(void)
{
    int last = 0;
    for (int r = 0; job.opt.nhosts && r < job.n; r++)
        last = run_job_host(r) > last ? run_job_host(r) : last;
    return last + 1;
}

static const char *host_name(int h)
{
    static char here[256];
    if (job.opt.nhosts)
        return job.opt.hosts[h].name;
    if (!here[0] && gethostname(here, sizeof here - 1))
        strcpy(here, "localhost");
    return here;
}

/* run_host_of, remembered: the loops over localities below ask often */
int run_job_host(int rank)
{
    static int *map;
    if (!job.opt.nhosts)
        return 0;
    if (!map && (map = malloc((size_t)job.n * sizeof *map)))
        for (int r = 0; r < job.n; r++)
            map[r] = run_host_of(&job.opt, r);
    return map ? map[rank] : run_host_of(&job.opt, rank);
}

/* "r1,r2,...": the localities of host h, in order (neighbouring ids by
 * slot, every nhosts-th with --map-by node); *first: the lowest */
static char *host_peers(int h, int *count, int *first)
{
    *count = 0;
    *first = -1;
    for (int r = 0; r < job.n; r++)
        if (run_job_host(r) == h) {
            if (*first < 0)
                *first = r;
            ++*count;
        }
    size_t len = (size_t)*count * 8 + 1;
    char *s = calloc(1, len);
    size_t off = 0;
    for (int r = 0, i = 0; s && r < job.n; r++)
        if (run_job_host(r) == h)
            off += (size_t)snprintf(s + off, len - off, "%s%d", i++ ? "," : "", r);
    return s;
}

/* locality r's rank among its host's localities */
static int local_rank_of(int r)
{
    int lr = 0;
    for (int q = 0; q < r; q++)
        lr += run_job_host(q) == run_job_host(r);
    return lr;
}

/*
 * Job-level data, then node-level (one PMIX_NODE_INFO_ARRAY per host: its
 * id, name, local size and peers), then one PMIX_PROC_DATA array per
 * locality (rank, local and node rank, node id, hostname).  floc-run
 * serves every locality itself, wherever it runs, so to libpmix they are
 * all its local clients; which host each is on is what the maps say.
 */
int run_server_register_job(void)
{
    const int nhosts = job_hosts();
    char *hostlist = NULL, *ppn = NULL, *node_map = NULL, *proc_map = NULL;
    char **peers = calloc((size_t)nhosts, sizeof *peers);
    int *hcount = calloc((size_t)nhosts, sizeof *hcount);
    int *hfirst = calloc((size_t)nhosts, sizeof *hfirst);
    size_t hl_len = (size_t)nhosts * RUN_HOST_NAME_MAX + 256;
    size_t ppn_len = (size_t)job.n * 8 + (size_t)nhosts + 1;
    hostlist = calloc(1, hl_len);
    ppn = calloc(1, ppn_len);
    int ret = -1;
    pmix_info_t *info = NULL;
    size_t ninfo = 0;
    if (!peers || !hcount || !hfirst || !hostlist || !ppn)
        goto out;
    size_t hoff = 0, poff = 0;
    for (int h = 0; h < nhosts; h++) {
        if (!(peers[h] = host_peers(h, &hcount[h], &hfirst[h])))
            goto out;
        hoff +=
            (size_t)snprintf(hostlist + hoff, hl_len - hoff, "%s%s", h ? "," : "", host_name(h));
        poff += (size_t)snprintf(ppn + poff, ppn_len - poff, "%s%s", h ? ";" : "", peers[h]);
    }
    if (PMIx_generate_regex(hostlist, &node_map) != PMIX_SUCCESS ||
        PMIx_generate_ppn(ppn, &proc_map) != PMIX_SUCCESS)
        goto out;

    const size_t njob = 6;
    ninfo = njob + (size_t)nhosts + (size_t)job.n;
    PMIX_INFO_CREATE(info, ninfo);
    uint32_t n32 = (uint32_t)job.n, nnodes = (uint32_t)nhosts;
    PMIX_INFO_LOAD(&info[0], PMIX_UNIV_SIZE, &n32, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[1], PMIX_JOB_SIZE, &n32, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[2], PMIX_MAX_PROCS, &n32, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[3], PMIX_NODE_MAP, node_map, PMIX_REGEX);
    PMIX_INFO_LOAD(&info[4], PMIX_PROC_MAP, proc_map, PMIX_REGEX);
    PMIX_INFO_LOAD(&info[5], PMIX_NUM_NODES, &nnodes, PMIX_UINT32);
    for (int h = 0; h < nhosts; h++) {
        pmix_data_array_t *arr;
        PMIX_DATA_ARRAY_CREATE(arr, 6, PMIX_INFO);
        pmix_info_t *ni = arr->array;
        uint32_t id = (uint32_t)h, size = (uint32_t)hcount[h];
        pmix_rank_t leader = (pmix_rank_t)hfirst[h];
        PMIX_INFO_LOAD(&ni[0], PMIX_NODEID, &id, PMIX_UINT32);
        PMIX_INFO_LOAD(&ni[1], PMIX_HOSTNAME, host_name(h), PMIX_STRING);
        PMIX_INFO_LOAD(&ni[2], PMIX_LOCAL_SIZE, &size, PMIX_UINT32);
        PMIX_INFO_LOAD(&ni[3], PMIX_NODE_SIZE, &size, PMIX_UINT32);
        PMIX_INFO_LOAD(&ni[4], PMIX_LOCAL_PEERS, peers[h], PMIX_STRING);
        PMIX_INFO_LOAD(&ni[5], PMIX_LOCALLDR, &leader, PMIX_PROC_RANK);
        PMIX_INFO_LOAD(&info[njob + (size_t)h], PMIX_NODE_INFO_ARRAY, arr, PMIX_DATA_ARRAY);
        PMIX_DATA_ARRAY_FREE(arr);
    }
    for (int r = 0; r < job.n; r++) {
        pmix_data_array_t *arr;
        PMIX_DATA_ARRAY_CREATE(arr, 6, PMIX_INFO);
        pmix_info_t *pi = arr->array;
        const int h = run_job_host(r);
        pmix_rank_t rank = (pmix_rank_t)r;
        uint16_t lr = (uint16_t)local_rank_of(r);
        uint32_t nodeid = (uint32_t)h;
        PMIX_INFO_LOAD(&pi[0], PMIX_RANK, &rank, PMIX_PROC_RANK);
        PMIX_INFO_LOAD(&pi[1], PMIX_LOCAL_RANK, &lr, PMIX_UINT16);
        PMIX_INFO_LOAD(&pi[2], PMIX_NODE_RANK, &lr, PMIX_UINT16);
        PMIX_INFO_LOAD(&pi[3], PMIX_NODEID, &nodeid, PMIX_UINT32);
        PMIX_INFO_LOAD(&pi[4], PMIX_HOSTNAME, host_name(h), PMIX_STRING);
        PMIX_INFO_LOAD(&pi[5], PMIX_GLOBAL_RANK, &rank, PMIX_PROC_RANK);
        PMIX_INFO_LOAD(&info[njob + (size_t)nhosts + (size_t)r], PMIX_PROC_DATA, arr,
                       PMIX_DATA_ARRAY);
        PMIX_DATA_ARRAY_FREE(arr);
    }
    waiter_t w = {0};
    pmix_status_t rc = wait_for(&w, PMIx_server_register_nspace(job.nspace, job.n, info, ninfo,
                                                                op_cb, &w));
    if (rc != PMIX_SUCCESS) {
        run_msg("PMIx_server_register_nspace: %s", PMIx_Error_string(rc));
        goto out;
    }
    waiter_t w2 = {0};
    rc = wait_for(&w2, PMIx_server_setup_local_support(job.nspace, NULL, 0, op_cb, &w2));
    if (rc != PMIX_SUCCESS)
        run_msg("PMIx_server_setup_local_support: %s (continuing)", PMIx_Error_string(rc));
    ret = 0;
out:
    if (info)
        PMIX_INFO_FREE(info, ninfo);
    for (int h = 0; peers && h < nhosts; h++)
        free(peers[h]);
    free(peers);
    free(hcount);
    free(hfirst);
    free(hostlist);
    free(ppn);
    free(node_map);
    free(proc_map);
    return ret;
}
