/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ep.c - choose a provider, open fabric/domain/endpoint/AV/CQ, and wire
 * every locality's address into the AV (through PMIx).
 *
 * Provider choice: FLOC_PROVIDER (or the attr) names one; otherwise shm
 * when every locality shares one node, else the best inter-node provider
 * offered (cxi, efa, verbs, psm3, opx, then tcp), never the slow or
 * eth0-binding ones (sockets, udp, net).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>

#include "../core/ctx.h"
#include "fabric.h"

#define FLOC_FI_VERSION FI_VERSION(1, 9)
/* Room for one endpoint name in the exchange. */
#define FLOC_EP_NAME_MAX 256

/* prov_key 0: floc asks for its keys (the node rail takes the main
 * provider's keys) */
static struct fi_info *make_hints(const char *prov, int with_atomic, int prov_key)
{
    struct fi_info *h = fi_allocinfo();
    if (!h)
        return NULL;
    h->caps = FI_MSG | FI_TAGGED | FI_RMA | FI_READ | FI_WRITE | FI_REMOTE_READ |
              FI_REMOTE_WRITE | FI_SEND | FI_RECV | FI_DIRECTED_RECV;
    if (with_atomic)
        h->caps |= FI_ATOMIC;
    /* Every op context is a request's fabric part, fi_context2 first. */
    h->mode = FI_CONTEXT | FI_CONTEXT2;
    h->ep_attr->type = FI_EP_RDM;
    h->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_ENDPOINT |
                              (prov_key ? FI_MR_PROV_KEY : 0);
    /* floc serialises access itself (ctx->lock when threads are in play) */
    h->domain_attr->threading = FI_THREAD_DOMAIN;
    h->domain_attr->data_progress = FI_PROGRESS_MANUAL;
    h->domain_attr->cq_data_size = 4;   /* the sender's locality id */
    h->tx_attr->msg_order = FI_ORDER_SAS;
    h->rx_attr->msg_order = FI_ORDER_SAS;
    if (prov && *prov) {
        h->fabric_attr->prov_name = strdup(prov);
        if (!h->fabric_attr->prov_name) {
            fi_freeinfo(h);
            return NULL;
        }
    }
    return h;
}

/* Rank of a provider for inter-node use; < 0 = never chosen automatically. */
static int internode_score(const char *name)
{
    static const char *const order[] = {"cxi", "efa", "verbs;ofi_rxm", "psm3", "opx", "psm2",
                                         "tcp;ofi_rxm", "tcp"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (strcmp(name, order[i]) == 0)
            return 100 - (int)i;
    return -1;
}

/* Can a provider of info reach every locality of this node?  (shm has
 * a peer limit, its domain's ep_cnt; the others none worth checking.) */
static int peers_fit(int local_size, const struct fi_info *info)
{
    return strcmp(info->fabric_attr->prov_name, "shm") != 0 || !info->domain_attr->ep_cnt ||
           (size_t)local_size <= info->domain_attr->ep_cnt;
}

#define WHY(...) (why ? (void)snprintf(why, why_len, __VA_ARGS__) : (void)0)

int floc_fabric_pick(const floc_config_t *cfg, int num_nodes, int local_size,
                     struct fi_info **chosen, char *why, size_t why_len)
{
    const int user_choice = cfg->provider[0] || getenv("FI_PROVIDER");
    const char *want = cfg->provider[0] ? cfg->provider : NULL;
    /* one node: shm, unless the user chose (or shm is not there) */
    const int try_shm = !user_choice && num_nodes == 1;
    struct fi_info *list = NULL;
    int ret = -FI_ENODATA;

    for (int pass = try_shm ? 0 : 1; pass < 2 && ret; pass++) {
        const char *name = pass == 0 ? "shm" : want;
        for (int atomic = 1; atomic >= 0 && ret; atomic--) {
            struct fi_info *hints = make_hints(name, atomic, 1);
            if (!hints)
                return FLOC_ERR_NOMEM;
            ret = fi_getinfo(FLOC_FI_VERSION, NULL, NULL, 0, hints, &list);
            fi_freeinfo(hints);
        }
        if (!ret && pass == 0 && !peers_fit(local_size, list)) {
            /* more localities on this node than shm can reach (256 in
             * libfabric 1.17): every locality fails the same way, so
             * they all take the next provider */
            FLOC_WARN(FLOC_LOG_FABRIC, "libfabric's shm reaches at most %zu localities on a node, "
                      "%d run on this one: using the inter-node provider over the loopback "
                      "instead (slower, more memory per locality; fewer localities per node "
                      "keep shm)", list->domain_attr->ep_cnt, local_size);
            fi_freeinfo(list);
            list = NULL;
            ret = -FI_ENOSPC;
            continue;
        }
        if (ret && pass == 0)
            FLOC_INFO(FLOC_LOG_FABRIC, "shm is not available (%s): trying the others",
                      fi_strerror(-ret));
    }
    if (ret) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "no libfabric provider%s%s offers RDM with RMA and tagged "
                   "messages: %s", want ? " named " : "", want ? want : "", fi_strerror(-ret));
        return FLOC_ERR_NOT_SUPPORTED;
    }
    if (want && !peers_fit(local_size, list)) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "FLOC_PROVIDER=%s reaches at most %zu localities, but %d run "
                   "on this node: run fewer per node, or choose another provider (tcp;ofi_rxm "
                   "reaches any number)", want, list->domain_attr->ep_cnt, local_size);
        fi_freeinfo(list);
        return FLOC_ERR_NOT_SUPPORTED;
    }
    struct fi_info *best = NULL;
    if (want) {
        best = list;   /* the first offered */
        WHY("FLOC_PROVIDER=%s", want);
    } else if (strcmp(list->fabric_attr->prov_name, "shm") == 0) {
        best = list;
        WHY("one node: shared memory");
    } else {
        int best_score = -1;
        for (struct fi_info *i = list; i; i = i->next) {
            int s = internode_score(i->fabric_attr->prov_name);
            if (s > best_score) {
                best_score = s;
                best = i;
            }
        }
        /* FI_PROVIDER narrowed the list to providers we would not pick
         * ourselves (sockets...): the user asked for them */
        if (!best && getenv("FI_PROVIDER"))
            best = list;
        if (best)
            WHY("%s%s", getenv("FI_PROVIDER") ? "among FI_PROVIDER's: " : "",
                num_nodes == 1 ? "shm unavailable or too small for this node: the best "
                                 "inter-node provider"
                               : "several nodes: the best inter-node provider (cxi, efa, "
                                 "verbs;ofi_rxm, psm3, opx, psm2, tcp;ofi_rxm, tcp)");
    }
    if (!best) {
        fi_freeinfo(list);
        FLOC_ERROR(FLOC_LOG_FABRIC, "no suitable inter-node provider; set FLOC_PROVIDER");
        return FLOC_ERR_NOT_SUPPORTED;
    }
    *chosen = fi_dupinfo(best);
    fi_freeinfo(list);
    return *chosen ? 0 : FLOC_ERR_NOMEM;
}


static void close_node_rail(floc_fabric_t *f)
{
    if (!f->nrail)
        return;
    floc_fi_set_close(&f->nrail->fi, "node rail");
    free(f->nrail->addrs);
    free(f->nrail);
    f->nrail = NULL;
}

/*
 * shm keeps a file in /dev/shm named after the endpoint.  Naming it
 * "floc.<namespace>.<rank>.p<pid>" keeps jobs apart, lets floc-run remove
 * the files of localities that were killed before they could, and lets
 * any later locality on the node remove those of dead processes whatever
 * launched them (objects.c: the pid says whether the owner lives).  The
 * name must carry the "fi_shm://" scheme: without it shm 1.17 sometimes
 * fails to map the endpoint to itself and crashes on the first transfer
 * to self.
 */
static int shm_endpoint_name(const floc_ctx_t *ctx, const char *suffix, char *name, size_t size)
{
    int n = snprintf(name, size, "fi_shm://floc.%s.%d.p%d%s", ctx->pmix.nspace, ctx->rank,
                     (int)getpid(), suffix);
    if (n < 0 || (size_t)n >= size)
        return -1;   /* too long: keep the provider's default name */
    for (char *p = name + 9; *p; p++)
        if (*p == '/')
            *p = '_';
    return 0;
}


static int name_shm_endpoint(floc_ctx_t *ctx, struct fi_info *info)
{
    char name[FLOC_EP_NAME_MAX];
    if (shm_endpoint_name(ctx, "", name, sizeof name))
        return 0;
    return floc_fi_info_name(info, name);
}

/*
 * libfabric's shm sizes its pools by its queues: 1024 entries each by
 * default, 1.4 MiB of private memory a locality, all touched at open (8
 * localities: 6.7 MiB a locality proportionally, 5.7 with 256; Open MPI
 * 5.8).  In a job of one node whose node path carries the user's
 * messages (ctx->node_msgs: the segment is up, FLOC_NODE_P2P, CMA
 * allowed), shm carries floc's own traffic only: RMA, control messages,
 * and the fabric algorithms of collectives when they are forced (their
 * run-ahead follows this size: coll.h).  Otherwise it keeps the
 * provider's size: its receive queue holds the posted receives and the
 * unexpected user messages of every sender (credit.c bounds those; with
 * 256 entries a job without the segment hung, its receives refused), or,
 * as the node rail of a job of several nodes, the run-ahead of every
 * flat collective.  The same answer at every locality (the segment and
 * CMA are agreed by all).
 */
size_t floc_fabric_shm_queue(const floc_ctx_t *ctx)
{
    const floc_ctx_t *w = ctx->world;
    return w->num_nodes == 1 && w->node_msgs ? 256 : 1024;
}

static void shm_queues(const floc_ctx_t *ctx, struct fi_info *info)
{
    const size_t q = floc_fabric_shm_queue(ctx);
    if (info->tx_attr->size > q)
        info->tx_attr->size = q;
    if (info->rx_attr->size > q)
        info->rx_attr->size = q;
}

/*
 * The node rail (fabric.h): for a job of several nodes with several
 * localities on this one, unless FLOC_NODE_PROVIDER=none.  Not having one
 * is never an error: the main provider reaches every locality.
 */
static void open_node_rail(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    const char *prov = ctx->cfg.node_provider;
    if (ctx->num_nodes < 2 || ctx->local_size < 2 || !prov[0] || strcmp(prov, "none") == 0 ||
        strcmp(prov, f->prov_name) == 0)
        return;
    floc_node_rail_t *nr = calloc(1, sizeof *nr);
    struct fi_info *hints = make_hints(prov, 0, 0);
    int ret =
        nr && hints ? fi_getinfo(FLOC_FI_VERSION, NULL, NULL, 0, hints, &nr->fi.info) : -FI_ENOMEM;
    fi_freeinfo(hints);
    if (!ret && !peers_fit(ctx->local_size, nr->fi.info))
        ret = -FI_ENOSPC;   /* too many localities here for it: the main provider serves */
    if (!ret && strcmp(prov, "shm") == 0) {
        ret = name_shm_endpoint(ctx, nr->fi.info) ? -FI_ENOMEM : 0;
        shm_queues(ctx, nr->fi.info);
    }
    if (nr)
        f->nrail = nr;
    if (!ret && floc_fi_set_open(ctx, &nr->fi, FI_CQ_FORMAT_TAGGED, "node rail"))
        ret = -FI_EOTHER;
    if (!ret) {
        const struct fi_info *info = nr->fi.info;
        nr->mr_local = (info->domain_attr->mr_mode & FI_MR_LOCAL) != 0;
        nr->mr_endpoint = (info->domain_attr->mr_mode & FI_MR_ENDPOINT) != 0;
        nr->has_atomic = (info->caps & FI_ATOMIC) != 0;
        nr->virt_addr = (info->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
        nr->inject_size = info->tx_attr->inject_size;
        FLOC_INFO(FLOC_LOG_FABRIC, "node rail: %s to the %d localities of this node",
                  info->fabric_attr->prov_name, ctx->local_size);
        return;
    }
    FLOC_WARN(FLOC_LOG_FABRIC, "no node rail (%s: %s): %s reaches the localities of this node too",
              prov, fi_strerror(-ret), f->prov_name);
    close_node_rail(f);
}

/* The node rail reaches the localities of this node (itself included). */
static int wire_node_rail(floc_ctx_t *ctx, const char *names, size_t stride)
{
    floc_node_rail_t *nr = ctx->fab->nrail;
    if (!(nr->addrs = malloc((size_t)ctx->size * sizeof *nr->addrs)))
        return FLOC_ERR_NOMEM;
    for (int r = 0; r < ctx->size; r++) {
        nr->addrs[r] = FI_ADDR_NOTAVAIL;
        if (ctx->node_of[r] != ctx->node_id)
            continue;
        int n = fi_av_insert(nr->fi.av, names + (size_t)r * stride, 1, &nr->addrs[r], 0, NULL);
        if (n != 1) {
            FLOC_ERROR(FLOC_LOG_FABRIC, "node rail: fi_av_insert of locality %d failed", r);
            return n < 0 ? floc_fabric_err(n, "fi_av_insert(node rail)") : FLOC_ERR_FABRIC;
        }
    }
    return 0;
}

/*
 * Exchange endpoint names through PMIx and insert them in locality order,
 * so fi_addr_t == locality id in the FI_AV_TABLE.  The liveness watcher's
 * endpoint name travels in the same blob: one fence for both.
 */
static int wire_peers(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    /* main endpoint, liveness endpoint, node rail endpoint */
    char blob[3 * FLOC_EP_NAME_MAX];
    size_t namelen = FLOC_EP_NAME_MAX;
    int ret;

    memset(blob, 0, sizeof blob);
    if ((ret = fi_getname(&f->fi.ep->fid, blob, &namelen)))
        return floc_fabric_err(ret, "fi_getname");
    if (namelen > FLOC_EP_NAME_MAX) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "endpoint name of %zu bytes is too long", namelen);
        return FLOC_ERR_FABRIC;
    }
    const int watch = ctx->size > 1 && ctx->cfg.peer_timeout > 0;
    if (watch) {
        char shm_name[FLOC_EP_NAME_MAX];
        const int shm = strcmp(f->prov_name, "shm") == 0 &&
                        shm_endpoint_name(ctx, ".live", shm_name, sizeof shm_name) == 0;
        namelen = FLOC_EP_NAME_MAX;
        if ((ret = floc_liveness_open(ctx, shm ? shm_name : NULL, blob + FLOC_EP_NAME_MAX,
                                      &namelen)))
            return ret;
        if (namelen > FLOC_EP_NAME_MAX) {
            FLOC_ERROR(FLOC_LOG_FABRIC, "endpoint name of %zu bytes is too long", namelen);
            return FLOC_ERR_FABRIC;
        }
    }
    if (f->nrail) {
        namelen = FLOC_EP_NAME_MAX;
        if ((ret = fi_getname(&f->nrail->fi.ep->fid, blob + 2 * FLOC_EP_NAME_MAX, &namelen)))
            return floc_fabric_err(ret, "fi_getname(node rail)");
        if (namelen > FLOC_EP_NAME_MAX) {
            FLOC_ERROR(FLOC_LOG_FABRIC, "endpoint name of %zu bytes is too long", namelen);
            return FLOC_ERR_FABRIC;
        }
    }
    /* Names are exchanged at full size so that every blob has the same length. */
    char *all = malloc((size_t)ctx->size * sizeof blob);
    f->addrs = malloc((size_t)ctx->size * sizeof *f->addrs);
    if (!all || !f->addrs) {
        free(all);
        return FLOC_ERR_NOMEM;
    }
    ret = floc_pmix_allgather(ctx, "floc.fi.addr", blob, sizeof blob, all);
    /* One at a time: providers differ in how they stride packed names. */
    for (int r = 0; r < ctx->size && !ret; r++) {
        int n = fi_av_insert(f->fi.av, all + (size_t)r * sizeof blob, 1, &f->addrs[r], 0, NULL);
        if (n != 1) {
            FLOC_ERROR(FLOC_LOG_FABRIC, "fi_av_insert of locality %d's address failed", r);
            ret = n < 0 ? floc_fabric_err(n, "fi_av_insert") : FLOC_ERR_FABRIC;
        }
    }
    if (!ret && f->nrail)
        ret = wire_node_rail(ctx, all + 2 * FLOC_EP_NAME_MAX, sizeof blob);
    if (!ret && watch)
        ret = floc_liveness_start(ctx, all + FLOC_EP_NAME_MAX, sizeof blob);
    free(all);
    return ret;
}

/*
 * libfabric's providers bring signal handlers of their own: the PSM
 * libraries it is linked with (libinfinipath, loaded with the program)
 * catch SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGINT and SIGTERM, write a
 * backtrace file "<prog>.<n>s-<pid>,<host>.btr" into the working
 * directory and exit(1); shm may add its own (clean its files, exit 1).
 * A crashing locality must die of its signal, so that the launcher
 * reports it as such (floc-run, mpirun and srun all do), and leave no
 * files.  So: PSM's handlers go back to the default when libfloc is
 * loaded (mpirun prevents them with IPATH_NO_BACKTRACE, which floc-run
 * sets too), and whatever the fabric's opening installs is undone.
 * What shm would have cleaned is reaped at the next start (objects.c).
 */
static const int watched_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGINT, SIGTERM};
#define NWATCHED (sizeof watched_signals / sizeof watched_signals[0])

/* Is handler one of the PSM libraries'? */
static int psm_handler(void (*handler)(int))
{
    Dl_info di;
    if (handler == SIG_DFL || handler == SIG_IGN || !dladdr((void *)handler, &di) || !di.dli_fname)
        return 0;
    return strstr(di.dli_fname, "infinipath") || strstr(di.dli_fname, "libpsm");
}

__attribute__((constructor)) static void drop_psm_handlers(void)
{
    for (size_t i = 0; i < NWATCHED; i++) {
        struct sigaction sa;
        if (sigaction(watched_signals[i], NULL, &sa) == 0 && psm_handler(sa.sa_handler)) {
            sa.sa_handler = SIG_DFL;
            sa.sa_flags = 0;
            sigaction(watched_signals[i], &sa, NULL);
        }
    }
}

static void keep_signals(struct sigaction saved[NWATCHED])
{
    setenv("IPATH_NO_BACKTRACE", "1", 0);
    setenv("HFI_NO_BACKTRACE", "1", 0);
    drop_psm_handlers();
    for (size_t i = 0; i < NWATCHED; i++)
        sigaction(watched_signals[i], NULL, &saved[i]);
}

static void restore_signals(const struct sigaction saved[NWATCHED])
{
    for (size_t i = 0; i < NWATCHED; i++) {
        struct sigaction now;
        if (sigaction(watched_signals[i], NULL, &now) == 0 && now.sa_handler != saved[i].sa_handler)
            sigaction(watched_signals[i], &saved[i], NULL);
    }
}

static int progress_hook(floc_ctx_t *ctx, void *arg)
{
    (void)arg;
    return floc_fabric_progress(ctx);
}

static void dump_hook(floc_ctx_t *ctx, void *arg)
{
    (void)arg;
    floc_fabric_dump(ctx);
}

static int fabric_open(floc_ctx_t *ctx);

int floc_fabric_open(floc_ctx_t *ctx)
{
    struct sigaction saved[NWATCHED];
    keep_signals(saved);
    int ret = fabric_open(ctx);
    restore_signals(saved);
    return ret;
}

static int fabric_open(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab = calloc(1, sizeof *f);
    if (!f)
        return FLOC_ERR_NOMEM;
    int ret = floc_progress_hook_add(ctx, progress_hook, dump_hook, NULL);
    if (ret)
        return ret;
    floc_shm_reap();   /* files of dead localities, before ours are made */
    if ((ret = floc_fabric_pick(&ctx->cfg, ctx->num_nodes, ctx->local_size, &f->fi.info, NULL,
                                0)))
        return ret;

    struct fi_info *info = f->fi.info;
    snprintf(f->prov_name, sizeof f->prov_name, "%s", info->fabric_attr->prov_name);
    f->virt_addr = (info->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
    f->prov_key = (info->domain_attr->mr_mode & FI_MR_PROV_KEY) != 0;
    f->mr_local = (info->domain_attr->mr_mode & FI_MR_LOCAL) != 0;
    f->mr_endpoint = (info->domain_attr->mr_mode & FI_MR_ENDPOINT) != 0;
    f->has_atomic = (info->caps & FI_ATOMIC) != 0;
    f->inject_size = info->tx_attr->inject_size;
    f->next_key = 1;
    f->rkey_salt = 0xcbf29ce484222325ull;
    for (const char *c = ctx->pmix.nspace; *c; c++)
        f->rkey_salt = (f->rkey_salt ^ (unsigned char)*c) * 0x100000001b3ull;
    f->cache_enabled = ctx->cfg.mr_cache;
    FLOC_INFO(FLOC_LOG_FABRIC,
              "provider %s (mr_mode virt=%d provkey=%d local=%d ep=%d, atomics %s)", f->prov_name,
              f->virt_addr, f->prov_key, f->mr_local, f->mr_endpoint, f->has_atomic ? "yes" : "no");

    if (strcmp(f->prov_name, "shm") == 0) {
        if ((ret = name_shm_endpoint(ctx, f->fi.info)))
            return ret;
        shm_queues(ctx, f->fi.info);
    }
    if ((ret = floc_fi_set_open(ctx, &f->fi, FI_CQ_FORMAT_TAGGED, f->prov_name)))
        return ret;
    open_node_rail(ctx);
    if ((ret = wire_peers(ctx)))
        return ret;

    f->cache.cap = ctx->cfg.mr_cache_entries;
    f->cache.entries = calloc(f->cache.cap, sizeof *f->cache.entries);
    f->send_seq = calloc((size_t)ctx->size, sizeof *f->send_seq);
    if (!f->cache.entries || !f->send_seq)
        return FLOC_ERR_NOMEM;
    return floc_credit_open(ctx);
}

void floc_fabric_close(floc_ctx_t *ctx)
{
    floc_fabric_t *f = ctx->fab;
    if (!f)
        return;
    floc_liveness_close(ctx);
    /* endpoints first: no completion can arrive for a freed request after them */
    floc_fi_set_close_ep(&f->fi, "main");
    if (f->nrail)
        floc_fi_set_close_ep(&f->nrail->fi, "node rail");
    floc_credit_close(ctx);    /* its standing receives, with their bounce buffers */
    floc_tagged_fini(ctx);     /* bounce buffers: nothing lands there any more */
    floc_mr_cache_fini(ctx);   /* registrations before their domains */
    close_node_rail(f);
    floc_fi_set_close(&f->fi, "main");
    free(f->addrs);
    free(f->cache.entries);
    free(f);
    ctx->fab = NULL;
}

const char *floc_provider_name(const floc_ctx_t *ctx)
{
    if (floc_ctx_check(ctx, __func__))
        return NULL;
    return ctx->fab->prov_name;
}
