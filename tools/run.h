/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run.h - what floc-run's parts share: the job (its command line, its
 * localities and how they fare) and the calls between the parts.
 *
 *   floc-run.c     main: the command line, signals, the watch loop, the
 *                  exit status
 *   run_args.c     parsing the command line (no side effects: fuzzed)
 *   run_server.c   the PMIx server: its module (fences, aborts,
 *                  finalizes), the job's namespace, news of lost localities
 *   run_children.c starting the localities, forwarding their output,
 *                  reaping them, ending them
 *   run_cleanup.c  removing what the job leaves behind (the server's
 *                  directory, shared-memory files of killed localities)
 */
#ifndef FLOC_RUN_H
#define FLOC_RUN_H

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>

#include <pmix_common.h>

#include "run_args.h"

/* a partial line of tagged output */
typedef struct line_buf {
    char *buf;
    size_t len, cap;
} line_buf_t;

typedef struct child {
    pid_t pid;
    int rank;
    int out_fd, err_fd;         /* read ends of the child's stdout/stderr */
    line_buf_t out, err;        /* partial lines (tagged output) */
    int exited;                 /* reaped */
    double stopped_at;          /* when it was stopped (SIGSTOP), 0: running */
    int killed_stopped;         /* killed for being stopped alone (run_end_stopped) */
    int status;                 /* waitpid status */
    _Atomic int connected;      /* called PMIx_Init (a PMIx program: floc, MPI...) */
    _Atomic int finalized;      /* called PMIx_Finalize */
} child_t;

typedef struct run_job {
    run_opts_t opt;             /* the command line */
    int n;                      /* localities */
    char nspace[PMIX_MAX_NSLEN + 1];
    char tmpdir[PATH_MAX];      /* the PMIx server's private directory */
    child_t *children;
    pthread_mutex_t lock;       /* failed_rank, read by PMIx callbacks too */
    int failed_rank;            /* first locality that failed, -1 none */
    _Atomic int any_dead;
    int ending;                 /* floc-run signalled the job: deaths from here are its own */
} run_job_t;

extern run_job_t job;

/* "floc-run: <message>" on stderr */
void run_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double run_now(void);

/* run_server.c */
int run_server_start(void);            /* PMIx_server_init in job.tmpdir; 0 or -1 */
int run_server_register_job(void);     /* the namespace: job, node and proc data */
/* register locality rank as a client and give env what it needs to
 * connect (before its fork); 0 or -1 */
int run_server_setup_child(int rank, char ***env);
void run_server_notify_lost(int rank); /* PMIx event to every locality */
void run_server_stop(void);
/* host index of locality rank (0 without --host) */
int run_job_host(int rank);

/* run_children.c */
int run_spawn(int rank, const sigset_t *orig_mask);   /* 0 or -1 */
/* forward what child c wrote on fd (1: stdout, 2: stderr); 0 at EOF */
int run_forward(child_t *c, int which);
int run_reap(double *fail_time);       /* reap what exited; how many still run */
void run_signal_job(int sig);
/* The last locality still there is stopped (for longer than grace) while
 * every other has ended: kill it (1), as nothing will wake it. */
int run_end_stopped(double grace);
int run_child_code(int status);        /* exit status, 128 + signal when killed */

/* run_cleanup.c */
void run_remove_tmpdir(void);
void run_remove_shm_leftovers(void);

#endif
