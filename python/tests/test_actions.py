# SPDX-License-Identifier: BSD-3-Clause
"""Remote actions from Python: floc.async_, floc.call, floc.run_on_all.
Every locality calls every other; results are checked against values
computed here."""

import numpy as np
import pytest

import floc
from conftest import every


def poly(x, k=0):
    return x * x + 3 * x + k + 1000 * floc.locality_id()


def where_am_i():
    return floc.locality_id()


def array_stats(a):
    return float(a.sum()), a.dtype.str, a.shape


def make_array(n, seed):
    return np.arange(n, dtype=np.float64) * seed + floc.locality_id()


def fail(msg):
    raise ValueError("remote says " + msg)


class Unpicklable(Exception):
    def __init__(self, a, b):           # pickle cannot rebuild it from args
        super().__init__(a)
        self.b = b


def fail_oddly():
    raise Unpicklable("odd", lambda: 0)


def ping_pong(depth, origin_value):
    """a -> b -> a -> ...: each level calls its caller back"""
    if depth == 0:
        return origin_value
    back = (floc.locality_id() + floc.num_localities() - 1) % floc.num_localities()
    return floc.call(back, ping_pong, depth - 1, origin_value + 1)


def test_call_every_locality(me, p):
    for k in range(p):
        assert floc.call(k, poly, me, k=5) == me * me + 3 * me + 5 + 1000 * k
    assert every(True)


def test_async_many(me, p):
    futures = [(i, (me + i) % p, floc.async_((me + i) % p, poly, i)) for i in range(300)]
    ok = all(f.result() == i * i + 3 * i + 1000 * k for i, k, f in futures)
    assert every(ok)


def test_run_on_all(p):
    assert floc.run_on_all(where_am_i) == list(range(p))
    assert every(True)


def test_arrays_small_and_large(me, p):
    t = (me + 1) % p
    a = np.arange(200_000, dtype=np.float64)           # 1.6 MB of arguments
    s, dt, shape = floc.call(t, array_stats, a)
    assert s == float(a.sum()) and dt == a.dtype.str and shape == a.shape
    big = floc.call(t, make_array, 100_000, 2.0)       # a result past the inline reply
    assert np.array_equal(big, np.arange(100_000, dtype=np.float64) * 2.0 + t)
    assert every(True)


def shapes_and_sums(arrays, scale):
    """every array back, scaled, with what the target saw"""
    seen = [(a.shape, a.dtype.str, bool(a.flags.c_contiguous), float(a.sum())) for a in arrays]
    return [a * scale for a in arrays], seen


def test_buffers_out_of_band(me, p):
    """arrays of every layout among the arguments and in the result: those
    of 4 KiB or more travel out of band (floc/_actions.py), the others and
    non-contiguous ones inside the pickle; every one must arrive equal"""
    t = (me + 1) % p
    rng = np.random.default_rng(me)
    arrays = [
        rng.standard_normal(1000),                          # 8000 B: out of band
        np.arange(12, dtype=np.int32),                      # small: in band
        np.asfortranarray(rng.standard_normal((64, 33))),   # F order: out of band
        rng.standard_normal((300, 40))[:, ::3],             # strided: in band, copied
        np.zeros(0),                                        # empty
        rng.integers(0, 100, size=(7, 11, 13)).astype(np.uint8),
        np.arange(600_000, dtype=np.float32).reshape(600, 1000),   # 2.4 MB
    ]
    back, seen = floc.call(t, shapes_and_sums, arrays, 3)
    ok = len(back) == len(arrays)
    for a, b, (shape, dt, _, s) in zip(arrays, back, seen):
        ok &= b.shape == a.shape and b.dtype == a.dtype and np.array_equal(b, a * 3)
        ok &= shape == a.shape and dt == a.dtype.str and np.isclose(s, float(a.sum()))
        b[...] = 0                                          # results are writable
    assert every(ok)


def test_remote_exception(me, p):
    t = (me + 1) % p
    with pytest.raises(ValueError, match="remote says hi") as info:
        floc.call(t, fail, "hi")
    cause = info.value.__cause__
    assert isinstance(cause, floc.RemoteTraceback)
    assert "Traceback on locality %d" % t in str(cause) and "in fail" in str(cause)
    f = floc.async_(t, fail, "later")
    assert isinstance(f.exception(), ValueError)
    assert repr(f).startswith("<floc.Future async_ ")   # its own name, not a collective's
    # an exception that does not pickle comes back as a RuntimeError naming it
    with pytest.raises(RuntimeError, match="Unpicklable: odd"):
        floc.call(t, fail_oddly)
    assert every(True)


def test_bad_functions_and_localities(p):
    with pytest.raises(TypeError, match="module-level"):
        floc.async_(0, lambda: 1)

    def local():
        return 1
    with pytest.raises(TypeError, match="module-level"):
        floc.call(0, local)
    with pytest.raises(TypeError, match="function"):
        floc.call(0, 3)
    with pytest.raises(ValueError, match="locality"):
        floc.call(p, where_am_i)
    with pytest.raises(ValueError, match="locality"):
        floc.call(-1, where_am_i)
    assert every(True)


def test_recursion(me, p):
    for depth in range(5):
        assert floc.call((me + 1) % p, ping_pong, depth, 10 * me) == 10 * me + depth
    assert every(True)


def add_and_read(row, x):
    row[...] += x
    return row.copy(), floc.locality_id()


def test_darray_apply(me, p):
    n = 4 * p + 3
    for dist in ("cyclic", "block"):
        d = floc.distributed_zeros((n,), distribution=dist)
        d2 = floc.distributed_zeros((n, 3), distribution=dist)
        floc.barrier()
        # every locality adds me + 1 to every element, through its owner
        owners_ok = True
        for i in range(n):
            _, where = d.apply(i, add_and_read, me + 1)
            row, _ = d2.apply(i, add_and_read, np.arange(3) * (me + 1))
            owners_ok &= where == d._pv.owner(i)[0] and row.shape == (3,)
        floc.barrier()
        total = p * (p + 1) // 2
        assert every(owners_ok)
        assert every(np.array_equal(d.to_numpy(), np.full(n, float(total))))
        assert every(np.array_equal(d2.to_numpy(), np.tile(np.arange(3.0) * total, (n, 1))))
        with pytest.raises(IndexError):
            d.apply(n, add_and_read, 1)
        floc.barrier()
        d.free()
        d2.free()
