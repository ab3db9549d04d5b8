/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * liveness.c - floc's own detection of lost peers (FLOC_PEER_TIMEOUT).
 *
 * libfabric reports nothing when a peer dies or its host is cut off (a
 * send to it just never completes), and launchers other than floc-run
 * send no PMIx event when a process dies.  So every locality of a job runs
 * one watcher thread with an endpoint of its own, in a domain of its own:
 * it needs no lock, and it answers while the application computes without
 * calling floc.  Every tick the watcher sends a heartbeat to the next live
 * locality of the ring and checks the heartbeats of the previous one.  A
 * predecessor silent for the timeout is lost: the watcher marks the
 * context, tells every other live locality, and from then on watches the
 * locality before the lost one.
 *
 * Why a ring is enough: every proper subset of the job (the survivors of a
 * crash, one side of a cut network) has a member whose predecessor is
 * outside it, so each side learns of the loss within one timeout and a
 * tick, for one small message per locality per tick, at any job size.
 *
 * A watcher that was stopped itself (SIGSTOP, a host under swap) sees a
 * gap between its own ticks and gives its predecessor a fresh timeout
 * instead of blaming it: a slow but alive peer is never declared lost.
 *
 * Where the job's localities all share one node's memory (the shm
 * provider) the messages are not messages: each locality keeps a board,
 * a page of /dev/shm with its heartbeat count and a word per locality
 * for notices of losses, and the watchers read and write each other's
 * boards (a heartbeat is a count the successor sees change; a notice, a
 * word set in the recipient's board).  An shm endpoint for the watcher
 * cost every locality 7.9 MiB of touched shared memory (libfabric's
 * region, its buffer pools initialised) for one message per tick.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>

#include "../core/ctx.h"
#include "fabric.h"

#define LIVE_MSG_HEARTBEAT 0x464c6862u /* "FLhb" */
#define LIVE_MSG_LOST 0x464c6c6fu      /* "FLlo" */
#define LIVE_RX_DEPTH 16

typedef struct live_msg {
    uint32_t kind;
    uint32_t from;  /* the sender */
    uint32_t rank;  /* LOST: the lost locality */
} live_msg_t;

/* A locality's board (single-node jobs): written by its owner (beat) and
 * by the watchers that tell it of losses (notice) */
typedef struct live_board {
    _Atomic uint64_t beat;        /* the owner's heartbeats so far */
    _Atomic uint32_t notice[];    /* [r]: 0, or 1 + the locality that found r lost */
} live_board_t;

struct floc_liveness {
    floc_ctx_t *ctx;
    double timeout, tick;
    floc_fi_set_t fi;
    fi_addr_t *addrs;
    live_msg_t rx[LIVE_RX_DEPTH];
    struct fi_context2 rx_ctx[LIVE_RX_DEPTH];
    unsigned char rx_idle[LIVE_RX_DEPTH]; /* not posted: the provider refused it */

    /* watcher thread state (only the watcher touches it once started) */
    double *last_seen;   /* last heartbeat of every locality */
    unsigned char *lost; /* localities known lost */
    unsigned char *tell; /* LOST notices still to deliver, per locality */
    int pred;            /* the locality watched, -1 when none is left */

    /* boards instead of an endpoint (single-node jobs), else NULL */
    live_board_t *mine;
    size_t board_bytes;
    char board_name[128];    /* mine, in /dev/shm (unlinked at close) */
    char *names;             /* everyone's board name, FLOC_LIVE_NAME bytes apart */
    live_board_t **boards;   /* the others', mapped when first needed */
    uint64_t *beat_seen;     /* the last count seen on each board */
    int blamed;              /* a notice that someone declared us lost was taken */

    pthread_t thread;
    int started;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int stop;
};

static int open_objects(floc_liveness_t *lv, const char *prov, const char *shm_name)
{
    struct fi_info *hints = fi_allocinfo();
    if (!hints)
        return FLOC_ERR_NOMEM;
    hints->caps = FI_MSG | FI_SEND | FI_RECV;
    hints->mode = FI_CONTEXT | FI_CONTEXT2;
    hints->ep_attr->type = FI_EP_RDM;
    /* no FI_MR_LOCAL: heartbeats are injected and received into plain memory */
    hints->domain_attr->mr_mode = FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY |
                                  FI_MR_ENDPOINT;
    hints->domain_attr->threading = FI_THREAD_DOMAIN;
    hints->domain_attr->data_progress = FI_PROGRESS_MANUAL;
    hints->tx_attr->size = 64;
    hints->rx_attr->size = 64;
    hints->fabric_attr->prov_name = strdup(prov);
    if (!hints->fabric_attr->prov_name) {
        fi_freeinfo(hints);
        return FLOC_ERR_NOMEM;
    }
    int ret = fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, hints, &lv->fi.info);
    fi_freeinfo(hints);
    if (ret)
        return floc_fabric_err(ret, "fi_getinfo(liveness endpoint)");
    if (shm_name && (ret = floc_fi_info_name(lv->fi.info, shm_name)))
        return ret;
    return floc_fi_set_open(lv->ctx, &lv->fi, FI_CQ_FORMAT_MSG, "liveness");
}

#define FLOC_LIVE_NAME 128

/* This locality's board, named after its would-be endpoint (the same
 * files floc_shm_reap removes when their owner is gone). */
static int board_open(floc_liveness_t *lv, const char *shm_name, void *name, size_t *namelen)
{
    const char *base = strncmp(shm_name, "fi_shm://", 9) ? shm_name : shm_name + 9;
    int n = snprintf(lv->board_name, sizeof lv->board_name, "/%s", base);
    if (n < 0 || (size_t)n >= sizeof lv->board_name || (size_t)n + 1 > *namelen ||
        n + 1 > FLOC_LIVE_NAME)
        return FLOC_ERR_INVALID;
    const long page = sysconf(_SC_PAGESIZE);
    const size_t want = sizeof(live_board_t) + (size_t)lv->ctx->size * sizeof(uint32_t);
    lv->board_bytes = (want + (size_t)page - 1) / (size_t)page * (size_t)page;
    shm_unlink(lv->board_name);   /* a stale one of a dead process with our pid */
    int fd = shm_open(lv->board_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "liveness board %s: %s", lv->board_name, strerror(errno));
        return FLOC_ERR_SYSTEM;
    }
    void *b = ftruncate(fd, (off_t)lv->board_bytes) == 0
                  ? mmap(NULL, lv->board_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                  : MAP_FAILED;
    close(fd);
    if (b == MAP_FAILED) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "liveness board %s: %s", lv->board_name, strerror(errno));
        shm_unlink(lv->board_name);
        lv->board_name[0] = '\0';
        return FLOC_ERR_SYSTEM;
    }
    lv->mine = b;
    memset(name, 0, *namelen);
    memcpy(name, lv->board_name, (size_t)n + 1);
    *namelen = FLOC_LIVE_NAME;
    return 0;
}

/* Locality r's board, mapped here (NULL if it cannot be: gone already) */
static live_board_t *board_of(floc_liveness_t *lv, int r)
{
    if (r == lv->ctx->rank)
        return lv->mine;
    if (!lv->boards[r]) {
        const char *name = lv->names + (size_t)r * FLOC_LIVE_NAME;
        int fd = shm_open(name, O_RDWR, 0600);
        if (fd < 0)
            return NULL;
        void *b = mmap(NULL, lv->board_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (b != MAP_FAILED)
            lv->boards[r] = b;
    }
    return lv->boards[r];
}

/* heartbeats and notices on the boards: a heartbeat is a count, a notice
 * a word in the recipient's board (1 if it was written) */
static int board_send(floc_liveness_t *lv, int to, uint32_t kind, int rank)
{
    if (kind == LIVE_MSG_HEARTBEAT) {
        atomic_fetch_add_explicit(&lv->mine->beat, 1, memory_order_relaxed);
        return 1;
    }
    live_board_t *b = board_of(lv, to);
    if (!b)
        return 0;
    uint32_t none = 0;
    atomic_compare_exchange_strong_explicit(&b->notice[rank], &none,
                                            (uint32_t)lv->ctx->rank + 1, memory_order_release,
                                            memory_order_relaxed);
    return 1;
}

static void declare_lost(floc_liveness_t *lv, int rank, int found_here, double now);

/* what the boards say: the predecessor's count moved (a heartbeat), and
 * the notices written into this locality's board */
static void board_drain(floc_liveness_t *lv, double now)
{
    const int p = lv->ctx->size, me = lv->ctx->rank;
    if (lv->pred >= 0) {
        live_board_t *b = board_of(lv, lv->pred);
        uint64_t beat = b ? atomic_load_explicit(&b->beat, memory_order_relaxed) : 0;
        if (b && beat != lv->beat_seen[lv->pred]) {
            lv->beat_seen[lv->pred] = beat;
            lv->last_seen[lv->pred] = now;
        }
    }
    for (int r = 0; r < p; r++) {
        uint32_t from = atomic_load_explicit(&lv->mine->notice[r], memory_order_acquire);
        if (!from || from > (uint32_t)p)
            continue;
        if (r == me) {
            if (!lv->blamed)
                floc_ctx_mark_lost(lv->ctx, (int)from - 1, "it declared this locality lost");
            lv->blamed = 1;
        } else if (!lv->lost[r]) {
            declare_lost(lv, r, 0, now);
        }
    }
}

int floc_liveness_open(floc_ctx_t *ctx, const char *shm_name, void *name, size_t *namelen)
{
    floc_liveness_t *lv = calloc(1, sizeof *lv);
    if (!lv)
        return FLOC_ERR_NOMEM;
    ctx->fab->live = lv;
    lv->ctx = ctx;
    lv->timeout = ctx->cfg.peer_timeout;
    /* twenty ticks per timeout, between 5 ms and 100 ms: news of a loss
     * reaches the others within a tick or two */
    lv->tick = lv->timeout / 20;
    lv->tick = lv->tick < 0.005 ? 0.005 : lv->tick > 0.1 ? 0.1 : lv->tick;
    lv->pred = -1;
    pthread_mutex_init(&lv->mutex, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&lv->cond, &ca);
    pthread_condattr_destroy(&ca);

    if (shm_name)
        return board_open(lv, shm_name, name, namelen);
    int ret = open_objects(lv, ctx->fab->prov_name, shm_name);
    if (ret)
        return ret;
    if ((ret = fi_getname(&lv->fi.ep->fid, name, namelen)))
        return floc_fabric_err(ret, "fi_getname(liveness)");
    return 0;
}

static void post_recv(floc_liveness_t *lv, int i)
{
    ssize_t ret = fi_recv(lv->fi.ep, &lv->rx[i], sizeof lv->rx[i], NULL, FI_ADDR_UNSPEC,
                          &lv->rx_ctx[i]);
    /* a slot that could not be reposted is retried on the next tick */
    lv->rx_idle[i] = ret != 0;
}

/* Best effort, never blocks: 1 if the provider took the message. */
static int send_msg(floc_liveness_t *lv, int to, uint32_t kind, int rank)
{
    if (lv->mine)
        return board_send(lv, to, kind, rank);
    live_msg_t m = {kind, (uint32_t)lv->ctx->rank, (uint32_t)rank};
    return fi_inject(lv->fi.ep, &m, sizeof m, lv->addrs[to]) == 0;
}

static int prev_live(const floc_liveness_t *lv, int r)
{
    const int p = lv->ctx->size;
    for (int i = 1; i < p; i++) {
        int q = (r - i + p) % p;
        if (!lv->lost[q])
            return q == lv->ctx->rank ? -1 : q;
    }
    return -1;
}

static int next_live(const floc_liveness_t *lv)
{
    const int p = lv->ctx->size, me = lv->ctx->rank;
    for (int i = 1; i < p; i++) {
        int q = (me + i) % p;
        if (!lv->lost[q])
            return q;
    }
    return -1;
}

/* Record rank as lost; tell the others when we found it ourselves. */
static void declare_lost(floc_liveness_t *lv, int rank, int found_here, double now)
{
    if (rank < 0 || rank >= lv->ctx->size || rank == lv->ctx->rank || lv->lost[rank])
        return;
    lv->lost[rank] = 1;
    if (found_here) {
        char why[96];
        snprintf(why, sizeof why, "no heartbeat for %.1f s", now - lv->last_seen[rank]);
        floc_ctx_mark_lost(lv->ctx, rank, why);
        for (int q = 0; q < lv->ctx->size; q++)
            lv->tell[q] = q != lv->ctx->rank && !lv->lost[q];
    } else {
        floc_ctx_mark_lost(lv->ctx, rank, "reported lost by another locality");
        /* and pass it on along the ring: the finder's own notices can
         * miss a locality it never talked to (a first contact is refused
         * until the peer answers it) if the finder leaves at once; the
         * ring's links are up */
        const int succ = next_live(lv);
        if (succ >= 0)
            lv->tell[succ] = 1;
    }
    if (rank == lv->pred) {
        lv->pred = prev_live(lv, rank);
        if (lv->pred >= 0)
            lv->last_seen[lv->pred] = now;   /* a fresh timeout for the new one */
    }
}

int floc_liveness_decode(const void *buf, size_t len, int size, uint32_t *kind, int *from,
                         int *rank)
{
    live_msg_t m;
    if (!buf || len != sizeof m || size < 1)
        return -1;
    memcpy(&m, buf, sizeof m);
    if ((m.kind != LIVE_MSG_HEARTBEAT && m.kind != LIVE_MSG_LOST) || m.from >= (uint32_t)size ||
        m.rank >= (uint32_t)size)
        return -1;
    *kind = m.kind;
    *from = (int)m.from;
    *rank = (int)m.rank;
    return 0;
}

/* Which receive slot a completion belongs to, -1 if none. */
static int rx_slot(const floc_liveness_t *lv, const void *op_context)
{
    for (int i = 0; i < LIVE_RX_DEPTH; i++)
        if (op_context == &lv->rx_ctx[i])
            return i;
    return -1;
}

static void drain(floc_liveness_t *lv, double now)
{
    if (lv->mine) {
        board_drain(lv, now);
        return;
    }
    struct fi_cq_msg_entry e[LIVE_RX_DEPTH];
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = fi_cq_read(lv->fi.cq, e, LIVE_RX_DEPTH);
        if (n == -FI_EAVAIL) {
            struct fi_cq_err_entry err = {0};
            if (fi_cq_readerr(lv->fi.cq, &err, 0) < 0)
                return;
            int i = rx_slot(lv, err.op_context);
            if (i >= 0)
                post_recv(lv, i);
            continue;
        }
        if (n <= 0)
            return;
        for (ssize_t k = 0; k < n; k++) {
            int i = rx_slot(lv, e[k].op_context);
            if (i < 0)
                continue;
            uint32_t kind;
            int from, rank;
            int bad =
                floc_liveness_decode(&lv->rx[i], e[k].len, lv->ctx->size, &kind, &from, &rank);
            post_recv(lv, i);
            if (bad)
                continue;   /* not ours, or damaged: ignored */
            if (kind == LIVE_MSG_HEARTBEAT) {
                lv->last_seen[from] = now;
            } else if (rank == lv->ctx->rank) {
                /* it gave up on us (a cut link that came back): the job is
                 * broken for us too, or we would wait for it for ever */
                floc_ctx_mark_lost(lv->ctx, from, "it declared this locality lost");
            } else {
                declare_lost(lv, rank, 0, now);
            }
        }
    }
}

/* LOST notices to those still to be told (every lost locality each): 1
 * while some are still undelivered */
static int send_tells(floc_liveness_t *lv)
{
    const int p = lv->ctx->size;
    int pending = 0;
    for (int q = 0; q < p; q++) {
        if (!lv->tell[q] || lv->lost[q]) {
            lv->tell[q] = 0;
            continue;
        }
        int ok = 1;
        for (int r = 0; r < p && ok; r++)
            if (lv->lost[r])
                ok = send_msg(lv, q, LIVE_MSG_LOST, r);
        lv->tell[q] = !ok;   /* queue full or no connection yet: again next tick */
        pending |= !ok;
    }
    return pending;
}

static void tick(floc_liveness_t *lv, double now, double *last_tick)
{
    const int p = lv->ctx->size;
    if (now - *last_tick > lv->timeout / 2) {
        /* we did not run for a while: our clocks of the others are stale */
        FLOC_INFO(FLOC_LOG_FABRIC, "liveness watcher stalled %.2f s: restarting the clocks",
                  now - *last_tick);
        for (int q = 0; q < p; q++)
            lv->last_seen[q] = now;
    }
    *last_tick = now;
    for (int i = 0; i < LIVE_RX_DEPTH; i++)
        if (lv->rx_idle[i])
            post_recv(lv, i);
    drain(lv, now);

    if (lv->pred >= 0 && now - lv->last_seen[lv->pred] > lv->timeout)
        declare_lost(lv, lv->pred, 1, now);

    int succ = next_live(lv);
    if (succ >= 0)
        send_msg(lv, succ, LIVE_MSG_HEARTBEAT, lv->ctx->rank);
    send_tells(lv);
}

/* Leaving (floc_finalize right after a loss, as applications do): the
 * notices not yet delivered get a last half second, so that nobody
 * learns of the loss only from this locality's exit, and blames it. */
static void flush_tells(floc_liveness_t *lv)
{
    const double end = floc_now() + 0.5;
    while (send_tells(lv) && floc_now() < end) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        drain(lv, floc_now());
    }
}

static void *watcher(void *arg)
{
    floc_liveness_t *lv = arg;
    double last_tick = floc_now();
    pthread_mutex_lock(&lv->mutex);
    while (!lv->stop) {
        double now = floc_now();
        pthread_mutex_unlock(&lv->mutex);
        tick(lv, now, &last_tick);
        pthread_mutex_lock(&lv->mutex);
        double wake = now + lv->tick;
        struct timespec ts = {(time_t)wake, (long)((wake - (double)(time_t)wake) * 1e9)};
        while (!lv->stop && pthread_cond_timedwait(&lv->cond, &lv->mutex, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&lv->mutex);
    flush_tells(lv);
    return NULL;
}

int floc_liveness_start(floc_ctx_t *ctx, const char *names, size_t stride)
{
    floc_liveness_t *lv = ctx->fab->live;
    const int p = ctx->size;
    lv->addrs = calloc((size_t)p, sizeof *lv->addrs);
    lv->last_seen = calloc((size_t)p, sizeof *lv->last_seen);
    lv->lost = calloc((size_t)p, 1);
    lv->tell = calloc((size_t)p, 1);
    if (!lv->addrs || !lv->last_seen || !lv->lost || !lv->tell)
        return FLOC_ERR_NOMEM;
    if (lv->mine) {
        lv->names = malloc((size_t)p * FLOC_LIVE_NAME);
        lv->boards = calloc((size_t)p, sizeof *lv->boards);
        lv->beat_seen = calloc((size_t)p, sizeof *lv->beat_seen);
        if (!lv->names || !lv->boards || !lv->beat_seen)
            return FLOC_ERR_NOMEM;
        for (int r = 0; r < p; r++) {
            memcpy(lv->names + (size_t)r * FLOC_LIVE_NAME, names + (size_t)r * stride,
                   FLOC_LIVE_NAME);
            lv->names[(size_t)r * FLOC_LIVE_NAME + FLOC_LIVE_NAME - 1] = '\0';
        }
    } else {
        for (int r = 0; r < p; r++) {
            int n = fi_av_insert(lv->fi.av, names + (size_t)r * stride, 1, &lv->addrs[r], 0,
                                 NULL);
            if (n != 1)
                return n < 0 ? floc_fabric_err(n, "fi_av_insert(liveness)") : FLOC_ERR_FABRIC;
        }
        for (int i = 0; i < LIVE_RX_DEPTH; i++)
            post_recv(lv, i);
    }
    double now = floc_now();
    for (int r = 0; r < p; r++)
        lv->last_seen[r] = now;
    lv->pred = prev_live(lv, ctx->rank);
    int ret = pthread_create(&lv->thread, NULL, watcher, lv);
    if (ret) {
        FLOC_ERROR(FLOC_LOG_FABRIC, "cannot start the liveness watcher: %s", strerror(ret));
        return FLOC_ERR_NOMEM;
    }
    lv->started = 1;
    FLOC_DEBUG(FLOC_LOG_FABRIC, "liveness watcher: timeout %.3f s, tick %.3f s, watching %d",
               lv->timeout, lv->tick, lv->pred);
    return 0;
}

void floc_liveness_close(floc_ctx_t *ctx)
{
    floc_liveness_t *lv = ctx->fab->live;
    if (!lv)
        return;
    if (lv->started) {
        pthread_mutex_lock(&lv->mutex);
        lv->stop = 1;
        pthread_cond_signal(&lv->cond);
        pthread_mutex_unlock(&lv->mutex);
        pthread_join(lv->thread, NULL);
    }
    floc_fi_set_close(&lv->fi, "liveness");
    for (int r = 0; lv->boards && r < ctx->size; r++)
        if (lv->boards[r])
            munmap(lv->boards[r], lv->board_bytes);
    if (lv->mine)
        munmap(lv->mine, lv->board_bytes);
    if (lv->board_name[0])
        shm_unlink(lv->board_name);
    free(lv->names);
    free(lv->boards);
    free(lv->beat_seen);
    pthread_cond_destroy(&lv->cond);
    pthread_mutex_destroy(&lv->mutex);
    free(lv->addrs);
    free(lv->last_seen);
    free(lv->lost);
    free(lv->tell);
    free(lv);
    ctx->fab->live = NULL;
}
