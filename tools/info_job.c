/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * info_job.c - floc-info --job: under a launcher, what each locality
 * chose (host, node, local rank, provider, cpus, node segment), gathered
 * at locality 0 and printed in order.
 */
#define _GNU_SOURCE
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ctx.h"
#include "info.h"
#include "node/node.h"

#define RECORD 640

int info_job(void)
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

