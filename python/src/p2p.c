/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p2p.c - tagged point-to-point messages over buffers, as mpi4py's
 * upper-case Send/Recv have them: _send, _recv, _isend, _irecv, _probe,
 * _iprobe.  Any C-contiguous buffer goes as its bytes (no copy, no
 * pickling); a receive names the buffer the message lands in and gets
 * (source, tag, nbytes) back, which floc/_p2p.py makes a Status.  Ranks
 * are the team's on a team=.  The GIL is released while floc waits.
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

static PyObject *status_tuple(const floc_msg_status_t *s)
{
    return Py_BuildValue("(iin)", s->source, s->tag, (Py_ssize_t)s->len);
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

/* _send(buf, dest, tag=0, team=None) */
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

/* _recv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None) -> (source, tag, nbytes) */
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
    return status_tuple(&st);
}

/* an irecv's Future: its status, once complete */
static int finish_recv(pyfloc_future_t *f)
{
    f->result = status_tuple(f->scratch);
    return f->result ? 0 : -1;
}

/* _isend / _irecv: a Future holding the buffer until the message is done */
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

/* _probe / _iprobe(source=ANY_SOURCE, tag=ANY_TAG, team=None): (source, tag,
 * nbytes) of a message a receive would take, left to be received; _iprobe
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
    return status_tuple(&st);
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
    {"_send", FASTCALL(py_send), "_send(buf, dest, tag=0, team=None)"},
    {"_recv", FASTCALL(py_recv),
     "_recv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None) -> (source, tag, nbytes)"},
    {"_isend", FASTCALL(py_isend), "_isend(buf, dest, tag=0, team=None) -> Future"},
    {"_irecv", FASTCALL(py_irecv),
     "_irecv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None) -> Future of (source, tag, "
     "nbytes)"},
    {"_probe", FASTCALL(py_probe),
     "_probe(source=ANY_SOURCE, tag=ANY_TAG, team=None) -> (source, tag, nbytes)"},
    {"_iprobe", FASTCALL(py_iprobe),
     "_iprobe(source=ANY_SOURCE, tag=ANY_TAG, team=None) -> (source, tag, nbytes) or None"},
    {NULL, NULL, 0, NULL}};
