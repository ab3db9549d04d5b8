/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p2p.c - tagged point-to-point messages over buffers, as mpi4py's
 * upper-case Send/Recv have them: send, recv, isend, irecv, probe,
 * iprobe (floc/_p2p.py adds sendrecv).  Any C-contiguous buffer goes as
 * its bytes (no copy, no pickling); a receive names the buffer the
 * message lands in and gets a floc.Status (source, tag, nbytes) back: a
 * struct sequence made here, a fifth of the cost of a namedtuple's.
 * Ranks are the team's on a team=.  The GIL is released while floc waits.
 *
 * No call records here: a message has one sender and one receiver, and
 * a receive too small for its message fails with TruncatedError on the
 * receiver, as in MPI.
 */
#include "args.h"

/* the ctx of team= and a locality argument of it (may be ANY_SOURCE) */
static int peer_arg(PyObject *obj, int dflt, int any_ok, floc_ctx_t *ctx, int on_team,
                    const char *func, const char *what, int *out)
{
    long v = dflt;
    if (obj) {
        v = PyLong_AsLong(obj);
        if (v == -1 && PyErr_Occurred())
            return -1;
    }
    const int size = floc_num_localities(ctx);
    if ((any_ok && v == FLOC_ANY_SOURCE) || (v >= 0 && v < size)) {
        *out = (int)v;
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "%s: %s %ld is not a locality of this %s (0..%d%s)", func,
                 what, v, on_team ? "team" : "job", size - 1, any_ok ? ", or ANY_SOURCE" : "");
    return -1;
}

static int tag_arg(PyObject *obj, int dflt, int any_ok, const char *func, int *out)
{
    long v = dflt;
    if (obj) {
        v = PyLong_AsLong(obj);
        if (v == -1 && PyErr_Occurred())
            return -1;
    }
    if ((any_ok && v == FLOC_ANY_TAG) || (v >= 0 && v <= FLOC_TAG_MAX)) {
        *out = (int)v;
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "%s: tag %ld is outside 0..%d%s", func, v, FLOC_TAG_MAX,
                 any_ok ? " (or ANY_TAG)" : "");
    return -1;
}

static PyTypeObject *status_type;   /* floc.Status */

static PyStructSequence_Field status_fields[] = {
    {"source", "the sender's locality id (its rank, on a team)"},
    {"tag", "the message's tag"},
    {"nbytes", "the message's length in bytes"},
    {NULL, NULL}};

static PyStructSequence_Desc status_desc = {
    "floc.Status", "What a receive or probe found: the sender, the tag and the message's bytes.",
    status_fields, 3};

int pyfloc_p2p_init(PyObject *module)
{
    status_type = PyStructSequence_NewType(&status_desc);
    if (!status_type)
        return -1;
    Py_INCREF(status_type);
    return PyModule_AddObject(module, "Status", (PyObject *)status_type);
}

static PyObject *status_of(const floc_msg_status_t *s)
{
    PyObject *t = PyStructSequence_New(status_type);
    if (!t)
        return NULL;
    PyObject *v[3] = {PyLong_FromLong(s->source), PyLong_FromLong(s->tag),
                      PyLong_FromSize_t(s->len)};
    for (int i = 0; i < 3; i++) {
        if (!v[i]) {
            for (int j = 0; j < 3; j++)
                Py_XDECREF(v[j]);
            Py_DECREF(t);
            return NULL;
        }
    }
    for (int i = 0; i < 3; i++)
        PyStructSequence_SetItem(t, i, v[i]);
    return t;
}

/* what every call starts with: the team's context, a buffer, a peer and a tag */
typedef struct p2p_call {
    floc_ctx_t *ctx;
    pyfloc_buf_t buf;
    int peer, tag;
} p2p_call_t;

static int p2p_begin(p2p_call_t *c, const char *func, PyObject *buf, int writable,
                     PyObject *peer, PyObject *tag, int receive, PyObject *team)
{
    c->buf.held = 0;
    if (pyfloc_team_ctx(team, func, &c->ctx) < 0 ||
        peer_arg(peer, receive ? FLOC_ANY_SOURCE : 0, receive, c->ctx, team != NULL, func,
                 receive ? "source" : "dest", &c->peer) < 0 ||
        tag_arg(tag, receive ? FLOC_ANY_TAG : 0, receive, func, &c->tag) < 0)
        return -1;
    return buf ? pyfloc_buf_get(buf, &c->buf, writable, func, writable ? "buf (written)" : "buf")
               : 0;
}

/* send(buf, dest, tag=0, team=None) */
static PyObject *py_send(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    static const char *const names[] = {"buf", "dest", "tag", "team"};
    PyObject *a[4];
    p2p_call_t c;
    if (pyfloc_args("send", args, nargs, kwnames, names, 2, 4, a) < 0 ||
        p2p_begin(&c, "send", a[0], 0, a[1], a[2], 0, a[3]) < 0)
        return NULL;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_send(c.ctx, c.buf.view.buf, c.buf.nbytes, c.peer, c.tag);
    Py_END_ALLOW_THREADS
    pyfloc_buf_release(&c.buf);
    if (ret)
        return pyfloc_raise(ret, "send");
    Py_RETURN_NONE;
}

/* recv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None) -> Status */
static PyObject *py_recv(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    static const char *const names[] = {"buf", "source", "tag", "team"};
    PyObject *a[4];
    p2p_call_t c;
    if (pyfloc_args("recv", args, nargs, kwnames, names, 1, 4, a) < 0 ||
        p2p_begin(&c, "recv", a[0], 1, a[1], a[2], 1, a[3]) < 0)
        return NULL;
    floc_msg_status_t st = {0, 0, 0};
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = floc_recv(c.ctx, c.buf.view.buf, c.buf.nbytes, c.peer, c.tag, &st);
    Py_END_ALLOW_THREADS
    pyfloc_buf_release(&c.buf);
    if (ret)
        return ret == FLOC_ERR_TRUNCATED
                   ? pyfloc_raise_msg(ret, "recv: the message from locality %d (tag %d) is "
                                           "longer than buf's %zu bytes", st.source, st.tag,
                                      c.buf.nbytes)
                   : pyfloc_raise(ret, "recv");
    return status_of(&st);
}

/* an irecv's Future: its status, once complete */
static int finish_recv(pyfloc_future_t *f)
{
    f->result = status_of(f->scratch);
    return f->result ? 0 : -1;
}

/* isend / irecv: a Future holding the buffer until the message is done */
static PyObject *start(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int receive)
{
    static const char *const snames[] = {"buf", "dest", "tag", "team"};
    static const char *const rnames[] = {"buf", "source", "tag", "team"};
    const char *func = receive ? "irecv" : "isend";
    PyObject *a[4];
    p2p_call_t c;
    if (pyfloc_args(func, args, nargs, kwnames, receive ? rnames : snames, receive ? 1 : 2, 4,
                    a) < 0 ||
        p2p_begin(&c, func, a[0], receive, a[1], a[2], receive, a[3]) < 0)
        return NULL;
    pyfloc_future_t *f = pyfloc_future_new();
    floc_msg_status_t *st = receive ? PyMem_Calloc(1, sizeof *st) : NULL;
    if (!f || (receive && !st)) {
        pyfloc_buf_release(&c.buf);
        Py_XDECREF(f);
        PyMem_Free(st);
        return receive && !st ? PyErr_NoMemory() : NULL;
    }
    f->label = func;
    f->bufs[0] = c.buf;   /* held until complete */
    f->scratch = st;
    f->finish = receive ? finish_recv : NULL;
    f->cancelable = receive;
    int ret;
    Py_BEGIN_ALLOW_THREADS
    ret = receive ? floc_irecv(c.ctx, c.buf.view.buf, c.buf.nbytes, c.peer, c.tag, st, &f->reqs[0])
                  : floc_isend(c.ctx, c.buf.view.buf, c.buf.nbytes, c.peer, c.tag, &f->reqs[0]);
    Py_END_ALLOW_THREADS
    if (ret) {
        Py_DECREF(f);   /* nothing in flight: releases the buffer */
        return pyfloc_raise(ret, func);
    }
    f->nreq = 1;
    return (PyObject *)f;
}

static PyObject *py_isend(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    return start(args, nargs, kwnames, 0);
}

static PyObject *py_irecv(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    return start(args, nargs, kwnames, 1);
}

/* probe / iprobe(source=ANY_SOURCE, tag=ANY_TAG, team=None): the Status (source, tag,
 * nbytes) of a message a receive would take, left to be received; iprobe
 * gives None when none has come */
static PyObject *probe(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int wait)
{
    static const char *const names[] = {"source", "tag", "team"};
    const char *func = wait ? "probe" : "iprobe";
    PyObject *a[3];
    p2p_call_t c;
    if (pyfloc_args(func, args, nargs, kwnames, names, 0, 3, a) < 0 ||
        p2p_begin(&c, func, NULL, 0, a[0], a[1], 1, a[2]) < 0)
        return NULL;
    floc_msg_status_t st = {0, 0, 0};
    int ret, flag = 1;
    Py_BEGIN_ALLOW_THREADS
    ret = wait ? floc_probe(c.ctx, c.peer, c.tag, &st)
               : floc_iprobe(c.ctx, c.peer, c.tag, &flag, &st);
    Py_END_ALLOW_THREADS
    if (ret)
        return pyfloc_raise(ret, func);
    if (!flag)
        Py_RETURN_NONE;
    return status_of(&st);
}

static PyObject *py_probe(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    return probe(args, nargs, kwnames, 1);
}

static PyObject *py_iprobe(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames)
{
    return probe(args, nargs, kwnames, 0);
}

#define FASTCALL(fn) (PyCFunction)(void (*)(void))(fn), METH_FASTCALL | METH_KEYWORDS

PyMethodDef pyfloc_p2p_methods[] = {
    {"send", FASTCALL(py_send),
     "send(buf, dest, tag=0, team=None): send buf's bytes to locality dest; returns when buf "
     "may be reused."},
    {"recv", FASTCALL(py_recv),
     "recv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None) -> Status: receive a message into "
     "buf (writable, C-contiguous); a message longer than buf raises TruncatedError."},
    {"isend", FASTCALL(py_isend),
     "isend(buf, dest, tag=0, team=None) -> Future: result() is None once buf may be reused."},
    {"irecv", FASTCALL(py_irecv),
     "irecv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None) -> Future: result() is the "
     "Status; cancel() withdraws it while no message has matched it."},
    {"probe", FASTCALL(py_probe),
     "probe(source=ANY_SOURCE, tag=ANY_TAG, team=None) -> Status: wait for a message a "
     "recv(source, tag) would take; it stays to be received."},
    {"iprobe", FASTCALL(py_iprobe),
     "iprobe(source=ANY_SOURCE, tag=ANY_TAG, team=None) -> Status of such a message if one "
     "has come, else None."},
    {NULL, NULL, 0, NULL}};
