# SPDX-License-Identifier: BSD-3-Clause
"""floc.DistributedArray: an array cut across the localities along its
first axis, on floc's partitioned vectors (HPX's partitioned_vector).

Each locality stores whole rows: ``.local`` is a plain numpy array of them
(a zero-copy view).  Any slice can be read or written from any locality,
one-sided: ``x = a[10:20]`` fetches the rows wherever they live, and
``a[10:20] = x`` is complete at the owners when the statement returns, so
a ``floc.barrier()`` afterwards is enough for every locality to see it.
The collective methods (fill, sum, ..., to_numpy, redistribute) are called
by every locality, and start by synchronising: what any locality read or
wrote before the call is ordered before it.

Policy ``none`` (``local``) arrays are not distributed: every locality
holds the whole array, and the methods work on it alone.
"""

import math
import weakref

import numpy as np

from . import _floc
from .collectives import ReduceOp
from .distribution import DistributionPolicy

__all__ = ["DistributedArray"]

_BLOCK, _CYCLIC, _BLOCK_CYCLIC = 0, 1, 2   # floc_dist_kind_t


_by_serial = weakref.WeakValueDictionary()   # the job's live arrays by PV serial


def _apply_here(serial, first, fn, args, kwargs):
    """DistributedArray.apply, on the owner: fn on the row at local element `first`."""
    d = _by_serial.get(serial)
    if d is None or d._pv.freed:
        raise LookupError("distributed array %d is not alive on locality %d"
                          % (serial, _floc.locality_id()))
    flat = np.frombuffer(d._pv, dtype=d._dtype)
    return fn(flat[first:first + d._row].reshape(d._shape[1:]), *args, **kwargs)


def _shape_of(shape):
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("negative dimensions are not allowed: %r" % (shape,))
    return shape


class DistributedArray:
    """An array distributed over the localities by rows (see the module)."""

    def __init__(self, shape, dtype=np.float64, distribution="block", num_partitions=0,
                 team=None):
        self._init(_shape_of(shape), np.dtype(dtype), DistributionPolicy.of(distribution),
                   int(num_partitions), team=team)

    # ---- construction -------------------------------------------------
    def _init(self, shape, dtype, policy, num_partitions, pv=None, team=None):
        if num_partitions < 0:
            raise ValueError("num_partitions must be >= 0, not %d" % num_partitions)
        self._shape, self._dtype, self._policy = shape, dtype, policy
        self._team = team   # a floc.Team: the array spans its localities
        p = self._p()
        self._rows = shape[0] if shape else 1
        self._row = math.prod(shape[1:]) if len(shape) > 1 else 1   # elements per row
        self._pv, self._whole = None, None
        if policy is DistributionPolicy.none:
            self._nparts, self._chunk = 1, self._rows
            self._whole = np.zeros(shape, dtype)
            return
        if policy is DistributionPolicy.cyclic:
            if num_partitions not in (0, p):
                raise ValueError("cyclic deals single rows to the %d localities: num_partitions "
                                 "must be 0 or %d, not %d" % (p, p, num_partitions))
            self._nparts, self._chunk = p, 1
            kind, block = (_CYCLIC, 0) if self._row == 1 else (_BLOCK_CYCLIC, self._row)
        else:
            self._nparts = num_partitions or p
            if self._nparts == p:
                self._chunk = -(-self._rows // p) if self._rows else 0
                kind, block = _BLOCK, self._row
            else:
                self._chunk = max(1, -(-self._rows // self._nparts))
                kind, block = _BLOCK_CYCLIC, self._chunk * self._row
        if self._row == 0:   # no elements at all: any layout will do
            kind, block = _BLOCK, 0
        if dtype.kind not in "iuf" or dtype.byteorder == ">" or dtype.itemsize > 8:
            raise TypeError("distributed arrays hold int8-int64, uint8-uint64, float32 or "
                            "float64 (native byte order), not %s" % dtype)
        self._kind, self._block = kind, block
        self._pv = pv if pv is not None else _floc.PV(self._rows * self._row,
                                                      np.empty(0, dtype), kind, block, team)
        if team is None and self._pv is not False:   # (False: _layout's sketch)
            _by_serial[self._pv.serial] = self     # for apply() from other localities

    @classmethod
    def _wrap(cls, shape, dtype, policy, num_partitions, pv, team=None):
        a = cls.__new__(cls)
        a._init(shape, dtype, policy, num_partitions, pv, team)
        return a

    def _me(self):
        """this locality's rank where the array lives (its team, or the job)"""
        return _floc.locality_id() if self._team is None else self._team.locality_id()

    def _p(self):
        return _floc.num_localities() if self._team is None else self._team.num_localities()

    team = property(lambda self: self._team)

    # ---- attributes ---------------------------------------------------
    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ndim = property(lambda self: len(self._shape))
    size = property(lambda self: self._rows * self._row if self._shape else 1)
    nbytes = property(lambda self: self.size * self._dtype.itemsize)
    policy = property(lambda self: self._policy)
    distribution = policy
    num_partitions = property(lambda self: self._nparts)
    locality_id = property(lambda self: self._me())

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d distributed array")
        return self._shape[0]

    def is_distributed(self):
        """True unless the policy is none (every locality holds all)."""
        return self._policy is not DistributionPolicy.none

    def apply(self, index, fn, *args, **kwargs):
        """Run ``fn(row, *args, **kwargs)`` on the locality that owns row
        ``index`` and return its result: ``row`` is a numpy view of that
        row in the owner's local part (a 0-d view for a 1-d array), so
        writes through it stay.  fn goes by reference (a module-level
        function, as for ``floc.async_``).  Arrays over the whole job."""
        from . import _actions
        if self._team is not None:
            raise NotImplementedError("apply() runs on arrays over the whole job; this one "
                                      "lives on a team")
        if not self._shape:
            raise IndexError("apply() takes a row index; this array has no rows")
        i = int(index)
        if not -self._rows <= i < self._rows:
            raise IndexError("index %d is out of bounds for axis 0 with size %d"
                             % (i, self._rows))
        i %= self._rows
        if self._whole is not None:
            return fn(self._whole[i], *args, **kwargs)
        owner, first = self._pv_ok().owner(i * self._row)
        return _actions.call(owner, _apply_here, self._pv.serial, first, fn, args, kwargs)

    def _pv_ok(self):
        if self._pv.freed:
            raise ValueError("the distributed array was freed")
        return self._pv

    @property
    def local(self):
        """This locality's rows: a numpy array sharing the array's memory."""
        if self._whole is not None:
            return self._whole
        pv = self._pv_ok()
        flat = np.frombuffer(pv, dtype=self._dtype)
        if not self._shape:
            return flat.reshape(())
        return flat.reshape((len(flat) // self._row if self._row else 0,) + self._shape[1:])

    def local_ranges(self):
        """The global rows this locality holds: a list of ranges."""
        me, p = self._me(), self._p()
        if self._whole is not None:
            return [range(self._rows)]
        if self._policy is DistributionPolicy.cyclic:
            return [range(me, self._rows, p)]
        if self._nparts == p:
            q, r = divmod(self._rows, p)
            first = me * q + min(me, r)
            return [range(first, first + q + (me < r))]
        c = self._chunk
        return [range(s, min(s + c, self._rows)) for s in range(me * c, self._rows, c * p)]

    @property
    def local_range(self):
        """The global rows this locality holds, as one range (block and
        cyclic; a chunked block layout has several: local_ranges())."""
        ranges = self.local_ranges()
        if len(ranges) != 1:
            raise ValueError("%d partitions over %d localities: this locality holds several "
                             "ranges of rows: use local_ranges()"
                             % (self._nparts, self._p()))
        return ranges[0]

    def local_indices(self):
        """The global rows this locality holds, as an int64 array."""
        rs = self.local_ranges()
        return np.concatenate([np.arange(r.start, r.stop, r.step, dtype=np.int64) for r in rs]) \
            if rs else np.zeros(0, np.int64)

    def get_distribution_info(self):
        """policy, num_partitions, chunk_size (rows per partition), the
        locality, its local shape and rows."""
        return {"policy": self._policy.value, "num_partitions": self._nparts,
                "chunk_size": self._chunk, "locality_id": self._me(),
                "num_localities": self._p(), "local_shape": self.local.shape,
                "local_rows": self.local_ranges()}

    def __repr__(self):
        return ("DistributedArray(shape=%s, dtype=%s, distribution=%s, num_partitions=%d, "
                "locality=%d of %d)" % (self._shape, self._dtype, self._policy.value,
                                        self._nparts, self._me(), self._p()))

    # ---- one-sided access --------------------------------------------
    def _rows_of(self, key):
        """(rows, squeeze, rest): the rows a key selects (a range or an
        int64 array), whether the first axis goes (an int), the rest."""
        if not isinstance(key, tuple):
            key = (key,)
        if not self._shape:
            if key in ((), (Ellipsis,)):
                return range(1), True, ()
            raise IndexError("a 0-d distributed array takes () or ...")
        if key and key[0] is Ellipsis:
            if any(k is Ellipsis for k in key[1:]):
                raise IndexError("an index can only have a single ellipsis ('...')")
            rest = key[1:]
            if len(rest) > len(self._shape):
                raise IndexError("too many indices")
            key = (slice(None),) * (len(self._shape) - len(rest)) + rest
        first, rest = (key[0], key[1:]) if key else (slice(None), ())
        if len(rest) > len(self._shape) - 1 and Ellipsis not in rest:
            raise IndexError("too many indices for an array of %d dimensions" % len(self._shape))
        n = self._rows
        if isinstance(first, slice):
            return range(*first.indices(n)), False, rest
        if isinstance(first, (int, np.integer)):
            i = int(first)
            if not -n <= i < n:
                raise IndexError("index %d is out of bounds for axis 0 with size %d" % (i, n))
            return range(i % n, i % n + 1), True, rest
        idx = np.asarray(first)
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise IndexError("a boolean index must have shape (%d,)" % n)
            idx = np.flatnonzero(idx)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise IndexError("rows are selected by an int, a slice, a 1-d int or bool array")
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError("row index out of bounds for axis 0 with size %d" % n)
        return np.where(idx < 0, idx + n, idx).astype(np.int64), False, rest

    def _runs(self, rows, offsets=None):
        """Element runs (firsts, counts as uint64) of the selected rows (or
        of `offsets` within each selected row), in selection order."""
        rows = np.asarray(rows, dtype=np.int64) if not isinstance(rows, range) \
            else np.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
        if offsets is None:
            starts, length = rows * self._row, self._row
            if len(rows) and self._row:
                # consecutive rows merge into one run
                brk = np.flatnonzero(np.diff(rows) != 1) + 1
                first = np.concatenate(([0], brk))
                counts = np.diff(np.concatenate((first, [len(rows)]))) * length
                return starts[first].astype(np.uint64), counts.astype(np.uint64)
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        flat = (rows[:, None] * self._row + offsets.ravel()[None, :]).ravel()
        if not flat.size:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        brk = np.flatnonzero(np.diff(flat) != 1) + 1
        first = np.concatenate(([0], brk))
        counts = np.diff(np.concatenate((first, [flat.size])))
        return flat[first].astype(np.uint64), counts.astype(np.uint64)

    def __getitem__(self, key):
        if self._whole is not None:
            return self._whole[key]
        rows, squeeze, rest = self._rows_of(key)
        pv = self._pv_ok()
        firsts, counts = self._runs(rows)
        out = np.empty((len(rows),) + self._shape[1:], self._dtype)
        pv.gets(firsts, counts, out)
        if squeeze:
            out = out[0]
        if rest:
            out = out[(slice(None),) + rest] if not squeeze else out[rest]
        return out

    def __setitem__(self, key, value):
        if self._whole is not None:
            self._whole[key] = value
            return
        rows, squeeze, rest = self._rows_of(key)
        pv = self._pv_ok()
        if not rest:
            target = (len(rows),) + self._shape[1:]
            src = np.ascontiguousarray(np.broadcast_to(
                np.asarray(value, dtype=self._dtype), target[1:] if squeeze else target))
            firsts, counts = self._runs(rows)
        else:
            # some elements of each row: their offsets within a row
            offsets = np.arange(self._row, dtype=np.int64).reshape(self._shape[1:])[rest]
            shape = offsets.shape if squeeze else (len(rows),) + offsets.shape
            src = np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=self._dtype),
                                                       shape))
            firsts, counts = self._runs(rows, np.asarray(offsets))
        pv.puts(firsts, counts, src)

    # ---- collective methods -------------------------------------------
    def fill(self, value):
        """Every element = value (collective)."""
        if self._whole is not None:
            self._whole.fill(value)
            return self
        self._pv_ok().fill(np.array(value, dtype=self._dtype).tobytes())
        return self

    def to_numpy(self):
        """The whole array on every locality (collective)."""
        if self._whole is not None:
            return self._whole.copy()
        pv = self._pv_ok()
        out = np.empty(self._shape, self._dtype)
        pv.fence()
        if out.size:
            pv.get(0, out.size, out)
        pv.fence()   # nobody writes before everyone has read
        return out

    def __array__(self, dtype=None):
        a = self.to_numpy()
        return a if dtype is None else a.astype(dtype)

    def _reduce(self, op):
        if self._whole is not None:
            return {ReduceOp.sum: np.sum, ReduceOp.prod: np.prod, ReduceOp.min: np.min,
                    ReduceOp.max: np.max}[op](self._whole)
        if op in (ReduceOp.min, ReduceOp.max) and self.size == 0:
            raise ValueError("zero-size array to reduction operation %s which has no identity"
                             % op.name)
        if op in (ReduceOp.sum, ReduceOp.prod) and self._dtype.kind in "iu" \
                and self._dtype.itemsize < 8:
            # numpy sums and multiplies small integers in 64 bits
            wide = np.int64 if self._dtype.kind == "i" else np.uint64
            return self._local_then_all(op, wide)
        return np.frombuffer(self._pv_ok().reduce(int(op)), self._dtype)[0]

    def _local_then_all(self, op, dtype):
        """op over every element in dtype: each locality's part by numpy,
        then one all_reduce (collective)"""
        pv = self._pv_ok()
        pv.fence()   # the others' writes are in
        part = (np.sum if op == ReduceOp.sum else np.prod)(self.local, dtype=dtype)
        return _floc.all_reduce(np.array(part, dtype), op.name, team=self._team)[()]

    def sum(self):
        """The sum of every element (collective; every locality gets the
        same value)."""
        return self._reduce(ReduceOp.sum)

    def prod(self):
        return self._reduce(ReduceOp.prod)

    def min(self):
        return self._reduce(ReduceOp.min)

    def max(self):
        return self._reduce(ReduceOp.max)

    def mean(self):
        """The mean of every element, as numpy's (float64 for integers)."""
        if self.size == 0:
            return np.float64(np.nan)
        if self._dtype.kind == "f":
            return self._dtype.type(self.sum() / self.size)
        if self._whole is not None:
            return np.mean(self._whole)
        return self._local_then_all(ReduceOp.sum, np.float64) / self.size

    def _arg(self, op):
        if self.size == 0:
            raise ValueError("attempt to get %s of an empty sequence"
                             % ("argmin" if op == ReduceOp.min else "argmax"))
        if self._whole is not None:
            return int((np.argmin if op == ReduceOp.min else np.argmax)(self._whole))
        return int(self._pv_ok().minmax(int(op))[1])

    def argmin(self):
        """The flat index of the smallest element (the first of equal ones)."""
        return self._arg(ReduceOp.min)

    def argmax(self):
        return self._arg(ReduceOp.max)

    def dot(self, other):
        """sum(self * other) over every element: the same shape, dtype and
        distribution (collective)."""
        if not isinstance(other, DistributedArray):
            raise TypeError("dot: other must be a DistributedArray")
        if (other._shape, other._dtype) != (self._shape, self._dtype):
            raise ValueError("dot: shapes/dtypes differ: %s %s and %s %s"
                             % (self._shape, self._dtype, other._shape, other._dtype))
        if self._whole is not None or other._whole is not None:
            if self._whole is None or other._whole is None:
                raise ValueError("dot: one array is distributed, the other is not")
            return np.dot(self._whole.ravel(), other._whole.ravel())
        if (other._kind, other._block) != (self._kind, self._block):
            raise ValueError("dot: the arrays are distributed differently (%s, %s): "
                             "redistribute one first" % (self._policy, other._policy))
        return np.frombuffer(self._pv_ok().dot(other._pv_ok()), self._dtype)[0]

    def redistribute(self, distribution, num_partitions=0):
        """A new array with the same values under another distribution
        (collective; between distributed layouts one all-to-all exchange:
        never the whole array on one locality)."""
        policy = DistributionPolicy.of(distribution)
        num_partitions = int(num_partitions)
        if self._whole is not None or policy is DistributionPolicy.none:
            # to or from "not distributed": every locality has, or gets, all
            res = DistributedArray(self._shape, self._dtype, policy, num_partitions)
            if policy is DistributionPolicy.none:
                res._whole[...] = self.to_numpy()
            else:
                whole = self._whole.reshape((self._rows,) + self._shape[1:])
                res.local[...] = whole[res.local_indices()].reshape(res.local.shape)
                res._pv.fence()
            return res
        kind, block = DistributedArray._layout(self._shape, self._dtype, policy, num_partitions)
        pv = self._pv_ok().redistribute(kind, block)
        return DistributedArray._wrap(self._shape, self._dtype, policy, num_partitions, pv,
                                      self._team)

    @staticmethod
    def _layout(shape, dtype, policy, num_partitions):
        """(kind, block) of a distributed layout, without making an array."""
        a = DistributedArray.__new__(DistributedArray)
        a._init(shape, dtype, policy, num_partitions, pv=False)
        return a._kind, a._block

    def free(self):
        """Free the array now (collective).  Without it, the memory goes at
        the next creation of a distributed array (or floc.collect(), or
        finalize) once every locality has dropped the array."""
        if self._pv is not None and not self._pv.freed:
            self._pv.free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.free()
        return False
