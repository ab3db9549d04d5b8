/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctx.h - the context: everything one locality owns.  Internal.
 *
 * Lock rule: ctx->lock is taken around every use of the fabric state
 * (posting, completion polling, the request and op pools) only when
 * ctx->locking is set, i.e. with FLOC_THREAD_MULTIPLE or a progress thread.
 * Everything else in the context is written at init and read-only after,
 * except the `lost_*` fields (atomics, written by the PMIx event thread).
 */
#ifndef FLOC_CTX_H
#define FLOC_CTX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "floc.h"
#include "config.h"
#include "log.h"
#include "request.h"

/* The layers above core keep their state behind these pointers (their
 * own headers say what is inside); core never looks. */
struct floc_fabric;
struct floc_node;
struct floc_coll_state;
struct floc_exec;
struct floc_actions;
struct floc_p2p;

/*
 * Progress hooks: the layers that need the wait loop to drive them
 * (the fabric's completions, the collectives' state machines) register
 * one at init, in the order they must run.  progress returns the events
 * it handled (>= 0) or an error; dump logs what is in flight (after a
 * timeout).  Caller of both holds the context lock.
 */
typedef int (*floc_progress_fn)(floc_ctx_t *ctx, void *arg);
typedef void (*floc_dump_fn)(floc_ctx_t *ctx, void *arg);
typedef struct floc_progress_hook {
    floc_progress_fn progress;
    floc_dump_fn dump;
    void *arg;
} floc_progress_hook_t;
#define FLOC_PROGRESS_HOOKS 6
/*
 * Service: work a layer must do without the lock because it may call
 * floc itself (remote actions' handlers, src/exec).  A progress hook
 * that finds such work sets ctx->service_due; the wait loop and the
 * progress thread then call service(world, arg) after unlocking.  One
 * thread at a time runs it (nested in itself, as a handler's own wait
 * does, is allowed): handlers never run concurrently with each other.
 */
typedef void (*floc_service_fn)(floc_ctx_t *ctx, void *arg);

typedef struct floc_topo {
    void *topology;   /* hwloc_topology_t, kept opaque outside topo.c */
    void *cpuset;     /* hwloc_bitmap_t: this locality's binding (or allowed set) */
    int bound;        /* 1 if floc bound the process */
    int oversubscribed; /* more localities on this node than processing units */
    double spin_for;    /* FLOC_SPIN=auto: a wait spins this long at most, then yields */
} floc_topo_t;

typedef struct floc_pmix {
    int initialized;  /* PMIx_Init succeeded (or singleton-usable): finalize it */
    int singleton;
    size_t evhdlr_id;
    int evhdlr_registered;
    char nspace[256];
} floc_pmix_t;

struct floc_ctx {
    uint32_t magic;
    floc_config_t cfg;
    floc_thread_level_t thread_level;

    int rank, size;
    int local_rank, local_size;
    int node_id, num_nodes;
    int *node_of;            /* dense node id of every locality */
    int node_msgs;           /* the node path carries the user's messages between the
                              * localities of a node (set by init.c before the fabric
                              * opens: floc_local_possible); the same at every locality */

    floc_pmix_t pmix;
    floc_topo_t topo;
    floc_req_pool_t reqs;
    floc_progress_hook_t hooks[FLOC_PROGRESS_HOOKS];
    int nhooks;
    floc_service_fn service;  /* world: see floc_service_fn, NULL: none */
    void *service_arg;
    _Atomic int service_due;
    _Atomic uintptr_t service_thread; /* the thread running the service, 0: none */

    /* the layers (src/init.c makes and destroys them) */
    struct floc_node *node;        /* node segments, shared allocations (src/node) */
    struct floc_fabric *fab;       /* libfabric (src/fabric) */
    struct floc_coll_state *coll;  /* the collectives' engine (src/coll) */
    struct floc_exec *exec;        /* worker threads (src/exec), made at first use */
    struct floc_actions *actions;  /* remote actions (src/exec): the mailbox, from init on */
    struct floc_p2p *p2p;          /* the node message path (src/p2p/local.c), NULL: off */

    /* Set by the PMIx event handler (another thread) or by fabric errors. */
    _Atomic int lost;         /* 1 once any peer was lost */
    _Atomic int lost_rank;    /* first lost locality, -1 unknown */

    /* Teams (floc_split and friends, src/team): a team is a context of its
     * own over some of the world's localities.  It shares everything below
     * the collectives with its world (the fabric, the node layer, the
     * request pool, the lock, the progress hooks: world holds them) and
     * has its own ranks, collective state and context id, which every
     * message of the team carries in its tag.  In the world itself: world
     * = the context, members = rank_of = NULL, cid = 0. */
    floc_ctx_t *world;
    int *members;             /* team rank -> world id */
    int *rank_of;             /* world id -> team rank, -1 outside the team */
    uint32_t cid;             /* context id (core/team bits in the tag) */
    floc_ctx_t *next_team;    /* world: its live teams, a list (under the lock) */
    _Atomic int vectors;      /* partitioned vectors made on this context and live */
    uint64_t pv_made;         /* vectors made on this context so far (the next one's serial) */
    struct floc_pv *pv_live;  /* world: the live vectors of all its contexts (src/pv) */
    unsigned char *cids_used; /* world: the context ids in use here (a bitmap) */
    /* world: splits of several threads at once take turns with that
     * bitmap (team.c, "the mask"): held by one, the lowest parent context
     * id + 1 waiting for it (0: none) */
    int cid_mask_held;
    uint32_t cid_mask_waiting;
    _Atomic unsigned char *lost_map; /* world: 1 for each lost locality */

    /* a virtual locality of tests/sim's simulated job (one process runs
     * them all over a simulated transport): live without floc_init */
    int simulated;

    int locking;
    pthread_mutex_t lock;
    pthread_t progress_thread;
    int progress_thread_started;
    _Atomic int progress_thread_stop;
};

#define FLOC_CTX_MAGIC 0x666c6f63u  /* "floc" */
#define FLOC_TEAM_MAGIC 0x7465616du /* "team" */
/* context ids: 0 is the world's; a team's is below this (the bitmap) */
#define FLOC_CID_MAX 1024
/* the context id of remote actions' messages: above every team's */
#define FLOC_CID_ACTIONS FLOC_CID_MAX
/* ... and of the fabric's own control messages (credit, src/fabric/credit.c) */
#define FLOC_CID_FABRIC (FLOC_CID_MAX + 1)

/* the lock is the world's, for a team too */
static inline void floc_ctx_lock(floc_ctx_t *ctx)
{
    floc_ctx_t *w = ctx->world;
    if (w->locking)
        pthread_mutex_lock(&w->lock);
}
static inline void floc_ctx_unlock(floc_ctx_t *ctx)
{
    floc_ctx_t *w = ctx->world;
    if (w->locking)
        pthread_mutex_unlock(&w->lock);
}

/* The world of a team (ctx itself otherwise, also when it is not a
 * context: the caller's check reports that): the one-sided calls and
 * memory registrations name localities by world id (in the keys). */
static inline floc_ctx_t *floc_ctx_world_of(floc_ctx_t *ctx)
{
    return ctx && ctx->magic == FLOC_TEAM_MAGIC ? ctx->world : ctx;
}

/* the world id of rank r of ctx (a team's member, or r itself) */
static inline int floc_ctx_world_id(const floc_ctx_t *ctx, int r)
{
    return ctx->members ? ctx->members[r] : r;
}
/* the same, FLOC_ANY_SOURCE passing through */
static inline int floc_ctx_world_id_any(const floc_ctx_t *ctx, int r)
{
    return r == FLOC_ANY_SOURCE ? r : floc_ctx_world_id(ctx, r);
}
/* the rank in ctx of world id w (-1: not a member); ANY_SOURCE stays */
static inline int floc_ctx_rank_of(const floc_ctx_t *ctx, int w)
{
    return ctx->rank_of && w >= 0 ? ctx->rank_of[w] : w;
}

/* The one live context of this process: claim it (0, or FLOC_ERR_STATE
 * with the reason logged: another is live, floc was finalized here
 * already, or this is a fork() child of a locality) and give it up
 * (finalizing: for good). */
int floc_ctx_claim(floc_ctx_t *ctx);
void floc_ctx_release(floc_ctx_t *ctx, int finalizing);
/* tests/sim: ctx is (on = 1) or no longer (0) a simulated locality, live
 * without floc_init */
void floc_ctx_mark_simulated(floc_ctx_t *ctx, int on);
/* 1 if ctx is the live context of this process (not NULL, not finalized). */
int floc_ctx_is_live(const floc_ctx_t *ctx);
/* The live context and whether this process is a fork() child of its
 * owner (ctx.c); read by floc_ctx_check's fast path. */
extern _Atomic(floc_ctx_t *) floc_live_ctx;
extern _Atomic int floc_forked;
int floc_ctx_check_slow(const floc_ctx_t *ctx, const char *func);
/* Check ctx at a public entry point: logs and returns FLOC_ERR_INVALID if
 * not live.  Inline for the world context in its own process: every
 * message checks it at its call and again at its request's wait. */
static inline int floc_ctx_check(const floc_ctx_t *ctx, const char *func)
{
    if (ctx && ctx == atomic_load_explicit(&floc_live_ctx, memory_order_acquire) &&
        !atomic_load_explicit(&floc_forked, memory_order_relaxed))
        return 0;
    return floc_ctx_check_slow(ctx, func);
}
#define FLOC_CHECK_CTX(ctx)                                                     \
    do {                                                                        \
        int floc_chk_ = floc_ctx_check((ctx), __func__);                        \
        if (floc_chk_)                                                          \
            return floc_chk_;                                                   \
    } while (0)

/* Record a lost peer (a world id, -1 if unknown).  Safe from any thread. */
void floc_ctx_mark_lost(floc_ctx_t *ctx, int rank, const char *why);
/* A team after a loss: 1 if one of its members is lost (or who is not known). */
int floc_ctx_team_lost(const floc_ctx_t *team);
/* 1 if world id w is lost (lost_map: a world made without it, 1) */
static inline int floc_ctx_locality_lost(const floc_ctx_t *ctx, int w)
{
    const floc_ctx_t *world = ctx->world;
    return !world->lost_map ||
           atomic_load_explicit(&world->lost_map[w], memory_order_acquire);
}
/* 1 once a locality of ctx is lost: any for the world, a member for a
 * team (a loss elsewhere leaves a team working). */
static inline int floc_ctx_peer_lost(const floc_ctx_t *ctx)
{
    if (!atomic_load_explicit(&ctx->world->lost, memory_order_acquire))
        return 0;
    return ctx->members ? floc_ctx_team_lost(ctx) : 1;
}

/* core/pmix.c */
int floc_pmix_init(floc_ctx_t *ctx);
/* Publish blob under key, fence with data collection, fetch every peer's
 * blob of the same length into all[size * len]. */
int floc_pmix_allgather(floc_ctx_t *ctx, const char *key, const void *blob, size_t len, void *all);
/* A fence that keeps driving fabric progress, bounded by timeout seconds (0 = none). */
int floc_pmix_fence_progress(floc_ctx_t *ctx, double timeout);
void floc_pmix_finalize(floc_ctx_t *ctx);
/* Tell the launcher this locality ends the job with status (floc_abort). */
void floc_pmix_abort(floc_ctx_t *ctx, int status, const char *msg);

/* core/topo.c */
/* Keep hwloc's plugins floc does not need from loading (before PMIx_Init,
 * whose topology may be the process's first) */
void floc_topo_plugins(void);
int floc_topo_init(floc_ctx_t *ctx);
/* The binding local rank r of local_size on this node would get with
 * FLOC_BIND=how in topology (a hwloc_topology_t), the launcher leaving it
 * unbound: *resolved (auto made concrete) and its cpus as a list, "0-3"
 * (floc-info). */
int floc_topo_plan(void *topology, floc_bind_t how, int local_rank, int local_size,
                   floc_bind_t *resolved, char *cpus, size_t len);
int floc_topo_pin_thread(floc_ctx_t *ctx, pthread_t thread);
/* Worker threads a locality should run when FLOC_THREADS is not set: one
 * per core of its binding (1 when the node is oversubscribed). */
int floc_topo_default_workers(floc_ctx_t *ctx);
/* Pin worker `index` to one core of the locality's cpuset (round robin);
 * nothing when unbound by choice (FLOC_BIND=none) or oversubscribed. */
int floc_topo_pin_worker(floc_ctx_t *ctx, pthread_t thread, int index);
void floc_topo_fini(floc_ctx_t *ctx);

/* core/progress.c: register a progress hook (at init; FLOC_ERR_NOMEM
 * when the table is full). */
int floc_progress_hook_add(floc_ctx_t *ctx, floc_progress_fn progress, floc_dump_fn dump,
                           void *arg);
/* Wait until done(arg) is true, driving progress and backing off from
 * spinning to yielding to sleeping. */
typedef int (*floc_done_fn)(void *arg);
int floc_progress_wait(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout);
/* The same for a condition progress does not bring (the node segment's
 * flags): done() is polled first; the hooks every 4th poll while
 * spinning, every poll once yielding. */
int floc_progress_poll(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout);
/* floc_progress_wait for what completes itself when its own peer is
 * lost (request.h, own_loss): a loss elsewhere does not end it. */
int floc_progress_wait_own(floc_ctx_t *ctx, floc_done_fn done, void *arg, double timeout);
/* One round of progress: every hook in order.  Caller holds the lock. */
int floc_progress_once(floc_ctx_t *ctx);
/* The service, if due (floc_service_fn): 1 if it ran.  Caller does NOT
 * hold the lock. */
int floc_progress_service(floc_ctx_t *ctx);
/* Around a handler run outside the service (a remote action this locality
 * calls on itself): the service's turn, so that handlers never run
 * concurrently with each other (a progress thread serving others' calls
 * meanwhile).  enter waits until no other thread runs one and returns 1,
 * or 0 if this thread runs the service already; leave with that.
 * Caller does NOT hold the lock. */
int floc_progress_handler_enter(floc_ctx_t *ctx);
void floc_progress_handler_leave(floc_ctx_t *ctx, int took);
int floc_progress_thread_start(floc_ctx_t *ctx);
void floc_progress_thread_stop(floc_ctx_t *ctx);

/* Monotonic seconds. */
double floc_now(void);

#endif
