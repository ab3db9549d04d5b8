/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc-run - launch a floc job of N localities, on this node or on hosts
 * reached through a launch agent.
 *
 * floc-run is a PMIx server (libpmix's server API): it registers one
 * namespace for the job (node data for every host), forks the localities
 * with the PMIx environment that lets them connect back (through the
 * agent, e.g. "ip netns exec %h", for other hosts; they reach the server
 * over TCP on --pmix-iface), serves their fences (all data is local: every
 * locality is floc-run's own client), forwards their output, and watches
 * them.  When a locality dies or exits non-zero, the others are told
 * through a PMIx event (PMIX_ERR_PROC_ABORTED with the affected proc), get
 * a grace period to report it, and are then terminated; floc-run exits
 * with the worst status and names the locality that failed.
 *
 *   floc-run -n 4 [--bind none|core|socket|auto] [--timeout S]
 *            [--tag-output] [--grace S] prog [args...]
 *   floc-run --host a:2,b:2 --launch-agent "ip netns exec %h"
 *            --pmix-iface br0 prog [args...]
 *
 * Exit status: the worst child status (128+signal for a killed child),
 * 124 on --timeout, 130/143 when interrupted, 2 on usage errors, 1 when
 * the launch itself failed.  floc-run leaves no files behind: its PMIx
 * rendezvous directory is private (mkdtemp) and removed at exit, as are
 * shared-memory files left by localities that were killed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

run_job_t job = {.failed_rank = -1};

void run_msg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    fprintf(stderr, "floc-run: %s\n", line);
    fflush(stderr);
}

double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: floc-run -n N [options] prog [args...]\n"
            "  -n, --np N          number of localities (1..%d)\n"
            "  --bind MODE         auto|none|core|socket (sets FLOC_BIND for the localities)\n"
            "  --timeout S         end the job after S seconds (exit 124)\n"
            "  --grace S           after a locality fails, seconds the others get before\n"
            "                      they are terminated (default 3)\n"
            "  -t, --tag-output    prefix each output line with [locality id]\n"
            "  -H, --host LIST     hosts and their slots, e.g. a:2,b:2: localities fill them\n"
            "                      in order (-n defaults to all slots); without it, all run here\n"
            "  --map-by slot|node  slot: fill each host's slots in turn (default); node: one\n"
            "                      locality per host in turn (a:2,b:2 -> 0 and 2 on a)\n"
            "  --launch-agent CMD  run each locality through CMD, %%h = its host, e.g.\n"
            "                      \"ip netns exec %%h\" for network-namespace hosts\n"
            "  --pmix-iface IF     let localities on other hosts reach floc-run's PMIx\n"
            "                      server through interface IF (and only IF)\n",
            RUN_MAX_LOCALITIES);
}

static void parse_args(int argc, char **argv)
{
    char err[256];
    if (run_args_parse(argc, argv, &job.opt, err, sizeof err)) {
        fprintf(stderr, "floc-run: %s\n", err);
        usage(stderr);
        exit(2);
    }
    if (job.opt.help) {
        printf("floc-run %s: launch N floc localities (a PMIx server)\n", FLOC_VERSION_STRING);
        usage(stdout);
        exit(0);
    }
    if (job.opt.version) {
        printf("floc-run %s\n", FLOC_VERSION_STRING);
        exit(0);
    }
    job.n = job.opt.n;
}

/* Signals are handled synchronously through a signalfd; blocked before
 * libpmix starts its threads so that none of them takes one.  *orig:
 * the mask the localities get back. */
static int signal_fd(sigset_t *orig)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, orig);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0)
        run_msg("signalfd: %s", strerror(errno));
    return sfd;
}

/* How the watch ended. */
typedef struct watch {
    int interrupted;   /* the signal that interrupted floc-run, 0 none */
    int timed_out;
    double start, fail_time, term_time;
    double drain_until;   /* every locality ended: output forwarded until then */
} watch_t;

/* What one poll watches: floc-run's signals first, then every open
 * output pipe of the launched localities. */
typedef struct poll_set {
    struct pollfd pfd[2 * RUN_MAX_LOCALITIES + 1];
    child_t *owner[2 * RUN_MAX_LOCALITIES + 1];
    int which[2 * RUN_MAX_LOCALITIES + 1];   /* 1 stdout, 2 stderr */
    int n;
} poll_set_t;

static void poll_add(poll_set_t *ps, int fd, child_t *c, int which)
{
    ps->pfd[ps->n] = (struct pollfd){.fd = fd, .events = POLLIN};
    ps->owner[ps->n] = c;
    ps->which[ps->n++] = which;
}

static void poll_fill(poll_set_t *ps, int sfd, int launched)
{
    ps->n = 0;
    poll_add(ps, sfd, NULL, 0);
    for (int r = 0; r < launched; r++) {
        child_t *c = &job.children[r];
        if (c->out_fd >= 0)
            poll_add(ps, c->out_fd, c, 1);
        if (c->err_fd >= 0)
            poll_add(ps, c->err_fd, c, 2);
    }
}

static void forward_ready(poll_set_t *ps)
{
    for (int i = 1; i < ps->n; i++) {
        if (!(ps->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        child_t *c = ps->owner[i];
        if (!run_forward(c, ps->which[i])) {
            int *fd = ps->which[i] == 1 ? &c->out_fd : &c->err_fd;
            close(*fd);
            *fd = -1;
        }
    }
}

/* SIGINT/TERM/HUP: end the job (SIGTERM, then SIGKILL on a second one) */
static void take_signals(int sfd, watch_t *w)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD)
            continue;
        if (!w->interrupted) {
            run_msg("interrupted by signal %u: ending the job", si.ssi_signo);
            w->interrupted = (int)si.ssi_signo;
            run_signal_job(SIGTERM);
            w->term_time = run_now();
        } else {
            run_signal_job(SIGKILL);
        }
    }
}

/* --timeout, the grace after a failure, and SIGKILL for what outlives
 * SIGTERM by 2 s */
static void enforce_deadlines(watch_t *w)
{
    const double t = run_now();
    if (job.opt.timeout > 0 && !w->timed_out && t - w->start > job.opt.timeout) {
        run_msg("job exceeded --timeout %g s: ending it", job.opt.timeout);
        w->timed_out = 1;
        run_signal_job(SIGTERM);
        w->term_time = t;
    }
    if (w->fail_time > 0 && w->term_time == 0.0 && t - w->fail_time > job.opt.grace) {
        run_signal_job(SIGTERM);
        w->term_time = t;
    }
    if (w->term_time > 0 && t - w->term_time > 2.0)
        run_signal_job(SIGKILL);
}

/* Poll the localities' output and floc-run's signals until every
 * launched locality is reaped and its output drained; end the job on a
 * failure (after --grace), an interruption or --timeout. */
/* Every locality has ended but some pipe is still open: a process of
 * theirs that left its process group (setsid) holds it.  Its output is
 * forwarded for a second more; the job does not wait for it. */
static int drained(watch_t *w, poll_set_t *ps)
{
    const double t = run_now();
    if (w->drain_until == 0.0)
        w->drain_until = t + 1.0;
    if (t < w->drain_until)
        return 0;
    for (int i = 1; i < ps->n; i++)
        close(ps->pfd[i].fd);
    run_msg("every locality has ended; output of processes they left behind is not forwarded");
    return 1;
}

static watch_t watch_job(int sfd, int launched)
{
    watch_t w = {.start = run_now()};
    static poll_set_t ps;   /* large: not on the stack */
    for (;;) {
        poll_fill(&ps, sfd, launched);
        const int running = run_reap(&w.fail_time);
        if (running == 0 && (ps.n == 1 || drained(&w, &ps)))
            return w;
        if (running == 1 && run_end_stopped(job.opt.grace) && w.fail_time == 0.0)
            w.fail_time = run_now();
        poll(ps.pfd, (nfds_t)ps.n, 50);
        forward_ready(&ps);
        if (ps.pfd[0].revents & POLLIN)
            take_signals(sfd, &w);
        enforce_deadlines(&w);
    }
}

/* The worst status of the job, naming the locality that failed first. */
static int job_status(int launched, int exit_code, watch_t w)
{
    int worst = 0;
    for (int r = 0; r < launched; r++) {
        int code = run_child_code(job.children[r].status);
        if (code > worst)
            worst = code;
        free(job.children[r].out.buf);
        free(job.children[r].err.buf);
    }
    if (job.failed_rank >= 0) {
        child_t *c = &job.children[job.failed_rank];
        const char *what = !c->exited               ? "aborted"
                           : WIFSIGNALED(c->status) ? "was killed"
                           : WIFEXITED(c->status) && !WEXITSTATUS(c->status)
                               ? "exited without floc_finalize"
                               : "exited non-zero";
        run_msg("job failed: locality %d %s; %d localities in all", job.failed_rank, what, job.n);
        exit_code = worst ? worst : 1;   /* the worst status, at least a failure */
    } else if (!exit_code) {
        exit_code = worst;
    }
    if (w.timed_out)
        exit_code = 124;
    else if (w.interrupted)
        exit_code = 128 + w.interrupted;
    return exit_code;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    pthread_mutex_init(&job.lock, NULL);
    job.children = calloc((size_t)job.n, sizeof *job.children);
    if (!job.children)
        return 1;
    sigset_t orig;
    int sfd = signal_fd(&orig);
    if (sfd < 0)
        return 1;
    const char *tbase = getenv("TMPDIR");
    snprintf(job.tmpdir, sizeof job.tmpdir, "%s/floc-run.XXXXXX", tbase && *tbase ? tbase : "/tmp");
    if (!mkdtemp(job.tmpdir)) {
        run_msg("mkdtemp %s: %s", job.tmpdir, strerror(errno));
        return 1;
    }
    snprintf(job.nspace, sizeof job.nspace, "floc-run-%d", (int)getpid());
    if (run_server_start()) {
        run_remove_tmpdir();
        return 1;
    }

    int exit_code = 0, launched = 0;
    if (run_server_register_job() == 0)
        for (; launched < job.n; launched++)
            if (run_spawn(launched, &orig) != 0)
                break;
    if (launched < job.n) {
        run_msg("launch failed after %d of %d localities", launched, job.n);
        exit_code = 1;
        run_signal_job(SIGKILL);
    }
    watch_t w = watch_job(sfd, launched);
    exit_code = job_status(launched, exit_code, w);

    run_server_stop();
    run_remove_shm_leftovers();
    run_remove_tmpdir();
    free(job.children);
    close(sfd);
    return exit_code;
}
