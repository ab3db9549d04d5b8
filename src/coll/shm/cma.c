/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cma.c - reading another locality's memory with process_vm_readv (cross
 * memory attach: one copy, by the kernel), for the collectives that read
 * their peers' buffers in place (the *_cma.c beside it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shm.h"
#include "../../core/ctx.h"
#include "../../core/log.h"
#include "../../node/node.h"

/* bytes between here and process pid's addr, either way */
static int cma_move(pid_t pid, void *here_buf, uint64_t addr, size_t bytes, int write)
{
    size_t got = 0;
    while (got < bytes) {
        struct iovec here = {(char *)here_buf + got, bytes - got};
        struct iovec there = {(void *)(uintptr_t)(addr + got), bytes - got};
        ssize_t r = write ? process_vm_writev(pid, &here, 1, &there, 1, 0)
                          : process_vm_readv(pid, &here, 1, &there, 1, 0);
        if (r > 0) {
            got += (size_t)r;
        } else if (r < 0 && errno == ESRCH) {
            return FLOC_ERR_PEER_LOST;
        } else if (!(r < 0 && errno == EINTR)) {
            FLOC_ERROR(FLOC_LOG_COLL, "process_vm_%s of %zu bytes %s pid %d: %s",
                       write ? "writev" : "readv", bytes, write ? "to" : "from", (int)pid,
                       r < 0 ? strerror(errno) : "nothing moved");
            return FLOC_ERR_SYSTEM;
        }
    }
    return 0;
}

int floc_shm_cma_read(pid_t pid, void *dst, uint64_t addr, size_t bytes)
{
    return cma_move(pid, dst, addr, bytes, 0);
}

int floc_shm_cma_write(pid_t pid, uint64_t addr, const void *src, size_t bytes)
{
    return cma_move(pid, (void *)src, addr, bytes, 1);
}

floc_shm_cma_desc_t floc_shm_cma_published(const floc_coll_req_t *c, int k)
{
    floc_shm_cma_desc_t d;
    memcpy(&d, floc_node_data(c->ctx->coll->seg, k, c->s.shm.seq, sizeof d), sizeof d);
    return d;
}

int floc_shm_cma_read_each(floc_coll_req_t *c, floc_coll_kind_t kind, const void *mine,
                           uint64_t at, char *out, size_t bytes)
{
    const int me = c->v.rank, p = c->v.size;
    const floc_shm_cma_desc_t d = {.addr = (uint64_t)(uintptr_t)mine, .pid = (uint32_t)getpid()};
    int ret = floc_shm_steps(c, kind, &d, sizeof d, FLOC_SHM_WAIT_ALL);
    for (int i = 1; i < p && !ret; i++) {   /* the next one first: spread the readers */
        const int k = (me + i) % p;
        const floc_shm_cma_desc_t e = floc_shm_cma_published(c, k);
        ret = floc_shm_cma_read((pid_t)e.pid, out + (size_t)k * bytes, e.addr + at, bytes);
    }
    return ret;
}
