/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * future.c - floc._floc.Future: a nonblocking collective (or message,
 * p2p.c) in flight, as
 * concurrent.futures.Future has it: done(), result(timeout=None),
 * exception(timeout=None).  It holds the buffers floc reads and writes
 * until the requests complete; then its finish step (icoll.c) checks the
 * call records and makes the result.  A Future dropped before it
 * completed is waited for (floc still writes into its buffers; a
 * receive is withdrawn first).
 */
#include "pyfloc.h"

#include <time.h>

static pyfloc_future_t *live;   /* every Future alive, newest first */

pyfloc_future_t *pyfloc_future_new(void)
{
    pyfloc_future_t *f = PyObject_New(pyfloc_future_t, &pyfloc_future_type);
    if (!f)
        return NULL;
    f->live_prev = NULL;
    f->live_next = live;
    if (live)
        live->live_prev = f;
    live = f;
    f->reqs[0] = f->reqs[1] = NULL;
    f->nreq = 0;
    f->status = 0;
    f->complete = f->finished = 0;
    f->bufs[0].held = f->bufs[1].held = 0;
    f->keep = f->result = f->error = f->then = NULL;
    f->scratch = NULL;
    f->finish = NULL;
    f->label = NULL;
    f->kind = PYFLOC_KINDS;   /* none: an action's, until icoll.c says */
    f->cancelable = 0;
    return f;
}

/* what the Future is, for its errors and repr: its label (a message's
 * or an action's call) or its collective's name */
static const char *future_name(const pyfloc_future_t *f)
{
    return f->label                 ? f->label
           : f->kind < PYFLOC_KINDS ? pyfloc_kind_names[f->kind]
                                    : "Future";
}

/* Release what floc no longer touches; run the finish step once. */
static void finish(pyfloc_future_t *f)
{
    if (f->finished)
        return;
    f->finished = 1;
    if (!f->status && (!f->finish || f->finish(f) == 0) && f->then) {
        PyObject *r = PyObject_CallOneArg(f->then, f->result ? f->result : Py_None);
        Py_XSETREF(f->result, r);
    }
    if (f->status || PyErr_Occurred()) {
        if (!PyErr_Occurred())
            pyfloc_raise(f->status, future_name(f));
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (tb)
            PyException_SetTraceback(value, tb);
        f->error = value;
        Py_XDECREF(type);
        Py_XDECREF(tb);
        Py_CLEAR(f->result);
    }
    pyfloc_buf_release(&f->bufs[0]);
    pyfloc_buf_release(&f->bufs[1]);
    Py_CLEAR(f->keep);
    Py_CLEAR(f->then);
    PyMem_Free(f->scratch);
    f->scratch = NULL;
}

static void settle(pyfloc_future_t *f, const int *statuses)
{
    for (int i = 0; i < f->nreq; i++)
        if (statuses[i] && !f->status)
            f->status = statuses[i];
    f->complete = 1;
}

/* Test without waiting: 1 when complete (finish ran), 0 if not */
static int poll_once(pyfloc_future_t *f)
{
    if (!f->complete) {
        int statuses[2] = {0, 0}, done = 0, ret;
        Py_BEGIN_ALLOW_THREADS
        ret = floc_testall((size_t)f->nreq, f->reqs, statuses, &done);
        Py_END_ALLOW_THREADS
        if (!done)
            return 0;
        (void)ret;   /* the first error is among the statuses */
        settle(f, statuses);
    }
    finish(f);
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wait (timeout < 0: for ever; floc's own FLOC_WAIT_TIMEOUT still
 * applies).  0 when complete, -1 with TimeoutError. */
static int wait_for(pyfloc_future_t *f, double timeout)
{
    if (f->complete) {
        finish(f);
        return 0;
    }
    if (timeout < 0) {
        int statuses[2] = {0, 0};
        Py_BEGIN_ALLOW_THREADS
        floc_waitall_status((size_t)f->nreq, f->reqs, statuses);
        Py_END_ALLOW_THREADS
        int left = 0;
        for (int i = 0; i < f->nreq; i++)
            left |= f->reqs[i] != NULL;   /* still live: floc's wait timed out */
        if (left) {
            PyErr_Format(PyExc_TimeoutError, "%s: not complete within FLOC_WAIT_TIMEOUT",
                         future_name(f));
            return -1;
        }
        settle(f, statuses);
        finish(f);
        return 0;
    }
    const double end = now() + timeout;
    for (;;) {
        if (poll_once(f))
            return 0;
        if (now() >= end)
            break;
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
    PyErr_Format(PyExc_TimeoutError, "%s: not complete within %g s", future_name(f), timeout);
    return -1;
}

static int timeout_arg(PyObject *args, PyObject *kw, double *timeout)
{
    static char *names[] = {"timeout", NULL};
    PyObject *t = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &t))
        return -1;
    *timeout = t == Py_None ? -1.0 : PyFloat_AsDouble(t);
    if (*timeout == -1.0 && t != Py_None && PyErr_Occurred())
        return -1;
    if (t != Py_None && *timeout < 0)
        *timeout = 0;
    return 0;
}

static PyObject *fut_result(pyfloc_future_t *f, PyObject *args, PyObject *kw)
{
    double timeout;
    if (timeout_arg(args, kw, &timeout) < 0 || wait_for(f, timeout) < 0)
        return NULL;
    if (f->error) {
        PyErr_SetObject((PyObject *)Py_TYPE(f->error), f->error);
        return NULL;
    }
    PyObject *r = f->result ? f->result : Py_None;
    Py_INCREF(r);
    return r;
}

static PyObject *fut_exception(pyfloc_future_t *f, PyObject *args, PyObject *kw)
{
    double timeout;
    if (timeout_arg(args, kw, &timeout) < 0 || wait_for(f, timeout) < 0)
        return NULL;
    PyObject *e = f->error ? f->error : Py_None;
    Py_INCREF(e);
    return e;
}

static PyObject *fut_done(pyfloc_future_t *f, PyObject *noargs)
{
    return PyBool_FromLong(poll_once(f));
}

/* A receive not matched yet is withdrawn (floc_cancel), then waited for:
 * True if it ended canceled.  Collectives and sends cannot be. */
static PyObject *fut_cancel(pyfloc_future_t *f, PyObject *noargs)
{
    if (!f->cancelable || f->complete)
        return PyBool_FromLong(f->status == FLOC_ERR_CANCELED);
    int ret = floc_cancel(f->reqs[0]);
    if (ret)
        return pyfloc_raise(ret, "cancel");
    if (wait_for(f, -1.0) < 0)
        return NULL;
    return PyBool_FromLong(f->status == FLOC_ERR_CANCELED);
}

static PyObject *fut_cancelled(pyfloc_future_t *f, PyObject *noargs)
{
    return PyBool_FromLong(f->complete && f->status == FLOC_ERR_CANCELED);
}

static PyObject *fut_running(pyfloc_future_t *f, PyObject *noargs)
{
    return PyBool_FromLong(!f->finished);
}

static void fut_dealloc(pyfloc_future_t *f)
{
    if (f->live_prev)
        f->live_prev->live_next = f->live_next;
    else
        live = f->live_next;
    if (f->live_next)
        f->live_next->live_prev = f->live_prev;
    if (!f->complete && f->nreq) {
        /* floc still owns the buffers: wait, keeping any pending error (a
         * receive nobody waits for is withdrawn first: its message may
         * never come) */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (f->cancelable)
            (void)floc_cancel(f->reqs[0]);
        int statuses[2];
        Py_BEGIN_ALLOW_THREADS
        floc_waitall_status((size_t)f->nreq, f->reqs, statuses);
        Py_END_ALLOW_THREADS
        f->complete = 1;
        PyErr_Restore(type, value, tb);
    }
    f->finished = 1;   /* nobody wants the result */
    pyfloc_buf_release(&f->bufs[0]);
    pyfloc_buf_release(&f->bufs[1]);
    Py_XDECREF(f->keep);
    Py_XDECREF(f->result);
    Py_XDECREF(f->error);
    Py_XDECREF(f->then);
    PyMem_Free(f->scratch);
    PyObject_Free(f);
}

/* Complete the live Futures of one kind: the others (waited for), or
 * the receives (taking what has come, then withdrawing the rest) */
static void settle_pass(int receives)
{
    pyfloc_future_t *f = live;
    Py_XINCREF(f);
    while (f) {
        if (!f->complete && f->nreq && f->cancelable == receives) {
            if (receives && !poll_once(f))
                (void)floc_cancel(f->reqs[0]);
            if (!f->complete && wait_for(f, -1.0) < 0)
                PyErr_Clear();   /* still live (FLOC_WAIT_TIMEOUT): finalize says so */
        }
        pyfloc_future_t *next = f->live_next;   /* (the wait let the GIL go: read it now) */
        Py_XINCREF(next);
        Py_DECREF(f);
        f = next;
    }
}

void pyfloc_futures_settle(floc_ctx_t *ctx)
{
    settle_pass(0);
    /* every locality's sends are out: what they sent before finalize
     * reaches its receive now, or never */
    if (floc_num_localities(ctx) > 1) {
        Py_BEGIN_ALLOW_THREADS
        (void)floc_barrier(ctx);   /* (a lost peer: finalize reports it) */
        Py_END_ALLOW_THREADS
    }
    settle_pass(1);
}

static PyObject *fut_repr(pyfloc_future_t *f)
{
    return PyUnicode_FromFormat("<floc.Future %s %s>",
                                future_name(f),
                                !f->finished                      ? "pending"
                                : f->status == FLOC_ERR_CANCELED ? "cancelled"
                                : f->error                        ? "failed"
                                                                  : "done");
}

/* _then(fn): result() returns fn(result) (the list a gather makes) */
static PyObject *fut_then(pyfloc_future_t *f, PyObject *fn)
{
    if (f->finished) {
        if (!f->error) {
            PyObject *r = PyObject_CallOneArg(fn, f->result ? f->result : Py_None);
            if (!r)
                return NULL;
            Py_XSETREF(f->result, r);
        }
    } else {
        Py_INCREF(fn);
        Py_XSETREF(f->then, fn);
    }
    Py_INCREF(f);
    return (PyObject *)f;
}

static PyMethodDef fut_methods[] = {
    {"_then", (PyCFunction)fut_then, METH_O, "_then(fn): result() gives fn(result)."},
    {"result", (PyCFunction)(void (*)(void))fut_result, METH_VARARGS | METH_KEYWORDS,
     "result(timeout=None): wait, then the collective's result (or its exception)."},
    {"exception", (PyCFunction)(void (*)(void))fut_exception, METH_VARARGS | METH_KEYWORDS,
     "exception(timeout=None): wait, then the exception the collective failed with, or None."},
    {"done", (PyCFunction)fut_done, METH_NOARGS,
     "done(): True once complete (makes progress; never waits)."},
    {"running", (PyCFunction)fut_running, METH_NOARGS, "running(): True until complete."},
    {"cancel", (PyCFunction)fut_cancel, METH_NOARGS,
     "cancel(): withdraw a receive no message has matched yet (True if it was); "
     "collectives and sends cannot be canceled (False)."},
    {"cancelled", (PyCFunction)fut_cancelled, METH_NOARGS,
     "cancelled(): True if cancel() withdrew it."},
    {NULL, NULL, 0, NULL}};

PyTypeObject pyfloc_future_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "floc.Future",
    .tp_basicsize = sizeof(pyfloc_future_t),
    .tp_dealloc = (destructor)fut_dealloc,
    .tp_repr = (reprfunc)fut_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A nonblocking collective in flight (floc.iall_reduce and the like).",
    .tp_methods = fut_methods,
};
