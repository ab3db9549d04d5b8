/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * buffers.c - arrays in and out: the buffer protocol (numpy arrays,
 * memoryview, array.array, bytes: any C-contiguous buffer, no copy), the
 * floc dtype of a buffer's format, reduction operations by name, and
 * result arrays made by numpy.
 */
#include "pyfloc.h"

#include <string.h>

int pyfloc_buf_get(PyObject *obj, pyfloc_buf_t *b, int writable, const char *func,
                   const char *what)
{
    memset(b, 0, sizeof *b);
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: %s must be an array (numpy array, memoryview, array.array: an "
                     "object with the buffer protocol), not %.80s",
                     func, what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    const int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
        /* say which of the two it was */
        Py_buffer probe;
        PyErr_Clear();
        if (PyObject_GetBuffer(obj, &probe, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "%s: %s is not C-contiguous (a strided view?): pass "
                         "numpy.ascontiguousarray(%s)",
                         func, what, what);
        } else {
            PyBuffer_Release(&probe);
            PyErr_Format(PyExc_ValueError, "%s: %s is read-only: floc writes the result into it",
                         func, what);
        }
        return -1;
    }
    b->held = 1;
    if (b->view.format && strchr(b->view.format, 'O')) {
        /* references, not data: copying them elsewhere would be wrong */
        pyfloc_buf_release(b);
        PyErr_Format(PyExc_TypeError,
                     "%s: %s holds Python objects (numpy dtype object): floc moves plain "
                     "data only",
                     func, what);
        return -1;
    }
    b->itemsize = (size_t)(b->view.itemsize > 0 ? b->view.itemsize : 1);
    b->nbytes = (size_t)b->view.len;
    b->count = b->nbytes / b->itemsize;
    b->rows = b->view.ndim > 0 ? (size_t)b->view.shape[0] : 1;
    b->dt = pyfloc_dtype_of(b->view.format ? b->view.format : "B", b->itemsize);
    return 0;
}

void pyfloc_buf_release(pyfloc_buf_t *b)
{
    if (b->held)
        PyBuffer_Release(&b->view);
    b->held = 0;
}

static floc_dtype_t int_of(size_t itemsize, int is_signed)
{
    switch (itemsize) {
    case 1: return is_signed ? FLOC_INT8 : FLOC_UINT8;
    case 2: return is_signed ? FLOC_INT16 : FLOC_UINT16;
    case 4: return is_signed ? FLOC_INT32 : FLOC_UINT32;
    case 8: return is_signed ? FLOC_INT64 : FLOC_UINT64;
    default: return PYFLOC_NO_DTYPE;
    }
}

floc_dtype_t pyfloc_dtype_of(const char *f, size_t itemsize)
{
    /* native or little-endian (this host's order: x86-64, aarch64) */
    if (*f == '@' || *f == '=' || *f == '<')
        f++;
    else if (*f == '>' || *f == '!')
        return PYFLOC_NO_DTYPE;   /* moved as bytes; not reducible here */
    if (f[0] && !f[1]) {
        if (strchr("bhilqn", f[0]))
            return int_of(itemsize, 1);
        if (strchr("BHILQN", f[0]))
            return int_of(itemsize, 0);
        if (f[0] == 'f' && itemsize == 4)
            return FLOC_FLOAT;
        if (f[0] == 'd' && itemsize == 8)
            return FLOC_DOUBLE;
        return PYFLOC_NO_DTYPE;
    }
    /* the value + index pairs of minloc/maxloc: numpy's aligned structs
     * (floc.loc_dtype) */
    static const struct { const char *fmt; floc_dtype_t dt; } pairs[] = {
        {"T{i:value:xxxxl:index:}", FLOC_INT32_INDEX}, {"T{i:value:xxxxq:index:}", FLOC_INT32_INDEX},
        {"T{l:value:l:index:}", FLOC_INT64_INDEX},     {"T{q:value:q:index:}", FLOC_INT64_INDEX},
        {"T{f:value:xxxxl:index:}", FLOC_FLOAT_INDEX}, {"T{f:value:xxxxq:index:}", FLOC_FLOAT_INDEX},
        {"T{d:value:l:index:}", FLOC_DOUBLE_INDEX},    {"T{d:value:q:index:}", FLOC_DOUBLE_INDEX},
    };
    if (itemsize == 16)
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
            if (strcmp(f, pairs[i].fmt) == 0)
                return pairs[i].dt;
    return PYFLOC_NO_DTYPE;
}

static const char *const op_names[FLOC_OP_COUNT] = {
    "sum", "prod", "min", "max", "band", "bor", "bxor", "land", "lor", "minloc", "maxloc"};
static PyObject *op_dict;   /* name -> op */

const char *pyfloc_op_name(floc_op_t op)
{
    return (unsigned)op < FLOC_OP_COUNT ? op_names[op] : "?";
}

int pyfloc_op_of(PyObject *obj, floc_op_t *op)
{
    if (PyUnicode_Check(obj)) {
        if (!op_dict) {
            if (!(op_dict = PyDict_New()))
                return -1;
            for (int k = 0; k < FLOC_OP_COUNT; k++) {
                PyObject *v = PyLong_FromLong(k);
                if (!v || PyDict_SetItemString(op_dict, op_names[k], v) < 0) {
                    Py_XDECREF(v);
                    return -1;
                }
                Py_DECREF(v);
            }
        }
        PyObject *v = PyDict_GetItemWithError(op_dict, obj);
        if (v) {
            *op = (floc_op_t)PyLong_AsLong(v);
            return 0;
        }
        if (PyErr_Occurred())
            return -1;
    } else if (PyLong_Check(obj)) {   /* floc.ReduceOp (an IntEnum) */
        long k = PyLong_AsLong(obj);
        if (k >= 0 && k < FLOC_OP_COUNT) {
            *op = (floc_op_t)k;
            return 0;
        }
        if (PyErr_Occurred())
            return -1;
    } else {
        PyErr_Format(PyExc_TypeError,
                     "the reduction operation must be a name ('sum', 'prod', 'min', 'max', ...) "
                     "or a floc.ReduceOp, not %.80s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyErr_Format(PyExc_ValueError,
                 "Unknown reduction operation: %R (floc has 'sum', 'prod', 'min', 'max', 'band', "
                 "'bor', 'bxor', 'land', 'lor', 'minloc', 'maxloc')",
                 obj);
    return -1;
}

PyObject *pyfloc_empty_like(PyObject *like)
{
    static PyObject *empty_like;
    if (!empty_like && !(empty_like = pyfloc_numpy("empty_like")))
        return NULL;
    return PyObject_CallOneArg(empty_like, like);
}

PyObject *pyfloc_empty_rows(PyObject *like, size_t rows)
{
    static PyObject *asarray, *empty;
    if ((!asarray && !(asarray = pyfloc_numpy("asarray"))) ||
        (!empty && !(empty = pyfloc_numpy("empty"))))
        return NULL;
    PyObject *arr = PyObject_CallOneArg(asarray, like), *shape = NULL, *dtype = NULL,
             *res = NULL;
    if (!arr)
        return NULL;
    PyObject *old = PyObject_GetAttrString(arr, "shape");
    dtype = PyObject_GetAttrString(arr, "dtype");
    if (old && dtype && PyTuple_Check(old)) {
        Py_ssize_t nd = PyTuple_GET_SIZE(old);
        PyObject *first = PyLong_FromSize_t(rows);
        shape = first ? PyTuple_New(nd > 0 ? nd : 1) : NULL;
        if (!shape)
            Py_XDECREF(first);
        if (shape) {
            PyTuple_SET_ITEM(shape, 0, first);
            for (Py_ssize_t i = 1; i < nd; i++) {
                PyObject *d = PyTuple_GET_ITEM(old, i);
                Py_INCREF(d);
                PyTuple_SET_ITEM(shape, i, d);
            }
            res = PyObject_CallFunctionObjArgs(empty, shape, dtype, NULL);
        }
    }
    Py_XDECREF(old);
    Py_XDECREF(shape);
    Py_XDECREF(dtype);
    Py_DECREF(arr);
    return res;
}
