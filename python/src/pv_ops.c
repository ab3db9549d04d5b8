/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv_ops.c - the methods of floc._floc.PV that move or compute on the
 * data (pv.c has the object and its lifetime): one-sided reads and writes
 * of any run of elements, and the collective algorithms, each after a
 * fence so that what any locality did before is ordered before it.
 */
#include "pv.h"

#include <string.h>

static PyObject *fail(int ret, const char *func)
{
    return pyfloc_raise(ret, func);
}

/* get(first, count, out) / put(first, count, src): one-sided; a put is
 * complete at its owners when it returns (floc_flush) */
static PyObject *pv_access(pyfloc_pv_t *v, PyObject *args, int put)
{
    const char *func = put ? "__setitem__" : "__getitem__";
    unsigned long long first, count;
    PyObject *obj;
    if (!PyArg_ParseTuple(args, "KKO", &first, &count, &obj) || pyfloc_pv_ok(v, func) < 0)
        return NULL;
    pyfloc_buf_t b;
    if (pyfloc_buf_get(obj, &b, !put, func, put ? "value" : "out") < 0)
        return NULL;
    if (b.nbytes != count * v->itemsize) {
        pyfloc_buf_release(&b);
        PyErr_Format(PyExc_ValueError, "%s: %llu elements need %llu bytes, the buffer has %zu",
                     func, count, count * v->itemsize, b.nbytes);
        return NULL;
    }
    int ret;
    Py_BEGIN_ALLOW_THREADS
    if (put) {
        ret = floc_pv_put(v->pv, (size_t)first, (size_t)count, b.view.buf);
        if (!ret)
            ret = floc_flush(pyfloc_ctx);
    } else {
        ret = floc_pv_get(v->pv, (size_t)first, (size_t)count, b.view.buf);
    }
    Py_END_ALLOW_THREADS
    pyfloc_buf_release(&b);
    if (ret)
        return fail(ret, func);
    Py_RETURN_NONE;
}

PyObject *pyfloc_pv_get(pyfloc_pv_t *v, PyObject *args)
{
    return pv_access(v, args, 0);
}

PyObject *pyfloc_pv_put(pyfloc_pv_t *v, PyObject *args)
{
    return pv_access(v, args, 1);
}

/*
 * gets(firsts, counts, out) / puts(firsts, counts, src): many runs at
 * once (a strided slice, some columns of some rows): run i is counts[i]
 * elements from element firsts[i], and the next counts[i] elements of
 * the buffer; up to WINDOW transfers in flight.  firsts and counts are
 * buffers of uint64.  puts are complete at their owners on return.
 */
#define WINDOW 64
static PyObject *pv_runs(pyfloc_pv_t *v, PyObject *args, int put)
{
    const char *func = put ? "__setitem__" : "__getitem__";
    PyObject *fo, *co, *bo;
    if (!PyArg_ParseTuple(args, "OOO", &fo, &co, &bo) || pyfloc_pv_ok(v, func) < 0)
        return NULL;
    pyfloc_buf_t f = {0}, c = {0}, b = {0};
    PyObject *res = NULL;
    if (pyfloc_buf_get(fo, &f, 0, func, "firsts") < 0 || pyfloc_buf_get(co, &c, 0, func, "counts") < 0 ||
        pyfloc_buf_get(bo, &b, !put, func, put ? "value" : "out") < 0)
        goto out;
    if (f.itemsize != 8 || c.itemsize != 8 || f.count != c.count) {
        PyErr_Format(PyExc_ValueError, "%s: firsts and counts must be uint64 runs of one length",
                     func);
        goto out;
    }
    const uint64_t *first = f.view.buf, *count = c.view.buf;
    size_t total = 0;
    for (size_t i = 0; i < c.count; i++)
        total += count[i];
    if (total * v->itemsize != b.nbytes) {
        PyErr_Format(PyExc_ValueError, "%s: the runs hold %zu elements, the buffer %zu bytes",
                     func, total, b.nbytes);
        goto out;
    }
    int ret = 0;
    Py_BEGIN_ALLOW_THREADS
    floc_request_t *reqs[WINDOW] = {NULL};
    unsigned char *p = b.view.buf;
    for (size_t i = 0; i < c.count && !ret; i++) {
        floc_request_t **slot = &reqs[i % WINDOW];
        if (*slot && (ret = floc_wait(*slot)))
            break;
        *slot = NULL;
        ret = put ? floc_pv_iput(v->pv, (size_t)first[i], (size_t)count[i], p, slot)
                  : floc_pv_iget(v->pv, (size_t)first[i], (size_t)count[i], p, slot);
        p += count[i] * v->itemsize;
    }
    const int last = floc_waitall(WINDOW, reqs);
    if (!ret)
        ret = last;
    if (!ret && put)
        ret = floc_flush(pyfloc_ctx);
    Py_END_ALLOW_THREADS
    if (ret) {
        fail(ret, func);
        goto out;
    }
    Py_INCREF(Py_None);
    res = Py_None;
out:
    pyfloc_buf_release(&f);
    pyfloc_buf_release(&c);
    pyfloc_buf_release(&b);
    return res;
}

PyObject *pyfloc_pv_gets(pyfloc_pv_t *v, PyObject *args)
{
    return pv_runs(v, args, 0);
}

PyObject *pyfloc_pv_puts(pyfloc_pv_t *v, PyObject *args)
{
    return pv_runs(v, args, 1);
}

/* collective calls without a result: fence(), fill(value bytes) */
PyObject *pyfloc_pv_fence(pyfloc_pv_t *v, PyObject *noargs)
{
    if (pyfloc_pv_ok(v, "fence") < 0)
        return NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);
    Py_END_ALLOW_THREADS
    if (ret)
        return fail(ret, "fence");
    Py_RETURN_NONE;
}

PyObject *pyfloc_pv_fill(pyfloc_pv_t *v, PyObject *args)
{
    Py_buffer value;
    if (!PyArg_ParseTuple(args, "y*", &value))
        return NULL;
    int ret = 0;
    if (pyfloc_pv_ok(v, "fill") < 0) {
        PyBuffer_Release(&value);
        return NULL;
    }
    if ((size_t)value.len != v->itemsize) {
        PyBuffer_Release(&value);
        PyErr_SetString(PyExc_ValueError, "fill: the value is not one element");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);   /* reads of the old values by others come first */
    if (!ret)
        ret = floc_pv_fill_as(v->pv, value.buf, v->dt);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&value);
    if (ret)
        return fail(ret, "fill");
    Py_RETURN_NONE;
}

/* reduce(op) -> bytes of one element; minmax(op) -> (bytes, index);
 * dot(other) -> bytes */
PyObject *pyfloc_pv_reduce(pyfloc_pv_t *v, PyObject *args)
{
    PyObject *opobj;
    floc_op_t op;
    if (!PyArg_ParseTuple(args, "O", &opobj) || pyfloc_op_of(opobj, &op) < 0 ||
        pyfloc_pv_ok(v, "reduce") < 0)
        return NULL;
    unsigned char out[16];
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);
    if (!ret)
        ret = floc_pv_reduce_as(v->pv, op, out, v->dt);
    Py_END_ALLOW_THREADS
    return ret ? fail(ret, "reduce") : PyBytes_FromStringAndSize((char *)out, (Py_ssize_t)v->itemsize);
}

PyObject *pyfloc_pv_minmax(pyfloc_pv_t *v, PyObject *args)
{
    PyObject *opobj;
    floc_op_t op;
    if (!PyArg_ParseTuple(args, "O", &opobj) || pyfloc_op_of(opobj, &op) < 0 ||
        pyfloc_pv_ok(v, "argmin/argmax") < 0)
        return NULL;
    unsigned char out[16];
    size_t g = 0;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);
    if (!ret)
        ret = floc_pv_minmax_as(v->pv, op, out, v->dt, &g);
    Py_END_ALLOW_THREADS
    if (ret)
        return fail(ret, "argmin/argmax");
    return Py_BuildValue("(y#n)", (char *)out, (Py_ssize_t)v->itemsize, (Py_ssize_t)g);
}

PyObject *pyfloc_pv_dot(pyfloc_pv_t *v, PyObject *args)
{
    pyfloc_pv_t *w;
    if (!PyArg_ParseTuple(args, "O!", &pyfloc_pv_type, &w) || pyfloc_pv_ok(v, "dot") < 0 ||
        pyfloc_pv_ok(w, "dot") < 0)
        return NULL;
    unsigned char out[16];
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);
    if (!ret)
        ret = floc_pv_dot_as(v->pv, w->pv, out, v->dt);
    Py_END_ALLOW_THREADS
    return ret ? fail(ret, "dot") : PyBytes_FromStringAndSize((char *)out, (Py_ssize_t)v->itemsize);
}

/* redistribute(kind, block) -> a new PV (collective) */
PyObject *pyfloc_pv_redistribute(pyfloc_pv_t *v, PyObject *args)
{
    int kind;
    unsigned long long block;
    if (!PyArg_ParseTuple(args, "iK", &kind, &block) || pyfloc_pv_ok(v, "redistribute") < 0)
        return NULL;
    int ret = pyfloc_pv_collect(v->ctx);
    if (ret)
        return fail(ret, "redistribute");
    floc_pv_t *out = NULL;
    const floc_dist_t dist = {(floc_dist_kind_t)kind, (size_t)block};
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);
    if (!ret)
        ret = floc_pv_redistribute(v->pv, dist, &out);
    Py_END_ALLOW_THREADS
    if (ret)
        return fail(ret, "redistribute");
    return pyfloc_pv_wrap(out, v);
}

/* scan(out, op, inclusive): collective */
PyObject *pyfloc_pv_scan(pyfloc_pv_t *v, PyObject *args)
{
    pyfloc_pv_t *w;
    PyObject *opobj;
    int inclusive;
    floc_op_t op;
    if (!PyArg_ParseTuple(args, "O!Op", &pyfloc_pv_type, &w, &opobj, &inclusive) ||
        pyfloc_op_of(opobj, &op) < 0 || pyfloc_pv_ok(v, "scan") < 0 || pyfloc_pv_ok(w, "scan") < 0)
        return NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_fence(v->pv);
    if (!ret)
        ret = (inclusive ? floc_pv_inclusive_scan : floc_pv_exclusive_scan)(v->pv, w->pv, op);
    Py_END_ALLOW_THREADS
    if (ret)
        return fail(ret, "scan");
    Py_RETURN_NONE;
}
