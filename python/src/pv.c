/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pv.c - floc._floc.PV: one partitioned vector (floc/pv.h), the engine of
 * floc.DistributedArray (floc/_darray.py, which does the shapes, slices
 * and numpy conversions).  A PV exports its local part through the
 * buffer protocol, so numpy views of it are zero-copy.
 *
 * Lifetime.  floc_pv_destroy is collective, but Python frees an object
 * whenever its last reference goes, which need not be at the same point
 * on every locality (reference cycles wait for the garbage collector).
 * So a PV that dies goes to a graveyard, and collect() (called by every
 * creation, by floc.collect() and by finalize) destroys, in creation
 * order, the vectors that every locality has buried: the localities
 * agree on the list first.  destroy() frees at once (collectively).
 */
#include "pv.h"

#include <string.h>

static pyfloc_pv_t *live;      /* list of live PV objects */

/* the graveyard: vectors whose objects died, waiting for collect() on
 * their context */
typedef struct grave {
    uint64_t serial;
    floc_pv_t *pv;
    floc_ctx_t *ctx;
} grave_t;
static grave_t *graves;
static size_t ngraves, cap_graves;

int pyfloc_pv_ok(pyfloc_pv_t *v, const char *func)
{
    if (pyfloc_running(func) < 0)
        return -1;
    if (!v->pv) {
        PyErr_Format(PyExc_ValueError, "%s: the distributed array was freed", func);
        return -1;
    }
    return 0;
}

static PyObject *fail(int ret, const char *func)
{
    return pyfloc_raise(ret, func);
}

/* ---- collect: destroy what every locality buried ------------------- */

static int cmp_grave(const void *a, const void *b)
{
    const grave_t *x = a, *y = b;
    return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/* Collective over ctx.  Destroys (in creation order) the graves of ctx
 * all its localities share; keeps the others.  0, or a floc error. */
static int collect_graves(floc_ctx_t *ctx)
{
    const int p = floc_num_localities(ctx);
    /* this context's graves first, in creation order */
    size_t n = 0;
    for (size_t i = 0; i < ngraves; i++)
        if (graves[i].ctx == ctx) {
            grave_t g = graves[i];
            graves[i] = graves[n];
            graves[n++] = g;
        }
    uint64_t mine = n, most = 0;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_allreduce(ctx, &mine, &most, 1, FLOC_UINT64, FLOC_MAX);
    Py_END_ALLOW_THREADS
    if (ret || most == 0)
        return ret;
    qsort(graves, n, sizeof *graves, cmp_grave);
    uint64_t *all = PyMem_Malloc((size_t)(p + 1) * most * sizeof *all);
    if (!all)   /* the others wait in the allgather below until FLOC_WAIT_TIMEOUT */
        return FLOC_ERR_NOMEM;
    uint64_t *my = all + (size_t)p * most;
    for (uint64_t i = 0; i < most; i++)
        my[i] = i < n ? graves[i].serial : UINT64_MAX;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_allgather(ctx, my, all, (size_t)most, FLOC_UINT64);
    Py_END_ALLOW_THREADS
    size_t kept = 0;
    for (size_t i = 0; i < ngraves; i++) {
        int everywhere = !ret && i < n;
        for (int k = 0; everywhere && k < p; k++) {
            const uint64_t *l = all + (size_t)k * most;
            int found = 0;
            for (uint64_t j = 0; j < most && !found; j++)
                found = l[j] == graves[i].serial;
            everywhere = found;
        }
        if (everywhere) {
            int r;
            Py_BEGIN_ALLOW_THREADS
            r = floc_pv_destroy(graves[i].pv);
            Py_END_ALLOW_THREADS
            if (r && !ret)
                ret = r;
        } else {
            graves[kept++] = graves[i];
        }
    }
    ngraves = kept;
    PyMem_Free(all);
    return ret;
}

static void bury(floc_pv_t *pv, uint64_t serial, floc_ctx_t *ctx)
{
    if (ngraves == cap_graves) {
        size_t cap = cap_graves ? 2 * cap_graves : 16;
        grave_t *g = PyMem_Realloc(graves, cap * sizeof *g);
        if (!g)
            return;   /* leaked until finalize frees the context's memory */
        graves = g;
        cap_graves = cap;
    }
    graves[ngraves++] = (grave_t){serial, pv, ctx};
}

int pyfloc_pv_collect(floc_ctx_t *ctx)
{
    return collect_graves(ctx);
}

/* collect(): floc.collect(); also before every creation */
static PyObject *py_collect(PyObject *self, PyObject *noargs)
{
    if (pyfloc_running("collect") < 0)
        return NULL;
    int ret = collect_graves(pyfloc_ctx);
    if (ret)
        return fail(ret, "collect");
    Py_RETURN_NONE;
}

/*
 * At finalize: every vector still alive is destroyed too (in creation
 * order, after the graves), unless `strict` and a numpy view of its local
 * part is still alive (BusyError: the view would point at freed memory).
 */
int pyfloc_pv_finalize(int strict)
{
    if (strict)
        for (pyfloc_pv_t *v = live; v; v = v->next)
            if (v->pv && v->exports) {
                pyfloc_raise_msg(FLOC_ERR_BUSY,
                                 "finalize: a distributed array (%zu elements) still has %zd "
                                 "numpy view(s) of its local part: delete them first",
                                 v->n, v->exports);
                return -1;
            }
    for (pyfloc_pv_t *v = live; v; v = v->next)
        if (v->pv) {
            bury(v->pv, v->serial, v->ctx);
            v->pv = NULL;
        }
    /* the job's, then the teams' by context id: the same order at every
     * member of a team (its id is the team's), so no two localities wait
     * for each other in different teams */
    int ret = collect_graves(pyfloc_ctx);
    for (;;) {
        floc_ctx_t *next = NULL;
        int next_cid = 0;
        for (size_t i = 0; i < ngraves; i++) {
            const int cid = floc_team_id(graves[i].ctx);
            if (graves[i].ctx != pyfloc_ctx && (!next || cid < next_cid)) {
                next = graves[i].ctx;
                next_cid = cid;
            }
        }
        if (!next)
            break;
        int r = collect_graves(next);
        if (r && !ret)
            ret = r;
        /* what is left of it was not dropped everywhere: leave it */
        size_t kept = 0;
        for (size_t i = 0; i < ngraves; i++)
            if (graves[i].ctx != next)
                graves[kept++] = graves[i];
        ngraves = kept;
    }
    /* whatever is left (not buried everywhere) cannot be destroyed in
     * step; after a lost peer nothing can, so each is freed here alone
     * (its destroy's barrier fails at once), or floc_finalize would find
     * its memory still registered and refuse to end the context */
    for (size_t i = 0; ret == FLOC_ERR_PEER_LOST && i < ngraves; i++) {
        Py_BEGIN_ALLOW_THREADS
        (void)floc_pv_destroy(graves[i].pv);
        Py_END_ALLOW_THREADS
    }
    ngraves = 0;
    PyMem_Free(graves);
    graves = NULL;
    cap_graves = 0;
    /* a lost peer: floc_finalize reports it next (PeerLostError); any
     * other failure is this call's */
    if (ret && ret != FLOC_ERR_PEER_LOST) {
        pyfloc_raise(ret, "finalize");
        return -1;
    }
    return 0;
}

/* ---- the type ------------------------------------------------------ */

static void link_live(pyfloc_pv_t *v)
{
    v->exports = 0;
    v->prev = NULL;
    v->next = live;
    if (live)
        live->prev = v;
    live = v;
}


/* PV(n, like, kind, block, team=None): a vector of n elements of like's dtype (a
 * numpy array of it), zeros; collective */
static PyObject *pv_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    unsigned long long n, block;
    PyObject *like, *team = NULL, *handle;
    floc_ctx_t *ctx;
    int kind;
    if (!PyArg_ParseTuple(args, "KOiK|O", &n, &like, &kind, &block, &team) ||
        pyfloc_team_resolve(team, "DistributedArray", &ctx, &handle) < 0)
        return NULL;
    pyfloc_buf_t b;
    if (pyfloc_buf_get(like, &b, 0, "DistributedArray", "dtype") < 0)
        return NULL;
    const floc_dtype_t dt = b.dt;
    const size_t itemsize = b.itemsize;
    char format[24];
    snprintf(format, sizeof format, "%s", b.view.format ? b.view.format : "B");
    pyfloc_buf_release(&b);
    if (dt == PYFLOC_NO_DTYPE || dt >= FLOC_INT32_INDEX) {
        PyErr_Format(PyExc_TypeError,
                     "distributed arrays hold int8-int64, uint8-uint64, float32 or float64 "
                     "(native byte order), not '%s'",
                     format);
        return NULL;
    }
    int ret = collect_graves(ctx);
    if (ret)
        return fail(ret, "DistributedArray");
    pyfloc_pv_t *v = (pyfloc_pv_t *)type->tp_alloc(type, 0);
    if (!v)
        return NULL;
    const floc_dist_t dist = {(floc_dist_kind_t)kind, (size_t)block};
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_create(ctx, (size_t)n, dt, dist, &v->pv);
    Py_END_ALLOW_THREADS
    if (ret) {
        v->pv = NULL;
        Py_DECREF(v);
        return fail(ret, "DistributedArray");
    }
    v->ctx = ctx;
    Py_XINCREF(handle);
    v->team = handle;
    v->serial = (*pyfloc_team_serial(handle))++;
    v->dt = dt;
    v->itemsize = itemsize;
    v->n = (size_t)n;
    memcpy(v->format, format, sizeof format);
    link_live(v);
    return (PyObject *)v;
}

PyObject *pyfloc_pv_wrap(floc_pv_t *pv, const pyfloc_pv_t *like)
{
    pyfloc_pv_t *w = (pyfloc_pv_t *)pyfloc_pv_type.tp_alloc(&pyfloc_pv_type, 0);
    uint64_t *serial = pyfloc_team_serial(like->team);
    if (!w) {
        bury(pv, (*serial)++, like->ctx);   /* the others have it: destroy it in step later */
        return NULL;
    }
    w->pv = pv;
    w->ctx = like->ctx;
    Py_XINCREF(like->team);
    w->team = like->team;
    w->serial = (*serial)++;
    w->dt = like->dt;
    w->itemsize = like->itemsize;
    w->n = like->n;
    memcpy(w->format, like->format, sizeof w->format);
    link_live(w);
    return (PyObject *)w;
}

static void unlink_live(pyfloc_pv_t *v)
{
    if (v->prev)
        v->prev->next = v->next;
    else if (live == v)
        live = v->next;
    if (v->next)
        v->next->prev = v->prev;
    v->prev = v->next = NULL;
}

static void pv_dealloc(pyfloc_pv_t *v)
{
    if (v->pv && pyfloc_ctx)
        bury(v->pv, v->serial, v->ctx);
    v->pv = NULL;
    Py_CLEAR(v->team);
    unlink_live(v);
    Py_TYPE(v)->tp_free((PyObject *)v);
}

/* destroy(): collective, at once */
static PyObject *pv_destroy(pyfloc_pv_t *v, PyObject *noargs)
{
    if (pyfloc_pv_ok(v, "free") < 0)
        return NULL;
    if (v->exports) {
        PyErr_Format(PyExc_BufferError,
                     "free: %zd numpy view(s) of the local part are still alive", v->exports);
        return NULL;
    }
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_pv_destroy(v->pv);
    Py_END_ALLOW_THREADS
    if (ret == FLOC_ERR_BUSY)
        return fail(ret, "free");
    v->pv = NULL;
    if (ret)
        return fail(ret, "free");
    Py_RETURN_NONE;
}

static int pv_getbuffer(pyfloc_pv_t *v, Py_buffer *view, int flags)
{
    if (pyfloc_pv_ok(v, "local") < 0)
        return -1;
    void *ptr;
    size_t nlocal;
    int ret = floc_pv_local(v->pv, &ptr, &nlocal);
    if (ret) {
        fail(ret, "local");
        return -1;
    }
    static char empty;
    if (PyBuffer_FillInfo(view, (PyObject *)v, nlocal ? ptr : &empty,
                          (Py_ssize_t)(nlocal * v->itemsize), 0, flags) < 0)
        return -1;
    if (flags & PyBUF_FORMAT)
        view->format = v->format;
    view->itemsize = (Py_ssize_t)v->itemsize;
    if (flags & PyBUF_ND) {
        v->shape = (Py_ssize_t)nlocal;
        v->stride = (Py_ssize_t)v->itemsize;
        view->ndim = 1;
        view->shape = &v->shape;
        view->strides = flags & PyBUF_STRIDES ? &v->stride : NULL;
    }
    v->exports++;
    return 0;
}

static void pv_releasebuffer(pyfloc_pv_t *v, Py_buffer *view)
{
    v->exports--;
}

static PyBufferProcs pv_as_buffer = {(getbufferproc)pv_getbuffer,
                                     (releasebufferproc)pv_releasebuffer};

/* local_count(k=me), global_index(k, l), owner(g) */
static PyObject *pv_local_count(pyfloc_pv_t *v, PyObject *args)
{
    int k = pyfloc_ctx && v->pv ? floc_locality_id(v->ctx) : 0;
    if (!PyArg_ParseTuple(args, "|i", &k) || pyfloc_pv_ok(v, "local_count") < 0)
        return NULL;
    size_t n;
    int ret = floc_pv_local_count(v->pv, k, &n);
    return ret ? fail(ret, "local_count") : PyLong_FromSize_t(n);
}

static PyObject *pv_global_index(pyfloc_pv_t *v, PyObject *args)
{
    int k;
    unsigned long long l;
    if (!PyArg_ParseTuple(args, "iK", &k, &l) || pyfloc_pv_ok(v, "global_index") < 0)
        return NULL;
    size_t g;
    int ret = floc_pv_global_index(v->pv, k, (size_t)l, &g);
    return ret ? fail(ret, "global_index") : PyLong_FromSize_t(g);
}

static PyObject *pv_owner(pyfloc_pv_t *v, PyObject *args)
{
    unsigned long long g;
    if (!PyArg_ParseTuple(args, "K", &g) || pyfloc_pv_ok(v, "owner") < 0)
        return NULL;
    int k;
    size_t l;
    int ret = floc_pv_owner(v->pv, (size_t)g, &k, &l);
    return ret ? fail(ret, "owner") : Py_BuildValue("(in)", k, (Py_ssize_t)l);
}

static PyObject *pv_get_size(pyfloc_pv_t *v, void *closure)
{
    return PyLong_FromSize_t(v->n);
}

static PyObject *pv_get_serial(pyfloc_pv_t *v, void *closure)
{
    return PyLong_FromUnsignedLongLong(v->serial);
}

static PyObject *pv_get_freed(pyfloc_pv_t *v, void *closure)
{
    return PyBool_FromLong(v->pv == NULL);
}

static PyMethodDef pv_methods[] = {
    {"free", (PyCFunction)pv_destroy, METH_NOARGS, "free(): destroy now (collective)."},
    {"local_count", (PyCFunction)pv_local_count, METH_VARARGS, "local_count(k=me)"},
    {"global_index", (PyCFunction)pv_global_index, METH_VARARGS, "global_index(k, l)"},
    {"owner", (PyCFunction)pv_owner, METH_VARARGS, "owner(g) -> (k, l)"},
    {"get", (PyCFunction)pyfloc_pv_get, METH_VARARGS, "get(first, count, out)"},
    {"put", (PyCFunction)pyfloc_pv_put, METH_VARARGS, "put(first, count, src): complete at owners"},
    {"gets", (PyCFunction)pyfloc_pv_gets, METH_VARARGS, "gets(firsts, counts, out): many runs"},
    {"puts", (PyCFunction)pyfloc_pv_puts, METH_VARARGS, "puts(firsts, counts, src): many runs"},
    {"fence", (PyCFunction)pyfloc_pv_fence, METH_NOARGS, "fence(): collective"},
    {"fill", (PyCFunction)pyfloc_pv_fill, METH_VARARGS, "fill(value_bytes): collective"},
    {"reduce", (PyCFunction)pyfloc_pv_reduce, METH_VARARGS, "reduce(op) -> bytes"},
    {"minmax", (PyCFunction)pyfloc_pv_minmax, METH_VARARGS, "minmax(op) -> (bytes, index)"},
    {"dot", (PyCFunction)pyfloc_pv_dot, METH_VARARGS, "dot(other) -> bytes"},
    {"redistribute", (PyCFunction)pyfloc_pv_redistribute, METH_VARARGS, "redistribute(kind, block)"},
    {"scan", (PyCFunction)pyfloc_pv_scan, METH_VARARGS, "scan(out, op, inclusive)"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef pv_getset[] = {
    {"size", (getter)pv_get_size, NULL, "elements", NULL},
    {"freed", (getter)pv_get_freed, NULL, "destroyed", NULL},
    {"serial", (getter)pv_get_serial, NULL,
     "the same number on every locality of its team (made collectively, in order)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject pyfloc_pv_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "floc._floc.PV",
    .tp_basicsize = sizeof(pyfloc_pv_t),
    .tp_dealloc = (destructor)pv_dealloc,
    .tp_as_buffer = &pv_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A partitioned vector: PV(n, like, kind, block, team=None), collective.",
    .tp_methods = pv_methods,
    .tp_getset = pv_getset,
    .tp_new = pv_new,
};

PyMethodDef pyfloc_pv_methods[] = {
    {"collect", py_collect, METH_NOARGS,
     "collect(): destroy the distributed arrays every locality has dropped (collective)."},
    {NULL, NULL, 0, NULL}};
