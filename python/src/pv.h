/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv.h - floc._floc.PV inside the extension: the object (pv.c) and the
 * methods on its data (pv_ops.c).
 */
#ifndef PYFLOC_PV_H
#define PYFLOC_PV_H

#include "pyfloc.h"

typedef struct pyfloc_pv {
    PyObject_HEAD
    floc_pv_t *pv;             /* NULL once destroyed */
    floc_ctx_t *ctx;           /* the job's or a team's (team=) */
    PyObject *team;            /* the floc._floc.Team (a reference), NULL: the job */
    uint64_t serial;           /* creation order in its context: the same on its localities */
    floc_dtype_t dt;
    size_t itemsize, n;
    char format[24];           /* the element format the buffer exports */
    Py_ssize_t exports;        /* live buffer views of the local part */
    Py_ssize_t shape, stride;  /* what the views point at (the same for all) */
    struct pyfloc_pv *prev, *next;   /* the live PVs (finalize destroys them) */
} pyfloc_pv_t;

/* 0, or -1 with an exception (floc not running, the vector freed) */
int pyfloc_pv_ok(pyfloc_pv_t *v, const char *func);
/* Destroy the vectors of ctx every locality of it has dropped
 * (collective over ctx): 0 or a floc error */
int pyfloc_pv_collect(floc_ctx_t *ctx);
/* A new PV object for pv, with like's element type */
PyObject *pyfloc_pv_wrap(floc_pv_t *pv, const pyfloc_pv_t *like);

/* pv_ops.c: the methods */
PyObject *pyfloc_pv_get(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_put(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_gets(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_puts(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_fence(pyfloc_pv_t *v, PyObject *noargs);
PyObject *pyfloc_pv_fill(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_reduce(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_minmax(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_dot(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_redistribute(pyfloc_pv_t *v, PyObject *args);
PyObject *pyfloc_pv_scan(pyfloc_pv_t *v, PyObject *args);

#endif
