/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * topo.c - hwloc: load the topology once, bind the locality to its share
 * of the node's cores, pin floc's threads inside that share.
 *
 * Share: the node's allowed cores split into local_size contiguous,
 * near-equal ranges, range local_rank for this locality.  With more
 * localities than cores (oversubscription) "auto" leaves the process
 * unbound, as Open MPI does, so the kernel can balance; "core" then binds
 * round-robin to single cores.
 */
#include <hwloc.h>
#include <stdlib.h>

#include "ctx.h"
#include "partition.h"

static int share_cpuset(hwloc_topology_t topo, int local_rank, int local_size, floc_bind_t how,
                        hwloc_bitmap_t out)
{
    int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    hwloc_obj_type_t unit = HWLOC_OBJ_CORE;
    if (ncores <= 0) {
        unit = HWLOC_OBJ_PU;
        ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    }
    if (ncores <= 0)
        return FLOC_ERR_SYSTEM;

    int first, last;
    if (local_size <= ncores) {
        first = (int)floc_block_start((size_t)ncores, local_size, local_rank);
        last = (int)floc_block_start((size_t)ncores, local_size, local_rank + 1) - 1;
    } else {
        first = last = local_rank % ncores;
    }
    hwloc_bitmap_zero(out);
    for (int i = first; i <= last; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, unit, (unsigned)i);
        if (o && o->cpuset)
            hwloc_bitmap_or(out, out, o->cpuset);
    }
    if (how == FLOC_BIND_SOCKET) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, unit, (unsigned)first);
        hwloc_obj_t pkg =
            core ? hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, core) : NULL;
        if (pkg && pkg->cpuset)
            hwloc_bitmap_copy(out, pkg->cpuset);
    }
    return hwloc_bitmap_iszero(out) ? FLOC_ERR_SYSTEM : 0;
}

/* FLOC_BIND_AUTO made concrete: keep the launcher's binding, none when
 * oversubscribed or alone (the kernel balances), else a share of cores */
static floc_bind_t resolve(floc_bind_t how, int launcher_bound, int local_size, int ncores)
{
    if (how != FLOC_BIND_AUTO)
        return how;
    if (launcher_bound || local_size > ncores || local_size <= 1)
        return FLOC_BIND_NONE;
    return FLOC_BIND_CORE;
}

int floc_topo_plan(void *topology, floc_bind_t how, int local_rank, int local_size,
                   floc_bind_t *resolved, char *cpus, size_t len)
{
    hwloc_topology_t topo = topology;
    *resolved = resolve(how, 0, local_size, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE));
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set)
        return FLOC_ERR_NOMEM;
    int ret = 0;
    if (*resolved == FLOC_BIND_NONE)
        hwloc_bitmap_copy(set, hwloc_topology_get_allowed_cpuset(topo));
    else
        ret = share_cpuset(topo, local_rank, local_size, *resolved, set);
    if (!ret)
        hwloc_bitmap_list_snprintf(cpus, len, set);
    hwloc_bitmap_free(set);
    return ret;
}

/*
 * hwloc loads its plugins (dlopen, with their libraries) for the first
 * topology of the process, PMIx's or ours, whatever the filters say
 * afterwards.  floc wants cores and packages only.  libxml2's XML
 * backend (hwloc keeps its own parser without it) and the GL and OpenCL
 * ones were 2.6 MiB of every locality's resident memory
 * (perf/footprint.sh, 2 localities: 12.9 -> 10.3 MiB; libxml2 with ICU
 * 1.9 of it), and OpenCL would start the GPU drivers in every locality.
 * A blacklist the user set (even an empty one) is kept.
 */
void floc_topo_plugins(void)
{
    setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_xml_libxml,hwloc_gl,hwloc_opencl", 0);
}

int floc_topo_init(floc_ctx_t *ctx)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0) {
        FLOC_ERROR(FLOC_LOG_TOPO, "hwloc could not load the topology");
        return FLOC_ERR_SYSTEM;
    }
    hwloc_bitmap_t cur = hwloc_bitmap_alloc();
    hwloc_bitmap_t want = hwloc_bitmap_alloc();
    if (!cur || !want) {
        hwloc_bitmap_free(cur);
        hwloc_bitmap_free(want);
        hwloc_topology_destroy(topo);
        return FLOC_ERR_NOMEM;
    }
    ctx->topo.topology = topo;
    ctx->topo.cpuset = cur;

    if (hwloc_get_cpubind(topo, cur, HWLOC_CPUBIND_PROCESS) < 0)
        hwloc_bitmap_copy(cur, hwloc_topology_get_allowed_cpuset(topo));
    const int launcher_bound =
        !hwloc_bitmap_isincluded(hwloc_topology_get_allowed_cpuset(topo), cur);
    int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int npus = hwloc_bitmap_weight(hwloc_topology_get_allowed_cpuset(topo));
    ctx->topo.oversubscribed = npus > 0 && ctx->local_size > npus;
    if (ctx->cfg.spin_count == FLOC_SPIN_AUTO) {
        ctx->cfg.spin_count = ctx->topo.oversubscribed ? 0 : FLOC_SPIN_DEFAULT;
        ctx->topo.spin_for = FLOC_SPIN_TIME;
    }
    if (ctx->cfg.bind == FLOC_BIND_AUTO && launcher_bound)
        FLOC_INFO(FLOC_LOG_TOPO, "launcher bound this locality already: keeping it");
    const floc_bind_t how = resolve(ctx->cfg.bind, launcher_bound, ctx->local_size, ncores);
    if (how != FLOC_BIND_NONE) {
        if (share_cpuset(topo, ctx->local_rank, ctx->local_size, how, want) == 0 &&
            hwloc_set_cpubind(topo, want, HWLOC_CPUBIND_PROCESS) == 0) {
            hwloc_bitmap_copy(cur, want);
            ctx->topo.bound = 1;
        } else {
            /* Binding is an optimisation: run unbound rather than fail. */
            FLOC_WARN(FLOC_LOG_TOPO, "could not bind local rank %d of %d; running unbound",
                      ctx->local_rank, ctx->local_size);
        }
    }
    if (floc_log_enabled(FLOC_LOG_INFO, FLOC_LOG_TOPO)) {
        char *s = NULL;
        hwloc_bitmap_list_asprintf(&s, cur);
        FLOC_INFO(FLOC_LOG_TOPO, "cpuset %s (%s)", s ? s : "?",
                  ctx->topo.bound ? "bound" : "unbound");
        free(s);
    }
    hwloc_bitmap_free(want);
    return 0;
}

int floc_topo_pin_thread(floc_ctx_t *ctx, pthread_t thread)
{
    if (!ctx->topo.topology || !ctx->topo.bound)
        return 0;
    if (hwloc_set_thread_cpubind(ctx->topo.topology, thread, ctx->topo.cpuset, 0) < 0) {
        FLOC_WARN(FLOC_LOG_TOPO, "could not pin a thread inside the locality's cpuset");
        return FLOC_ERR_SYSTEM;
    }
    return 0;
}

/* Cores of the locality's cpuset (its binding, or what it may use). */
static int cpuset_cores(floc_ctx_t *ctx)
{
    hwloc_topology_t topo = ctx->topo.topology;
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, ctx->topo.cpuset, HWLOC_OBJ_CORE);
    if (n <= 0)
        n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, ctx->topo.cpuset, HWLOC_OBJ_PU);
    return n > 0 ? n : 1;
}

int floc_topo_default_workers(floc_ctx_t *ctx)
{
    if (!ctx->topo.topology || ctx->topo.oversubscribed)
        return 1;   /* no core of our own: more threads only fight the other localities */
    if (ctx->topo.bound)
        return cpuset_cores(ctx);
    /* unbound: this locality's fair share of the cores it may use */
    int n = cpuset_cores(ctx) / (ctx->local_size > 0 ? ctx->local_size : 1);
    return n > 0 ? n : 1;
}

int floc_topo_pin_worker(floc_ctx_t *ctx, pthread_t thread, int index)
{
    if (!ctx->topo.topology || ctx->topo.oversubscribed || ctx->cfg.bind == FLOC_BIND_NONE)
        return 0;
    hwloc_topology_t topo = ctx->topo.topology;
    hwloc_obj_type_t unit = HWLOC_OBJ_CORE;
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, ctx->topo.cpuset, unit);
    if (n <= 0) {
        unit = HWLOC_OBJ_PU;
        n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, ctx->topo.cpuset, unit);
    }
    if (n <= 0)
        return 0;
    hwloc_obj_t o = hwloc_get_obj_inside_cpuset_by_type(topo, ctx->topo.cpuset, unit,
                                                        (unsigned)(index % n));
    if (!o || !o->cpuset)
        return 0;
    hwloc_bitmap_t set = hwloc_bitmap_dup(o->cpuset);
    if (!set)
        return FLOC_ERR_NOMEM;
    hwloc_bitmap_and(set, set, ctx->topo.cpuset);
    int ret = 0;
    if (hwloc_set_thread_cpubind(topo, thread, set, 0) < 0) {
        FLOC_WARN(FLOC_LOG_TOPO, "could not pin worker thread %d to its core", index);
        ret = FLOC_ERR_SYSTEM;
    }
    hwloc_bitmap_free(set);
    return ret;
}

void floc_topo_fini(floc_ctx_t *ctx)
{
    if (ctx->topo.cpuset)
        hwloc_bitmap_free(ctx->topo.cpuset);
    if (ctx->topo.topology)
        hwloc_topology_destroy(ctx->topo.topology);
    ctx->topo.cpuset = NULL;
    ctx->topo.topology = NULL;
}
