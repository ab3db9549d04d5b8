# SPDX-License-Identifier: BSD-3-Clause
"""Collective operations over numpy arrays (HPXPy's ``hpx.collectives``).

Every locality of the job calls the same collectives in the same order.
Each call first checks what it can alone (an array, a dtype that reduces,
an op, a root) and raises before any communication; then the localities
compare what they were called with, so that a mismatch (another shape,
dtype, op, root or collective) raises ``floc.MismatchError`` on every
locality instead of computing garbage or hanging.

Arrays are anything with the buffer protocol in C order (numpy arrays,
memoryview, array.array); they go to floc without a copy.  Results are
numpy arrays (``floc.ndarray`` in, ``floc.ndarray`` out).
"""

import enum
import math
import pickle
import time

import numpy as np

from . import _floc
from ._ndarray import ndarray, like

__all__ = [
    "ReduceOp", "all_reduce", "broadcast", "gather", "scatter", "barrier",
    "all_gather", "reduce", "all_to_all", "reduce_scatter", "scan", "exscan",
    "iall_reduce", "ibroadcast", "ireduce", "igather", "iall_gather",
    "iall_to_all", "ireduce_scatter", "iscan", "iexscan", "ibarrier",
    "Future", "wait", "as_completed", "FIRST_COMPLETED", "ALL_COMPLETED",
    "loc_dtype", "get_num_localities", "get_locality_id", "set_checks", "checks",
]


class ReduceOp(enum.IntEnum):
    """The reduction operations (their values are floc's floc_op_t)."""
    sum = 0
    prod = 1
    min = 2
    max = 3
    band = 4      # bitwise and, or, xor: integers
    bor = 5
    bxor = 6
    land = 7      # logical and, or: integers, result 0 or 1
    lor = 8
    minloc = 9    # (value, index) pairs: floc.loc_dtype()
    maxloc = 10

    # the upper-case spellings of MPI and HPX
    SUM = 0
    PROD = 1
    MIN = 2
    MAX = 3

    def __str__(self):
        return self.name


def loc_dtype(value_dtype=np.float64):
    """The (value, index) pair dtype of 'minloc'/'maxloc' for values of
    value_dtype (int32, int64, float32, float64): an aligned numpy struct
    with fields 'value' and 'index' (int64)."""
    v = np.dtype(value_dtype)
    if v not in (np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float32),
                 np.dtype(np.float64)):
        raise TypeError("loc_dtype: values are int32, int64, float32 or float64, not %s" % v)
    return np.dtype([("value", v), ("index", np.int64)], align=True)


def get_num_localities():
    """The number of localities of the job (1 when floc is not running)."""
    return _floc.num_localities()


def get_locality_id():
    """This locality's id, 0 .. get_num_localities() - 1."""
    return _floc.locality_id()


# ---- implemented in C (floc/_floc: python/src/coll.c) ------------------

set_checks = _floc.set_checks
checks = _floc.checks
all_reduce = _floc.all_reduce
broadcast = _floc.broadcast
reduce = _floc.reduce
scan = _floc.scan
reduce_scatter = _floc.reduce_scatter
all_to_all = _floc.all_to_all


def barrier(name=None, team=None):
    """Wait until every locality (of ``team``, a floc.Team; all by
    default) has called barrier.  ``name`` is accepted for HPXPy's
    signature."""
    _floc.barrier(team=team)


def _me(team):
    """this locality's rank in team (None: in the job)"""
    return _floc.locality_id() if team is None else team.locality_id()


def _size(team):
    return _floc.num_localities() if team is None else team.num_localities()


def _identity(dtype, op):
    """op's identity for elements of dtype (what exscan gives locality 0)."""
    op = ReduceOp(_op_code(op))
    if dtype.names:   # a (value, index) pair
        out = np.zeros((), dtype)
        out["value"] = _identity(dtype["value"], ReduceOp.min if op == ReduceOp.minloc
                                 else ReduceOp.max)
        return out
    kind = dtype.kind
    if op in (ReduceOp.sum, ReduceOp.bor, ReduceOp.bxor, ReduceOp.lor):
        return np.zeros((), dtype)
    if op in (ReduceOp.prod, ReduceOp.land):
        return np.ones((), dtype)
    if op == ReduceOp.band:
        return np.array(-1).astype(dtype) if kind == "i" else np.array(np.iinfo(dtype).max, dtype)
    big = op == ReduceOp.min
    if kind == "f":
        return np.array(np.inf if big else -np.inf, dtype)
    info = np.iinfo(dtype)
    return np.array(info.max if big else info.min, dtype)


def _op_code(op):
    if isinstance(op, str):
        try:
            return ReduceOp[op]
        except KeyError:
            raise ValueError("Unknown reduction operation: %r" % (op,)) from None
    return int(op)


def exscan(arr, op="sum", out=None, team=None):
    """op over the arrays of localities 0 .. me-1; locality 0 gets op's
    identity (0 for sum, 1 for prod, the dtype's largest for min...)."""
    res = _floc._exscan(arr, op, out, team=team)
    if _me(team) == 0:
        a = np.asarray(res)
        a[...] = _identity(a.dtype, op)
    return res


# ---- blocks of any length: gather, all_gather, scatter ---------------

def _array(arr):
    """arr as numpy sees it, without a copy when it is a buffer (the C
    layer refuses a strided one with a clear error)."""
    return np.asarray(arr)


def _row_bytes(a):
    return a.itemsize * (math.prod(a.shape[1:]) if a.ndim > 1 else 1)


def _split(out, rows, zero_d):
    """The list of per-locality arrays (views of out)."""
    if zero_d:
        return [out[k, ...] for k in range(len(rows))]
    res, off = [], 0
    for r in rows:
        res.append(out[off:off + r])
        off += r
    return res


def gather(arr, root=0, team=None):
    """Every locality's arr on root, as a list in locality order (blocks of
    any length along the first axis; the other dimensions and the dtype
    the same); an empty list elsewhere."""
    a = _array(arr)
    rows = _floc._rows("gather", a, root, team)
    me = _me(team)
    rb = _row_bytes(a)
    out = None
    if me == root:
        out = like(np.empty((sum(rows),) + a.shape[1:], a.dtype), arr)
    _floc._gatherv(a, out, [r * rb for r in rows], root, team)
    return _split(out, rows, a.ndim == 0) if me == root else []


def all_gather(arr, team=None):
    """Every locality's arr on every locality, as a list in locality order
    (blocks of any length along the first axis)."""
    a = _array(arr)
    rows = _floc._rows("all_gather", a, -1, team)
    rb = _row_bytes(a)
    out = like(np.empty((sum(rows),) + a.shape[1:], a.dtype), arr)
    _floc._allgatherv(a, out, [r * rb for r in rows], team)
    return _split(out, rows, a.ndim == 0)


def _pieces(rows, p):
    """rows cut into p near-equal pieces, the longer ones first (floc's
    block distribution)."""
    q, r = divmod(rows, p)
    return [q + (k < r) for k in range(p)]


def scatter(arr, root=0, team=None):
    """root's arr cut along its first axis into num_localities near-equal
    pieces (the longer ones first); piece i to locality i.  arr is read on
    the root only (pass anything, e.g. None, elsewhere)."""
    me, p = _me(team), _size(team)
    a = None
    if me == root:
        a = _array(arr)
        if a.ndim == 0:
            raise ValueError("scatter: arr must have a first axis to cut (it is 0-d)")
    _floc._rows("scatter", a, root, team)
    # the root's shape and dtype (and floc.ndarray-ness) for the others
    meta = _floc._bcast_bytes(pickle.dumps((a.shape, a.dtype, isinstance(arr, ndarray)))
                              if me == root else None, root, team)
    shape, dtype, ours = pickle.loads(meta)
    counts = _pieces(shape[0], p)
    out = np.empty((counts[me],) + tuple(shape[1:]), dtype)
    if ours:
        out = out.view(ndarray)
    rb = dtype.itemsize * (math.prod(shape[1:]) if len(shape) > 1 else 1)
    _floc._scatterv(a, out, [c * rb for c in counts], root, team)
    return out


# ---- nonblocking forms ------------------------------------------------

Future = _floc.Future
FIRST_COMPLETED = "FIRST_COMPLETED"
ALL_COMPLETED = "ALL_COMPLETED"


def iall_reduce(arr, op="sum", out=None, team=None):
    """all_reduce, nonblocking: a Future whose result() is the array."""
    return _floc._istart("all_reduce", arr, op, None, out, team)


def ibroadcast(arr, root=0, out=None, team=None):
    return _floc._istart("broadcast", arr, None, root, out, team)


def ireduce(arr, op="sum", root=0, out=None, team=None):
    """reduce, nonblocking: result() is the array on root, None elsewhere."""
    return _floc._istart("reduce", arr, op, root, out, team)


def iscan(arr, op="sum", out=None, team=None):
    return _floc._istart("scan", arr, op, None, out, team)


def iexscan(arr, op="sum", out=None, team=None):
    f = _floc._istart("exscan", arr, op, None, out, team)
    if _me(team) == 0:
        def ident(res, op=op):
            np.asarray(res)[...] = _identity(np.asarray(res).dtype, op)
            return res
        f._then(ident)
    return f


def ireduce_scatter(arr, op="sum", out=None, team=None):
    return _floc._istart("reduce_scatter", arr, op, None, out, team)


def iall_to_all(arr, out=None, team=None):
    return _floc._istart("all_to_all", arr, None, None, out, team)


def ibarrier(team=None):
    return _floc._istart("barrier", team=team)


def igather(arr, root=0, team=None):
    """gather, nonblocking, of blocks of one shape on every locality:
    result() is the list on root, [] elsewhere."""
    a = _array(arr)
    p = _size(team)
    f = _floc._istart("gather", a, None, root, team=team)
    if _me(team) != root:
        return f._then(lambda res: [])
    rows = [a.shape[0] if a.ndim else 1] * p
    return f._then(lambda res: _split(res, rows, a.ndim == 0))


def iall_gather(arr, team=None):
    """all_gather, nonblocking, of blocks of one shape on every locality."""
    a = _array(arr)
    rows = [a.shape[0] if a.ndim else 1] * _size(team)
    return _floc._istart("all_gather", a, team=team)._then(
        lambda res: _split(res, rows, a.ndim == 0))


def wait(fs, timeout=None, return_when=ALL_COMPLETED):
    """As concurrent.futures.wait for floc Futures: (done, not_done) sets,
    once all (or, FIRST_COMPLETED, one) are complete or timeout seconds
    have passed."""
    fs = set(fs)
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        done = {f for f in fs if f.done()}
        if done == fs or (done and return_when == FIRST_COMPLETED):
            return done, fs - done
        if end is not None and time.monotonic() >= end:
            return done, fs - done
        time.sleep(0)


def as_completed(fs, timeout=None):
    """Yield the Futures as they complete (as concurrent.futures does);
    TimeoutError when timeout seconds pass first."""
    pending = list(fs)
    end = None if timeout is None else time.monotonic() + timeout
    while pending:
        for f in list(pending):
            if f.done():
                pending.remove(f)
                yield f
        if pending and end is not None and time.monotonic() >= end:
            raise TimeoutError("%d of the futures did not complete in %g s"
                               % (len(pending), timeout))
        time.sleep(0)
