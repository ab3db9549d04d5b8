/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * team.c - floc._floc.Team: a team of localities (floc_split and friends,
 * docs/teams.md), and the `team=` argument every collective takes.
 *
 * A Team holds its floc context until free() (or the end of a `with`
 * block, or finalize, which frees every team: floc_finalize does).  A
 * Team of an earlier run of floc.init() is dead: the epoch it was made in
 * tells.
 */
#include "args.h"
#include "pv.h"

#include <structmember.h>

typedef struct pyfloc_team {
    PyObject_HEAD
    floc_ctx_t *ctx;           /* NULL once freed */
    unsigned long epoch;       /* pyfloc_epoch when it was made */
    uint64_t serial;           /* distributed arrays made on it (pv.c) */
} pyfloc_team_t;

static uint64_t job_serial;    /* ... and on the job */

uint64_t *pyfloc_team_serial(PyObject *handle)
{
    return handle ? &((pyfloc_team_t *)handle)->serial : &job_serial;
}

static int alive(const pyfloc_team_t *t)
{
    return t->ctx && t->epoch == pyfloc_epoch && pyfloc_ctx;
}

int pyfloc_team_ctx(PyObject *team, const char *func, floc_ctx_t **out)
{
    PyObject *handle;
    return pyfloc_team_resolve(team, func, out, &handle);
}

int pyfloc_team_resolve(PyObject *team, const char *func, floc_ctx_t **out, PyObject **handle)
{
    *handle = NULL;
    if (pyfloc_running(func) < 0)
        return -1;
    if (!team || team == Py_None) {
        *out = pyfloc_ctx;
        return 0;
    }
    PyObject *inner = NULL;
    if (!PyObject_TypeCheck(team, &pyfloc_team_type)) {
        /* floc.Team (floc/_team.py) wraps this type as ._t */
        inner = PyObject_GetAttrString(team, "_t");
        if (!inner || !PyObject_TypeCheck(inner, &pyfloc_team_type)) {
            Py_XDECREF(inner);
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s: team must be a floc.Team or None, not %.100s",
                         func, Py_TYPE(team)->tp_name);
            return -1;
        }
        team = inner;
    }
    const pyfloc_team_t *t = (const pyfloc_team_t *)team;
    Py_XDECREF(inner);   /* (the wrapper keeps it alive) */
    if (!alive(t)) {
        PyErr_Format(PyExc_ValueError, "%s: the team was freed (Team.free, the end of its with "
                     "block, or floc.finalize)", func);
        return -1;
    }
    *out = t->ctx;
    *handle = team;
    return 0;
}

/* A Team for ctx (NULL: None, the locality joined no team) */
static PyObject *team_new(floc_ctx_t *ctx)
{
    if (!ctx)
        Py_RETURN_NONE;
    pyfloc_team_t *t = PyObject_New(pyfloc_team_t, &pyfloc_team_type);
    if (!t) {
        floc_team_free(ctx);
        return NULL;
    }
    t->ctx = ctx;
    t->epoch = pyfloc_epoch;
    t->serial = 0;
    return (PyObject *)t;
}

/* split(color, key=None, team=None) */
static PyObject *py_split(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    static const char *const names[] = {"color", "key", "team"};
    PyObject *a[3];
    floc_ctx_t *parent, *t = NULL;
    if (pyfloc_args("split", args, nargs, kwnames, names, 0, 3, a) < 0 ||
        pyfloc_team_ctx(a[2], "split", &parent) < 0)
        return NULL;
    int color = FLOC_UNDEFINED, key = floc_locality_id(parent);
    if ((a[0] && pyfloc_int_arg(a[0], 0, "split", "color", &color) < 0) ||
        pyfloc_int_arg(a[1], key, "split", "key", &key) < 0)
        return NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_split(parent, color, key, &t);
    Py_END_ALLOW_THREADS
    if (ret)
        return pyfloc_raise_msg(ret, "split: %s (color %d, key %d; colors are >= 0, or "
                                "floc.UNDEFINED / None for no team)", floc_strerror(ret), color,
                                key);
    return team_new(t);
}

/* dup(team=None), split_node(team=None) */
static PyObject *make(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                      const char *func, int (*fn)(floc_ctx_t *, floc_ctx_t **))
{
    static const char *const names[] = {"team"};
    PyObject *a[1];
    floc_ctx_t *parent, *t = NULL;
    if (pyfloc_args(func, args, nargs, kwnames, names, 0, 1, a) < 0 ||
        pyfloc_team_ctx(a[0], func, &parent) < 0)
        return NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = fn(parent, &t);
    Py_END_ALLOW_THREADS
    return ret ? pyfloc_raise(ret, func) : team_new(t);
}

static PyObject *py_dup(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames)
{
    return make(args, nargs, kwnames, "dup", floc_dup);
}

static PyObject *py_split_node(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames)
{
    return make(args, nargs, kwnames, "split_node", floc_split_node);
}

/* ---- the Team type ---- */

static PyObject *team_free(PyObject *self, PyObject *noargs)
{
    pyfloc_team_t *t = (pyfloc_team_t *)self;
    if (!alive(t)) {
        t->ctx = NULL;
        Py_RETURN_NONE;   /* freed already (or by finalize): nothing to do */
    }
    /* its dropped distributed arrays first (collective over the team) */
    int ret = pyfloc_pv_collect(t->ctx);
    if (!ret)
        ret = floc_team_free(t->ctx);
    if (ret)
        return pyfloc_raise_msg(ret, "Team.free: %s (wait for its Futures, free its "
                                "distributed arrays first)", floc_strerror(ret));
    t->ctx = NULL;
    Py_RETURN_NONE;
}

static floc_ctx_t *live_ctx(PyObject *self, const char *func)
{
    floc_ctx_t *ctx;
    return pyfloc_team_ctx(self, func, &ctx) < 0 ? NULL : ctx;
}

static PyObject *team_locality_id(PyObject *self, PyObject *noargs)
{
    floc_ctx_t *ctx = live_ctx(self, "Team.locality_id");
    return ctx ? PyLong_FromLong(floc_locality_id(ctx)) : NULL;
}

static PyObject *team_num_localities(PyObject *self, PyObject *noargs)
{
    floc_ctx_t *ctx = live_ctx(self, "Team.num_localities");
    return ctx ? PyLong_FromLong(floc_num_localities(ctx)) : NULL;
}

static PyObject *team_to_world(PyObject *self, PyObject *arg)
{
    floc_ctx_t *ctx = live_ctx(self, "Team.to_world");
    if (!ctx)
        return NULL;
    long r = PyLong_AsLong(arg);
    if (r == -1 && PyErr_Occurred())
        return NULL;
    const int n = floc_num_localities(ctx);
    if (r < 0 || r >= n)
        return PyErr_Format(PyExc_ValueError, "Team.to_world: rank %ld is not in the team "
                            "(0..%d)", r, n - 1);
    return PyLong_FromLong(floc_team_to_world(ctx, (int)r));
}

static PyObject *team_enter(PyObject *self, PyObject *noargs)
{
    Py_INCREF(self);
    return self;
}

static PyObject *team_exit(PyObject *self, PyObject *args)
{
    return team_free(self, NULL);
}

static PyObject *team_repr(PyObject *self)
{
    const pyfloc_team_t *t = (const pyfloc_team_t *)self;
    if (!alive(t))
        return PyUnicode_FromString("<floc.Team (freed)>");
    return PyUnicode_FromFormat("<floc.Team: rank %d of %d>", floc_locality_id(t->ctx),
                                floc_num_localities(t->ctx));
}

static PyObject *team_alive(PyObject *self, void *closure)
{
    return PyBool_FromLong(alive((const pyfloc_team_t *)self));
}

static PyMethodDef team_type_methods[] = {
    {"free", team_free, METH_NOARGS,
     "free(): free the team (collective over it: its dropped distributed arrays go first; "
     "refused while its Futures are in flight or arrays on it are alive)."},
    {"locality_id", team_locality_id, METH_NOARGS, "locality_id(): this locality's rank in it."},
    {"num_localities", team_num_localities, METH_NOARGS, "num_localities(): its size."},
    {"to_world", team_to_world, METH_O, "to_world(rank): the locality id of a rank of it."},
    {"__enter__", team_enter, METH_NOARGS, NULL},
    {"__exit__", team_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef team_getset[] = {
    {"alive", team_alive, NULL, "True until it is freed.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject pyfloc_team_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "floc._floc.Team",
    .tp_basicsize = sizeof(pyfloc_team_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A team of localities: floc.split, floc.dup, floc.split_node make one; every "
              "collective takes it as team=, and its methods of the same names are those "
              "collectives on it.  Freed by free(), at the end of a with block, or at "
              "finalize.",
    .tp_methods = team_type_methods,
    .tp_getset = team_getset,
    .tp_repr = team_repr,
};

PyMethodDef pyfloc_team_methods[] = {
    {"split", (PyCFunction)(void (*)(void))py_split, METH_FASTCALL | METH_KEYWORDS,
     "split(color, key=None, team=None): collective over team (all localities by default): "
     "a Team of the localities with the same color, ranked by key (default: rank), or None "
     "for color None / floc.UNDEFINED."},
    {"dup", (PyCFunction)(void (*)(void))py_dup, METH_FASTCALL | METH_KEYWORDS,
     "dup(team=None): a Team of the same localities, its traffic apart."},
    {"split_node", (PyCFunction)(void (*)(void))py_split_node, METH_FASTCALL | METH_KEYWORDS,
     "split_node(team=None): the Team of this node's localities."},
    {NULL, NULL, 0, NULL}};
