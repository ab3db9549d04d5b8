/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc-info - what floc found on this machine and how it is configured,
 * as fi_info / ompi_info / ucx_info do for theirs:
 *
 *   floc-info                  version, build, provider choice, topology, settings
 *   floc-info --all            and every provider found, every local rank's binding,
 *                              every collective's algorithms and the choice by size
 *   floc-info --param NAME     one setting: value, default, source, what it takes
 *   floc-info --json [...]     the same as JSON, for scripts
 *   floc-run -n N floc-info --job
 *                              what each locality of the job chose: node, local rank,
 *                              provider, binding, node segment (gathered, in order)
 *
 * Without --job it starts no job: the provider shown is the one a
 * locality would pick (floc_fabric_pick), the bindings those floc_init
 * would give (floc_topo_plan), the choices those of the collectives'
 * rules (floc_coll_choose) for a few job shapes (--shape P:NODES adds one).
 * Settings come from the one table (src/core/config.c), which also
 * writes the README's table and floc(7): --settings-format markdown|man.
 */
#define _GNU_SOURCE
#include <hwloc.h>
#include <pmix.h>
#include <rdma/fabric.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/ctx.h"
#include "coll/select.h"
#include "fabric/fabric.h"
#include "node/node.h"

#ifndef FLOC_VERSION_STRING
#define FLOC_VERSION_STRING "?"
#endif
#ifndef FLOC_BUILD_TYPE
#define FLOC_BUILD_TYPE "?"
#endif
#ifndef FLOC_BUILD_COMPILER
#define FLOC_BUILD_COMPILER "?"
#endif

typedef struct opts {
    int all, json, job;
    const char *param;
    const char *settings_format;   /* markdown, man: the settings table alone */
    int shape_p, shape_nodes;      /* --shape: one more job shape for the choices */
} opts_t;

/* ---- output: text or JSON, one writer ---------------------------------- */

static int json;
static int json_first = 1;   /* no comma before the next member */

static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_key(const char *key)
{
    if (!json_first)
        putchar(',');
    json_first = 0;
    if (key) {
        json_str(key);
        putchar(':');
    }
}

static void json_open(const char *key, char bracket)
{
    json_key(key);
    putchar(bracket);
    json_first = 1;
}

static void json_close(char bracket)
{
    putchar(bracket);
    json_first = 0;
}

static void json_kv(const char *key, const char *value)
{
    json_key(key);
    json_str(value);
}

static void json_kv_int(const char *key, long long v)
{
    json_key(key);
    printf("%lld", v);
}

/* ---- version and build ------------------------------------------------- */

static void version(void)
{
    const uint32_t fv = fi_version();
    char fabric[32], hw[32];
    snprintf(fabric, sizeof fabric, "%u.%u", FI_MAJOR(fv), FI_MINOR(fv));
    const unsigned hv = hwloc_get_api_version();
    char pmix[64];   /* "OpenPMIx 4.2.2 (PMIx Standard: ...)": its first words */
    snprintf(pmix, sizeof pmix, "%s", PMIx_Get_version());
    char *paren = strstr(pmix, " (");
    if (paren)
        *paren = '\0';
    snprintf(hw, sizeof hw, "%u.%u.%u", hv >> 16, (hv >> 8) & 0xff, hv & 0xff);
    if (json) {
        json_kv("version", FLOC_VERSION_STRING);
        json_open("build", '{');
        json_kv("type", FLOC_BUILD_TYPE);
        json_kv("compiler", FLOC_BUILD_COMPILER);
        json_kv("libfabric", fabric);
        json_kv("pmix", pmix);
        json_kv("hwloc", hw);
        json_close('}');
        return;
    }
    printf("floc %s (%s build, %s)\n", FLOC_VERSION_STRING, FLOC_BUILD_TYPE, FLOC_BUILD_COMPILER);
    printf("  libfabric %s, %s, hwloc %s (at run time)\n\n", fabric, pmix, hw);
}

/* ---- providers ---------------------------------------------------------- */

/* the distinct provider names of list, in order */
static int names_of(struct fi_info *list, char names[][64], int max)
{
    int n = 0;
    for (struct fi_info *i = list; i && n < max; i = i->next) {
        const char *name = i->fabric_attr->prov_name;
        int seen = 0;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(names[k], name) == 0;
        if (!seen)
            snprintf(names[n++], 64, "%s", name);
    }
    return n;
}

static void pick(const floc_config_t *cfg, int nodes, int local, const char *label)
{
    struct fi_info *info = NULL;
    char why[256] = "";
    const int ret = floc_fabric_pick(cfg, nodes, local, &info, why, sizeof why);
    const char *name = ret ? "none" : info->fabric_attr->prov_name;
    if (json) {
        json_open(NULL, '{');
        json_kv("job", label);
        json_kv("provider", name);
        json_kv("why", ret ? floc_strerror(ret) : why);
        json_close('}');
    } else {
        printf("  %-34s %s (%s)\n", label, name, ret ? floc_strerror(ret) : why);
    }
    if (info)
        fi_freeinfo(info);
}

static void providers(const floc_config_t *cfg, int all)
{
    if (json)
        json_open("providers", '{');
    else
        printf("Providers (libfabric)\n");
    if (all) {
        /* what libfabric has at all, and which of those floc can use
         * (reliable datagrams, tagged messages, RMA) */
        struct fi_info *every = NULL, *usable = NULL;
        char found[64][64], fit[64][64];
        int nf = 0, nu = 0;
        if (fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, NULL, &every) == 0)
            nf = names_of(every, found, 64);
        struct fi_info *h = fi_allocinfo();
        if (h) {
            h->caps = FI_MSG | FI_TAGGED | FI_RMA;
            h->ep_attr->type = FI_EP_RDM;
            if (fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, h, &usable) == 0)
                nu = names_of(usable, fit, 64);
            fi_freeinfo(h);
        }
        if (json)
            json_open("found", '[');
        for (int i = 0; i < nf; i++) {
            int ok = 0;
            for (int k = 0; k < nu && !ok; k++)
                ok = strcmp(found[i], fit[k]) == 0;
            if (json) {
                json_open(NULL, '{');
                json_kv("name", found[i]);
                json_kv_int("usable", ok);
                json_close('}');
            } else {
                printf("  %-34s %s\n", found[i],
                       ok ? "usable (RDM, tagged, RMA)" : "found, not usable by floc");
            }
        }
        /* layered ones (tcp;ofi_rxm) appear only among the usable */
        for (int k = 0; k < nu; k++) {
            int listed = 0;
            for (int i = 0; i < nf && !listed; i++)
                listed = strcmp(found[i], fit[k]) == 0;
            if (listed)
                continue;
            if (json) {
                json_open(NULL, '{');
                json_kv("name", fit[k]);
                json_kv_int("usable", 1);
                json_close('}');
            } else {
                printf("  %-34s usable (RDM, tagged, RMA)\n", fit[k]);
            }
        }
        if (json)
            json_close(']');
        if (every)
            fi_freeinfo(every);
        if (usable)
            fi_freeinfo(usable);
    }
    if (json)
        json_open("chosen", '[');
    else if (all)
        printf("  floc takes:\n");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    char label[64];
    snprintf(label, sizeof label, "one node, %ld localities", ncpu > 0 ? ncpu : 1);
    pick(cfg, 1, ncpu > 0 ? (int)ncpu : 1, label);
    pick(cfg, 2, 1, "several nodes, between them");
    if (json) {
        json_close(']');
        json_close('}');
    } else {
        printf("\n");
    }
}

/* ---- topology and binding ---------------------------------------------- */

static void topology(const floc_config_t *cfg, int all)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0) {
        fprintf(stderr, "floc-info: hwloc could not load the topology\n");
        return;
    }
    const int pkgs = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    const int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    const int pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    const int numa = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    char bind[16];
    floc_config_format(cfg, floc_config_setting("FLOC_BIND"), bind, sizeof bind);
    if (json) {
        json_open("topology", '{');
        json_kv_int("packages", pkgs);
        json_kv_int("cores", cores);
        json_kv_int("pus", pus);
        json_kv_int("numa_nodes", numa);
        json_kv("bind", bind);
        json_open("binding", '[');
    } else {
        printf("Topology (hwloc): %d package%s, %d core%s, %d PU%s, %d NUMA node%s\n", pkgs,
               pkgs == 1 ? "" : "s", cores, cores == 1 ? "" : "s", pus, pus == 1 ? "" : "s", numa,
               numa == 1 ? "" : "s");
    }
    /* a node full of localities, one per core (all: every local rank) */
    const int local = cores > 0 ? cores : 1;
    for (int r = 0; r < local && (all || r < 1); r++) {
        floc_bind_t how;
        char cpus[256] = "?";
        const int ret = floc_topo_plan(topo, cfg->bind, r, local, &how, cpus, sizeof cpus);
        static const char *const names[] = {"default", "auto", "none", "core", "socket"};
        const char *h = ret ? "none" : names[how];
        if (json) {
            json_open(NULL, '{');
            json_kv_int("local_rank", r);
            json_kv_int("local_size", local);
            json_kv("bind", h);
            json_kv("cpus", cpus);
            json_close('}');
        } else {
            printf("  local rank %d of %d (FLOC_BIND=%s): %s, cpus %s\n", r, local, bind,
                   h, cpus);
        }
    }
    if (json) {
        json_close(']');
        json_close('}');
    } else {
        printf("\n");
    }
    hwloc_topology_destroy(topo);
}

/* ---- settings ------------------------------------------------------------ */

static void one_setting(const floc_config_t *cfg, const floc_setting_t *s, int verbose)
{
    char value[128];
    const char *env = getenv(s->name);
    if (s->kind == FLOC_SET_OTHER)
        snprintf(value, sizeof value, "%s", env && *env ? env : s->def);
    else
        floc_config_format(cfg, s, value, sizeof value);
    const char *source = env && *env ? "environment" : "default";
    if (json) {
        json_open(NULL, '{');
        json_kv("name", s->name);
        json_kv("value", value);
        json_kv("default", s->def);
        json_kv("source", source);
        json_kv("subsystem", s->subsystem);
        json_kv("accepts", s->accepts);
        json_kv("description", s->what);
        json_close('}');
    } else if (verbose) {
        printf("%s\n  value:     %s\n  default:   %s\n  source:    %s\n  accepts:   %s\n"
               "  subsystem: %s\n  %s\n",
               s->name, value, s->def, source, s->accepts, s->subsystem, s->what);
    } else {
        printf("  %-26s %-14s %-8s %s\n", s->name, value, strcmp(source, "default") ? "env" : "",
               s->what);
    }
}

static void settings(const floc_config_t *cfg)
{
    size_t n;
    const floc_setting_t *t = floc_config_settings(&n);
    if (json)
        json_open("settings", '[');
    else
        printf("Settings (%s, value, from the environment?, what)\n", "name");
    for (size_t i = 0; i < n; i++)
        one_setting(cfg, &t[i], 0);
    if (json)
        json_close(']');
    else
        printf("\n");
}

/* the table alone, for the README (markdown) and floc(7) (man) */
static void settings_table(const char *format)
{
    size_t n;
    const floc_setting_t *t = floc_config_settings(&n);
    const int man = strcmp(format, "man") == 0;
    if (!man)
        printf("| variable | what | takes | default |\n|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        if (man)
            printf(".TP\n.B %s\n%s.\nTakes %s; default: %s.\n", t[i].name, t[i].what,
                   t[i].accepts, t[i].def);
        else
            printf("| `%s` | %s | %s | `%s` |\n", t[i].name, t[i].what, t[i].accepts, t[i].def);
    }
}

/* ---- collectives ---------------------------------------------------------- */

static void size_text(size_t b, char *buf, size_t len)
{
    if (b >= (1u << 20) && b % (1u << 20) == 0)
        snprintf(buf, len, "%zu MiB", b >> 20);
    else if (b >= 1024 && b % 1024 == 0)
        snprintf(buf, len, "%zu KiB", b >> 10);
    else
        snprintf(buf, len, "%zu B", b);
}

/* kind's choice by size under w, as ranges: "0 B-4 KiB recursive_doubling, ..." */
static void choices(const floc_coll_where_t *w, floc_coll_kind_t kind)
{
    const floc_coll_alg_t *prev = NULL;
    size_t from = 0;
    char a[32], b[32];
    for (size_t bytes = 0;; bytes = bytes ? bytes * 2 : 1) {
        const int end = bytes > ((size_t)64 << 20);
        const floc_coll_alg_t *alg = end ? NULL : floc_coll_choose(w, kind, bytes, 0);
        if (bytes && (alg != prev || end)) {
            size_text(from, a, sizeof a);
            size_text(bytes / 2, b, sizeof b);
            if (json) {
                json_open(NULL, '{');
                json_kv_int("from", (long long)from);
                json_kv_int("to", (long long)(end ? bytes / 2 : bytes / 2));
                json_kv("algorithm", prev ? prev->name : "none");
                json_close('}');
            } else {
                printf(" %s%s%s %s;", a, strcmp(a, b) ? "-" : "", strcmp(a, b) ? b : "",
                       prev ? prev->name : "none");
            }
            from = bytes;
        }
        if (end)
            break;
        if (!bytes)
            from = 0;
        prev = alg;
        if (!bytes)
            continue;
    }
}

static void collectives(const opts_t *o, const floc_config_t *cfg)
{
    size_t n;
    const floc_coll_alg_t *algs = floc_coll_algs(&n);
    const size_t seg = 65536;
    struct {
        const char *label;
        floc_coll_where_t w;
    } shapes[4] = {
        {"one node, 4 localities (node segment)",
         {.p = 4, .nodes = 1, .segment = 1, .segment_max = seg, .cma = 1}},
        {"16 nodes x 8 (hierarchical)",
         {.p = 128, .nodes = 16, .hier = 1, .hier_small_max = 8192, .hier_max = SIZE_MAX}},
        {"64 nodes x 1 (fabric)", {.p = 64, .nodes = 64}},
    };
    int nshapes = 3;
    char custom[64];
    if (o->shape_p > 0) {
        const int nodes = o->shape_nodes > 0 ? o->shape_nodes : 1, per = o->shape_p / nodes;
        snprintf(custom, sizeof custom, "%d localities on %d node%s", o->shape_p, nodes,
                 nodes == 1 ? "" : "s");
        shapes[nshapes].label = custom;
        shapes[nshapes++].w = (floc_coll_where_t){
            .p = o->shape_p, .nodes = nodes, .segment = nodes == 1, .segment_max = seg,
            .cma = nodes == 1, .hier = nodes > 1 && per > 1, .hier_small_max = 8192,
            .hier_max = SIZE_MAX};
    }
    if (json)
        json_open("collectives", '[');
    else
        printf("Collectives: algorithms (FLOC_<COLL>_ALGO forces one) and the rules' choice by "
               "bytes per locality (sampled at powers of two)\n");
    for (int k = 0; k < FLOC_COLL_KINDS; k++) {
        const char *forced = cfg->coll_algo[k];
        if (json) {
            json_open(NULL, '{');
            json_kv("collective", floc_coll_kind_name((floc_coll_kind_t)k));
            json_kv("variable", floc_config_algo_var(k));
            json_kv("forced", forced);
            json_open("algorithms", '[');
        } else {
            printf("  %s (%s%s%s):", floc_coll_kind_name((floc_coll_kind_t)k),
                   floc_config_algo_var(k), *forced ? "=" : "", forced);
        }
        for (size_t i = 0; i < n; i++)
            if (algs[i].kind == (floc_coll_kind_t)k) {
                if (json)
                    json_kv(NULL, algs[i].name);
                else
                    printf(" %s", algs[i].name);
            }
        if (json) {
            json_close(']');
            json_open("choice", '[');
        } else {
            printf("\n");
        }
        for (int s = 0; s < nshapes; s++) {
            if (json) {
                json_open(NULL, '{');
                json_kv("job", shapes[s].label);
                json_open("by_size", '[');
            } else {
                printf("    %s:", shapes[s].label);
            }
            choices(&shapes[s].w, (floc_coll_kind_t)k);
            if (json) {
                json_close(']');
                json_close('}');
            } else {
                printf("\n");
            }
        }
        if (json) {
            json_close(']');
            json_close('}');
        }
    }
    if (json)
        json_close(']');
    else
        printf("\n");
}

/* ---- --job: each locality of a running job --------------------------------- */

#define RECORD 640

static int job(void)
{
    floc_ctx_t *ctx;
    int ret = floc_init(NULL, NULL, NULL, &ctx);
    if (ret) {
        fprintf(stderr, "floc-info --job: floc_init: %s\n", floc_strerror(ret));
        return 1;
    }
    const int me = floc_locality_id(ctx), p = floc_num_localities(ctx);
    char host[128] = "?", cpus[256] = "?";
    gethostname(host, sizeof host);
    hwloc_bitmap_list_snprintf(cpus, sizeof cpus, ctx->topo.cpuset);
    const floc_node_t *n = ctx->node;
    char mine[RECORD];
    snprintf(mine, sizeof mine, "%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%zu", me, host,
             floc_node_id(ctx), floc_local_rank(ctx), floc_local_size(ctx),
             floc_provider_name(ctx), cpus, ctx->topo.bound ? "bound" : "unbound",
             n->enabled ? n->max : 0);
    char *all = me == 0 ? malloc((size_t)p * RECORD) : NULL;
    if (me == 0 && !all) {
        floc_finalize(ctx);
        return 1;
    }
    ret = floc_gather(ctx, mine, all, RECORD, FLOC_BYTE, 0);
    if (!ret && me == 0) {
        if (json) {
            json_first = 1;
            json_open(NULL, '{');
            json_kv_int("localities", p);
            json_kv_int("nodes", floc_num_nodes(ctx));
            json_open("job", '[');
        } else {
            printf("%d localities on %d node%s\n", p, floc_num_nodes(ctx),
                   floc_num_nodes(ctx) == 1 ? "" : "s");
        }
        for (int r = 0; r < p; r++) {
            char *f[9], *save = NULL, *rec = all + (size_t)r * RECORD;
            rec[RECORD - 1] = '\0';
            for (int i = 0; i < 9; i++)
                f[i] = strtok_r(i ? NULL : rec, "\t", &save);
            if (!f[8])
                continue;
            if (json) {
                json_open(NULL, '{');
                json_kv_int("locality", atoi(f[0]));
                json_kv("host", f[1]);
                json_kv_int("node", atoi(f[2]));
                json_kv_int("local_rank", atoi(f[3]));
                json_kv_int("local_size", atoi(f[4]));
                json_kv("provider", f[5]);
                json_kv("cpus", f[6]);
                json_kv("binding", f[7]);
                json_kv_int("node_segment_bytes", atoll(f[8]));
                json_close('}');
            } else {
                printf("locality %s: node %s (%s), local rank %s of %s, provider %s, cpus %s "
                       "(%s), node segment %s\n",
                       f[0], f[2], f[1], f[3], f[4], f[5], f[6], f[7],
                       atoll(f[8]) ? f[8] : "none");
            }
        }
        if (json) {
            json_close(']');
            json_close('}');
            printf("\n");
        }
    }
    free(all);
    const int fin = floc_finalize(ctx);
    if (ret || fin) {
        fprintf(stderr, "floc-info --job: %s\n", floc_strerror(ret ? ret : fin));
        return 1;
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------- */

static const char *env_get(const char *name, void *arg)
{
    (void)arg;
    return getenv(name);
}

static void usage(FILE *to)
{
    fprintf(to,
            "floc-info %s: what floc finds on this machine and how it is set\n"
            "usage: floc-info [--all] [--json] [--shape P:NODES]\n"
            "       floc-info --param NAME [--json]\n"
            "       floc-run -n N floc-info --job [--json]\n"
            "       floc-info --settings-format markdown|man\n"
            "Without options: the version and build, the libfabric provider a locality\n"
            "would take and why, the topology and the binding a locality would get, and\n"
            "every FLOC_* setting with its value and whether the environment set it.\n"
            "  -a, --all           also every provider found, every local rank's binding,\n"
            "                      each collective's algorithms and the rules' choice by size\n"
            "  --json              the same as one JSON object, for scripts\n"
            "  --param NAME        one setting: value, default, source, what it takes\n"
            "  --shape P:NODES     add a job of P localities on NODES nodes to the choices\n"
            "  --job               under a launcher: what each locality chose (node, local\n"
            "                      rank, provider, binding, node segment), in order\n"
            "  --settings-format F the settings table alone, as markdown or man (tbl)\n"
            "  -h, --help          this text\n"
            "  --version           the version\n",
            FLOC_VERSION_STRING);
}

int main(int argc, char **argv)
{
    opts_t o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--all") || !strcmp(a, "-a")) {
            o.all = 1;
        } else if (!strcmp(a, "--json")) {
            o.json = 1;
        } else if (!strcmp(a, "--job")) {
            o.job = 1;
        } else if (!strcmp(a, "--param") && i + 1 < argc) {
            o.param = argv[++i];
        } else if (!strcmp(a, "--settings-format") && i + 1 < argc) {
            o.settings_format = argv[++i];
        } else if (!strcmp(a, "--shape") && i + 1 < argc) {
            if (sscanf(argv[++i], "%d:%d", &o.shape_p, &o.shape_nodes) < 1 || o.shape_p < 1 ||
                o.shape_nodes < 0 || o.shape_p > (1 << 24)) {
                fprintf(stderr, "floc-info: --shape takes P[:NODES], e.g. 1024:64\n");
                return 2;
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("floc-info %s\n", FLOC_VERSION_STRING);
            return 0;
        } else {
            fprintf(stderr, "floc-info: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    json = o.json;
    if (o.settings_format) {
        if (strcmp(o.settings_format, "markdown") && strcmp(o.settings_format, "man")) {
            fprintf(stderr, "floc-info: --settings-format takes markdown or man\n");
            return 2;
        }
        settings_table(o.settings_format);
        return 0;
    }
    if (o.job)
        return job();

    floc_log_init();
    floc_config_t cfg;
    if (floc_config_load(&cfg, env_get, NULL, NULL)) {
        fprintf(stderr, "floc-info: a FLOC_* variable is not valid (above)\n");
        return 1;
    }
    if (o.param) {
        const floc_setting_t *s = floc_config_setting(o.param);
        if (!s) {
            fprintf(stderr, "floc-info: %s is not a floc setting (floc-info lists them)\n",
                    o.param);
            return 1;
        }
        if (json)
            json_first = 1;
        one_setting(&cfg, s, 1);
        if (json)
            printf("\n");
        return 0;
    }
    if (json)
        json_open(NULL, '{');
    version();
    providers(&cfg, o.all);
    topology(&cfg, o.all);
    settings(&cfg);
    if (o.all || o.shape_p)
        collectives(&o, &cfg);
    if (json) {
        json_close('}');
        printf("\n");
    }
    return 0;
}
