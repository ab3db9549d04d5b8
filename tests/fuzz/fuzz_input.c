/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_input.c - libFuzzer target for what floc reads from outside: the
 * FLOC_* environment (every variable at once, values from the input),
 * the log settings, heartbeat-watcher messages (src/fabric/liveness.c),
 * and remote keys as they arrive from peers (an
 * arbitrary floc_rkey_t (40 bytes) handed to floc_get/floc_put/fetch_add on a
 * singleton context: every one must be refused or served, never crash).
 *
 * A key whose integrity check passes is trusted by design (the check
 * catches corruption, not forgery by a process of the job): libFuzzer's
 * comparison tracing forges one within seconds.  A key of this locality's
 * own is also checked against its live registrations (a forged or stale
 * one sent the shm provider a transfer to itself that never completed:
 * a hang, found here), so every key that is not the window's exact one
 * must be refused, whatever the call, and nothing may wait forever.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFLOC_FUZZ=ON
 *   build-fuzz/tests/fuzz_input -max_total_time=60 build-fuzz/fuzz-corpus
 *
 * Input layout: a key (sizeof floc_rkey_t bytes), 8 bytes of offset/length, then
 * NUL-separated strings, the values of the variables in `vars` order.
 */
#define _POSIX_C_SOURCE 200809L   /* setenv */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fabric/fabric.h"
#include "floc.h"
#include "log.h"

static const char *const vars[] = {
    "FLOC_PROVIDER", "FLOC_BIND", "FLOC_PROGRESS", "FLOC_WAIT_TIMEOUT", "FLOC_FINALIZE_TIMEOUT",
    "FLOC_SPIN", "FLOC_MR_CACHE", "FLOC_MR_CACHE_SIZE", "FLOC_NODE_COLL_MAX", "FLOC_THREADS",
    "FLOC_MSG_CREDIT",
    "FLOC_BARRIER_ALGO", "FLOC_BCAST_ALGO", "FLOC_ALLREDUCE_ALGO", "FLOC_GATHER_ALGO",
    "FLOC_PEER_TIMEOUT",
};
#define NVARS (sizeof vars / sizeof vars[0])

typedef struct env {
    const char *val[NVARS];
} env_t;

static const char *lookup(const char *name, void *arg)
{
    env_t *e = arg;
    for (size_t i = 0; i < NVARS; i++)
        if (strcmp(name, vars[i]) == 0)
            return e->val[i];
    return NULL;
}

static floc_ctx_t *ctx;
static char window[4096];
static floc_mem_t *mem;

static void finish(void)
{
    if (mem)
        floc_mem_deregister(mem);
    if (ctx)
        floc_finalize(ctx);
    mem = NULL;
    ctx = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("FLOC_LOG_LEVEL", "none", 1);   /* refusals are expected: keep quiet */
    floc_log_init();
    /* a singleton (no launcher): one locality, its own memory registered */
    if (floc_init(NULL, NULL, NULL, &ctx) == 0)
        floc_mem_register(ctx, window, sizeof window, FLOC_MEM_REMOTE_ALL, &mem);
    atexit(finish);   /* libFuzzer ends with exit(): close the context (its shm file) */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a heartbeat-watcher message as a peer (or anyone) might send it:
     * the first bytes, for a job of 1 + data[0] % 64 localities */
    if (size > 0) {
        uint32_t kind;
        int from, rank, p = 1 + data[0] % 64;
        size_t mlen = size - 1 < 16 ? size - 1 : 16;
        if (floc_liveness_decode(data + 1, mlen, p, &kind, &from, &rank) == 0 &&
            (from < 0 || from >= p || rank < 0 || rank >= p || mlen != 12))
            abort();   /* accepted something out of range */
    }
    if (size < sizeof(floc_rkey_t) + 8)
        return 0;
    floc_rkey_t key;
    memcpy(&key, data, sizeof key);
    uint32_t off, len;
    memcpy(&off, data + sizeof key, 4);
    memcpy(&len, data + sizeof key + 4, 4);
    const uint8_t *rest = data + sizeof key + 8;
    size_t nrest = size - sizeof key - 8;

    /* the strings: copied so that each ends with a NUL */
    char *text = malloc(nrest + 1);
    if (!text)
        return 0;
    memcpy(text, rest, nrest);
    text[nrest] = '\0';
    env_t env = {0};
    char *p = text;
    for (size_t i = 0; i < NVARS && p <= text + nrest; i++) {
        env.val[i] = p;
        p += strlen(p) + 1;
    }
    floc_config_t cfg;
    (void)floc_config_load(&cfg, lookup, &env, NULL);
    floc_log_level_t level;
    unsigned mask;
    (void)floc_log_parse_level(env.val[0], &level);
    (void)floc_log_parse_subsys(env.val[1] ? env.val[1] : "", &mask);
    double secs;
    (void)floc_config_parse_seconds(env.val[2] ? env.val[2] : "", &secs);
    free(text);

    if (ctx && mem) {
        /* a key as a peer might send it: bounded to 64 KiB of transfer */
        static char buf[65536];
        size_t n = len % sizeof buf;
        uint64_t old;
        floc_rkey_t real;
        floc_mem_rkey(mem, &real);
        /* a zero-length put runs every check and moves nothing */
        int accepted = floc_put(ctx, buf, 0, &key, off) == 0;
        int genuine = key.addr == real.addr && key.len == real.len && key.key == real.key &&
                      key.owner == real.owner && key.access == real.access;
        if (accepted && !genuine && key.owner == real.owner)
            abort();   /* a key of this locality that is not its window's was taken */
        if (!accepted || genuine) {
            (void)floc_get(ctx, buf, n, &key, off);
            (void)floc_put(ctx, buf, n, &key, off);
            (void)floc_flush(ctx);
            (void)floc_atomic_fetch_add(ctx, &key, off & ~7u, 1, &old);
        }
    }
    return 0;
}
