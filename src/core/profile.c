/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * profile.c - FLOC_PROFILE (profile.h).
 *
 * The counting is the tool layer's (tool.c: a block per thread, no
 * atomics on the way); this is the report.  Times: the tool layer times
 * 1 call in `sample` of each kind, and every call of a kind whose timed
 * calls are slow; a kind's total is its timed calls' time scaled to all
 * its calls (exact when every call was timed, as the report says).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "profile.h"
#include "tool.h"

static int running;

int floc_profile_start(const floc_config_t *cfg)
{
    floc_tool_profile_start(cfg->profile_sample);
    running = 1;
    return 0;
}

int floc_profile_running(void)
{
    return running;
}

void floc_profile_stop(void)
{
    if (running)
        floc_tool_profile_stop();
    running = 0;
}

static void pack_block(const floc_prof_block_t *b, void *arg)
{
    uint64_t *out = arg;
    for (int k = 0; k < FLOC_TOOL_OPS; k++) {
        const floc_prof_op_t *o = &b->op[k];
        uint64_t *w = out + (size_t)k * FLOC_PROFILE_FIELDS;
        w[0] += o->calls;
        w[1] += o->bytes;
        /* the untimed calls as long as the timed ones, on average */
        w[2] += o->timed ? (uint64_t)((double)o->ns * (double)o->calls / (double)o->timed) : 0;
        w[3] = o->max_ns > w[3] ? o->max_ns : w[3];
        w[4] += o->timed;
    }
}

void floc_profile_pack(uint64_t out[FLOC_PROFILE_WORDS])
{
    memset(out, 0, FLOC_PROFILE_WORDS * sizeof *out);
    floc_tool_profile_visit(pack_block, out);
}

static void human_bytes(double b, char *buf, size_t len)
{
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

/* this process's algorithms of op k, summed over threads */
typedef struct alg_sum {
    int k, n;
    floc_prof_alg_t sum[FLOC_PROF_ALGS * 4];
} alg_sum_t;

static void sum_algorithms(const floc_prof_block_t *b, void *arg)
{
    alg_sum_t *s = arg;
    for (int i = 0; i < FLOC_PROF_ALGS && b->op[s->k].algs[i].name; i++) {
        const floc_prof_alg_t *a = &b->op[s->k].algs[i];
        int j = 0;
        while (j < s->n && s->sum[j].name != a->name)
            j++;
        if (j == s->n) {
            if (s->n < (int)(sizeof s->sum / sizeof s->sum[0]))
                s->sum[s->n++] = *a;
            continue;
        }
        floc_prof_alg_t *t = &s->sum[j];
        t->calls += a->calls;
        t->bytes += a->bytes;
        t->min_bytes = a->min_bytes < t->min_bytes ? a->min_bytes : t->min_bytes;
        t->max_bytes = a->max_bytes > t->max_bytes ? a->max_bytes : t->max_bytes;
    }
}

/* "shm 1200 x 8 B-1 KB, ..." */
static void algorithms(int k, char *buf, size_t len)
{
    alg_sum_t s = {.k = k};
    floc_tool_profile_visit(sum_algorithms, &s);
    size_t at = 0;
    buf[0] = '\0';
    for (int j = 0; j < s.n && at < len; j++) {
        char lo[32], hi[32];
        human_bytes((double)s.sum[j].min_bytes, lo, sizeof lo);
        human_bytes((double)s.sum[j].max_bytes, hi, sizeof hi);
        const int one = s.sum[j].min_bytes == s.sum[j].max_bytes;
        at += (size_t)snprintf(buf + at, len - at, "%s%s %llu x %s%s%s", j ? ", " : "",
                               s.sum[j].name, (unsigned long long)s.sum[j].calls, lo,
                               one ? "" : "-", one ? "" : hi);
    }
}

/* one row's numbers (packed: one locality's counts, or the job's sums
 * with the largest time of any) */
typedef struct row {
    uint64_t calls, bytes, ns, max_ns, timed;
} row_t;

static row_t row_of(const uint64_t *packed, int k)
{
    const uint64_t *w = packed + (size_t)k * FLOC_PROFILE_FIELDS;
    return (row_t){w[0], w[1], w[2], w[3], w[4]};
}

static void write_file(const floc_config_t *cfg, int who, int n, const uint64_t *packed)
{
    char path[sizeof cfg->profile_file + 16];
    if (who >= 0 && n == 1 && cfg->profile == FLOC_PROFILE_EACH)
        snprintf(path, sizeof path, "%s.%d", cfg->profile_file, who);
    else
        snprintf(path, sizeof path, "%s", cfg->profile_file);
    FILE *f = fopen(path, "w");
    if (!f) {
        FLOC_WARN(FLOC_LOG_CORE, "FLOC_PROFILE_FILE: cannot write %s", path);
        return;
    }
    const size_t len = strlen(cfg->profile_file);
    const int json = len > 5 && strcmp(cfg->profile_file + len - 5, ".json") == 0;
    if (json)
        fprintf(f, "{\"localities\": %d, \"locality\": %d, \"ops\": [", n, who);
    else
        fprintf(f, "op,calls,bytes,total_s,mean_us,max_us,timed_calls\n");
    int first = 1;
    for (int k = 0; k < FLOC_TOOL_OPS; k++) {
        const row_t r = row_of(packed, k);
        if (!r.calls)
            continue;
        const double total = (double)r.ns * 1e-9, mean = (double)r.ns * 1e-3 / (double)r.calls;
        if (json) {
            char algs[512];
            algorithms(k, algs, sizeof algs);
            fprintf(f, "%s\n {\"op\": \"%s\", \"calls\": %llu, \"bytes\": %llu, \"total_s\": %.9f, "
                       "\"mean_us\": %.3f, \"max_us\": %.3f, \"timed_calls\": %llu, "
                       "\"algorithms\": \"%s\"}",
                    first ? "" : ",", floc_tool_op_name((floc_tool_op_t)k),
                    (unsigned long long)r.calls, (unsigned long long)r.bytes, total, mean,
                    (double)r.max_ns * 1e-3, (unsigned long long)r.timed, algs);
        } else {
            fprintf(f, "%s,%llu,%llu,%.9f,%.3f,%.3f,%llu\n", floc_tool_op_name((floc_tool_op_t)k),
                    (unsigned long long)r.calls, (unsigned long long)r.bytes, total, mean,
                    (double)r.max_ns * 1e-3, (unsigned long long)r.timed);
        }
        first = 0;
    }
    if (json)
        fprintf(f, "\n]}\n");
    fclose(f);
}

void floc_profile_report(const floc_config_t *cfg, int who, int n, const uint64_t *packed)
{
    char head[96];
    if (n == 1 && who >= 0)
        snprintf(head, sizeof head, "locality %d", who);
    else
        snprintf(head, sizeof head, "%d localities, summed (largest time: of any)", n);
    int every = 1;
    for (int k = 0; k < FLOC_TOOL_OPS; k++) {
        const row_t r = row_of(packed, k);
        every = every && r.timed == r.calls;
    }
    char out[8192];
    size_t at = 0;
#define ADD(...)                                                                                  \
    (at += at < sizeof out ? (size_t)snprintf(out + at, sizeof out - at, __VA_ARGS__) : 0)
    ADD("floc profile: %s; times %s\n", head,
        every ? "of every call" : "estimated from the calls timed (FLOC_PROFILE_SAMPLE)");
    ADD("  %-14s %10s %10s %10s %9s %9s  %s\n", "operation", "calls", "bytes", "total s",
        "mean us", "max us", "algorithms (calls x bytes per locality)");
    for (int k = 0; k < FLOC_TOOL_OPS; k++) {
        const row_t r = row_of(packed, k);
        if (!r.calls)
            continue;
        char bytes[32], algs[512] = "";
        human_bytes((double)r.bytes, bytes, sizeof bytes);
        if (k < FLOC_TOOL_SEND)
            algorithms(k, algs, sizeof algs);
        ADD("  %-14s %10llu %10s %10.6f %9.2f %9.2f  %s%s\n",
            k == FLOC_TOOL_WAIT ? "wait (nonbl.)" : floc_tool_op_name((floc_tool_op_t)k),
            (unsigned long long)r.calls, bytes, (double)r.ns * 1e-9,
            (double)r.ns * 1e-3 / (double)r.calls, (double)r.max_ns * 1e-3, algs,
            algs[0] && n > 1 ? " (locality 0's)" : "");
    }
#undef ADD
    fputs(out, stderr);
    fflush(stderr);
    if (cfg->profile_file[0])
        write_file(cfg, who, n, packed);
    floc_tool_profile_clear();
}
