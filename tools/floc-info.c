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
#include "info.h"

#ifndef FLOC_VERSION_STRING
#define FLOC_VERSION_STRING "?"
#endif
#ifndef FLOC_BUILD_TYPE
#define FLOC_BUILD_TYPE "?"
#endif
#ifndef FLOC_BUILD_COMPILER
#define FLOC_BUILD_COMPILER "?"
#endif


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
    info_opts_t o = {0};
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
        return info_job();

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
        info_collectives(&o, &cfg);
    if (json) {
        json_close('}');
        printf("\n");
    }
    return 0;
}
