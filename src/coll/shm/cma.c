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

#include "shm.h"
#include "../../core/log.h"

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
