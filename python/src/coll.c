/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coll.c - the blocking collectives over arrays.
 *
 * Every call first checks what it can alone (a buffer, a dtype that
 * reduces, an op, a root: exceptions before any communication), then
 * exchanges call records (records.c) so that every locality sees a
 * mismatch.  all_reduce and broadcast of up to FUSE_MAX bytes (all_reduce
 * up to 2 KiB on up to 8 localities: pyfloc_fused_size) carry
 * their data in that same exchange: one allgather of [record | data],
 * then each locality folds the blocks in locality order (the same bits
 * everywhere); larger ones exchange the records, then call floc's
 * collective.  The GIL is released while floc communicates.
 *
 * gather, all_gather and scatter (blocks of any length) are composed in
 * floc/collectives.py from the primitives at the end of this file.
 */
#include "args.h"
#include "coll_util.h"

#include <string.h>

/* all_reduce(arr, op='sum', out=None) */
static PyObject *py_all_reduce(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames)
{
    static const char *const names[] = {"arr", "op", "out", "team"};
    PyObject *a[4];
    pyfloc_call_t c;
    if (pyfloc_args("all_reduce", args, nargs, kwnames, names, 1, 4, a) < 0 ||
        pyfloc_call_begin(&c, PYFLOC_ALL_REDUCE, a[0], a[1], -1, 1, a[3]) < 0)
        return NULL;
    if (pyfloc_call_out(&c, a[2], c.in.rows) < 0)
        return pyfloc_call_end(&c, -1);
    const int p = floc_num_localities(c.ctx);
    if (p == 1) {
        pyfloc_copy(&c.out, &c.in);
        return pyfloc_call_end(&c, 0);
    }
    int ret;
    if (pyfloc_checks && pyfloc_fused_size(PYFLOC_ALL_REDUCE, c.in.nbytes, p)) {
        ret = pyfloc_fused(&c, p);
        if (!ret)
            pyfloc_fold(&c, p);
    } else {
        ret = pyfloc_call_agree(&c, PYFLOC_AGREE_ALL);
        if (!ret) {
            const void *s = c.in.view.buf == c.out.view.buf ? FLOC_IN_PLACE : c.in.view.buf;
            Py_BEGIN_ALLOW_THREADS
            ret = floc_allreduce(c.ctx, s, c.out.view.buf, c.in.count, c.in.dt, c.op);
            Py_END_ALLOW_THREADS
            ret = pyfloc_check(ret, "all_reduce");
        }
    }
    return pyfloc_call_end(&c, ret);
}

/* broadcast(arr, root=0, out=None): every locality passes an array of
 * the same shape and dtype; the root's values come back everywhere */
static PyObject *py_broadcast(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames)
{
    static const char *const names[] = {"arr", "root", "out", "team"};
    PyObject *a[4];
    pyfloc_call_t c;
    int root;
    if (pyfloc_args("broadcast", args, nargs, kwnames, names, 1, 4, a) < 0 ||
        pyfloc_int_arg(a[1], 0, "broadcast", "root", &root) < 0 ||
        pyfloc_call_begin(&c, PYFLOC_BROADCAST, a[0], NULL, root, 0, a[3]) < 0)
        return NULL;
    if (pyfloc_call_out(&c, a[2], c.in.rows) < 0)
        return pyfloc_call_end(&c, -1);
    const int p = floc_num_localities(c.ctx), me = floc_locality_id(c.ctx);
    int ret;
    if (p == 1 || !pyfloc_checks || c.in.nbytes > PYFLOC_FUSE_MAX) {
        ret = pyfloc_call_agree(&c, PYFLOC_AGREE_ALL);
        if (!ret && me == root)
            pyfloc_copy(&c.out, &c.in);
        if (!ret && p > 1) {
            Py_BEGIN_ALLOW_THREADS
            ret = floc_broadcast(c.ctx, c.out.view.buf, c.out.nbytes, FLOC_BYTE, root);
            Py_END_ALLOW_THREADS
            ret = pyfloc_check(ret, "broadcast");
        }
    } else {
        ret = pyfloc_fused(&c, p);
        if (!ret)
            memcpy(c.out.view.buf, pyfloc_fused_data(&c, root), c.in.nbytes);
    }
    return pyfloc_call_end(&c, ret);
}

/* reduce(arr, op='sum', root=0, out=None): the result on root, None elsewhere */
static PyObject *py_reduce(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames)
{
    static const char *const names[] = {"arr", "op", "root", "out", "team"};
    PyObject *a[5];
    pyfloc_call_t c;
    int root;
    if (pyfloc_args("reduce", args, nargs, kwnames, names, 1, 5, a) < 0 ||
        pyfloc_int_arg(a[2], 0, "reduce", "root", &root) < 0 ||
        pyfloc_call_begin(&c, PYFLOC_REDUCE, a[0], a[1], root, 1, a[4]) < 0)
        return NULL;
    const int me = floc_locality_id(c.ctx);
    if (me == root && pyfloc_call_out(&c, a[3], c.in.rows) < 0)
        return pyfloc_call_end(&c, -1);
    int ret = pyfloc_call_agree(&c, PYFLOC_AGREE_ALL);
    if (!ret) {
        const void *s = me == root && c.in.view.buf == c.out.view.buf ? FLOC_IN_PLACE
                                                                      : c.in.view.buf;
        Py_BEGIN_ALLOW_THREADS
        ret = floc_reduce(c.ctx, s, me == root ? c.out.view.buf : NULL, c.in.count, c.in.dt,
                          c.op, root);
        Py_END_ALLOW_THREADS
        ret = pyfloc_check(ret, "reduce");
    }
    if (me != root && !ret) {
        pyfloc_call_end(&c, 0);
        Py_RETURN_NONE;
    }
    return pyfloc_call_end(&c, ret);
}

/* scan / exscan(arr, op='sum', out=None): exscan leaves locality 0's out
 * as it was (floc/collectives.py fills in op's identity) */
static PyObject *scan_common(pyfloc_kind_t kind, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames)
{
    static const char *const names[] = {"arr", "op", "out", "team"};
    const char *func = pyfloc_kind_names[kind];
    PyObject *a[4];
    pyfloc_call_t c;
    if (pyfloc_args(func, args, nargs, kwnames, names, 1, 4, a) < 0 ||
        pyfloc_call_begin(&c, kind, a[0], a[1], -1, 1, a[3]) < 0)
        return NULL;
    if (pyfloc_call_out(&c, a[2], c.in.rows) < 0)
        return pyfloc_call_end(&c, -1);
    int ret = pyfloc_call_agree(&c, PYFLOC_AGREE_ALL);
    if (!ret) {
        const void *s = c.in.view.buf == c.out.view.buf ? FLOC_IN_PLACE : c.in.view.buf;
        Py_BEGIN_ALLOW_THREADS
        ret = (kind == PYFLOC_SCAN ? floc_scan : floc_exscan)(c.ctx, s, c.out.view.buf,
                                                             c.in.count, c.in.dt, c.op);
        Py_END_ALLOW_THREADS
        ret = pyfloc_check(ret, func);
    }
    return pyfloc_call_end(&c, ret);
}

static PyObject *py_scan(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    return scan_common(PYFLOC_SCAN, args, nargs, kwnames);
}

static PyObject *py_exscan(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames)
{
    return scan_common(PYFLOC_EXSCAN, args, nargs, kwnames);
}

/* reduce_scatter(arr, op='sum', out=None): arr's rows (a multiple of the
 * locality count) cut into equal blocks; block i of the reduction to
 * locality i.  all_to_all(arr, out=None): block j of locality i to block
 * i of locality j. */
static PyObject *blocks_common(pyfloc_kind_t kind, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames)
{
    static const char *const rs_names[] = {"arr", "op", "out", "team"},
                             *const a2a_names[] = {"arr", "out", "team"};
    const int rs = kind == PYFLOC_REDUCE_SCATTER, n = rs ? 4 : 3;
    const char *func = pyfloc_kind_names[kind];
    PyObject *a[4];
    pyfloc_call_t c;
    if (pyfloc_args(func, args, nargs, kwnames, rs ? rs_names : a2a_names, 1, n, a) < 0 ||
        pyfloc_call_begin(&c, kind, a[0], rs ? a[1] : NULL, -1, rs, a[n - 1]) < 0)
        return NULL;
    const int p = floc_num_localities(c.ctx);
    if (c.in.view.ndim == 0 || c.in.rows % (size_t)p) {
        PyErr_Format(PyExc_ValueError,
                     "%s: arr has %zu rows (its first dimension), not a multiple of the %d "
                     "localities: every locality gets the same number",
                     func, c.in.view.ndim ? c.in.rows : (size_t)0, p);
        return pyfloc_call_end(&c, -1);
    }
    if (pyfloc_call_out(&c, rs ? a[2] : a[1], rs ? c.in.rows / (size_t)p : c.in.rows) < 0)
        return pyfloc_call_end(&c, -1);
    int ret = pyfloc_call_agree(&c, PYFLOC_AGREE_ALL);
    if (!ret) {
        const size_t block = c.in.count / (size_t)p;
        Py_BEGIN_ALLOW_THREADS
        if (rs)
            ret = floc_reduce_scatter(c.ctx, c.in.view.buf, c.out.view.buf, block, c.in.dt,
                                      c.op);
        else
            ret = floc_alltoall(c.ctx, c.in.view.buf, c.out.view.buf,
                                block * c.in.itemsize, FLOC_BYTE);
        Py_END_ALLOW_THREADS
        ret = pyfloc_check(ret, func);
    }
    return pyfloc_call_end(&c, ret);
}

static PyObject *py_reduce_scatter(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames)
{
    return blocks_common(PYFLOC_REDUCE_SCATTER, args, nargs, kwnames);
}

static PyObject *py_all_to_all(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames)
{
    return blocks_common(PYFLOC_ALL_TO_ALL, args, nargs, kwnames);
}

/* barrier(): the record exchange is the barrier (nobody leaves an
 * allgather before everyone entered it), and checks that every locality
 * is at a barrier */
static PyObject *py_barrier(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames)
{
    static const char *const names[] = {"team"};
    PyObject *a[1];
    pyfloc_call_t c;
    if (pyfloc_args("barrier", args, nargs, kwnames, names, 0, 1, a) < 0 ||
        pyfloc_call_begin(&c, PYFLOC_BARRIER, NULL, NULL, -1, 0, a[0]) < 0)
        return NULL;
    int ret;
    if (pyfloc_checks) {
        ret = pyfloc_call_exchange(&c, PYFLOC_AGREE_ALL);
    } else {
        Py_BEGIN_ALLOW_THREADS
        ret = floc_barrier(c.ctx);
        Py_END_ALLOW_THREADS
        ret = pyfloc_check(ret, "barrier");
    }
    pyfloc_call_end(&c, ret);
    if (ret)
        return NULL;
    Py_RETURN_NONE;
}

/* set_checks(on): compare the call records (the default) or not; the
 * same on every locality */
static PyObject *py_set_checks(PyObject *self, PyObject *on)
{
    const int v = PyObject_IsTrue(on);
    if (v < 0)
        return NULL;
    pyfloc_checks = v;
    Py_RETURN_NONE;
}

static PyObject *py_checks(PyObject *self, PyObject *noargs)
{
    return PyBool_FromLong(pyfloc_checks);
}

PyMethodDef pyfloc_coll_methods[] = {
    {"set_checks", py_set_checks, METH_O,
     "set_checks(on): whether collectives compare what every locality called them with "
     "(on by default; FLOC_PY_CHECKS=0 turns it off). Call it on every locality alike."},
    {"checks", py_checks, METH_NOARGS, "checks(): whether collectives compare their calls."},
    {"all_reduce", (PyCFunction)(void (*)(void))py_all_reduce, METH_FASTCALL | METH_KEYWORDS,
     "all_reduce(arr, op='sum', out=None): op over every locality's arr, element by element; "
     "the result (bit-identical) on every locality."},
    {"broadcast", (PyCFunction)(void (*)(void))py_broadcast, METH_FASTCALL | METH_KEYWORDS,
     "broadcast(arr, root=0, out=None): root's arr on every locality."},
    {"reduce", (PyCFunction)(void (*)(void))py_reduce, METH_FASTCALL | METH_KEYWORDS,
     "reduce(arr, op='sum', root=0, out=None): all_reduce's result on root only (None "
     "elsewhere)."},
    {"scan", (PyCFunction)(void (*)(void))py_scan, METH_FASTCALL | METH_KEYWORDS,
     "scan(arr, op='sum', out=None): op over localities 0..me."},
    {"_exscan", (PyCFunction)(void (*)(void))py_exscan, METH_FASTCALL | METH_KEYWORDS,
     "_exscan(arr, op='sum', out=None): op over localities 0..me-1 (locality 0's out "
     "untouched)."},
    {"reduce_scatter", (PyCFunction)(void (*)(void))py_reduce_scatter,
     METH_FASTCALL | METH_KEYWORDS,
     "reduce_scatter(arr, op='sum', out=None): block me of the reduction of every "
     "locality's arr (rows a multiple of the locality count)."},
    {"all_to_all", (PyCFunction)(void (*)(void))py_all_to_all, METH_FASTCALL | METH_KEYWORDS,
     "all_to_all(arr, out=None): block j of arr to locality j; block i of the result from "
     "locality i."},
    {"barrier", (PyCFunction)(void (*)(void))py_barrier, METH_FASTCALL | METH_KEYWORDS,
     "barrier(team=None): wait until every locality (of the team) is here."},
    {NULL, NULL, 0, NULL}};
