# SPDX-License-Identifier: BSD-3-Clause
"""Bad inputs: clear exceptions, on every locality, before any
communication where the mistake is visible locally; mismatches between
localities: floc.MismatchError on every locality, never a hang."""

import numpy as np
import pytest

import floc
from conftest import every


def raises_everywhere(exc, fn, match=None):
    """fn raises exc (with match in its message) on this locality; True on
    every locality when it did everywhere."""
    try:
        fn()
    except exc as e:
        return every(match is None or match in str(e))
    except Exception as e:   # the wrong exception: fail everywhere
        every(False)
        raise AssertionError("raised %r, expected %s" % (e, exc.__name__))
    return every(False)


def test_unknown_op():
    # before any communication: the same on every locality anyway
    with pytest.raises(ValueError, match="Unknown reduction operation: 'average'"):
        floc.all_reduce(np.ones(3), op="average")
    with pytest.raises(ValueError, match="Unknown reduction operation"):
        floc.reduce(np.ones(3), op=42)
    with pytest.raises(TypeError):
        floc.all_reduce(np.ones(3), op=1.5)
    assert every(True)


def test_non_contiguous():
    a = np.arange(10.0)[::2]
    with pytest.raises(ValueError, match="not C-contiguous"):
        floc.all_reduce(a)
    with pytest.raises(ValueError, match="not C-contiguous"):
        floc.broadcast(np.ones((4, 4))[:, 1])
    assert every(True)


def test_dtypes_that_do_not_reduce():
    with pytest.raises(TypeError, match="cannot be reduced"):
        floc.all_reduce(np.ones(3, np.complex128))
    with pytest.raises(TypeError, match="cannot be reduced"):
        floc.all_reduce(np.ones(3, ">f8"))           # big-endian
    with pytest.raises(TypeError, match="cannot be reduced"):
        floc.all_reduce(np.ones(3, np.float16))
    with pytest.raises(ValueError, match="integers only"):
        floc.all_reduce(np.ones(3), op="bxor")
    with pytest.raises(ValueError, match="pairs"):
        floc.all_reduce(np.ones(3), op="minloc")
    assert every(True)


def test_bad_out_and_root(p):
    x = np.ones(4)
    with pytest.raises(ValueError, match="out has shape"):
        floc.all_reduce(x, out=np.empty(5))
    with pytest.raises(ValueError, match="out has shape"):
        floc.all_reduce(x, out=np.empty(4, np.float32))
    ro = np.empty(4)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        floc.all_reduce(x, out=ro)
    with pytest.raises(ValueError, match="root"):
        floc.broadcast(x, root=p)
    with pytest.raises(ValueError, match="root"):
        floc.reduce(x, root=-1)
    with pytest.raises(TypeError, match="Python objects"):
        floc.broadcast(object())
    with pytest.raises(TypeError, match="Python objects"):
        floc.all_gather(np.array([None, 1]))
    with pytest.raises(ValueError, match="multiple"):
        floc.reduce_scatter(np.ones(p + 1) if p > 1 else np.ones(()))
    with pytest.raises(TypeError, match="unexpected keyword"):
        floc.all_reduce(x, opp="sum")
    assert every(True)


CHECKS = pytest.mark.skipif(not floc.checks(), reason="FLOC_PY_CHECKS=0: calls are not compared")


@CHECKS
def test_mismatched_shapes(me, p):
    """Different lengths, same length but another shape, another dtype of
    the same size: MismatchError on every locality (and then the job goes
    on)."""
    if p == 1:
        pytest.skip("a mismatch needs two localities")
    cases = [
        (lambda: floc.all_reduce(np.ones(3 + me)), "all_reduce"),                    # fused
        (lambda: floc.all_reduce(np.ones(5000 + me)), "all_reduce"),                 # large
        (lambda: floc.all_reduce(np.ones((2, 3) if me else (3, 2))), "shape"),
        (lambda: floc.all_reduce(np.ones(4, np.int64 if me else np.float64)), "int64"),
        (lambda: floc.all_reduce(np.ones(5000, np.int64 if me else np.float64)), "float64"),
        (lambda: floc.broadcast(np.ones(4 if me else 5)), "broadcast"),
        (lambda: floc.broadcast(np.ones(4), root=me), "root"),
        (lambda: floc.all_reduce(np.ones(4), op="max" if me else "sum"), "op"),
        (lambda: floc.gather(np.ones((2, 3 + me))), "first dimension"),
        (lambda: floc.reduce(np.ones(2000), root=me), "root"),
    ]
    for fn, match in cases:
        assert raises_everywhere(floc.MismatchError, fn, match), match
    # still in step afterwards
    assert every(np.array_equal(floc.all_reduce(np.ones(2)), np.full(2, float(p))))


@CHECKS
def test_different_collectives(me, p):
    if p == 1:
        pytest.skip("a mismatch needs two localities")
    fn = (lambda: floc.barrier()) if me == 0 else (lambda: floc.all_to_all(np.ones(p)))
    assert raises_everywhere(floc.MismatchError, fn, "called")
    assert every(True)


def test_errors_are_flocerrors():
    assert issubclass(floc.MismatchError, floc.FlocError)
    assert issubclass(floc.MismatchError, ValueError)
    assert issubclass(floc.PeerLostError, floc.FlocError)
    assert issubclass(floc.FlocTimeoutError, TimeoutError)
    assert floc.PeerLostError.code == -3 and floc.MismatchError.code == -14
    e = floc.FlocError("x", -99)
    assert e.code == -99 and isinstance(e, RuntimeError)


def test_second_init_raises():
    with pytest.raises(RuntimeError, match="already initialized"):
        floc.init()
    assert floc.is_running()


def test_distributed_bad_inputs(p):
    with pytest.raises(ValueError, match="Unknown distribution"):
        floc.zeros(10, distribution="diagonal")
    with pytest.raises(TypeError, match="distributed arrays hold"):
        floc.zeros(10, dtype=np.complex128, distribution="block")
    with pytest.raises(ValueError, match="negative"):
        floc.zeros((-1,), distribution="block")
    d = floc.zeros((10, 2), distribution="block")
    with pytest.raises(IndexError):
        d[10]
    with pytest.raises(IndexError):
        d[0, 0, 0]
    with pytest.raises(ValueError):
        d[0:3] = np.ones(4)      # does not broadcast to 3 x 2
    with pytest.raises(ValueError, match="num_partitions"):
        floc.zeros(10, distribution="cyclic", num_partitions=p + 1)
    d.free()
    with pytest.raises(ValueError, match="freed"):
        d.sum()
    assert every(True)
