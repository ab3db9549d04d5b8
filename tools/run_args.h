/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_args.h - floc-run's command line, parsed without side effects (no
 * exit, no printing) so that floc-run reports errors its own way and the
 * fuzzer can feed it anything.
 */
#ifndef FLOC_RUN_ARGS_H
#define FLOC_RUN_ARGS_H

#include <stddef.h>

#define RUN_MAX_LOCALITIES 4096
#define RUN_MAX_HOSTS 256
#define RUN_HOST_NAME_MAX 64

typedef struct run_host {
    char name[RUN_HOST_NAME_MAX];
    int slots;
} run_host_t;

typedef struct run_opts {
    int n;                    /* localities; 0 = the slots of --host */
    const char *bind;         /* --bind, NULL = leave FLOC_BIND alone */
    double timeout;           /* --timeout seconds, 0 = none */
    double grace;             /* --grace seconds */
    int tag_output;           /* -t */
    int help, version;        /* --help / --version asked: nothing else is checked */
    /* --host a:2,b:2: localities fill the hosts in order, slots each; no
     * hosts = every locality on this node */
    run_host_t hosts[RUN_MAX_HOSTS];
    int nhosts;
    int map_by_node;          /* --map-by node: round robin over the hosts (else by slot) */
    /* --launch-agent "ip netns exec %h": words put before the program of a
     * locality on a host, %h replaced by the host's name */
    const char *agent;
    /* --pmix-iface IF: the PMIx server takes connections on IF from other
     * hosts (network namespaces) */
    const char *pmix_iface;
    char **argv;              /* the program and its arguments */
} run_opts_t;

/* 0 when argv makes sense (argv[0] is floc-run itself), else -1 with the
 * reason in err. */
int run_args_parse(int argc, char **argv, run_opts_t *o, char *err, size_t errlen);

/* The host index of locality `rank`: by slot, host 0's slots first; with
 * --map-by node, one locality per host in turn (hosts whose slots are
 * full are skipped). */
int run_host_of(const run_opts_t *o, int rank);

/* The launch agent's words for host h, then the program's arguments, in a
 * NULL-terminated array (one malloc block: free() it).  NULL on no memory. */
char **run_agent_argv(const run_opts_t *o, int h);

#endif
