/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pyfloc.h - the C extension floc._floc: what its files share.
 *
 *   module.c    the module, the runtime (init, finalize, ids), the context
 *   errors.c    floc error codes -> the exceptions of floc/_errors.py
 *   buffers.c   the buffer protocol: any C-contiguous buffer, its dtype
 *   records.c   call records: what each locality called a collective with,
 *               exchanged first so that every locality sees a mismatch
 *   coll.c      the collectives over arrays, blocking and nonblocking
 *   future.c    floc._floc.Future: a nonblocking collective in flight
 *   p2p.c       tagged messages over buffers (send, recv, probes)
 *   pv.c        floc._floc.PV: a partitioned vector (distributed array)
 *   team.c      floc._floc.Team: a team of localities, the team= argument
 *
 * Uses floc's public API only.  numpy is needed at run time (results are
 * numpy arrays, made by calling numpy), not to build.
 */
#ifndef PYFLOC_H
#define PYFLOC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include <floc.h>

/* ---- module.c ---- */
extern floc_ctx_t *pyfloc_ctx;     /* the job's context; NULL when not running */
extern unsigned long pyfloc_epoch; /* runs of init so far (a Team of an earlier one is dead) */
/* 0, or -1 with RuntimeError set ("floc is not initialized: call floc.init()") */
int pyfloc_running(const char *func);
/* numpy.<name> (a new reference), NULL with ImportError set */
PyObject *pyfloc_numpy(const char *name);

/* ---- errors.c ---- */
int pyfloc_errors_init(PyObject *module);
/* Set the exception for floc error err (< 0) from `func`; returns NULL. */
PyObject *pyfloc_raise(int err, const char *func);
/* The same with a message of our own. */
PyObject *pyfloc_raise_msg(int err, const char *fmt, ...);

/* ---- buffers.c ---- */
#define PYFLOC_NO_DTYPE FLOC_DTYPE_COUNT   /* moved as bytes, not reducible */
typedef struct pyfloc_buf {
    Py_buffer view;
    int held;                /* view must be released */
    floc_dtype_t dt;         /* PYFLOC_NO_DTYPE: no floc dtype (complex, bool, ...) */
    size_t itemsize;
    size_t count;            /* elements */
    size_t nbytes;
    size_t rows;             /* shape[0]; 1 for a 0-d array */
} pyfloc_buf_t;

/* Borrow obj's buffer, C-contiguous (writable if asked).  -1 with a
 * ValueError/TypeError naming `what` and `func` when it cannot be. */
int pyfloc_buf_get(PyObject *obj, pyfloc_buf_t *b, int writable, const char *func,
                   const char *what);
void pyfloc_buf_release(pyfloc_buf_t *b);
/* The floc dtype of a buffer format and item size, PYFLOC_NO_DTYPE if none. */
floc_dtype_t pyfloc_dtype_of(const char *format, size_t itemsize);
/* A reduction operation: a name ('sum', ...) or an int (floc.ReduceOp);
 * -1 with ValueError("Unknown reduction operation: ...") */
int pyfloc_op_of(PyObject *obj, floc_op_t *op);
const char *pyfloc_op_name(floc_op_t op);
/* numpy.empty_like(like) (keeps subclasses such as floc.ndarray) */
PyObject *pyfloc_empty_like(PyObject *like);
/* numpy.empty((rows,) + shape[1:] of like, like.dtype) */
PyObject *pyfloc_empty_rows(PyObject *like, size_t rows);

/* ---- records.c ---- */
/* The collectives a record names (the Python names) */
typedef enum {
    PYFLOC_ALL_REDUCE, PYFLOC_BROADCAST, PYFLOC_GATHER, PYFLOC_SCATTER, PYFLOC_BARRIER,
    PYFLOC_ALL_GATHER, PYFLOC_REDUCE, PYFLOC_ALL_TO_ALL, PYFLOC_REDUCE_SCATTER, PYFLOC_SCAN,
    PYFLOC_EXSCAN, PYFLOC_KINDS
} pyfloc_kind_t;
extern const char *const pyfloc_kind_names[PYFLOC_KINDS];

/* What one locality called a collective with: 64 bytes, compared
 * byte for byte where the localities must agree. */
typedef struct pyfloc_record {
    uint16_t kind, ndim;
    int32_t root, op;          /* -1: the call has none */
    uint32_t itemsize;
    char format[16];           /* the element format, or "#" and a hash of a long one */
    uint64_t shape[3];         /* the first three dimensions (0 beyond ndim) */
    uint64_t rest;             /* a hash of the dimensions beyond the third */
} pyfloc_record_t;

/* Fill r for a call of kind with buffer b (NULL: none, e.g. a barrier). */
void pyfloc_record_fill(pyfloc_record_t *r, pyfloc_kind_t kind, const pyfloc_buf_t *b, int root,
                        int op);
/* What the localities must agree on */
enum { PYFLOC_AGREE_ALL = 0, PYFLOC_AGREE_ROWS_FREE = 1, PYFLOC_AGREE_ROOT_ONLY = 2 };
/*
 * Check every locality's record (all[p]) against this one's: 0, or -1
 * with floc.MismatchError naming the first difference.  ROWS_FREE: the
 * first dimension may differ (gather: blocks of any length);
 * ROOT_ONLY: only kind and root must agree (scatter: the others' arrays
 * are not read).
 */
int pyfloc_records_agree(const pyfloc_record_t *all, int p, int me, int how);
/* 64 bits standing for the whole record (FNV-1a): what the small fused
 * exchanges carry (coll_util.c) */
uint64_t pyfloc_record_digest(const pyfloc_record_t *r);
/* The shape of a record as text: "(3, 4) float64" */
void pyfloc_record_describe(const pyfloc_record_t *r, char *buf, size_t len);

/* ---- coll.c ---- */
extern PyMethodDef pyfloc_coll_methods[];
/* ---- p2p.c ---- */
extern PyMethodDef pyfloc_p2p_methods[];
/* Add floc.Status to the module: -1 with an exception */
int pyfloc_p2p_init(PyObject *module);
/* ---- vcoll.c, icoll.c ---- */
extern PyMethodDef pyfloc_vcoll_methods[];
extern PyMethodDef pyfloc_icoll_methods[];

/* ---- future.c ---- */
extern PyTypeObject pyfloc_future_type;
struct pyfloc_future;
/* The step after completion: fills f->result, or returns -1 with an
 * exception set. */
typedef int (*pyfloc_finish_fn)(struct pyfloc_future *f);
typedef struct pyfloc_future {
    PyObject_HEAD
    floc_request_t *reqs[2];
    int nreq;
    int status;                /* the first floc error of the requests */
    int complete;              /* requests done, finish not run yet or run */
    int finished;              /* finish ran: result or error is final */
    pyfloc_buf_t bufs[2];      /* buffers floc reads or writes until completion */
    PyObject *keep;            /* objects kept alive until completion (or NULL) */
    PyObject *result;          /* what result() returns once finished */
    PyObject *error;           /* the exception instance when finish failed */
    PyObject *then;            /* applied to the result once (or NULL) */
    void *scratch;             /* PyMem-allocated: records, fused blocks */
    size_t block;              /* fused: bytes per locality in scratch */
    pyfloc_finish_fn finish;
    const char *label;         /* what it is, for repr and errors (NULL: its `kind`) */
    struct pyfloc_future *live_prev, *live_next;   /* every Future alive (future.c) */
    int cancelable;            /* a receive: cancel() may withdraw it (p2p.c) */
    /* what finish needs */
    pyfloc_kind_t kind;
    floc_op_t op;
    int root, how;
    int p, me;                 /* the size of the group it runs in, this locality's rank */
} pyfloc_future_t;
pyfloc_future_t *pyfloc_future_new(void);
/* Complete every Future still in flight, as concurrent.futures' shutdown
 * waits for its own (finalize, collective on ctx): collectives and sends
 * are waited for, then, once every locality has got that far, receives
 * take what has come and the others are withdrawn; what fails stays in
 * the Future. */
void pyfloc_futures_settle(floc_ctx_t *ctx);

/* ---- team.c ---- */
extern PyTypeObject pyfloc_team_type;
extern PyMethodDef pyfloc_team_methods[];
/* The context of a team= argument: the job's for NULL/None, else the
 * Team's.  -1 with an exception (not running, not a Team, freed). */
int pyfloc_team_ctx(PyObject *team, const char *func, floc_ctx_t **out);
/* The same, with the floc._floc.Team object behind it (NULL: the job) */
int pyfloc_team_resolve(PyObject *team, const char *func, floc_ctx_t **out, PyObject **handle);
/* The counter of distributed arrays made on a Team (NULL: the job's) */
uint64_t *pyfloc_team_serial(PyObject *handle);

/* ---- action.c ---- */
extern PyMethodDef pyfloc_action_methods[];
/* Register floc's Python action on ctx (init): -1 with an exception */
int pyfloc_actions_init(floc_ctx_t *ctx);
/* The reply bytes a call carries inline; larger results are fetched */
#define PYFLOC_ACTION_REPLY_MAX 65536

/* ---- pv.c ---- */
extern PyTypeObject pyfloc_pv_type;
extern PyMethodDef pyfloc_pv_methods[];
/* Destroy every distributed array (collective; finalize): -1 with an
 * exception set (BusyError when `strict` and numpy views of a local part
 * are alive, or the failure of the destruction), else 0 (also after a
 * lost peer: floc_finalize reports that) */
int pyfloc_pv_finalize(int strict);

#endif
