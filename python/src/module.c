/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * module.c - floc._floc: the module, its one context, and the runtime
 * calls (init, finalize, ids).  floc/__init__.py builds the public API on
 * top.  Importing starts nothing: floc.init() joins the job.
 */
#include "args.h"
#include "coll_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

floc_ctx_t *pyfloc_ctx;
unsigned long pyfloc_epoch;

int pyfloc_running(const char *func)
{
    if (pyfloc_ctx)
        return 0;
    PyErr_Format(PyExc_RuntimeError, "%s: floc is not initialized: call floc.init() first",
                 func);
    return -1;
}

PyObject *pyfloc_numpy(const char *name)
{
    static PyObject *numpy;
    if (!numpy && !(numpy = PyImport_ImportModule("numpy")))
        return NULL;
    return PyObject_GetAttrString(numpy, name);
}

/* init(num_threads=None) */
static PyObject *py_init(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    static const char *const names[] = {"num_threads"};
    PyObject *a[1];
    int threads = 0;
    if (pyfloc_args("init", args, nargs, kwnames, names, 0, 1, a) < 0 ||
        pyfloc_int_arg(a[0], 0, "init", "num_threads", &threads) < 0)
        return NULL;
    if (pyfloc_ctx) {
        PyErr_SetString(PyExc_RuntimeError,
                        "floc is already initialized: floc.init() runs once per process "
                        "(floc.is_running() tells)");
        return NULL;
    }
    if (a[0]) {
        if (threads < 1 || threads > 1024) {
            PyErr_Format(PyExc_ValueError, "init: num_threads %d is not in 1..1024", threads);
            return NULL;
        }
        char v[16];
        snprintf(v, sizeof v, "%d", threads);
        setenv("FLOC_THREADS", v, 1);   /* floc reads its settings at init */
    }
    /* other Python threads may call floc while one waits with the GIL
     * released: floc serialises them */
    floc_attr_t attr = FLOC_ATTR_INIT;
    attr.thread_level = FLOC_THREAD_MULTIPLE;
    floc_ctx_t *ctx = NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_init(NULL, NULL, &attr, &ctx);
    Py_END_ALLOW_THREADS
    if (ret)
        return pyfloc_raise(ret, "init");
    pyfloc_ctx = ctx;
    pyfloc_epoch++;   /* the Teams of an earlier run are dead */
    if (pyfloc_actions_init(ctx) < 0)
        return NULL;
    const char *checks = getenv("FLOC_PY_CHECKS");
    pyfloc_checks = !(checks && strcmp(checks, "0") == 0);
    Py_RETURN_NONE;
}

/* finalize(strict=True): strict=False at interpreter exit (views of local
 * parts may still be alive then; the process is ending) */
static PyObject *py_finalize(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames)
{
    static const char *const names[] = {"strict"};
    PyObject *a[1];
    if (pyfloc_args("finalize", args, nargs, kwnames, names, 0, 1, a) < 0)
        return NULL;
    if (!pyfloc_ctx)
        Py_RETURN_NONE;
    const int strict = a[0] ? PyObject_IsTrue(a[0]) : 1;
    if (strict < 0)
        return NULL;
    pyfloc_futures_settle(pyfloc_ctx);   /* before the arrays: a Future may use one */
    if (pyfloc_pv_finalize(strict) < 0)
        return NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_finalize(pyfloc_ctx);
    Py_END_ALLOW_THREADS
    if (ret == FLOC_ERR_BUSY)   /* nothing was freed: the context lives on */
        return pyfloc_raise_msg(ret, "finalize: nonblocking operations are still in flight "
                                     "(not complete within FLOC_WAIT_TIMEOUT)");
    pyfloc_ctx = NULL;          /* gone, also after FLOC_ERR_PEER_LOST */
    if (ret)
        return pyfloc_raise(ret, "finalize");
    Py_RETURN_NONE;
}

static PyObject *py_is_running(PyObject *self, PyObject *noargs)
{
    return PyBool_FromLong(pyfloc_ctx != NULL);
}

/* the ids: one locality (id 0 of 1) when floc is not running, as a
 * program alone is */
#define ID_GETTER(name, call, alone)                                                   \
    static PyObject *py_##name(PyObject *self, PyObject *noargs)                       \
    {                                                                                  \
        return PyLong_FromLong(pyfloc_ctx ? call(pyfloc_ctx) : (alone));               \
    }
ID_GETTER(num_localities, floc_num_localities, 1)
ID_GETTER(locality_id, floc_locality_id, 0)
ID_GETTER(local_rank, floc_local_rank, 0)
ID_GETTER(local_size, floc_local_size, 1)
ID_GETTER(node_id, floc_node_id, 0)
ID_GETTER(num_nodes, floc_num_nodes, 1)
#undef ID_GETTER

static PyObject *py_num_threads(PyObject *self, PyObject *noargs)
{
    if (pyfloc_running("num_threads") < 0)
        return NULL;
    return PyLong_FromLong(floc_num_threads(pyfloc_ctx));
}

static PyObject *py_provider(PyObject *self, PyObject *noargs)
{
    if (pyfloc_running("provider") < 0)
        return NULL;
    const char *p = floc_provider_name(pyfloc_ctx);
    return PyUnicode_FromString(p ? p : "");
}

/* abort(code, message): ends the whole job (floc_abort); alone, exits */
static PyObject *py_abort(PyObject *self, PyObject *args)
{
    int code;
    const char *msg;
    if (!PyArg_ParseTuple(args, "is", &code, &msg))
        return NULL;
    fflush(stdout);
    fflush(stderr);
    if (pyfloc_ctx)
        floc_abort(pyfloc_ctx, code, msg);
    _exit(code);
}

/* floc_dtype(arr): the floc dtype code of arr's elements, or None */
static PyObject *py_floc_dtype(PyObject *self, PyObject *arr)
{
    pyfloc_buf_t b;
    if (pyfloc_buf_get(arr, &b, 0, "floc_dtype", "arr") < 0)
        return NULL;
    const floc_dtype_t dt = b.dt;
    pyfloc_buf_release(&b);
    if (dt == PYFLOC_NO_DTYPE)
        Py_RETURN_NONE;
    return PyLong_FromLong(dt);
}

static PyMethodDef runtime_methods[] = {
    {"init", (PyCFunction)(void (*)(void))py_init, METH_FASTCALL | METH_KEYWORDS,
     "init(num_threads=None): join the job (collective)."},
    {"finalize", (PyCFunction)(void (*)(void))py_finalize, METH_FASTCALL | METH_KEYWORDS,
     "finalize(): leave the job (collective); nothing when not running."},
    {"is_running", py_is_running, METH_NOARGS, "is_running(): between init and finalize."},
    {"num_localities", py_num_localities, METH_NOARGS, "num_localities(): the job's size."},
    {"locality_id", py_locality_id, METH_NOARGS, "locality_id(): this locality, 0-based."},
    {"local_rank", py_local_rank, METH_NOARGS, "local_rank(): rank on this node."},
    {"local_size", py_local_size, METH_NOARGS, "local_size(): localities on this node."},
    {"node_id", py_node_id, METH_NOARGS, "node_id(): this locality's node."},
    {"num_nodes", py_num_nodes, METH_NOARGS, "num_nodes(): nodes of the job."},
    {"num_threads", py_num_threads, METH_NOARGS,
     "num_threads(): worker threads of this locality's distributed-array algorithms."},
    {"provider", py_provider, METH_NOARGS, "provider(): the libfabric provider in use."},
    {"_abort", py_abort, METH_VARARGS, "_abort(code, message): end the whole job."},
    {"floc_dtype", py_floc_dtype, METH_O, "floc_dtype(arr): floc's dtype code, or None."},
    {NULL, NULL, 0, NULL}};

static int add_methods(PyObject *m, PyMethodDef *defs)
{
    PyObject *name = PyModule_GetNameObject(m);
    if (!name)
        return -1;
    for (PyMethodDef *d = defs; d->ml_name; d++) {
        PyObject *f = PyCFunction_NewEx(d, NULL, name);
        if (!f || PyModule_AddObject(m, d->ml_name, f) < 0) {
            Py_XDECREF(f);
            Py_DECREF(name);
            return -1;
        }
    }
    Py_DECREF(name);
    return 0;
}

static struct PyModuleDef floc_module = {
    PyModuleDef_HEAD_INIT, "floc._floc",
    "floc's C extension: the runtime, collectives over buffers, partitioned vectors.", -1,
    runtime_methods};

PyMODINIT_FUNC PyInit__floc(void);
PyMODINIT_FUNC PyInit__floc(void)
{
    PyObject *m = PyModule_Create(&floc_module);
    if (!m)
        return NULL;
    if (add_methods(m, pyfloc_coll_methods) < 0 || add_methods(m, pyfloc_vcoll_methods) < 0 ||
        add_methods(m, pyfloc_icoll_methods) < 0 || add_methods(m, pyfloc_p2p_methods) < 0 || add_methods(m, pyfloc_pv_methods) < 0 ||
        add_methods(m, pyfloc_team_methods) < 0 || add_methods(m, pyfloc_action_methods) < 0 ||
        PyType_Ready(&pyfloc_team_type) < 0 ||
        pyfloc_errors_init(m) < 0 || pyfloc_p2p_init(m) < 0 ||
        PyType_Ready(&pyfloc_future_type) < 0 ||
        PyType_Ready(&pyfloc_pv_type) < 0)
        goto fail;
    Py_INCREF(&pyfloc_future_type);
    Py_INCREF(&pyfloc_team_type);
    if (PyModule_AddObject(m, "Team", (PyObject *)&pyfloc_team_type) < 0 ||
        PyModule_AddIntConstant(m, "UNDEFINED", FLOC_UNDEFINED) < 0 ||
        PyModule_AddIntConstant(m, "ANY_SOURCE", FLOC_ANY_SOURCE) < 0 ||
        PyModule_AddIntConstant(m, "ANY_TAG", FLOC_ANY_TAG) < 0 ||
        PyModule_AddIntConstant(m, "TAG_MAX", FLOC_TAG_MAX) < 0)
        return NULL;
    if (PyModule_AddObject(m, "Future", (PyObject *)&pyfloc_future_type) < 0)
        goto fail;
    Py_INCREF(&pyfloc_pv_type);
    if (PyModule_AddObject(m, "PV", (PyObject *)&pyfloc_pv_type) < 0)
        goto fail;
    if (PyModule_AddStringConstant(m, "version", floc_version_string()) < 0 ||
        PyModule_AddIntConstant(m, "FUSE_MAX", PYFLOC_FUSE_MAX) < 0 ||
        PyModule_AddIntConstant(m, "ACTION_REPLY_MAX", PYFLOC_ACTION_REPLY_MAX) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
