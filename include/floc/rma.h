/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floc/rma.h - registered and allocated memory, remote keys, one-sided access.
 * Part of floc's public API: include <floc.h>, not this file.
 */
#ifndef FLOC_RMA_H
#define FLOC_RMA_H

#ifndef FLOC_H
#error "include <floc.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Memory registration and one-sided (RMA) access                      */
/* ------------------------------------------------------------------ */
typedef struct floc_mem floc_mem_t;

/*
 * A remote key: plain data describing a registered region, made by its
 * owner with floc_mem_rkey() and handed to peers (by message, or a
 * collective).  A peer can reach [0, len) of the region and nothing else,
 * and only the ways the owner allowed (a put needs FLOC_MEM_REMOTE_WRITE,
 * a get FLOC_MEM_REMOTE_READ, a fetch-add FLOC_MEM_REMOTE_ATOMIC): other
 * accesses are refused with FLOC_ERR_ACCESS before anything is sent, and a key that
 * floc_mem_rkey did not produce (altered, corrupted) is refused by its
 * check field.  A key of a region its owner has deregistered is refused by
 * providers that check keys at the target (tcp, verbs: the op fails);
 * libfabric 1.17's shm provider reads by address without a check (a get
 * succeeds, reading whatever is there) and drops a put to an unknown key
 * without an answer, so floc_flush waits for it as long as its target
 * lives (FLOC_WAIT_TIMEOUT bounds the wait: FLOC_ERR_TIMEOUT): deregister
 * only when peers are done with a region.
 */
typedef struct floc_rkey {
    uint64_t addr;   /* virtual address of the region's start at its owner */
    uint64_t len;    /* bytes */
    uint64_t key;    /* provider key */
    int32_t  owner;  /* locality that registered the region */
    uint32_t access; /* FLOC_MEM_* the owner allows: other accesses are refused */
    uint32_t check;  /* integrity check of the fields above, within this job */
    uint32_t reserved;
} floc_rkey_t;

enum {
    FLOC_MEM_REMOTE_READ  = 1u << 0,
    FLOC_MEM_REMOTE_WRITE = 1u << 1,
    FLOC_MEM_REMOTE_ATOMIC = 1u << 2,
    FLOC_MEM_REMOTE_ALL = 7u
};

/*
 * Register [buf, buf+len) for remote access (access: FLOC_MEM_* flags).
 * Not collective.  Errors: FLOC_ERR_INVALID (NULL buf, len 0, bad flags),
 * FLOC_ERR_FABRIC, FLOC_ERR_NOMEM.
 */
FLOC_API int floc_mem_register(floc_ctx_t *ctx, void *buf, size_t len, unsigned access,
                               floc_mem_t **mem);
/* The remote key of a registration, to be sent to peers. */
FLOC_API int floc_mem_rkey(const floc_mem_t *mem, floc_rkey_t *rkey);
/* Remove a registration.  Peers must no longer access it. */
FLOC_API int floc_mem_deregister(floc_mem_t *mem);

/*
 * Allocate len bytes of zeroed memory for remote access (access: FLOC_MEM_*
 * flags), registered like floc_mem_register: *buf is the memory, *mem its
 * registration, floc_mem_rkey makes its key.  Not collective.  The other
 * localities of this node reach it with plain copies (floc_put, floc_get and
 * their nonblocking forms are a memcpy there: no provider, no system call;
 * floc_atomic_fetch_add a CPU atomic in single-node jobs) wherever the
 * node has its shared segment; every other access goes through the fabric
 * as for registered memory.  The MPI_Win_allocate of floc.  Free it with
 * floc_mem_free (not floc_mem_deregister).  Pages are allocated at first
 * touch, as with calloc.  Errors: FLOC_ERR_INVALID (NULL pointers, len 0,
 * bad flags), FLOC_ERR_NOMEM, FLOC_ERR_SYSTEM (the system has no memfd),
 * FLOC_ERR_FABRIC, FLOC_ERR_NOT_SUPPORTED (atomics the provider lacks).
 */
FLOC_API int floc_mem_alloc(floc_ctx_t *ctx, size_t len, unsigned access, void **buf,
                            floc_mem_t **mem);
/* Deregister and free memory from floc_mem_alloc.  Peers must no longer
 * access it. */
FLOC_API int floc_mem_free(floc_mem_t *mem);

/*
 * Write len bytes from src to byte offset `offset` of the region rkey
 * describes (on locality rkey->owner).  Returns once src may be reused;
 * the write is complete at the target after floc_flush().
 * len 0 is a no-op.  Errors: FLOC_ERR_INVALID (NULL pointers, owner out of
 * range), FLOC_ERR_ACCESS (offset+len outside the region),
 * FLOC_ERR_PEER_LOST, FLOC_ERR_FABRIC.
 */
FLOC_API int floc_put(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey,
                      size_t offset);
/* Read len bytes at `offset` of the remote region into dst; blocking. */
FLOC_API int floc_get(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey,
                      size_t offset);
/* Nonblocking forms: buffers are borrowed until *req completes. */
FLOC_API int floc_iput(floc_ctx_t *ctx, const void *src, size_t len, const floc_rkey_t *rkey,
                       size_t offset, floc_request_t **req);
FLOC_API int floc_iget(floc_ctx_t *ctx, void *dst, size_t len, const floc_rkey_t *rkey,
                       size_t offset, floc_request_t **req);
/*
 * Atomically add `value` to the uint64_t at `offset` (8-byte aligned) of the
 * remote region and return its previous value in *old.  Blocking.
 * FLOC_ERR_NOT_SUPPORTED when the provider offers no atomics.
 */
FLOC_API int floc_atomic_fetch_add(floc_ctx_t *ctx, const floc_rkey_t *rkey, size_t offset,
                                   uint64_t value, uint64_t *old);
/* Wait until every floc_put issued by this locality is complete at its target. */
FLOC_API int floc_flush(floc_ctx_t *ctx);

#ifdef __cplusplus
}
#endif
#endif /* FLOC_RMA_H */
