/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * args.h - arguments of the vectorcall (METH_FASTCALL | METH_KEYWORDS)
 * functions: positional or by keyword, in a fixed order.  Hand-written
 * because the CPython helpers for it are private and the tuple/dict
 * parsers cost ~0.1 us per call, a third of an 8-byte allreduce.
 */
#ifndef PYFLOC_ARGS_H
#define PYFLOC_ARGS_H

#include "pyfloc.h"

#include <string.h>

/*
 * out[i] = the argument for names[i] (NULL where not given).  The first
 * nreq are required.  -1 with TypeError on a missing, unknown or doubled
 * argument.
 */
static inline int pyfloc_args(const char *func, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames, const char *const *names, int nreq, int n,
                              PyObject **out)
{
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", func, n,
                     nargs);
        return -1;
    }
    for (int i = 0; i < n; i++)
        out[i] = i < nargs ? args[i] : NULL;
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        const char *s = PyUnicode_AsUTF8(key);   /* cached in the str: no copy */
        if (!s)
            return -1;
        int i = 0;
        while (i < n && strcmp(s, names[i]) != 0)
            i++;
        if (i == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", func,
                         key);
            return -1;
        }
        if (out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", func,
                         names[i]);
            return -1;
        }
        out[i] = args[nargs + k];
    }
    for (int i = 0; i < nreq; i++)
        if (!out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", func,
                         names[i]);
            return -1;
        }
    for (int i = nreq; i < n; i++)
        if (out[i] == Py_None)
            out[i] = NULL;   /* None is "not given" for every optional argument */
    return 0;
}

/* an int argument (a root), or def when not given */
static inline int pyfloc_int_arg(PyObject *obj, int def, const char *func, const char *name,
                                 int *v)
{
    if (!obj) {
        *v = def;
        return 0;
    }
    long x = PyLong_AsLong(obj);
    if (x == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: %s must be an int, not %.80s", func, name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (x < INT32_MIN || x > INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s: %s %ld is out of range", func, name, x);
        return -1;
    }
    *v = (int)x;
    return 0;
}

#endif
