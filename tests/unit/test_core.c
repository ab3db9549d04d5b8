/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_core.c - CMocka unit tests of the core: error strings, FLOC_*
 * parsing, attribute checks, the registration-cache lookup, argument
 * checks, and a singleton context (no launcher) end to end, including
 * injected libfabric failures (-Wl,--wrap=fi_getinfo).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "floc.h"
#include "config.h"
#include "log.h"
#include "fabric/fabric.h"

/* ---- injected failures ------------------------------------------------ */
int __real_fi_getinfo(uint32_t version, const char *node, const char *service, uint64_t flags,
                      const struct fi_info *hints, struct fi_info **info);
static int fail_getinfo;
int __wrap_fi_getinfo(uint32_t version, const char *node, const char *service, uint64_t flags,
                      const struct fi_info *hints, struct fi_info **info);
int __wrap_fi_getinfo(uint32_t version, const char *node, const char *service, uint64_t flags,
                      const struct fi_info *hints, struct fi_info **info)
{
    if (fail_getinfo)
        return -FI_ENODATA;
    return __real_fi_getinfo(version, node, service, flags, hints, info);
}

/* ---- error strings ------------------------------------------------------ */
static void test_strerror(void **state)
{
    (void)state;
    static const int codes[] = {
#define FLOC_T_CODE_(name, val, msg) val,
        FLOC_ERRNO_MAP(FLOC_T_CODE_)
#undef FLOC_T_CODE_
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = floc_strerror(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
        if (codes[i] != 0)
            assert_true(codes[i] < 0);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(s, floc_strerror(codes[j]));
        }
    }
    assert_string_equal(floc_strerror(0), "success");
    assert_string_equal(floc_strerror(FLOC_ERR_PEER_LOST), "a peer locality was lost");
    assert_string_equal(floc_strerror(1), "unknown error");
    assert_string_equal(floc_strerror(-9999), "unknown error");
}

/* ---- parsing ----------------------------------------------------------- */
static void test_parse_log(void **state)
{
    (void)state;
    floc_log_level_t l;
    assert_int_equal(floc_log_parse_level("debug", &l), 0);
    assert_int_equal(l, FLOC_LOG_DEBUG);
    assert_int_equal(floc_log_parse_level("WARNING", &l), 0);
    assert_int_equal(l, FLOC_LOG_WARN);
    assert_int_equal(floc_log_parse_level("loud", &l), FLOC_ERR_INVALID);
    assert_int_equal(floc_log_parse_level(NULL, &l), FLOC_ERR_INVALID);
    unsigned m;
    assert_int_equal(floc_log_parse_subsys("core,fabric", &m), 0);
    assert_int_equal(m, (1u << FLOC_LOG_CORE) | (1u << FLOC_LOG_FABRIC));
    assert_int_equal(floc_log_parse_subsys("all", &m), 0);
    assert_int_equal(m, ~0u);
    assert_int_equal(floc_log_parse_subsys("core,nope", &m), FLOC_ERR_INVALID);
    assert_int_equal(floc_log_parse_subsys("", &m), 0);
    assert_int_equal(m, 0u);
}

static void test_parse_values(void **state)
{
    (void)state;
    floc_bind_t b;
    assert_int_equal(floc_config_parse_bind("core", &b), 0);
    assert_int_equal(b, FLOC_BIND_CORE);
    assert_int_equal(floc_config_parse_bind("Socket", &b), 0);
    assert_int_equal(b, FLOC_BIND_SOCKET);
    assert_int_equal(floc_config_parse_bind("numa", &b), FLOC_ERR_INVALID);

    floc_progress_mode_t p;
    assert_int_equal(floc_config_parse_progress("thread", &p), 0);
    assert_int_equal(p, FLOC_PROGRESS_THREAD);
    assert_int_equal(floc_config_parse_progress("threads", &p), FLOC_ERR_INVALID);

    double d;
    assert_int_equal(floc_config_parse_seconds("2.5", &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(floc_config_parse_seconds("250ms", &d), 0);
    assert_true(d == 0.25);
    assert_int_equal(floc_config_parse_seconds("2m", &d), 0);
    assert_true(d == 120.0);
    assert_int_equal(floc_config_parse_seconds("-1", &d), FLOC_ERR_INVALID);
    assert_int_equal(floc_config_parse_seconds("nan", &d), FLOC_ERR_INVALID);
    assert_int_equal(floc_config_parse_seconds("5 hours", &d), FLOC_ERR_INVALID);
    assert_int_equal(floc_config_parse_seconds("", &d), FLOC_ERR_INVALID);

    unsigned long long u;
    assert_int_equal(floc_config_parse_uint("42", 100, &u), 0);
    assert_int_equal(u, 42);
    assert_int_equal(floc_config_parse_uint("101", 100, &u), FLOC_ERR_INVALID);
    assert_int_equal(floc_config_parse_uint("-1", 100, &u), FLOC_ERR_INVALID);
    assert_int_equal(floc_config_parse_uint("99999999999999999999999", ~0ull, &u), FLOC_ERR_INVALID);
    assert_int_equal(floc_config_parse_uint("4x", 100, &u), FLOC_ERR_INVALID);

    int v;
    assert_int_equal(floc_config_parse_bool("yes", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(floc_config_parse_bool("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(floc_config_parse_bool("maybe", &v), FLOC_ERR_INVALID);
}

/* A fake environment: NULL-terminated name/value pairs. */
static const char *fake_env(const char *name, void *arg)
{
    const char *const *kv = arg;
    for (; kv && kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

static void test_config_load(void **state)
{
    (void)state;
    floc_config_t c;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, NULL), 0);
    assert_int_equal(c.bind, FLOC_BIND_AUTO);
    assert_int_equal(c.progress, FLOC_PROGRESS_INLINE);
    assert_string_equal(c.provider, "");
    assert_true(c.wait_timeout == 0.0);
    assert_int_equal(c.mr_cache, 1);
    assert_int_equal(c.spin_count, FLOC_SPIN_AUTO);
    assert_true(c.peer_timeout == 5.0);
    assert_int_equal(c.mr_cache_entries, 64);
    assert_true(c.finalize_timeout == 10.0);
    assert_string_equal(c.node_provider, "shm");
    assert_int_equal(c.node_coll_max, FLOC_NODE_COLL_MAX_AUTO);
    assert_int_equal(c.threads, 0);
    assert_int_equal(c.team_segment, 1);

    const char *env[] = {"FLOC_PROVIDER", "tcp;ofi_rxm", "FLOC_BIND", "none", "FLOC_PROGRESS",
                         "thread", "FLOC_WAIT_TIMEOUT", "1500ms", "FLOC_SPIN", "10",
                         "FLOC_MR_CACHE", "off", "FLOC_PEER_TIMEOUT", "250ms", NULL};
    assert_int_equal(floc_config_load(&c, fake_env, (void *)env, NULL), 0);
    assert_string_equal(c.provider, "tcp;ofi_rxm");
    assert_int_equal(c.bind, FLOC_BIND_NONE);
    assert_int_equal(c.progress, FLOC_PROGRESS_THREAD);
    assert_true(c.wait_timeout == 1.5);
    assert_int_equal(c.spin_count, 10);
    assert_int_equal(c.mr_cache, 0);
    assert_true(c.peer_timeout == 0.25);
    const char *off[] = {"FLOC_PEER_TIMEOUT", "0", NULL};
    assert_int_equal(floc_config_load(&c, fake_env, (void *)off, NULL), 0);
    assert_true(c.peer_timeout == 0.0);

    /* attributes win over the environment where set */
    floc_attr_t a = FLOC_ATTR_INIT;
    a.bind = FLOC_BIND_SOCKET;
    a.provider = "shm";
    assert_int_equal(floc_config_load(&c, fake_env, (void *)env, &a), 0);
    assert_int_equal(c.bind, FLOC_BIND_SOCKET);
    assert_string_equal(c.provider, "shm");
    assert_int_equal(c.progress, FLOC_PROGRESS_THREAD);

    /* every bad variable is refused, naming it */
    const char *bad[][2] = {{"FLOC_BIND", "everywhere"}, {"FLOC_PROGRESS", "fast"},
                            {"FLOC_WAIT_TIMEOUT", "soon"}, {"FLOC_SPIN", "-3"},
                            {"FLOC_MR_CACHE", "2"}, {"FLOC_MR_CACHE_SIZE", "0"},
                            {"FLOC_FINALIZE_TIMEOUT", "x"}, {"FLOC_PEER_TIMEOUT", "50ms"},
                            {"FLOC_PEER_TIMEOUT", "-1"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *e[] = {bad[i][0], bad[i][1], NULL};
        assert_int_equal(floc_config_load(&c, fake_env, (void *)e, NULL), FLOC_ERR_INVALID);
    }
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *e2[] = {"FLOC_PROVIDER", longname, NULL};
    assert_int_equal(floc_config_load(&c, fake_env, (void *)e2, NULL), FLOC_ERR_INVALID);
}

/* The settings table: every default is a value its setting takes, and
 * reads back as itself; every entry says what it is; names are unique;
 * "auto" where the default is auto, refused elsewhere. */
static void test_settings_table(void **state)
{
    (void)state;
    size_t n;
    const floc_setting_t *t = floc_config_settings(&n);
    assert_true(n >= 30);
    floc_config_t c;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        assert_true(strncmp(t[i].name, "FLOC_", 5) == 0);
        assert_true(t[i].def && t[i].accepts && *t[i].accepts && t[i].what && *t[i].what);
        assert_true(t[i].subsystem && *t[i].subsystem);
        assert_ptr_equal(floc_config_setting(t[i].name), &t[i]);
        for (size_t j = 0; j < i; j++)
            assert_true(strcmp(t[i].name, t[j].name) != 0);
        floc_config_t d = c;
        assert_int_equal(floc_config_set(&d, &t[i], t[i].def), 0);
        if (t[i].kind == FLOC_SET_OTHER)
            continue;
        char buf[128];
        floc_config_format(&c, &t[i], buf, sizeof buf);
        if (t[i].kind == FLOC_SET_SECONDS) {
            double a, b;
            assert_int_equal(floc_config_parse_seconds(buf, &a), 0);
            assert_int_equal(floc_config_parse_seconds(t[i].def, &b), 0);
            assert_true(a == b);
        } else {
            assert_string_equal(buf, t[i].def);
        }
        /* a value it refuses leaves the field alone */
        assert_int_equal(floc_config_set(&d, &t[i], "no such value, surely"),
                         t[i].kind == FLOC_SET_NAME ? 0 : FLOC_ERR_INVALID);
    }
    assert_null(floc_config_setting("FLOC_NOTHING"));
    assert_string_equal(floc_config_algo_var(2), "FLOC_ALLREDUCE_ALGO");
    assert_string_equal(floc_config_algo_var(14), "FLOC_ALLTOALLV_ALGO");
    /* auto only where the default is */
    const char *a1[] = {"FLOC_SPIN", "auto", "FLOC_THREADS", "AUTO", NULL};
    assert_int_equal(floc_config_load(&c, fake_env, (void *)a1, NULL), 0);
    assert_int_equal(c.spin_count, FLOC_SPIN_AUTO);
    assert_int_equal(c.threads, 0);
    const char *a2[] = {"FLOC_MR_CACHE_SIZE", "auto", NULL};
    assert_int_equal(floc_config_load(&c, fake_env, (void *)a2, NULL), FLOC_ERR_INVALID);
    const char *a3[] = {"FLOC_LOG_LEVEL", "loud", NULL};   /* read by the log, not here */
    assert_int_equal(floc_config_load(&c, fake_env, (void *)a3, NULL), 0);
    assert_int_equal(floc_config_set(&c, floc_config_setting("FLOC_LOG_LEVEL"), "loud"),
                     FLOC_ERR_INVALID);
}

static void test_attr_checks(void **state)
{
    (void)state;
    floc_config_t c;
    floc_attr_t a = FLOC_ATTR_INIT;
    a.size = 2;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, &a), FLOC_ERR_INVALID);
    a.size = sizeof a + 8;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, &a), FLOC_ERR_INVALID);
    a = (floc_attr_t)FLOC_ATTR_INIT;
    a.bind = (floc_bind_t)42;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, &a), FLOC_ERR_INVALID);
    a = (floc_attr_t)FLOC_ATTR_INIT;
    a.thread_level = (floc_thread_level_t)-1;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, &a), FLOC_ERR_INVALID);
    a = (floc_attr_t)FLOC_ATTR_INIT;
    a.wait_timeout = -1.0;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, &a), FLOC_ERR_INVALID);
    /* an attr of an older, shorter layout: fields past size are ignored */
    a = (floc_attr_t)FLOC_ATTR_INIT;
    a.size = offsetof(floc_attr_t, progress);
    a.progress = (floc_progress_mode_t)99;
    assert_int_equal(floc_config_load(&c, fake_env, NULL, &a), 0);
}

/* ---- registration cache lookup ------------------------------------------ */
static void test_mr_cache_find(void **state)
{
    (void)state;
    floc_mr_entry_t e[3] = {
        {.base = 1000, .len = 100, .access = FI_READ | FI_WRITE},
        {.base = 5000, .len = 10, .access = FI_READ},
        {.base = 0, .len = 0, .access = 0}, /* an empty slot */
    };
    floc_mr_cache_t c = {.entries = e, .n = 3, .cap = 3};
    assert_ptr_equal(floc_mr_cache_find(&c, 1000, 100, FI_READ), &e[0]);
    assert_ptr_equal(floc_mr_cache_find(&c, 1050, 50, FI_WRITE), &e[0]);
    assert_null(floc_mr_cache_find(&c, 1050, 51, FI_READ));      /* runs past the end */
    assert_null(floc_mr_cache_find(&c, 999, 2, FI_READ));        /* starts before */
    assert_ptr_equal(floc_mr_cache_find(&c, 5001, 9, FI_READ), &e[1]);
    assert_null(floc_mr_cache_find(&c, 5001, 9, FI_WRITE));      /* access missing */
    assert_null(floc_mr_cache_find(&c, 0, 0, FI_READ));          /* empty slot never matches */
    assert_null(floc_mr_cache_find(&c, UINTPTR_MAX - 4, 8, FI_READ));
}

/* ---- public entry points without a context ------------------------------ */
static void test_null_ctx(void **state)
{
    (void)state;
    uint64_t v = 0;
    floc_rkey_t k = {0};
    floc_request_t *r = NULL;
    floc_mem_t *m = NULL;
    assert_int_equal(floc_init(NULL, NULL, NULL, NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_finalize(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_num_localities(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_locality_id(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_local_rank(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_local_size(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_node_id(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_num_nodes(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_locality_node(NULL, 0), FLOC_ERR_INVALID);
    assert_null(floc_provider_name(NULL));
    assert_int_equal(floc_progress(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_flush(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_mem_register(NULL, &v, 8, FLOC_MEM_REMOTE_ALL, &m), FLOC_ERR_INVALID);
    assert_int_equal(floc_mem_rkey(NULL, &k), FLOC_ERR_INVALID);
    assert_int_equal(floc_mem_deregister(NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_put(NULL, &v, 8, &k, 0), FLOC_ERR_INVALID);
    assert_int_equal(floc_get(NULL, &v, 8, &k, 0), FLOC_ERR_INVALID);
    assert_int_equal(floc_iput(NULL, &v, 8, &k, 0, &r), FLOC_ERR_INVALID);
    assert_int_equal(floc_iget(NULL, &v, 8, &k, 0, &r), FLOC_ERR_INVALID);
    assert_int_equal(floc_atomic_fetch_add(NULL, &k, 0, 1, &v), FLOC_ERR_INVALID);
    assert_int_equal(floc_send(NULL, &v, 8, 0, 0), FLOC_ERR_INVALID);
    assert_int_equal(floc_recv(NULL, &v, 8, 0, 0, NULL), FLOC_ERR_INVALID);
    assert_int_equal(floc_isend(NULL, &v, 8, 0, 0, &r), FLOC_ERR_INVALID);
    assert_int_equal(floc_irecv(NULL, &v, 8, 0, 0, NULL, &r), FLOC_ERR_INVALID);
    assert_int_equal(floc_wait(NULL), FLOC_ERR_INVALID);
    int done;
    assert_int_equal(floc_test(NULL, &done), FLOC_ERR_INVALID);
    assert_null(r);
    assert_null(m);
}

/* ---- a singleton context ------------------------------------------------- */
static void test_singleton_lifecycle(void **state)
{
    (void)state;
    floc_ctx_t *ctx = NULL, *other = NULL;
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), 0);
    assert_non_null(ctx);
    assert_int_equal(floc_num_localities(ctx), 1);
    assert_int_equal(floc_locality_id(ctx), 0);
    assert_int_equal(floc_local_rank(ctx), 0);
    assert_int_equal(floc_local_size(ctx), 1);
    assert_int_equal(floc_node_id(ctx), 0);
    assert_int_equal(floc_num_nodes(ctx), 1);
    assert_int_equal(floc_locality_node(ctx, 0), 0);
    assert_int_equal(floc_locality_node(ctx, 1), FLOC_ERR_INVALID);
    assert_non_null(floc_provider_name(ctx));
    assert_int_equal(floc_init(NULL, NULL, NULL, &other), FLOC_ERR_STATE);
    assert_null(other);
    assert_int_equal(floc_finalize(ctx), 0);
    assert_int_equal(floc_finalize(ctx), FLOC_ERR_INVALID);      /* finalize twice */
    assert_int_equal(floc_num_localities(ctx), FLOC_ERR_INVALID); /* use after finalize */
    /* and a new context after the old one */
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), 0);
    assert_int_equal(floc_finalize(ctx), 0);
}

/* a mapping of this process whose path contains `name` */
static int mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, name) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* floc keeps hwloc's libxml2, GL and OpenCL plugins out (topo.c), unless
 * the user chose a blacklist */
static void test_hwloc_plugins(void **state)
{
    (void)state;
    floc_ctx_t *ctx;
    unsetenv("HWLOC_PLUGINS_BLACKLIST");
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), 0);
    const char *bl = getenv("HWLOC_PLUGINS_BLACKLIST");
    assert_non_null(bl);
    assert_non_null(strstr(bl, "hwloc_xml_libxml"));
    assert_false(mapped("libxml2"));
    assert_int_equal(floc_finalize(ctx), 0);
    setenv("HWLOC_PLUGINS_BLACKLIST", "", 1);
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), 0);
    assert_string_equal(getenv("HWLOC_PLUGINS_BLACKLIST"), "");
    assert_int_equal(floc_finalize(ctx), 0);
}

static void test_singleton_rma(void **state)
{
    (void)state;
    floc_ctx_t *ctx;
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), 0);
    enum { N = 513 };
    uint64_t *win = calloc(N, sizeof *win), src[N], dst[N];
    floc_mem_t *mem;
    floc_rkey_t k;
    assert_int_equal(floc_mem_register(ctx, win, N * sizeof *win, FLOC_MEM_REMOTE_ALL, &mem), 0);
    assert_int_equal(floc_mem_rkey(mem, &k), 0);
    assert_int_equal(k.owner, 0);
    assert_int_equal(k.len, N * sizeof *win);
    for (size_t i = 0; i < N; i++)
        src[i] = i * 0x9e3779b97f4a7c15ull;
    assert_int_equal(floc_put(ctx, src, N * sizeof *src, &k, 0), 0);
    assert_int_equal(floc_put(ctx, &src[7], 8, &k, 8), 0);   /* small, injected */
    assert_int_equal(floc_flush(ctx), 0);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(win[i], i == 1 ? src[7] : src[i]);
    memset(dst, 0, sizeof dst);
    assert_int_equal(floc_get(ctx, dst, sizeof dst, &k, 0), 0);
    assert_memory_equal(dst, win, sizeof dst);
    uint64_t old = 0;
    win[3] = 40;
    assert_int_equal(floc_atomic_fetch_add(ctx, &k, 3 * 8, 2, &old), 0);
    assert_int_equal(old, 40);
    assert_int_equal(win[3], 42);
    assert_int_equal(floc_put(ctx, src, 16, &k, N * 8 - 8), FLOC_ERR_ACCESS);
    /* finalize refuses while the registration lives */
    assert_int_equal(floc_finalize(ctx), FLOC_ERR_BUSY);
    assert_int_equal(floc_mem_deregister(mem), 0);
    /* messages to self */
    floc_request_t *r;
    floc_msg_status_t st;
    uint64_t in = 0, out = 77;
    assert_int_equal(floc_irecv(ctx, &in, sizeof in, 0, 5, &st, &r), 0);
    assert_int_equal(floc_send(ctx, &out, sizeof out, 0, 5), 0);
    assert_int_equal(floc_wait(r), 0);
    assert_int_equal(in, 77);
    assert_int_equal(st.source, 0);
    assert_int_equal(st.tag, 5);
    assert_int_equal(st.len, sizeof out);
    /* finalize refuses while a request lives */
    assert_int_equal(floc_irecv(ctx, &in, sizeof in, 0, 6, NULL, &r), 0);
    assert_int_equal(floc_finalize(ctx), FLOC_ERR_BUSY);
    assert_int_equal(floc_send(ctx, &out, sizeof out, 0, 6), 0);
    int done = 0;
    for (int i = 0; i < 100000 && !done; i++)
        assert_int_equal(floc_test(r, &done), 0);
    assert_true(done);
    assert_int_equal(floc_finalize(ctx), 0);
    free(win);
}

static void test_wait_timeout(void **state)
{
    (void)state;
    floc_attr_t a = FLOC_ATTR_INIT;
    a.wait_timeout = 0.2;
    floc_ctx_t *ctx;
    assert_int_equal(floc_init(NULL, NULL, &a, &ctx), 0);
    uint64_t in = 0, out = 5;
    floc_request_t *r;
    assert_int_equal(floc_irecv(ctx, &in, sizeof in, 0, 3, NULL, &r), 0);
    /* nothing will arrive: the wait ends with TIMEOUT, the request lives on */
    assert_int_equal(floc_wait(r), FLOC_ERR_TIMEOUT);
    assert_int_equal(floc_finalize(ctx), FLOC_ERR_BUSY);
    assert_int_equal(floc_send(ctx, &out, sizeof out, 0, 3), 0);
    assert_int_equal(floc_wait(r), 0);
    assert_int_equal(in, 5);
    assert_int_equal(floc_finalize(ctx), 0);
}

static void test_init_failure_cleans_up(void **state)
{
    (void)state;
    floc_ctx_t *ctx = NULL;
    fail_getinfo = 1;
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), FLOC_ERR_NOT_SUPPORTED);
    fail_getinfo = 0;
    assert_null(ctx);
    /* nothing was left live: a new context works */
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), 0);
    assert_int_equal(floc_finalize(ctx), 0);
    /* a bad environment variable is refused at init */
    setenv("FLOC_BIND", "everywhere", 1);
    assert_int_equal(floc_init(NULL, NULL, NULL, &ctx), FLOC_ERR_INVALID);
    unsetenv("FLOC_BIND");
}

int main(void)
{
    /* the singleton tests must not see a launcher */
    unsetenv("PMIX_NAMESPACE");
    setenv("FLOC_LOG_LEVEL", "none", 1);
    floc_log_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_parse_log),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_config_load),
        cmocka_unit_test(test_settings_table),
        cmocka_unit_test(test_attr_checks),
        cmocka_unit_test(test_mr_cache_find),
        cmocka_unit_test(test_null_ctx),
        cmocka_unit_test(test_singleton_lifecycle),
        cmocka_unit_test(test_singleton_rma),
        cmocka_unit_test(test_wait_timeout),
        cmocka_unit_test(test_init_failure_cleans_up),
        cmocka_unit_test(test_hwloc_plugins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
