/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * errors.c - floc's error codes as the exceptions of floc/_errors.py:
 * FlocError and one subclass per common code (floc._errors.BY_CODE).
 */
#include "pyfloc.h"

#include <stdarg.h>

static PyObject *flocerror;   /* floc._errors.FlocError */
static PyObject *by_code;     /* floc._errors.BY_CODE: code -> class */

int pyfloc_errors_init(PyObject *module)
{
    PyObject *mod = PyImport_ImportModule("floc._errors");
    if (!mod)
        return -1;
    flocerror = PyObject_GetAttrString(mod, "FlocError");
    by_code = PyObject_GetAttrString(mod, "BY_CODE");
    Py_DECREF(mod);
    if (!flocerror || !by_code)
        return -1;
    Py_INCREF(flocerror);
    return PyModule_AddObject(module, "FlocError", flocerror);
}

static PyObject *class_of(int err)
{
    PyObject *key = PyLong_FromLong(err);
    PyObject *cls = key ? PyDict_GetItemWithError(by_code, key) : NULL;
    Py_XDECREF(key);
    return cls ? cls : flocerror;
}

static PyObject *raise_text(int err, PyObject *text)
{
    if (!text)
        return NULL;
    PyObject *cls = class_of(err);
    PyObject *exc = PyObject_CallFunction(cls, "Oi", text, err);
    Py_DECREF(text);
    if (exc) {
        PyErr_SetObject(cls, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *pyfloc_raise(int err, const char *func)
{
    return raise_text(err, PyUnicode_FromFormat("%s: %s", func, floc_strerror(err)));
}

PyObject *pyfloc_raise_msg(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *text = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    return raise_text(err, text);
}
