/*
 * coll.h - collectives: shared plumbing and the algorithm table.  Internal.
 *
 * Every collective call takes the next sequence number of the context
 * (all localities call collectives in the same order, so they agree on
 * it); its messages carry (sequence, step) in their tag, so back-to-back
 * collectives never mix their data however far one locality runs ahead.
 * Algorithms talk through coll_sendrecv/coll_send/coll_recv only: the
 * transport underneath (today floc's internal tagged messages: single
 * copy through shm's CMA for large blocks) can change to RMA landing
 * buffers without touching them.
 */
#ifndef FLOC_COLL_H
#define FLOC_COLL_H

#include <stddef.h>

#include "floc.h"
#include "reduce.h"

struct floc_ctx;

typedef struct floc_coll_args {
    struct floc_ctx *ctx;
    int rank, size;
    unsigned seq;            /* this call's sequence number */
    const void *sbuf;
    void *rbuf;
    size_t count;
    size_t esize;            /* bytes per element */
    floc_dtype_t dt;
    floc_op_t op;
    int root;
    floc_reduce_fn reduce;   /* kernel for (dt, op) */
} floc_coll_args_t;

typedef enum { FLOC_COLL_BARRIER, FLOC_COLL_BCAST, FLOC_COLL_ALLREDUCE, FLOC_COLL_KINDS } floc_coll_kind_t;

#define FLOC_ALG_POW2 1u         /* needs a power-of-two locality count */

typedef struct floc_coll_alg {
    const char *name;        /* value of FLOC_<COLL>_ALGO */
    unsigned needs;
    int (*run)(floc_coll_args_t *a);
} floc_coll_alg_t;

/* Point to point between the localities of a collective: step numbers
 * keep the messages of one call apart.  Blocking. */
int floc_coll_send(floc_coll_args_t *a, const void *buf, size_t len, int peer, int step);
int floc_coll_recv(floc_coll_args_t *a, void *buf, size_t len, int peer, int step);
int floc_coll_sendrecv(floc_coll_args_t *a, const void *sbuf, size_t slen, int dest, void *rbuf,
                       size_t rlen, int src, int step);

/* the algorithms (one file each) */
int floc_barrier_dissemination(floc_coll_args_t *a);
int floc_bcast_binomial(floc_coll_args_t *a);
int floc_allreduce_recursive_doubling(floc_coll_args_t *a);
int floc_allreduce_ring(floc_coll_args_t *a);

/* select.c: the algorithm for a call, honouring FLOC_<COLL>_ALGO */
const floc_coll_alg_t *floc_coll_select(const struct floc_ctx *ctx, floc_coll_kind_t kind,
                                        size_t bytes);
/* Name -> index in the table of kind, or -1.  Exposed for config/tests. */
int floc_coll_alg_index(floc_coll_kind_t kind, const char *name);
const floc_coll_alg_t *floc_coll_alg_at(floc_coll_kind_t kind, int index);

#endif
