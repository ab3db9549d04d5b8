/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * info_coll.c - floc-info's collectives: each kind's algorithms and the
 * rules' choice by bytes per locality for a few job shapes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "coll/select.h"
#include "info.h"

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

/* kind's rules, in order: the first that holds and whose algorithm can
 * run where the job runs is taken (select.c) */
static void rules(floc_coll_kind_t kind)
{
    size_t n;
    const floc_coll_rule_t *r = floc_coll_rules(&n);
    for (size_t i = 0; i < n; i++) {
        if (r[i].kind != kind)
            continue;
        char when[160] = "", a[32], b[32];
        size_t at = 0;
        if (r[i].pmin || r[i].pmax) {
            char hi[16] = "any";
            if (r[i].pmax)
                snprintf(hi, sizeof hi, "%d", r[i].pmax);
            at += (size_t)snprintf(when + at, sizeof when - at, "p %d-%s",
                                   r[i].pmin ? r[i].pmin : 1, hi);
        }
        if ((r[i].bmin || r[i].bmax) && at < sizeof when) {
            size_text(r[i].bmin, a, sizeof a);
            if (r[i].bmax)
                size_text(r[i].bmax, b, sizeof b);
            at += (size_t)snprintf(when + at, sizeof when - at, "%sbytes %s-%s", at ? ", " : "",
                                   a, r[i].bmax ? b : "any");
        }
        if (r[i].per_rank_below && at < sizeof when) {
            size_text(r[i].per_rank_below, a, sizeof a);
            at += (size_t)snprintf(when + at, sizeof when - at, "%sbytes/p below %s",
                                   at ? ", " : "", a);
        }
        if (r[i].min_nodes && at < sizeof when)
            at += (size_t)snprintf(when + at, sizeof when - at, "%s%d nodes or more",
                                   at ? ", " : "", r[i].min_nodes);
        if (r[i].one_per_node && at < sizeof when)
            at += (size_t)snprintf(when + at, sizeof when - at, "%sone locality a node",
                                   at ? ", " : "");
        if (json) {
            json_open(NULL, '{');
            json_kv("algorithm", r[i].alg);
            json_kv("when", at ? when : "always");
            json_close('}');
        } else {
            printf("    rule: %-20s %s\n", r[i].alg, at ? when : "always");
        }
    }
}

void info_collectives(const info_opts_t *o, const floc_config_t *cfg)
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
        printf("Collectives: algorithms (FLOC_<COLL>_ALGO forces one); the rules in order (the "
               "first that holds and can run where the job runs wins); their choice by bytes "
               "per locality (sampled at powers of two)\n");
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
            json_open("rules", '[');
        } else {
            printf("\n");
        }
        rules((floc_coll_kind_t)k);
        if (json) {
            json_close(']');
            json_open("choice", '[');
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

