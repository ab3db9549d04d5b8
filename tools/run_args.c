/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_args.c - floc-run's command line (see run_args.h).
 */
#include "run_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1e7)
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Host names become namespace names and PMIx hostnames: letters, digits, . _ - */
static int valid_host_name(const char *s, size_t len)
{
    if (len == 0 || len >= RUN_HOST_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* "a:2,b:2" or "a,b" (one slot each) */
static int parse_hosts(const char *spec, run_opts_t *o, char *err, size_t errlen)
{
    o->nhosts = 0;
    const char *p = spec;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t name_len = colon ? (size_t)(colon - p) : len;
        if (o->nhosts == RUN_MAX_HOSTS)
            return fail(err, errlen, "--host names more than %d hosts", RUN_MAX_HOSTS);
        if (!valid_host_name(p, name_len))
            return fail(err, errlen, "--host wants name[:slots],... with names of letters, "
                        "digits, '.', '_', '-' (at most %d), not \"%s\"",
                        RUN_HOST_NAME_MAX - 1, spec);
        run_host_t *h = &o->hosts[o->nhosts];
        memcpy(h->name, p, name_len);
        h->name[name_len] = '\0';
        h->slots = 1;
        if (colon) {
            char slots[16];
            size_t sl = len - name_len - 1;
            if (sl == 0 || sl >= sizeof slots)
                return fail(err, errlen, "--host: bad slot count in \"%s\"", spec);
            memcpy(slots, colon + 1, sl);
            slots[sl] = '\0';
            if (parse_count(slots, RUN_MAX_LOCALITIES, &h->slots))
                return fail(err, errlen, "--host: slots of %s must be 1..%d, not \"%s\"", h->name,
                            RUN_MAX_LOCALITIES, slots);
        }
        for (int i = 0; i < o->nhosts; i++)
            if (strcmp(o->hosts[i].name, h->name) == 0)
                return fail(err, errlen, "--host names %s twice", h->name);
        o->nhosts++;
        if (!end)
            return 0;
        p = end + 1;
    }
}

int run_args_parse(int argc, char **argv, run_opts_t *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->grace = 3.0;
    if (err && errlen)
        err[0] = '\0';
    if (argc < 1 || !argv)
        return fail(err, errlen, "no arguments");
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!a)
            return fail(err, errlen, "NULL argument");
        if (a[0] != '-')
            break;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->help = 1;
            return 0;
        }
        if (!strcmp(a, "--version")) {
            o->version = 1;
            return 0;
        }
        if (!strcmp(a, "-t") || !strcmp(a, "--tag-output")) {
            o->tag_output = 1;
            continue;
        }
        if (i + 1 >= argc || !argv[i + 1])
            return fail(err, errlen, "%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-n") || !strcmp(a, "-np") || !strcmp(a, "--np")) {
            if (parse_count(v, RUN_MAX_LOCALITIES, &o->n))
                return fail(err, errlen, "-n wants a count from 1 to %d, not \"%s\"",
                            RUN_MAX_LOCALITIES, v);
        } else if (!strcmp(a, "--bind")) {
            if (strcmp(v, "auto") && strcmp(v, "none") && strcmp(v, "core") && strcmp(v, "socket"))
                return fail(err, errlen, "--bind wants auto, none, core or socket, not \"%s\"", v);
            o->bind = v;
        } else if (!strcmp(a, "--timeout")) {
            if (parse_seconds(v, &o->timeout))
                return fail(err, errlen, "--timeout wants seconds, not \"%s\"", v);
        } else if (!strcmp(a, "--grace")) {
            if (parse_seconds(v, &o->grace))
                return fail(err, errlen, "--grace wants seconds, not \"%s\"", v);
        } else if (!strcmp(a, "--host") || !strcmp(a, "-H")) {
            if (parse_hosts(v, o, err, errlen))
                return -1;
        } else if (!strcmp(a, "--map-by")) {
            if (strcmp(v, "slot") && strcmp(v, "node"))
                return fail(err, errlen, "--map-by wants slot or node, not \"%s\"", v);
            o->map_by_node = !strcmp(v, "node");
        } else if (!strcmp(a, "--launch-agent")) {
            if (!*v)
                return fail(err, errlen, "--launch-agent is empty");
            o->agent = v;
        } else if (!strcmp(a, "--pmix-iface")) {
            if (!*v || strlen(v) >= 16 || strpbrk(v, " /,"))
                return fail(err, errlen, "--pmix-iface wants an interface name, not \"%s\"", v);
            o->pmix_iface = v;
        } else {
            return fail(err, errlen, "unknown option %s", a);
        }
    }
    long slots = 0;
    for (int h = 0; h < o->nhosts; h++)
        slots += o->hosts[h].slots;
    if (o->n == 0 && o->nhosts)
        o->n = slots > RUN_MAX_LOCALITIES ? RUN_MAX_LOCALITIES + 1 : (int)slots;
    if (o->n == 0)
        return fail(err, errlen, "-n N (or --host) is required");
    if (o->n > RUN_MAX_LOCALITIES)
        return fail(err, errlen, "more than %d localities", RUN_MAX_LOCALITIES);
    if (o->nhosts && o->n > slots)
        return fail(err, errlen, "-n %d is more than the %ld slots of --host", o->n, slots);
    if (o->agent && !o->nhosts)
        return fail(err, errlen, "--launch-agent needs --host");
    if (i >= argc)
        return fail(err, errlen, "no program to run");
    o->argv = &argv[i];
    return 0;
}

int run_host_of(const run_opts_t *o, int rank)
{
    if (o->map_by_node && o->nhosts > 1) {
        /* round k: one locality on every host with more than k slots */
        for (int k = 0;; k++) {
            int in_round = 0;
            for (int h = 0; h < o->nhosts; h++)
                in_round += o->hosts[h].slots > k;
            if (in_round == 0)
                return o->nhosts - 1;   /* beyond the slots: the parser refuses that */
            if (rank < in_round)
                for (int h = 0; h < o->nhosts; h++)
                    if (o->hosts[h].slots > k && rank-- == 0)
                        return h;
            rank -= in_round;
        }
    }
    int h = 0;
    while (h < o->nhosts - 1 && rank >= o->hosts[h].slots) {
        rank -= o->hosts[h].slots;
        h++;
    }
    return h;
}

char **run_agent_argv(const run_opts_t *o, int h)
{
    const char *name = o->nhosts ? o->hosts[h].name : "";
    const char *agent = o->agent ? o->agent : "";
    size_t nprog = 0;
    while (o->argv[nprog])
        nprog++;
    /* worst case: every agent character a word, every %h grown to a name */
    size_t alen = strlen(agent);
    size_t words = alen / 2 + 1;
    size_t text = alen + 1 + (alen / 2) * strlen(name) + words;
    char **out = malloc((words + nprog + 1) * sizeof *out + text);
    if (!out)
        return NULL;
    char *buf = (char *)(out + words + nprog + 1);
    size_t n = 0;
    const char *p = agent;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        out[n++] = buf;
        while (*p && *p != ' ' && *p != '\t') {
            if (p[0] == '%' && p[1] == 'h') {
                strcpy(buf, name);
                buf += strlen(name);
                p += 2;
            } else {
                *buf++ = *p++;
            }
        }
        *buf++ = '\0';
    }
    for (size_t i = 0; i < nprog; i++)
        out[n++] = o->argv[i];
    out[n] = NULL;
    return out;
}
