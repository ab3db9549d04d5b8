/*
 * fabric.h - floc's libfabric layer: one RDM endpoint per context, an
 * address vector indexed by locality id, one completion queue, memory
 * registration with a cache, RMA, atomics and tagged messages.  Internal.
 *
 * Every operation is posted with a floc_request_t as its context;
 * completions found by floc_fabric_progress() are credited to it.
 */
#ifndef FLOC_FABRIC_H
#define FLOC_FABRIC_H

#include <stddef.h>
#include <stdint.h>

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>

#include "floc.h"

typedef struct floc_mr_entry {
    uintptr_t base;
    size_t len;
    uint64_t access;
    struct fid_mr *mr;
    unsigned refs;
    uint64_t last_use;
    int standalone;          /* not in the cache (it was full): freed on release */
} floc_mr_entry_t;

/* Registration cache: registrations of local buffers reused by address
 * range, least recently used evicted when full and unreferenced. */
typedef struct floc_mr_cache {
    floc_mr_entry_t *entries;
    size_t n, cap;
    uint64_t clock;
    uint64_t hits, misses;
} floc_mr_cache_t;

typedef struct floc_fabric {
    struct fi_info *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_ep *ep;
    struct fid_av *av;
    struct fid_cq *cq;
    fi_addr_t *addrs;        /* fi_addr of every locality */
    char prov_name[64];

    /* provider properties */
    int virt_addr;           /* FI_MR_VIRT_ADDR: RMA addresses are virtual */
    int prov_key;            /* FI_MR_PROV_KEY: provider picks keys */
    int mr_local;            /* FI_MR_LOCAL: local buffers need descriptors */
    int mr_endpoint;         /* FI_MR_ENDPOINT: bind MRs to the endpoint */
    int has_atomic;
    size_t inject_size;
    uint64_t next_key;       /* requested keys when !prov_key */

    /* implicit (floc_put) writes: flush waits for done == issued */
    uint64_t puts_issued, puts_done;
    int put_status;          /* first failure among them, reported by flush */

    floc_mr_cache_t cache;
    int cache_enabled;
} floc_fabric_t;

struct floc_ctx;

/* ep.c */
int floc_fabric_open(struct floc_ctx *ctx);      /* getinfo, open, exchange addresses */
void floc_fabric_close(struct floc_ctx *ctx);
/* Map a libfabric return code (negative) to a FLOC_ERR_*, logging what. */
int floc_fabric_err(int fi_ret, const char *what);

/* progress.c: drain up to a batch of completions; >= 0 handled, < 0 error.
 * Caller holds the context lock. */
int floc_fabric_progress(struct floc_ctx *ctx);

/*
 * Post a libfabric operation, retrying while it answers -FI_EAGAIN (first
 * contact with a peer, full queues) and driving progress meanwhile, so the
 * queues drain.  ret gets the libfabric code, or FLOC_FI_LOST when a peer
 * was lost while retrying.  Caller holds the context lock.
 */
#define FLOC_FI_LOST (-0x7fff)
void floc_fabric_backoff(unsigned *spins);
#define FLOC_FI_POST(ctx, ret, call)                                            \
    do {                                                                        \
        unsigned floc_spins_ = 0;                                               \
        while (((ret) = (int)(call)) == -FI_EAGAIN) {                           \
            floc_fabric_progress(ctx);                                          \
            if (floc_ctx_peer_lost(ctx)) {                                      \
                (ret) = FLOC_FI_LOST;                                           \
                break;                                                          \
            }                                                                   \
            floc_fabric_backoff(&floc_spins_);                                  \
        }                                                                       \
    } while (0)

/* mr.c */
int floc_mr_reg(struct floc_ctx *ctx, void *buf, size_t len, uint64_t access,
                struct fid_mr **mr);
void floc_mr_close(struct fid_mr *mr);
/* Descriptor for a local buffer (NULL when the provider needs none).
 * *entry must be released with floc_mr_cache_release after the op completes. */
int floc_mr_cache_get(struct floc_ctx *ctx, const void *buf, size_t len, uint64_t access,
                      floc_mr_entry_t **entry);
void floc_mr_cache_release(struct floc_ctx *ctx, floc_mr_entry_t *entry);
void floc_mr_cache_fini(struct floc_ctx *ctx);
/* Look up / insert only (exposed for unit tests of the cache policy). */
floc_mr_entry_t *floc_mr_cache_find(floc_mr_cache_t *c, uintptr_t base, size_t len, uint64_t access);

/* tagged.c: internal = 1 for floc's own traffic (collectives, control),
 * kept apart from user tags.  Caller has checked the arguments. */
int floc_tagged_isend(struct floc_ctx *ctx, const void *buf, size_t len, int dest, int tag,
                      int internal, floc_request_t **req);
int floc_tagged_irecv(struct floc_ctx *ctx, void *buf, size_t len, int source, int tag,
                      int internal, floc_msg_status_t *status, floc_request_t **req);

/* Tag layout of tagged messages: bit 63 internal (collectives, control),
 * bits 62..32 source locality, bits 31..0 tag. */
#define FLOC_TAG_INTERNAL   (1ull << 63)
#define FLOC_TAG_SRC_SHIFT  32
#define FLOC_TAG_SRC_MASK   (0x7fffffffull << FLOC_TAG_SRC_SHIFT)
#define FLOC_TAG_USER_MASK  0xffffffffull

#endif
