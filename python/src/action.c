/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action.c - the Python side of remote actions (floc/action.h): one
 * floc action, "floc.python", whose handler hands the argument bytes to
 * floc._actions._serve (with the GIL) and replies with the bytes it
 * returns; and _action_async, which starts a call and gives a Future of
 * the reply bytes.  What the bytes mean (a pickled function reference
 * and arguments; a result, an exception or a handle of a large result)
 * is floc/_actions.py's business.
 */
#include "args.h"
#include "pyfloc.h"

static floc_action_t py_action;
static PyObject *serve_fn;   /* floc._actions._serve, looked up at the first call */

/* Runs wherever floc serves actions: a wait of this process (the GIL
 * released by the waiting call) or the progress thread. */
static int handler(floc_action_call_t *call, const void *args, size_t len, void *user)
{
    (void)user;
    PyGILState_STATE g = PyGILState_Ensure();
    int status = 0;
    if (!serve_fn) {
        PyObject *mod = PyImport_ImportModule("floc._actions");
        serve_fn = mod ? PyObject_GetAttrString(mod, "_serve") : NULL;
        Py_XDECREF(mod);
    }
    PyObject *mv = serve_fn ? PyMemoryView_FromMemory((char *)args, (Py_ssize_t)len, PyBUF_READ)
                            : NULL;
    PyObject *r = mv ? PyObject_CallOneArg(serve_fn, mv) : NULL;
    if (mv) {
        /* the bytes are floc's only during the call: a view kept longer
         * would see freed memory, so it is released now */
        PyObject *rel = PyObject_CallMethod(mv, "release", NULL);
        Py_XDECREF(rel);
        Py_DECREF(mv);
    }
    Py_buffer reply;
    if (r && PyObject_GetBuffer(r, &reply, PyBUF_C_CONTIGUOUS) == 0) {
        /* floc copies it (a large one into memory it exposes) */
        status = floc_action_reply(call, reply.buf, (size_t)reply.len);
        PyBuffer_Release(&reply);
    } else {
        /* _serve turns the user's exceptions into a reply: this is floc's own failure */
        if (PyErr_Occurred())
            PyErr_Print();
        status = FLOC_ERR_INVALID;
    }
    Py_XDECREF(r);
    PyGILState_Release(g);
    return status;
}

int pyfloc_actions_init(floc_ctx_t *ctx)
{
    int ret = floc_action_register(ctx, "floc.python", handler, NULL, &py_action);
    if (ret) {
        pyfloc_raise(ret, "init (registering floc's Python action)");
        return -1;
    }
    return 0;
}

/* the reply: the bytearray floc wrote (f->keep), cut to its length; the
 * arrays of a result are views of it (floc/_actions.py), not copies */
static int action_finish(pyfloc_future_t *f)
{
    if (PyByteArray_Resize(f->keep, (Py_ssize_t)f->block) < 0)
        return -1;
    Py_INCREF(f->keep);
    f->result = f->keep;
    return 0;
}

/* _action_async(locality, payload, cap): a Future of the reply's bytes
 * (at most cap of them) from floc._actions._serve on that locality */
static PyObject *py_action_async(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames)
{
    static const char *const names[] = {"locality", "payload", "cap"};
    PyObject *a[3];
    if (pyfloc_args("_action_async", args, nargs, kwnames, names, 3, 3, a) < 0)
        return NULL;
    if (pyfloc_running("async_") < 0)
        return NULL;
    int locality;
    if (pyfloc_int_arg(a[0], 0, "async_", "locality", &locality) < 0)
        return NULL;
    const Py_ssize_t cap = PyLong_AsSsize_t(a[2]);
    if (cap < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_action_async: cap is negative");
        return NULL;
    }
    const int p = floc_num_localities(pyfloc_ctx);
    if (locality < 0 || locality >= p)
        return PyErr_Format(PyExc_ValueError, "async_: locality %d outside [0, %d)", locality, p);
    pyfloc_future_t *f = pyfloc_future_new();
    if (!f)
        return NULL;
    if (pyfloc_buf_get(a[1], &f->bufs[0], 0, "async_", "payload") < 0) {
        Py_DECREF(f);
        return NULL;
    }
    /* uninitialised: floc writes the reply into it */
    f->keep = PyByteArray_FromStringAndSize(NULL, cap);
    if (!f->keep) {
        Py_DECREF(f);
        return NULL;
    }
    f->block = 0;
    f->finish = action_finish;
    f->label = "async_";
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_async(pyfloc_ctx, locality, py_action, f->bufs[0].view.buf,
                     (size_t)f->bufs[0].view.len, PyByteArray_AS_STRING(f->keep), (size_t)cap,
                     &f->block, &f->reqs[0]);
    Py_END_ALLOW_THREADS
    if (ret) {
        Py_DECREF(f);
        return pyfloc_raise(ret, "async_");
    }
    f->nreq = 1;
    return (PyObject *)f;
}

PyMethodDef pyfloc_action_methods[] = {
    {"_action_async", (PyCFunction)(void (*)(void))py_action_async, METH_FASTCALL | METH_KEYWORDS,
     "_action_async(locality, payload, cap): Future of floc._actions._serve(payload)'s bytes "
     "there."},
    {NULL, NULL, 0, NULL}};
