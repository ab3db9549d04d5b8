/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * objects.c - the libfabric objects behind an endpoint (fabric, domain,
 * CQ, AV, endpoint) opened and closed the same way for each of the three
 * endpoints floc keeps (the main provider's, the node rail's, the
 * liveness watcher's); shm endpoint names; libfabric's errors as floc's.
 */
#define _GNU_SOURCE   /* fallocate, SEEK_DATA */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>

#include "../core/ctx.h"
#include "fabric.h"

int floc_fabric_err(int fi_ret, const char *what)
{
    FLOC_ERROR(FLOC_LOG_FABRIC, "%s: %s (%d)", what, fi_strerror(-fi_ret), fi_ret);
    switch (-fi_ret) {
    case FI_ENOMEM: return FLOC_ERR_NOMEM;
    case FI_EAGAIN: return FLOC_ERR_AGAIN;
    case FI_ETIMEDOUT: return FLOC_ERR_TIMEOUT;
    case FI_ENOSYS: case FI_EOPNOTSUPP: return FLOC_ERR_NOT_SUPPORTED;
    case FI_EACCES: case FI_EKEYREJECTED: return FLOC_ERR_ACCESS;
    case FI_ETRUNC: case FI_ETOOSMALL: return FLOC_ERR_TRUNCATED;
    case FI_ECANCELED: return FLOC_ERR_CANCELED;
    case FI_ECONNREFUSED: case FI_ECONNRESET: case FI_ECONNABORTED: case FI_EHOSTUNREACH:
    case FI_ENOTCONN: case FI_ESHUTDOWN:
        return FLOC_ERR_PEER_LOST;
    default: return FLOC_ERR_FABRIC;
    }
}

int floc_fi_set_open(floc_ctx_t *ctx, floc_fi_set_t *set, enum fi_cq_format cq_format,
                     const char *what)
{
    char label[96];
    int ret;
#define FLOC_FI_TRY_(call, name)                                                  \
    do {                                                                          \
        if ((ret = (call))) {                                                     \
            snprintf(label, sizeof label, "%s (%s)", name, what);                 \
            return floc_fabric_err(ret, label);                                   \
        }                                                                         \
    } while (0)
    struct fi_cq_attr cq_attr = {.format = cq_format, .wait_obj = FI_WAIT_NONE};
    struct fi_av_attr av_attr = {.type = FI_AV_TABLE, .count = (size_t)ctx->size};
    FLOC_FI_TRY_(fi_fabric(set->info->fabric_attr, &set->fabric, NULL), "fi_fabric");
    FLOC_FI_TRY_(fi_domain(set->fabric, set->info, &set->domain, NULL), "fi_domain");
    FLOC_FI_TRY_(fi_cq_open(set->domain, &cq_attr, &set->cq, NULL), "fi_cq_open");
    FLOC_FI_TRY_(fi_av_open(set->domain, &av_attr, &set->av, NULL), "fi_av_open");
    FLOC_FI_TRY_(fi_endpoint(set->domain, set->info, &set->ep, NULL), "fi_endpoint");
    FLOC_FI_TRY_(fi_ep_bind(set->ep, &set->av->fid, 0), "fi_ep_bind(av)");
    FLOC_FI_TRY_(fi_ep_bind(set->ep, &set->cq->fid, FI_TRANSMIT | FI_RECV), "fi_ep_bind(cq)");
    FLOC_FI_TRY_(fi_enable(set->ep), "fi_enable");
#undef FLOC_FI_TRY_
    if (strcmp(set->info->fabric_attr->prov_name, "shm") == 0 &&
        set->info->addr_format == FI_ADDR_STR && set->info->src_addr)
        floc_shm_trim(set->info->src_addr);   /* (its address is not out yet) */
    return 0;
}

static void close_fid(struct fid *fid, const char *what, const char *set)
{
    if (!fid)
        return;
    int ret = fi_close(fid);
    if (ret)
        FLOC_WARN(FLOC_LOG_FABRIC, "fi_close(%s, %s): %s", what, set, fi_strerror(-ret));
}

void floc_fi_set_close_ep(floc_fi_set_t *set, const char *what)
{
    close_fid(set->ep ? &set->ep->fid : NULL, "ep", what);
    set->ep = NULL;
}

void floc_fi_set_close(floc_fi_set_t *set, const char *what)
{
    floc_fi_set_close_ep(set, what);
    close_fid(set->av ? &set->av->fid : NULL, "av", what);
    close_fid(set->cq ? &set->cq->fid : NULL, "cq", what);
    close_fid(set->domain ? &set->domain->fid : NULL, "domain", what);
    close_fid(set->fabric ? &set->fabric->fid : NULL, "fabric", what);
    if (set->info)
        fi_freeinfo(set->info);
    memset(set, 0, sizeof *set);
}

/* fn(path) for each of shm endpoint `name`'s files ("<name>:<i>:<j>" in
 * /dev/shm; the name carries the "fi_shm://" scheme, else nothing) */
static void each_endpoint_file(const char *name, void (*fn)(const char *path))
{
    static const char scheme[] = "fi_shm://";
    if (strncmp(name, scheme, sizeof scheme - 1) != 0)
        return;
    name += sizeof scheme - 1;
    const size_t len = strlen(name);
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[512];
        if (strncmp(e->d_name, name, len) == 0 && e->d_name[len] == ':' &&
            snprintf(path, sizeof path, "/dev/shm/%s", e->d_name) < (int)sizeof path)
            fn(path);
    }
    closedir(d);
}

static void remove_stale(const char *path)
{
    if (unlink(path) == 0)
        FLOC_INFO(FLOC_LOG_FABRIC, "removed a stale shm file %s", path);
}

/*
 * A process killed before it closed its shm endpoint leaves the file
 * behind ("<name>:<i>:<j>" in /dev/shm), and a later process given the
 * same name (names carry the launcher's namespace, often made from a pid,
 * or a singleton's pid) would fail to create its own.  No live process can
 * hold this name (one locality of one job), so such a file is stale.
 */
static void remove_stale_shm(const char *name)
{
    each_endpoint_file(name, remove_stale);
}

/* The zero pages of one tmpfs file given back (holes read as zeros): the
 * pages of its data extents that hold nothing but zeros, read 64 KiB at a
 * time.  The bytes given back, or 0. */
static size_t punch_zero_pages(int fd)
{
    enum { PAGE = 4096, CHUNK = 16 * PAGE };
    static const unsigned char zero[PAGE];
    unsigned char *buf = malloc(CHUNK);
    size_t freed = 0;
    off_t at = 0;
    while (buf) {
        const off_t data = lseek(fd, at, SEEK_DATA);
        if (data < 0)
            break;   /* no more data (ENXIO), or no SEEK_DATA here */
        const off_t hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0)
            break;
        off_t run = -1;   /* the start of a run of zero pages */
        off_t o = data & ~(off_t)(PAGE - 1);   /* read up to here */
        while (o < hole) {
            const ssize_t got = pread(fd, buf, CHUNK, o);
            if (got < PAGE)
                break;
            for (ssize_t i = 0; i + PAGE <= got && o < hole; i += PAGE, o += PAGE) {
                const int zeros = memcmp(buf + i, zero, PAGE) == 0;
                if (zeros && run < 0)
                    run = o;
                if (!zeros && run >= 0) {
                    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, run, o - run) == 0)
                        freed += (size_t)(o - run);
                    run = -1;
                }
            }
        }
        if (run >= 0 && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, run, o - run) == 0)
            freed += (size_t)(o - run);
        at = hole;
    }
    free(buf);
    return freed;
}

/*
 * libfabric 1.17's shm zero-fills its region from the endpoint's name to
 * the end when it creates it (a strncpy sized to the rest of the region,
 * which is rounded up to a power of two): 3.8 MiB of shared pages per
 * locality that hold nothing, most of what floc's locality had more
 * than an Open MPI rank (docs/p2p.md, "Memory per locality").  Given back
 * here, before any peer knows the endpoint's address: nobody else maps
 * the file yet, and a hole reads as the zeros it held.
 */
static void trim(const char *path)
{
    const int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    const size_t freed = punch_zero_pages(fd);
    close(fd);
    FLOC_DEBUG(FLOC_LOG_FABRIC, "%s: %zu KiB of zero pages given back", path, freed >> 10);
}

void floc_shm_trim(const char *name)
{
    each_endpoint_file(name, trim);
}

/* The owner's pid in the name of one of floc's shm files
 * ("floc.<namespace>.<rank>.p<pid>[.live][:<i>:<j>]"), 0 if none. */
static pid_t owner_pid(const char *file)
{
    if (strncmp(file, "floc.", 5) != 0)
        return 0;
    const char *end = strchr(file, ':');
    size_t len = end ? (size_t)(end - file) : strlen(file);
    if (len > 5 && !strncmp(file + len - 5, ".live", 5))
        len -= 5;
    size_t d = len;
    while (d > 0 && file[d - 1] >= '0' && file[d - 1] <= '9')
        d--;
    if (d == len || d < 2 || file[d - 1] != 'p' || file[d - 2] != '.' || len - d > 9)
        return 0;
    long pid = strtol(file + d, NULL, 10);
    return pid > 0 ? (pid_t)pid : 0;
}

/* Is pid gone: no such process, or a zombie (dead, not yet reaped by
 * its parent: a launcher reaps its killed processes a moment later)? */
static int gone(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    char path[64], stat[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')');   /* "pid (comm) S ..." */
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

void floc_shm_reap(void)
{
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t pid = owner_pid(e->d_name);
        if (!pid || !gone(pid))
            continue;   /* not floc's, or its owner lives (or is not ours to judge) */
        char path[512];
        struct stat st;
        if (snprintf(path, sizeof path, "/dev/shm/%s", e->d_name) < (int)sizeof path &&
            stat(path, &st) == 0 && st.st_uid == getuid() && unlink(path) == 0)
            FLOC_INFO(FLOC_LOG_FABRIC, "removed %s: its locality (pid %d) is gone", path,
                      (int)pid);
    }
    closedir(d);
}

int floc_fi_info_name(struct fi_info *info, const char *name)
{
    remove_stale_shm(name);
    char *dup = strdup(name);
    if (!dup)
        return FLOC_ERR_NOMEM;
    free(info->src_addr);
    info->src_addr = dup;
    info->src_addrlen = strlen(dup) + 1;
    info->addr_format = FI_ADDR_STR;
    return 0;
}
