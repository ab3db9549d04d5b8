/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icoll.c - the nonblocking collectives: _istart(kind, arr, op, root,
 * out) returns a floc._floc.Future (future.c).  The call records go in a
 * nonblocking allgather started together with the data's collective (or,
 * for a small all_reduce / broadcast, carrying the data: one request);
 * the Future checks them when both are complete, so a mismatch raises on
 * every locality from result().  Started in the same order on every
 * locality, as floc's nonblocking collectives are.
 *
 * The equal-block forms of gather and all_gather live here too; the
 * result is one array of p blocks that floc/collectives.py cuts into a
 * list.
 */
#include "args.h"
#include "coll_util.h"

#include <string.h>

/* finish: check the records (first in scratch: p records) */
static int finish_records(pyfloc_future_t *f)
{
    const int p = f->p, me = f->me;
    return pyfloc_records_agree(f->scratch, p, me, PYFLOC_AGREE_ALL);
}

/* finish of a fused exchange: the records, then fold (all_reduce) or
 * copy the root's block (broadcast) */
static int finish_fused(pyfloc_future_t *f)
{
    const int p = f->p, me = f->me;
    pyfloc_call_t c;   /* the view of the exchange pyfloc_fold reads */
    c.scratch = f->scratch;
    c.block = f->block;
    c.head = sizeof(pyfloc_record_t);   /* the whole record: no second exchange here */
    pyfloc_record_t *all = PyMem_Malloc((size_t)p * sizeof *all);
    if (!all) {
        PyErr_NoMemory();
        return -1;
    }
    for (int k = 0; k < p; k++)
        memcpy(&all[k], c.scratch + (size_t)k * c.block, sizeof *all);
    int ret = pyfloc_records_agree(all, p, me, PYFLOC_AGREE_ALL);
    PyMem_Free(all);
    if (ret)
        return -1;
    c.in = f->bufs[0];
    c.out = f->bufs[1];
    c.op = f->op;
    if (f->kind == PYFLOC_ALL_REDUCE)
        pyfloc_fold(&c, p);
    else
        memcpy(c.out.view.buf, pyfloc_fused_data(&c, f->root), c.in.nbytes);
    return 0;
}

static int rows_ok(const pyfloc_call_t *c, int p)
{
    if (c->in.view.ndim == 0 || c->in.rows % (size_t)p) {
        PyErr_Format(PyExc_ValueError,
                     "%s: arr has %zu rows (its first dimension), not a multiple of the %d "
                     "localities: every locality gets the same number",
                     c->func, c->in.view.ndim ? c->in.rows : (size_t)0, p);
        return 0;
    }
    return 1;
}

/* Start the data's collective of c into *req (the records' exchange is
 * started by the caller) */
static int start_data(pyfloc_call_t *c, int p, int me, floc_request_t **req)
{
    floc_ctx_t *x = c->ctx;
    void *out = c->out.held ? c->out.view.buf : NULL;
    const void *in = c->in.view.buf;
    const void *s = out && in == out ? FLOC_IN_PLACE : in;
    switch (c->kind) {
    case PYFLOC_ALL_REDUCE:
        return floc_iallreduce(x, s, out, c->in.count, c->in.dt, c->op, req);
    case PYFLOC_BROADCAST:
        return floc_ibroadcast(x, out, c->out.nbytes, FLOC_BYTE, c->root, req);
    case PYFLOC_REDUCE:
        return floc_ireduce(x, me == c->root ? s : in, out, c->in.count, c->in.dt, c->op,
                            c->root, req);
    case PYFLOC_SCAN:
        return floc_iscan(x, s, out, c->in.count, c->in.dt, c->op, req);
    case PYFLOC_EXSCAN:
        return floc_iexscan(x, s, out, c->in.count, c->in.dt, c->op, req);
    case PYFLOC_REDUCE_SCATTER:
        return floc_ireduce_scatter(x, in, out, c->in.count / (size_t)p, c->in.dt, c->op, req);
    case PYFLOC_ALL_TO_ALL:
        return floc_ialltoall(x, in, out, c->in.nbytes / (size_t)p, FLOC_BYTE, req);
    case PYFLOC_ALL_GATHER:
        return floc_iallgather(x, in, out, c->in.nbytes, FLOC_BYTE, req);
    case PYFLOC_GATHER:
        return floc_igather(x, in, out, c->in.nbytes, FLOC_BYTE, c->root, req);
    case PYFLOC_BARRIER:
    default:
        *req = NULL;
        return 0;
    }
}

/* Hand the call's buffers, result and scratch over to the future */
static void adopt(pyfloc_future_t *f, pyfloc_call_t *c)
{
    f->kind = c->kind;
    f->op = c->op;
    f->root = c->root;
    f->bufs[0] = c->in;
    f->bufs[1] = c->out;
    c->in.held = c->out.held = 0;
    f->result = c->result;
    c->result = NULL;
    f->keep = c->arr;   /* the array in.view points into */
    c->arr = NULL;
}

/* _istart(kind, arr, op, root, out, team) */
static PyObject *py_istart(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames)
{
    static const char *const names[] = {"kind", "arr", "op", "root", "out", "team"};
    PyObject *a[6];
    if (pyfloc_args("_istart", args, nargs, kwnames, names, 1, 6, a) < 0)
        return NULL;
    const char *name = PyUnicode_Check(a[0]) ? PyUnicode_AsUTF8(a[0]) : NULL;
    int kind = 0, root;
    while (name && kind < PYFLOC_KINDS && strcmp(pyfloc_kind_names[kind], name) != 0)
        kind++;
    if (!name || kind == PYFLOC_KINDS || kind == PYFLOC_SCATTER) {
        PyErr_Format(PyExc_ValueError, "_istart: no nonblocking form of %R", a[0]);
        return NULL;
    }
    const int reduces = kind == PYFLOC_ALL_REDUCE || kind == PYFLOC_REDUCE ||
                        kind == PYFLOC_SCAN || kind == PYFLOC_EXSCAN ||
                        kind == PYFLOC_REDUCE_SCATTER;
    const int rooted = kind == PYFLOC_BROADCAST || kind == PYFLOC_REDUCE || kind == PYFLOC_GATHER;
    if (pyfloc_int_arg(a[3], rooted ? 0 : -1, name, "root", &root) < 0)
        return NULL;
    pyfloc_call_t c;
    if (kind != PYFLOC_BARRIER && !a[1]) {
        PyErr_Format(PyExc_TypeError, "i%s() missing required argument 'arr'", name);
        return NULL;
    }
    if (pyfloc_call_begin(&c, (pyfloc_kind_t)kind, a[1], a[2], root, reduces, a[5]) < 0)
        return NULL;
    const int p = floc_num_localities(c.ctx), me = floc_locality_id(c.ctx);
    size_t rows = c.in.rows;
    if (kind == PYFLOC_REDUCE_SCATTER || kind == PYFLOC_ALL_TO_ALL) {
        if (!rows_ok(&c, p))
            return pyfloc_call_end(&c, -1);
        if (kind == PYFLOC_REDUCE_SCATTER)
            rows /= (size_t)p;
    }
    if (kind == PYFLOC_ALL_GATHER || kind == PYFLOC_GATHER)
        rows *= (size_t)p;
    const int has_out = kind != PYFLOC_BARRIER && (kind != PYFLOC_REDUCE || me == root) &&
                        (kind != PYFLOC_GATHER || me == root);
    if (has_out && (c.in.view.ndim == 0 && rows != 1) && !a[4]) {
        /* p 0-d blocks: a 1-d result of p elements */
        if (!(c.result = pyfloc_empty_rows(c.arr, rows)) ||
            pyfloc_buf_get(c.result, &c.out, 1, c.func, "the result") < 0)
            return pyfloc_call_end(&c, -1);
    } else if (has_out && pyfloc_call_out(&c, a[4], rows) < 0) {
        return pyfloc_call_end(&c, -1);
    }
    pyfloc_future_t *f = pyfloc_future_new();
    if (!f)
        return pyfloc_call_end(&c, -1);
    int ret = 0;
    f->p = p;
    f->me = me;
    const int fused = pyfloc_checks && (kind == PYFLOC_ALL_REDUCE || kind == PYFLOC_BROADCAST) &&
                      p > 1 && pyfloc_fused_size(kind, c.in.nbytes, p);
    if (fused) {
        f->block = (sizeof(pyfloc_record_t) + c.in.nbytes + 7) & ~(size_t)7;
        unsigned char *s = f->scratch = PyMem_Malloc((size_t)(p + 1) * f->block);
        if (!s) {
            Py_DECREF(f);
            PyErr_NoMemory();
            return pyfloc_call_end(&c, -1);
        }
        unsigned char *mine = s + (size_t)p * f->block;
        memcpy(mine, &c.mine, sizeof c.mine);
        memcpy(mine + sizeof c.mine, c.in.view.buf, c.in.nbytes);
        memset(mine + sizeof c.mine + c.in.nbytes, 0, f->block - sizeof c.mine - c.in.nbytes);
        f->finish = finish_fused;
        ret = floc_iallgather(c.ctx, mine, s, f->block, FLOC_BYTE, &f->reqs[0]);
        f->nreq = 1;
    } else {
        pyfloc_record_t *all = f->scratch = PyMem_Malloc((size_t)(p + 1) * sizeof *all);
        if (!all) {
            Py_DECREF(f);
            PyErr_NoMemory();
            return pyfloc_call_end(&c, -1);
        }
        all[p] = c.mine;
        f->finish = finish_records;
        if ((kind == PYFLOC_BROADCAST && me == root) || (p == 1 && kind != PYFLOC_BARRIER &&
                                                         kind != PYFLOC_EXSCAN))
            pyfloc_copy(&c.out, &c.in);   /* the root's input, or the one locality's result */
        /* the records (not with the checks off: then only a barrier's
         * own exchange), then the data */
        if (pyfloc_checks) {
            ret = floc_iallgather(c.ctx, &all[p], all, sizeof *all, FLOC_BYTE, &f->reqs[0]);
        } else {
            f->finish = NULL;
            if (kind == PYFLOC_BARRIER)
                ret = floc_ibarrier(c.ctx, &f->reqs[0]);
        }
        if (!ret && p > 1 && kind != PYFLOC_BARRIER)
            ret = start_data(&c, p, me, &f->reqs[1]);
        f->nreq = 2;
    }
    adopt(f, &c);
    pyfloc_call_end(&c, 0);
    if (ret) {
        /* what started must still complete before the buffers go */
        Py_DECREF(f);
        return pyfloc_raise(ret, pyfloc_kind_names[kind]);
    }
    return (PyObject *)f;
}

PyMethodDef pyfloc_icoll_methods[] = {
    {"_istart", (PyCFunction)(void (*)(void))py_istart, METH_FASTCALL | METH_KEYWORDS,
     "_istart(kind, arr=None, op=None, root=None, out=None, team=None): start a nonblocking "
     "collective; "
     "a floc.Future"},
    {NULL, NULL, 0, NULL}};
