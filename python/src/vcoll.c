/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vcoll.c - the primitives floc/collectives.py composes gather,
 * all_gather and scatter from (blocks of any length, results as lists of
 * arrays): the record exchange that says how long each locality's block
 * is, the v-form transfers in bytes, and a broadcast of bytes (the
 * scattered array's dtype and shape).
 */
#include "args.h"
#include "coll_util.h"

#include <string.h>

/* _rows(kind, arr, root): records exchanged and checked (gather and
 * all_gather: the first dimension may differ; scatter: only the root
 * must agree, arr may be None off the root); every locality's rows */
static PyObject *py_rows(PyObject *self, PyObject *args)
{
    const char *name;
    PyObject *arr, *team = NULL;
    int root, kind = 0;
    if (!PyArg_ParseTuple(args, "sOi|O", &name, &arr, &root, &team))
        return NULL;
    while (kind < PYFLOC_KINDS && strcmp(pyfloc_kind_names[kind], name) != 0)
        kind++;
    if (kind != PYFLOC_GATHER && kind != PYFLOC_ALL_GATHER && kind != PYFLOC_SCATTER) {
        PyErr_Format(PyExc_ValueError, "_rows: not a v-form collective: %s", name);
        return NULL;
    }
    pyfloc_call_t c;
    if (pyfloc_call_begin(&c, (pyfloc_kind_t)kind, arr == Py_None ? NULL : arr, NULL, root, 0,
                          team) < 0)
        return NULL;
    int ret = pyfloc_call_exchange(&c, kind == PYFLOC_SCATTER ? PYFLOC_AGREE_ROOT_ONLY
                                                           : PYFLOC_AGREE_ROWS_FREE);
    PyObject *rows = NULL;
    if (!ret) {
        const int p = floc_num_localities(c.ctx);
        const pyfloc_record_t *all = (const pyfloc_record_t *)c.scratch;
        rows = PyList_New(p);
        for (int k = 0; rows && k < p; k++) {
            PyObject *r = PyLong_FromUnsignedLongLong(all[k].ndim ? all[k].shape[0] : 1);
            if (!r)
                Py_CLEAR(rows);
            else
                PyList_SET_ITEM(rows, k, r);
        }
    }
    pyfloc_call_end(&c, -1);   /* no array result */
    return rows;
}

/* counts (a list of p byte counts) and their displacements */
static int counts_of(PyObject *list, size_t *counts, size_t *displs, int p, const char *func)
{
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != p) {
        PyErr_Format(PyExc_ValueError, "%s: counts must be a list of %d ints", func, p);
        return -1;
    }
    size_t off = 0;
    for (int k = 0; k < p; k++) {
        counts[k] = PyLong_AsSize_t(PyList_GET_ITEM(list, k));
        if (counts[k] == (size_t)-1 && PyErr_Occurred())
            return -1;
        displs[k] = off;
        off += counts[k];
    }
    return 0;
}

/* _gatherv(arr, out, counts, root) / _allgatherv(arr, out, counts) /
 * _scatterv(arr, out, counts, root): counts in bytes; out (or arr off
 * the root for scatter, out off the root for gather) may be None */
static PyObject *vform(int which, PyObject *args)
{
    static const char *const funcs[] = {"gather", "all_gather", "scatter"};
    const char *func = funcs[which];
    PyObject *arr, *out, *list, *team = NULL;
    floc_ctx_t *ctx;
    int root = 0;
    if (!(which == 1 ? PyArg_ParseTuple(args, "OOO|O", &arr, &out, &list, &team)
                     : PyArg_ParseTuple(args, "OOOi|O", &arr, &out, &list, &root, &team)))
        return NULL;
    if (pyfloc_team_ctx(team, func, &ctx) < 0)
        return NULL;
    const int p = floc_num_localities(ctx);
    size_t *counts = PyMem_Malloc(2 * (size_t)p * sizeof *counts);
    if (!counts)
        return PyErr_NoMemory();
    size_t *displs = counts + p;
    pyfloc_buf_t s = {0}, r = {0};
    int ret = -1;
    if (counts_of(list, counts, displs, p, func) == 0 &&
        (arr == Py_None || pyfloc_buf_get(arr, &s, 0, func, "arr") == 0) &&
        (out == Py_None || pyfloc_buf_get(out, &r, 1, func, "out") == 0)) {
        Py_BEGIN_ALLOW_THREADS
        if (which == 0)
            ret = floc_gatherv(ctx, s.view.buf, s.nbytes, r.view.buf, counts, displs,
                               FLOC_BYTE, root);
        else if (which == 1)
            ret = floc_allgatherv(ctx, s.view.buf, s.nbytes, r.view.buf, counts, displs,
                                  FLOC_BYTE);
        else
            ret = floc_scatterv(ctx, s.view.buf, counts, displs, r.view.buf, r.nbytes,
                                FLOC_BYTE, root);
        Py_END_ALLOW_THREADS
        ret = pyfloc_check(ret, func);
    }
    pyfloc_buf_release(&s);
    pyfloc_buf_release(&r);
    PyMem_Free(counts);
    if (ret)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *py_gatherv(PyObject *self, PyObject *args)
{
    return vform(0, args);
}

static PyObject *py_allgatherv(PyObject *self, PyObject *args)
{
    return vform(1, args);
}

static PyObject *py_scatterv(PyObject *self, PyObject *args)
{
    return vform(2, args);
}

/* _bcast_bytes(data, root): root's bytes (data ignored elsewhere) */
static PyObject *py_bcast_bytes(PyObject *self, PyObject *args)
{
    PyObject *data, *team = NULL;
    floc_ctx_t *ctx;
    int root;
    if (!PyArg_ParseTuple(args, "Oi|O", &data, &root, &team) ||
        pyfloc_team_ctx(team, "broadcast", &ctx) < 0)
        return NULL;
    const int me = floc_locality_id(ctx);
    uint64_t len = 0;
    if (me == root) {
        if (!PyBytes_Check(data)) {
            PyErr_SetString(PyExc_TypeError, "_bcast_bytes: data must be bytes at the root");
            return NULL;
        }
        len = (uint64_t)PyBytes_GET_SIZE(data);
    }
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_broadcast(ctx, &len, 1, FLOC_UINT64, root);
    Py_END_ALLOW_THREADS
    if (pyfloc_check(ret, "broadcast") < 0)
        return NULL;
    PyObject *res = me == root ? (Py_INCREF(data), data)
                               : PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
    if (!res)
        return NULL;
    char *buf = PyBytes_AS_STRING(res);
    Py_BEGIN_ALLOW_THREADS
    ret = floc_broadcast(ctx, buf, (size_t)len, FLOC_BYTE, root);
    Py_END_ALLOW_THREADS
    if (pyfloc_check(ret, "broadcast") < 0) {
        Py_DECREF(res);
        return NULL;
    }
    return res;
}

PyMethodDef pyfloc_vcoll_methods[] = {
    {"_rows", py_rows, METH_VARARGS,
     "_rows(kind, arr, root, team=None): records exchanged; rows of each"},
    {"_gatherv", py_gatherv, METH_VARARGS, "_gatherv(arr, out, byte_counts, root, team=None)"},
    {"_allgatherv", py_allgatherv, METH_VARARGS, "_allgatherv(arr, out, byte_counts, team=None)"},
    {"_scatterv", py_scatterv, METH_VARARGS, "_scatterv(arr, out, byte_counts, root, team=None)"},
    {"_bcast_bytes", py_bcast_bytes, METH_VARARGS,
     "_bcast_bytes(data, root, team=None): root's bytes"},
    {NULL, NULL, 0, NULL}};
