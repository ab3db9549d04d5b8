/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coll_util.c - the steps every collective of the Python layer takes:
 * its local checks, its result array, the call-record exchange, the
 * fused exchange of small inputs, and the clean-up (coll_util.h).
 */
#include "coll_util.h"

#include <string.h>

static int is_pair(floc_dtype_t dt)
{
    return dt == FLOC_INT32_INDEX || dt == FLOC_INT64_INDEX || dt == FLOC_FLOAT_INDEX ||
           dt == FLOC_DOUBLE_INDEX;
}

/* Can op reduce elements of dt?  (floc's rules, checked here so that the
 * error is a Python one, raised before any communication.) */
static int reducible(const pyfloc_call_t *c)
{
    const floc_dtype_t dt = c->in.dt;
    const floc_op_t op = c->op;
    char what[160];
    if (dt == PYFLOC_NO_DTYPE) {
        pyfloc_record_describe(&c->mine, what, sizeof what);
        PyErr_Format(PyExc_TypeError,
                     "%s: arr (%s) cannot be reduced: floc reduces int8-int64, uint8-uint64, "
                     "float32 and float64 in native byte order, and the (value, index) pairs "
                     "of floc.loc_dtype()",
                     c->func, what);
        return -1;
    }
    const int loc = op == FLOC_MINLOC || op == FLOC_MAXLOC;
    const int bits = op == FLOC_BAND || op == FLOC_BOR || op == FLOC_BXOR || op == FLOC_LAND ||
                     op == FLOC_LOR;
    const char *why = NULL;
    if (loc && !is_pair(dt))
        why = "needs (value, index) pairs: an array of floc.loc_dtype(...)";
    else if (!loc && is_pair(dt))
        why = "does not apply to (value, index) pairs: use 'minloc' or 'maxloc'";
    else if (bits && (dt == FLOC_FLOAT || dt == FLOC_DOUBLE))
        why = "applies to integers only";
    if (why) {
        pyfloc_record_describe(&c->mine, what, sizeof what);
        PyErr_Format(PyExc_ValueError, "%s: op '%s' %s (arr: %s)", c->func, pyfloc_op_name(op),
                     why, what);
        return -1;
    }
    return 0;
}

int pyfloc_call_begin(pyfloc_call_t *c, pyfloc_kind_t kind, PyObject *arr, PyObject *op,
                      int root, int reduces, PyObject *team)
{
    c->kind = kind;
    c->func = pyfloc_kind_names[kind];
    c->arr = c->result = NULL;
    c->converted = 0;
    c->in.held = c->out.held = 0;
    c->scratch = NULL;
    c->op = FLOC_SUM;
    c->root = root;
    if (reduces && op && pyfloc_op_of(op, &c->op) < 0)
        return -1;
    if (pyfloc_team_ctx(team, c->func, &c->ctx) < 0)
        return -1;
    const int p = floc_num_localities(c->ctx);
    if (root >= p || (root < 0 && root != -1) ||
        (root == -1 && (kind == PYFLOC_BROADCAST || kind == PYFLOC_REDUCE ||
                        kind == PYFLOC_GATHER || kind == PYFLOC_SCATTER))) {
        PyErr_Format(PyExc_ValueError, "%s: root %d is not a locality (0..%d)", c->func, root,
                     p - 1);
        return -1;
    }
    if (arr) {
        if (PyObject_CheckBuffer(arr)) {
            Py_INCREF(arr);
            c->arr = arr;
        } else {
            /* a number or a list: as numpy would take it */
            static PyObject *asarray;
            if (!asarray && !(asarray = pyfloc_numpy("asarray")))
                return -1;
            if (!(c->arr = PyObject_CallOneArg(asarray, arr)))
                return -1;
            c->converted = 1;
        }
        if (pyfloc_buf_get(c->arr, &c->in, 0, c->func, "arr") < 0) {
            Py_CLEAR(c->arr);
            return -1;
        }
    }
    pyfloc_record_fill(&c->mine, kind, arr ? &c->in : NULL, root, reduces ? (int)c->op : -1);
    if (reduces && reducible(c) < 0) {
        pyfloc_call_end(c, -1);
        return -1;
    }
    return 0;
}

int pyfloc_call_out(pyfloc_call_t *c, PyObject *out, size_t rows)
{
    if (out == c->arr && out && !c->in.view.readonly && rows == c->in.rows) {
        /* in place (out=arr): the buffer we hold already */
        c->out = c->in;
        c->out.held = 0;
        Py_INCREF(out);
        c->result = out;
        return 0;
    }
    if (out) {
        if (pyfloc_buf_get(out, &c->out, 1, c->func, "out") < 0)
            return -1;
        /* the same element format and shape (first dimension: rows) */
        const Py_buffer *i = &c->in.view, *o = &c->out.view;
        int same = i->ndim == o->ndim && c->in.itemsize == c->out.itemsize &&
                   strcmp(i->format ? i->format : "B", o->format ? o->format : "B") == 0;
        for (int d = 0; same && d < i->ndim; d++)
            same = o->shape[d] == (d ? i->shape[d] : (Py_ssize_t)rows);
        if (!same) {
            pyfloc_record_t want = c->mine, got;
            if (want.ndim > 0)
                want.shape[0] = rows;
            pyfloc_record_fill(&got, c->kind, &c->out, want.root, want.op);
            char w[160], g[160];
            pyfloc_record_describe(&want, w, sizeof w);
            pyfloc_record_describe(&got, g, sizeof g);
            PyErr_Format(PyExc_ValueError, "%s: out has %s, the result has %s", c->func, g, w);
            return -1;
        }
        Py_INCREF(out);
        c->result = out;
        return 0;
    }
    c->result = rows == c->in.rows ? pyfloc_empty_like(c->arr) : pyfloc_empty_rows(c->arr, rows);
    if (!c->result)
        return -1;
    return pyfloc_buf_get(c->result, &c->out, 1, c->func, "the result");
}

static void *scratch(pyfloc_call_t *c, size_t bytes)
{
    c->scratch = bytes <= sizeof c->local ? c->local : PyMem_Malloc(bytes);
    if (!c->scratch)
        PyErr_NoMemory();
    return c->scratch;
}

int pyfloc_checks = 1;

int pyfloc_call_agree(pyfloc_call_t *c, int how)
{
    return pyfloc_checks ? pyfloc_call_exchange(c, how) : 0;
}

int pyfloc_call_exchange(pyfloc_call_t *c, int how)
{
    const int p = floc_num_localities(c->ctx), me = floc_locality_id(c->ctx);
    pyfloc_record_t *all = scratch(c, (size_t)p * sizeof *all);
    if (!all)
        return -1;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_allgather(c->ctx, &c->mine, all, sizeof c->mine, FLOC_BYTE);
    Py_END_ALLOW_THREADS
    if (pyfloc_check(ret, c->func) < 0)
        return -1;
    return pyfloc_records_agree(all, p, me, how);
}

int pyfloc_fused(pyfloc_call_t *c, int p)
{
    const int me = floc_locality_id(c->ctx);
    const uint64_t digest = pyfloc_record_digest(&c->mine);
    /* 8 bytes of digest instead of the 64-byte record: an 8-byte
     * all_reduce moves one cache line per locality, not two */
    c->head = sizeof digest;
    c->block = (c->head + c->in.nbytes + 7) & ~(size_t)7;
    if (!scratch(c, (size_t)(p + 1) * c->block))
        return -1;
    /* my block goes last, the allgather fills blocks 0..p-1 */
    unsigned char *mine = c->scratch + (size_t)p * c->block;
    memcpy(mine, &digest, sizeof digest);
    memcpy(mine + c->head, c->in.view.buf, c->in.nbytes);
    memset(mine + c->head + c->in.nbytes, 0, c->block - c->head - c->in.nbytes);
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_allgather(c->ctx, mine, c->scratch, c->block, FLOC_BYTE);
    Py_END_ALLOW_THREADS
    if (ret == FLOC_ERR_MISMATCH || ret == FLOC_ERR_TRUNCATED) {
        /* floc saw blocks of other sizes: an array of another size (or
         * another collective) elsewhere; the records did not get through */
        char what[160];
        pyfloc_record_describe(&c->mine, what, sizeof what);
        pyfloc_raise_msg(FLOC_ERR_MISMATCH,
                         "%s: the localities called it differently: another locality passed "
                         "an array of another size, or called another collective (this is "
                         "locality %d: %s)",
                         c->func, me, what);
        return -1;
    }
    if (pyfloc_check(ret, c->func) < 0)
        return -1;
    int same = 1;
    for (int k = 0; k < p && same; k++) {
        uint64_t d;
        memcpy(&d, c->scratch + (size_t)k * c->block, sizeof d);
        same = d == digest;
    }
    if (same)
        return 0;
    /* every locality saw the same digests: all exchange the records */
    if (c->scratch != c->local)
        PyMem_Free(c->scratch);
    c->scratch = NULL;
    if (pyfloc_call_exchange(c, PYFLOC_AGREE_ALL) == 0)   /* cannot be: other digests */
        pyfloc_raise_msg(FLOC_ERR_MISMATCH, "%s: the localities called it differently "
                         "(this is locality %d)", c->func, me);
    return -1;
}

void pyfloc_fold(pyfloc_call_t *c, int p)
{
    memcpy(c->out.view.buf, pyfloc_fused_data(c, 0), c->in.nbytes);
    for (int k = 1; k < p; k++)
        floc_reduce_local(pyfloc_fused_data(c, k), c->out.view.buf, c->in.count, c->in.dt, c->op);
}

void pyfloc_copy(pyfloc_buf_t *dst, const pyfloc_buf_t *src)
{
    if (dst->view.buf != src->view.buf)
        memcpy(dst->view.buf, src->view.buf, src->nbytes);
}

int pyfloc_check(int ret, const char *func)
{
    if (!ret)
        return 0;
    pyfloc_raise(ret, func);
    return -1;
}

PyObject *pyfloc_call_end(pyfloc_call_t *c, int ret)
{
    pyfloc_buf_release(&c->in);
    pyfloc_buf_release(&c->out);
    if (c->scratch && c->scratch != c->local)
        PyMem_Free(c->scratch);
    c->scratch = NULL;
    PyObject *res = c->result;
    c->result = NULL;
    if (ret) {
        Py_XDECREF(res);
        res = NULL;
    } else if (res && c->converted && c->in.view.ndim == 0) {
        /* a number in, a number out (numpy's scalar of the dtype) */
        PyObject *empty = PyTuple_New(0);
        PyObject *item = empty ? PyObject_GetItem(res, empty) : NULL;
        Py_XDECREF(empty);
        Py_DECREF(res);
        res = item;
    }
    Py_CLEAR(c->arr);
    return res;
}
