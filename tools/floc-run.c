/*
 * floc-run - launch a floc job of N localities, on this node or on hosts
 * reached through a launch agent.
 *
 * floc-run is a PMIx server (libpmix's server API): it registers one
 * namespace for the job (node data for every host), forks the localities
 * with the PMIx environment that lets them connect back (through the
 * agent, e.g. "ip netns exec %h", for other hosts; they reach the server
 * over TCP on --pmix-iface), serves their fences (all data is local: every
 * locality is floc-run's own client), forwards their output, and watches
 * them.  When a locality dies or exits non-zero, the others are told
 * through a PMIx event (PMIX_ERR_PROC_ABORTED with the affected proc), get
 * a grace period to report it, and are then terminated; floc-run exits
 * with the worst status and names the locality that failed.
 *
 *   floc-run -n 4 [--bind none|core|socket|auto] [--timeout S]
 *            [--tag-output] [--grace S] prog [args...]
 *   floc-run --host a:2,b:2 --launch-agent "ip netns exec %h"
 *            --pmix-iface br0 prog [args...]
 *
 * Exit status: the worst child status (128+signal for a killed child),
 * 124 on --timeout, 130/143 when interrupted, 2 on usage errors, 1 when
 * the launch itself failed.  floc-run leaves no files behind: its PMIx
 * rendezvous directory is private (mkdtemp) and removed at exit, as are
 * shared-memory files left by localities that were killed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pmix.h>
#include <pmix_server.h>

#include "run_args.h"

#define MAX_LOCALITIES RUN_MAX_LOCALITIES

typedef struct child {
    pid_t pid;
    int rank;
    int out_fd, err_fd;         /* read ends of the child's stdout/stderr */
    char *out_buf, *err_buf;    /* partial lines (tagged output) */
    size_t out_len, err_len;
    int exited;                 /* reaped */
    int status;                 /* waitpid status */
    _Atomic int finalized;      /* called PMIx_Finalize */
} child_t;

static struct {
    run_opts_t opt;             /* the command line */
    int n;                      /* opt.n */
    char nspace[PMIX_MAX_NSLEN + 1];
    char tmpdir[PATH_MAX];
    child_t *children;
    pthread_mutex_t lock;       /* protects failed_rank / dead flags read by PMIx callbacks */
    int failed_rank;            /* first locality that failed, -1 none */
    _Atomic int any_dead;
    int ending;                 /* floc-run signalled the job: deaths from here are its own */
} job = {.failed_rank = -1};

static void msg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    fprintf(stderr, "floc-run: %s\n", line);
    fflush(stderr);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: floc-run -n N [options] prog [args...]\n"
            "  -n, --np N          number of localities (1..%d)\n"
            "  --bind MODE         auto|none|core|socket (sets FLOC_BIND for the localities)\n"
            "  --timeout S         end the job after S seconds (exit 124)\n"
            "  --grace S           after a locality fails, seconds the others get before\n"
            "                      they are terminated (default 3)\n"
            "  -t, --tag-output    prefix each output line with [locality id]\n"
            "  -H, --host LIST     hosts and their slots, e.g. a:2,b:2: localities fill them\n"
            "                      in order (-n defaults to all slots); without it, all run here\n"
            "  --map-by slot|node  slot: fill each host's slots in turn (default); node: one\n"
            "                      locality per host in turn (a:2,b:2 -> 0 and 2 on a)\n"
            "  --launch-agent CMD  run each locality through CMD, %%h = its host, e.g.\n"
            "                      \"ip netns exec %%h\" for network-namespace hosts\n"
            "  --pmix-iface IF     let localities on other hosts reach floc-run's PMIx\n"
            "                      server through interface IF (and only IF)\n",
            MAX_LOCALITIES);
}

static void parse_args(int argc, char **argv)
{
    char err[256];
    if (run_args_parse(argc, argv, &job.opt, err, sizeof err)) {
        fprintf(stderr, "floc-run: %s\n", err);
        usage(stderr);
        exit(2);
    }
    if (job.opt.help) {
        printf("floc-run %s: launch N floc localities (a PMIx server)\n", FLOC_VERSION_STRING);
        usage(stdout);
        exit(0);
    }
    if (job.opt.version) {
        printf("floc-run %s\n", FLOC_VERSION_STRING);
        exit(0);
    }
    job.n = job.opt.n;
}

/* ------------------------------------------------------------------ */
/* PMIx server callbacks (run in libpmix's progress thread)            */
/* ------------------------------------------------------------------ */
static pmix_status_t cb_connected(const pmix_proc_t *proc, void *obj, pmix_op_cbfunc_t cbfunc,
                                  void *cbdata)
{
    (void)proc; (void)obj; (void)cbfunc; (void)cbdata;
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

static void notify_lost(int rank);

static pmix_status_t cb_abort(const pmix_proc_t *proc, void *obj, int status, const char msgtxt[],
                              pmix_proc_t procs[], size_t nprocs, pmix_op_cbfunc_t cbfunc,
                              void *cbdata)
{
    (void)obj; (void)procs; (void)nprocs; (void)cbfunc; (void)cbdata;
    msg("locality %u called PMIx_Abort(%d): %s", proc->rank, status, msgtxt ? msgtxt : "");
    pthread_mutex_lock(&job.lock);
    if (job.failed_rank < 0)
        job.failed_rank = (int)proc->rank;
    pthread_mutex_unlock(&job.lock);
    notify_lost((int)proc->rank);
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

/* ------------------------------------------------------------------ */
/* Waiting for libpmix's asynchronous answers                          */
/* ------------------------------------------------------------------ */
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
static void notify_lost(int rank)
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
        msg("PMIx_Notify_event: %s", PMIx_Error_string(rc));
    PMIX_INFO_FREE(info, 1);
}

/* ------------------------------------------------------------------ */
/* Namespace registration                                              */
/* ------------------------------------------------------------------ */
/* Hosts that run localities: --host's, in order, as far as -n fills them;
 * without --host, this node.  Locality r runs on host run_host_of(r). */
static int host_of(int rank);

static int job_hosts(void)
{
    int last = 0;
    for (int r = 0; job.opt.nhosts && r < job.n; r++)
        last = host_of(r) > last ? host_of(r) : last;
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
static int host_of(int rank)
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
        if (host_of(r) == h) {
            if (*first < 0)
                *first = r;
            ++*count;
        }
    size_t len = (size_t)*count * 8 + 1;
    char *s = calloc(1, len);
    size_t off = 0;
    for (int r = 0, i = 0; s && r < job.n; r++)
        if (host_of(r) == h)
            off += (size_t)snprintf(s + off, len - off, "%s%d", i++ ? "," : "", r);
    return s;
}

/* locality r's rank among its host's localities */
static int local_rank_of(int r)
{
    int lr = 0;
    for (int q = 0; q < r; q++)
        lr += host_of(q) == host_of(r);
    return lr;
}

/*
 * Job-level data, then node-level (one PMIX_NODE_INFO_ARRAY per host: its
 * id, name, local size and peers), then one PMIX_PROC_DATA array per
 * locality (rank, local and node rank, node id, hostname).  floc-run
 * serves every locality itself, wherever it runs, so to libpmix they are
 * all its local clients; which host each is on is what the maps say.
 */
static int register_namespace(void)
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
        hoff += (size_t)snprintf(hostlist + hoff, hl_len - hoff, "%s%s", h ? "," : "", host_name(h));
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
        const int h = host_of(r);
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
        msg("PMIx_server_register_nspace: %s", PMIx_Error_string(rc));
        goto out;
    }
    waiter_t w2 = {0};
    rc = wait_for(&w2, PMIx_server_setup_local_support(job.nspace, NULL, 0, op_cb, &w2));
    if (rc != PMIX_SUCCESS)
        msg("PMIx_server_setup_local_support: %s (continuing)", PMIx_Error_string(rc));
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

/* ------------------------------------------------------------------ */
/* Children                                                            */
/* ------------------------------------------------------------------ */

/* Environment vectors: malloc'd, NULL-terminated, strings malloc'd, the
 * form PMIx_server_setup_fork extends. */
static char **env_dup(char **src)
{
    size_t n = 0;
    while (src[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    for (size_t i = 0; env && i < n; i++)
        if (!(env[i] = strdup(src[i]))) {
            while (i--)
                free(env[i]);
            free(env);
            return NULL;
        }
    return env;
}

static void env_free(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}

static void env_set(char ***envp, const char *name, const char *value)
{
    size_t nl = strlen(name), n = 0;
    char *entry = malloc(nl + strlen(value) + 2);
    if (!entry)
        return;
    sprintf(entry, "%s=%s", name, value);
    char **env = *envp;
    for (; env[n]; n++) {
        if (!strncmp(env[n], name, nl) && env[n][nl] == '=') {
            free(env[n]);
            env[n] = entry;
            return;
        }
    }
    char **grown = realloc(env, (n + 2) * sizeof *grown);
    if (!grown) {
        free(entry);
        return;
    }
    grown[n] = entry;
    grown[n + 1] = NULL;
    *envp = grown;
}
static int spawn(int rank, const sigset_t *orig_mask)
{
    child_t *c = &job.children[rank];
    pmix_proc_t proc;
    PMIX_PROC_LOAD(&proc, job.nspace, (pmix_rank_t)rank);

    /* register the client and wait for it before forking (race in libpmix) */
    waiter_t w = {0};
    pmix_status_t rc = wait_for(&w, PMIx_server_register_client(&proc, geteuid(), getegid(), NULL,
                                                                op_cb, &w));
    if (rc != PMIX_SUCCESS) {
        msg("PMIx_server_register_client(%d): %s", rank, PMIx_Error_string(rc));
        return -1;
    }
    char **env = env_dup(environ);
    if (!env)
        return -1;
    if ((rc = PMIx_server_setup_fork(&proc, &env)) != PMIX_SUCCESS) {
        msg("PMIx_server_setup_fork(%d): %s", rank, PMIx_Error_string(rc));
        env_free(env);
        return -1;
    }
    if (job.opt.bind)
        env_set(&env, "FLOC_BIND", job.opt.bind);

    /* through the launch agent when there is one (e.g. ip netns exec HOST) */
    char **argv = job.opt.agent ? run_agent_argv(&job.opt, host_of(rank)) : job.opt.argv;
    int out[2], err[2];
    if (!argv || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        msg("pipe: %s", strerror(errno));
        if (argv != job.opt.argv)
            free(argv);
        env_free(env);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        msg("fork: %s", strerror(errno));
        if (argv != job.opt.argv)
            free(argv);
        env_free(env);
        return -1;
    }
    if (pid == 0) {
        /* own process group: floc-run can end the locality and whatever it started */
        setpgid(0, 0);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        sigprocmask(SIG_SETMASK, orig_mask, NULL);
        signal(SIGPIPE, SIG_DFL);
        environ = env;
        execvp(argv[0], argv);
        fprintf(stderr, "floc-run: cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(out[1]);
    close(err[1]);
    if (argv != job.opt.argv)
        free(argv);
    env_free(env);
    c->pid = pid;
    c->rank = rank;
    c->out_fd = out[0];
    c->err_fd = err[0];
    return 0;
}

/* Forward what a child wrote; with tags, whole lines only. */
static int forward(child_t *c, int fd, int to, char **buf, size_t *len)
{
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0) {
        if (*len) {   /* unterminated last line */
            dprintf(to, "[%d] %.*s\n", c->rank, (int)*len, *buf);
            *len = 0;
        }
        return 0;
    }
    if (!job.opt.tag_output) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, chunk + off, (size_t)(n - off));
            if (w <= 0)
                break;
            off += w;
        }
        return 1;
    }
    char *nb = realloc(*buf, *len + (size_t)n);
    if (!nb)
        return 1;
    *buf = nb;
    memcpy(*buf + *len, chunk, (size_t)n);
    *len += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < *len; i++) {
        if ((*buf)[i] == '\n') {
            dprintf(to, "[%d] %.*s\n", c->rank, (int)(i - start), *buf + start);
            start = i + 1;
        }
    }
    memmove(*buf, *buf + start, *len - start);
    *len -= start;
    return 1;
}

static void signal_job(int sig)
{
    job.ending = 1;
    for (int r = 0; r < job.n; r++)
        if (job.children[r].pid > 0 && !job.children[r].exited)
            kill(-job.children[r].pid, sig);
}

static int child_code(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void describe(const child_t *c)
{
    if (WIFSIGNALED(c->status))
        msg("locality %d (pid %d) was killed by signal %d (%s)", c->rank, (int)c->pid,
            WTERMSIG(c->status), strsignal(WTERMSIG(c->status)));
    else
        msg("locality %d (pid %d) exited with status %d", c->rank, (int)c->pid,
            WEXITSTATUS(c->status));
}

/* Reap exited children; returns how many are still running. */
static int reap(double *fail_time)
{
    int running = 0;
    for (int r = 0; r < job.n; r++) {
        child_t *c = &job.children[r];
        if (c->pid <= 0 || c->exited)
            continue;
        int st;
        pid_t p = waitpid(c->pid, &st, WNOHANG);
        if (p == 0) {
            running++;
            continue;
        }
        if (p < 0 && errno == EINTR) {
            running++;
            continue;
        }
        c->exited = 1;
        c->status = p < 0 ? (1 << 8) : st;
        /* anything the locality left in its process group goes with it */
        kill(-c->pid, SIGKILL);
        if (child_code(c->status) != 0) {
            pthread_mutex_lock(&job.lock);
            int first = job.failed_rank < 0;
            if (first)
                job.failed_rank = r;
            pthread_mutex_unlock(&job.lock);
            if (first || *fail_time == 0.0)
                describe(c);
            else if (job.ending && WIFSIGNALED(c->status))
                /* still running long after the failure: hung, frozen, or
                 * waiting for a peer it was not told about */
                msg("locality %d (pid %d) did not end after the failure: killed", c->rank,
                    (int)c->pid);
            if (*fail_time == 0.0)
                *fail_time = now_s();
            notify_lost(r);
        }
    }
    return running;
}

/* ------------------------------------------------------------------ */
/* Cleanup                                                             */
/* ------------------------------------------------------------------ */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

static void remove_tmpdir(void)
{
    if (job.tmpdir[0])
        nftw(job.tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    job.tmpdir[0] = '\0';
}

/*
 * libfabric's shm provider keeps a file in /dev/shm per endpoint, named
 * after the endpoint's name, which floc derives from the namespace
 * ("floc.<nspace>.<rank>"); a locality killed before closing it leaves it
 * behind.  Remove this job's, and only this job's.
 */
static void remove_shm_leftovers(void)
{
    char prefix[PMIX_MAX_NSLEN + 16];
    snprintf(prefix, sizeof prefix, "floc.%s.", job.nspace);
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    pthread_mutex_init(&job.lock, NULL);
    job.children = calloc((size_t)job.n, sizeof *job.children);
    if (!job.children)
        return 1;

    /* Signals are handled synchronously through a signalfd; blocked before
     * libpmix starts its threads so that none of them takes one. */
    sigset_t mask, orig;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, &orig);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        msg("signalfd: %s", strerror(errno));
        return 1;
    }

    const char *tbase = getenv("TMPDIR");
    snprintf(job.tmpdir, sizeof job.tmpdir, "%s/floc-run.XXXXXX", tbase && *tbase ? tbase : "/tmp");
    if (!mkdtemp(job.tmpdir)) {
        msg("mkdtemp %s: %s", job.tmpdir, strerror(errno));
        return 1;
    }
    snprintf(job.nspace, sizeof job.nspace, "floc-run-%d", (int)getpid());

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
        msg("PMIx_server_init: %s", PMIx_Error_string(rc));
        remove_tmpdir();
        return 1;
    }

    int exit_code = 0;
    int launched = 0;
    if (register_namespace() == 0) {
        for (; launched < job.n; launched++)
            if (spawn(launched, &orig) != 0)
                break;
    }
    if (launched < job.n) {
        msg("launch failed after %d of %d localities", launched, job.n);
        exit_code = 1;
        signal_job(SIGKILL);
    }

    const double start = now_s();
    double fail_time = 0.0, term_time = 0.0;
    int interrupted = 0, timed_out = 0;
    for (;;) {
        struct pollfd pfd[2 * MAX_LOCALITIES + 1];
        child_t *owner[2 * MAX_LOCALITIES + 1];
        int which[2 * MAX_LOCALITIES + 1];
        int np = 0;
        pfd[np] = (struct pollfd){.fd = sfd, .events = POLLIN};
        owner[np++] = NULL;
        for (int r = 0; r < launched; r++) {
            child_t *c = &job.children[r];
            if (c->out_fd >= 0) {
                pfd[np] = (struct pollfd){.fd = c->out_fd, .events = POLLIN};
                owner[np] = c;
                which[np++] = 1;
            }
            if (c->err_fd >= 0) {
                pfd[np] = (struct pollfd){.fd = c->err_fd, .events = POLLIN};
                owner[np] = c;
                which[np++] = 2;
            }
        }
        int running = reap(&fail_time);
        if (running == 0 && np == 1)
            break;
        poll(pfd, (nfds_t)np, 50);

        for (int i = 1; i < np; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            child_t *c = owner[i];
            int keep = which[i] == 1
                           ? forward(c, c->out_fd, STDOUT_FILENO, &c->out_buf, &c->out_len)
                           : forward(c, c->err_fd, STDERR_FILENO, &c->err_buf, &c->err_len);
            if (!keep) {
                int *fd = which[i] == 1 ? &c->out_fd : &c->err_fd;
                close(*fd);
                *fd = -1;
            }
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGCHLD)
                    continue;
                if (!interrupted) {
                    msg("interrupted by signal %u: ending the job", si.ssi_signo);
                    interrupted = (int)si.ssi_signo;
                    signal_job(SIGTERM);
                    term_time = now_s();
                } else {
                    signal_job(SIGKILL);
                }
            }
        }
        double t = now_s();
        if (job.opt.timeout > 0 && !timed_out && t - start > job.opt.timeout) {
            msg("job exceeded --timeout %g s: ending it", job.opt.timeout);
            timed_out = 1;
            signal_job(SIGTERM);
            term_time = t;
        }
        if (fail_time > 0 && term_time == 0.0 && t - fail_time > job.opt.grace) {
            signal_job(SIGTERM);
            term_time = t;
        }
        if (term_time > 0 && t - term_time > 2.0)
            signal_job(SIGKILL);
    }

    int worst = 0;
    for (int r = 0; r < launched; r++) {
        int code = child_code(job.children[r].status);
        if (code > worst)
            worst = code;
        free(job.children[r].out_buf);
        free(job.children[r].err_buf);
    }
    if (job.failed_rank >= 0) {
        child_t *c = &job.children[job.failed_rank];
        msg("job failed: locality %d %s; %d localities in all", job.failed_rank,
            c->exited ? (WIFSIGNALED(c->status) ? "was killed" : "exited non-zero") : "aborted",
            job.n);
        exit_code = worst ? worst : 1;   /* the worst status, at least a failure */
    } else if (!exit_code) {
        exit_code = worst;
    }
    if (timed_out)
        exit_code = 124;
    else if (interrupted)
        exit_code = 128 + interrupted;

    PMIx_server_deregister_nspace(job.nspace, NULL, NULL);
    rc = PMIx_server_finalize();
    if (rc != PMIX_SUCCESS)
        msg("PMIx_server_finalize: %s", PMIx_Error_string(rc));
    remove_shm_leftovers();
    remove_tmpdir();
    free(job.children);
    close(sfd);
    return exit_code;
}
