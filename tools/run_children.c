/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_children.c - the localities as processes: started with the
 * environment the PMIx server gives them (through the launch agent for
 * other hosts), each in a process group of its own, their output
 * forwarded (whole lines when tagged), reaped, and ended together.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

extern char **environ;

/* Environment vectors: malloc'd, NULL-terminated, strings malloc'd, the
 * form PMIx_server_setup_fork extends. */
static char **env_dup(char **src)
{
    size_t n = 0;
    while (src[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    for (size_t i = 0; env && i < n; i++)
        if (!(env[i] = strdup(src[i]))) {
            while (i--)
                free(env[i]);
            free(env);
            return NULL;
        }
    return env;
}

static void env_free(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}

static void env_set(char ***envp, const char *name, const char *value)
{
    size_t nl = strlen(name), n = 0;
    char *entry = malloc(nl + strlen(value) + 2);
    if (!entry)
        return;
    sprintf(entry, "%s=%s", name, value);
    char **env = *envp;
    for (; env[n]; n++) {
        if (!strncmp(env[n], name, nl) && env[n][nl] == '=') {
            free(env[n]);
            env[n] = entry;
            return;
        }
    }
    char **grown = realloc(env, (n + 2) * sizeof *grown);
    if (!grown) {
        free(entry);
        return;
    }
    grown[n] = entry;
    grown[n + 1] = NULL;
    *envp = grown;
}

int run_spawn(int rank, const sigset_t *orig_mask)
{
    child_t *c = &job.children[rank];
    char **env = env_dup(environ);
    if (!env)
        return -1;
    if (run_server_setup_child(rank, &env)) {
        env_free(env);
        return -1;
    }
    if (job.opt.bind)
        env_set(&env, "FLOC_BIND", job.opt.bind);
    /* floc-run's job (a program that brings MPI is refused: src/core/pmix.c) */
    env_set(&env, "FLOC_RUN_JOB", job.nspace);
    /* PSM's libraries (linked into libfabric) would catch a crash, write
     * a backtrace file into the working directory and exit(1): a crashing
     * locality must die of its signal instead (mpirun sets these too) */
    if (!getenv("IPATH_NO_BACKTRACE"))
        env_set(&env, "IPATH_NO_BACKTRACE", "1");
    if (!getenv("HFI_NO_BACKTRACE"))
        env_set(&env, "HFI_NO_BACKTRACE", "1");

    /* through the launch agent when there is one (e.g. ip netns exec HOST) */
    char **argv = job.opt.agent ? run_agent_argv(&job.opt, run_job_host(rank)) : job.opt.argv;
    int out[2], err[2];
    if (!argv || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        run_msg("pipe: %s", strerror(errno));
        if (argv != job.opt.argv)
            free(argv);
        env_free(env);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        run_msg("fork: %s", strerror(errno));
        if (argv != job.opt.argv)
            free(argv);
        env_free(env);
        return -1;
    }
    if (pid == 0) {
        /* own process group: floc-run can end the locality and whatever it started */
        setpgid(0, 0);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        sigprocmask(SIG_SETMASK, orig_mask, NULL);
        signal(SIGPIPE, SIG_DFL);
        environ = env;
        execvp(argv[0], argv);
        fprintf(stderr, "floc-run: cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(out[1]);
    close(err[1]);
    if (argv != job.opt.argv)
        free(argv);
    env_free(env);
    c->pid = pid;
    c->rank = rank;
    c->out_fd = out[0];
    c->err_fd = err[0];
    return 0;
}

/* all of data to fd (a pipe or terminal may take it in pieces) */
static void write_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        data += w;
        n -= (size_t)w;
    }
}

/* one output line of locality rank, tagged "[rank] ": bytes as they are
 * (NULs included), then a newline */
static void write_tagged(int to, int rank, const char *line, size_t n)
{
    char tag[24];
    int t = snprintf(tag, sizeof tag, "[%d] ", rank);
    struct iovec iov[3] = {{tag, (size_t)t}, {(void *)line, n}, {"\n", 1}};
    if (writev(to, iov, 3) == (ssize_t)((size_t)t + n + 1))
        return;
    /* a short write: the rest in order */
    write_all(to, tag, (size_t)t);
    write_all(to, line, n);
    write_all(to, "\n", 1);
}

/*
 * Forward what a child wrote; with tags, whole lines only.  Time linear
 * in what arrives, whatever the line length: only new bytes are scanned
 * for the end of the line, and the buffer of a partial line grows by
 * doubling (a 100 MB line took 44 s of floc-run's CPU when every read
 * rescanned and reallocated it).
 */
static int forward(child_t *c, int fd, int to, line_buf_t *lb)
{
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0) {
        if (lb->len) {   /* unterminated last line */
            write_tagged(to, c->rank, lb->buf, lb->len);
            lb->len = 0;
        }
        return 0;
    }
    if (!job.opt.tag_output) {
        write_all(to, chunk, (size_t)n);
        return 1;
    }
    const char *p = chunk, *end = chunk + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const size_t take = (size_t)((nl ? nl : end) - p);
        if (nl && lb->len == 0) {   /* a whole line in this chunk: straight out */
            write_tagged(to, c->rank, p, take);
        } else {
            if (lb->len + take > lb->cap) {
                size_t cap = lb->cap ? lb->cap : 4096;
                while (cap < lb->len + take)
                    cap *= 2;
                char *nb = realloc(lb->buf, cap);
                if (!nb) {   /* no memory for the line: what there is, as it is */
                    write_tagged(to, c->rank, lb->buf, lb->len);
                    lb->len = 0;
                    write_tagged(to, c->rank, p, take);
                    p += take + (nl != NULL);
                    continue;
                }
                lb->buf = nb;
                lb->cap = cap;
            }
            memcpy(lb->buf + lb->len, p, take);
            lb->len += take;
            if (nl) {
                write_tagged(to, c->rank, lb->buf, lb->len);
                lb->len = 0;
            }
        }
        p += take + (nl != NULL);
    }
    return 1;
}

int run_end_stopped(double grace)
{
    int running = 0, stopped = -1;
    for (int r = 0; r < job.n; r++) {
        const child_t *c = &job.children[r];
        if (c->pid > 0 && !c->exited) {
            running++;
            if (c->stopped_at > 0.0 && !c->killed_stopped && run_now() - c->stopped_at > grace)
                stopped = r;
        }
    }
    if (running != 1 || stopped < 0)
        return 0;
    /* the only locality left is stopped and nobody will wake it: the job
     * would wait for ever */
    child_t *c = &job.children[stopped];
    c->killed_stopped = 1;
    run_msg("locality %d (pid %d) is stopped and the rest of the job has ended: killing it",
            stopped, (int)c->pid);
    pthread_mutex_lock(&job.lock);
    if (job.failed_rank < 0)
        job.failed_rank = stopped;
    pthread_mutex_unlock(&job.lock);
    kill(-c->pid, SIGKILL);
    kill(-c->pid, SIGCONT);
    return 1;
}

void run_signal_job(int sig)
{
    job.ending = 1;
    for (int r = 0; r < job.n; r++)
        if (job.children[r].pid > 0 && !job.children[r].exited)
            kill(-job.children[r].pid, sig);
}

int run_child_code(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* A locality that joined the job (PMIx_Init) and left it without
 * finalizing (returned from main, exit(0)) failed, whatever its status:
 * the others wait for it. */
static int left_unfinalized(const child_t *c)
{
    return WIFEXITED(c->status) && atomic_load(&c->connected) && !atomic_load(&c->finalized);
}

static void describe(const child_t *c)
{
    if (left_unfinalized(c) && WEXITSTATUS(c->status) == 0)
        run_msg("locality %d (pid %d) exited without floc_finalize (status 0)", c->rank,
                (int)c->pid);
    else if (WIFSIGNALED(c->status))
        run_msg("locality %d (pid %d) was killed by signal %d (%s)", c->rank, (int)c->pid,
            WTERMSIG(c->status), strsignal(WTERMSIG(c->status)));
    else
        run_msg("locality %d (pid %d) exited with status %d", c->rank, (int)c->pid,
            WEXITSTATUS(c->status));
}

/* Reap exited children; returns how many are still running. */
int run_reap(double *fail_time)
{
    int running = 0;
    for (int r = 0; r < job.n; r++) {
        child_t *c = &job.children[r];
        if (c->pid <= 0 || c->exited)
            continue;
        int st;
        pid_t p = waitpid(c->pid, &st, WNOHANG | WUNTRACED | WCONTINUED);
        if (p > 0 && (WIFSTOPPED(st) || WIFCONTINUED(st))) {
            /* stopped (SIGSTOP, a debugger) or going again: still ours */
            c->stopped_at = WIFSTOPPED(st) ? run_now() : 0.0;
            if (WIFSTOPPED(st))
                run_msg("locality %d (pid %d) was stopped by signal %d (%s)", c->rank,
                        (int)c->pid, WSTOPSIG(st), strsignal(WSTOPSIG(st)));
            p = 0;
        }
        if (p == 0 || (p < 0 && errno == EINTR)) {
            running++;
            continue;
        }
        c->exited = 1;
        c->status = p < 0 ? (1 << 8) : st;
        /* anything the locality left in its process group goes with it */
        kill(-c->pid, SIGKILL);
        if (run_child_code(c->status) != 0 || left_unfinalized(c)) {
            pthread_mutex_lock(&job.lock);
            int first = job.failed_rank < 0;
            if (first)
                job.failed_rank = r;
            pthread_mutex_unlock(&job.lock);
            if (first || *fail_time == 0.0)
                describe(c);
            else if (job.ending && WIFSIGNALED(c->status))
                /* still running long after the failure: hung, frozen, or
                 * waiting for a peer it was not told about */
                run_msg("locality %d (pid %d) did not end after the failure: killed", c->rank,
                    (int)c->pid);
            if (*fail_time == 0.0)
                *fail_time = run_now();
            run_server_notify_lost(r);
        }
    }
    return running;
}


int run_forward(child_t *c, int which)
{
    return which == 1 ? forward(c, c->out_fd, STDOUT_FILENO, &c->out)
                      : forward(c, c->err_fd, STDERR_FILENO, &c->err);
}
