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

int floc_shm_cma_read(pid_t pid, void *dst, uint64_t addr, size_t bytes)
{
    size_t got = 0;
    while (got < bytes) {
        struct iovec here = {(char *)dst + got, bytes - got};
        struct iovec there = {(void *)(uintptr_t)(addr + got), bytes - got};
        ssize_t r = process_vm_readv(pid, &here, 1, &there, 1, 0);
        if (r > 0) {
            got += (size_t)r;
        } else if (r < 0 && errno == ESRCH) {
            return FLOC_ERR_PEER_LOST;
        } else if (!(r < 0 && errno == EINTR)) {
            FLOC_ERROR(FLOC_LOG_COLL, "process_vm_readv of %zu bytes from pid %d: %s", bytes,
                       (int)pid, r < 0 ? strerror(errno) : "nothing read");
            return FLOC_ERR_SYSTEM;
        }
    }
    return 0;
}
