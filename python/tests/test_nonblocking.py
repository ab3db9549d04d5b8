# SPDX-License-Identifier: BSD-3-Clause
"""The nonblocking forms: Futures, several in flight, completed in any
order, and floc.wait / floc.as_completed."""

import numpy as np
import pytest

import floc
from conftest import every, inputs
from test_collectives import reference


@pytest.mark.parametrize("n", [1, 7, 5000])
def test_many_in_flight(n, me, p):
    x = inputs(me, np.int64, (n,))
    y = inputs(me, np.float64, (n,), "max")
    fs = [floc.iall_reduce(x), floc.iall_reduce(y, op="max"), floc.ibroadcast(x, root=p - 1),
          floc.ireduce(x, root=0), floc.iscan(x), floc.iexscan(x), floc.ibarrier(),
          floc.iall_gather(x), floc.igather(y, root=p - 1),
          floc.ireduce_scatter(np.tile(x, p)), floc.iall_to_all(np.tile(x, p))]
    # complete them in reverse order
    res = [f.result(timeout=60) for f in reversed(fs)][::-1]
    ok = np.array_equal(res[0], reference("sum", np.int64, (n,), p))
    ok &= np.array_equal(res[1], reference("max", np.float64, (n,), p, seed=0))
    ok &= np.array_equal(res[2], inputs(p - 1, np.int64, (n,)))
    ok &= (res[3] is None) if me else np.array_equal(res[3], reference("sum", np.int64, (n,), p))
    ok &= np.array_equal(res[4], reference("sum", np.int64, (n,), p, upto=me + 1))
    ok &= np.array_equal(res[5], reference("sum", np.int64, (n,), p, upto=me)) if me else \
        bool(np.all(res[5] == 0))
    ok &= res[6] is None
    ok &= all(np.array_equal(a, inputs(k, np.int64, (n,))) for k, a in enumerate(res[7]))
    if me == p - 1:
        ok &= all(np.array_equal(a, inputs(k, np.float64, (n,), "max"))
                  for k, a in enumerate(res[8]))
    else:
        ok &= res[8] == []
    ok &= np.array_equal(res[9], reference("sum", np.int64, (n,), p) * 1)
    ok &= np.array_equal(res[10], np.concatenate([inputs(k, np.int64, (n,)) for k in range(p)]))
    assert every(ok)
    assert all(f.done() and not f.running() and f.exception() is None for f in fs)


def test_wait_and_as_completed(me, p):
    fs = [floc.iall_reduce(np.full(3, float(i))) for i in range(5)]
    done, not_done = floc.wait(fs, timeout=60)
    assert done == set(fs) and not not_done
    assert sorted(float(f.result()[0]) for f in floc.as_completed(fs, timeout=60)) == \
        [float(i * p) for i in range(5)]
    first, _ = floc.wait([floc.iall_reduce(np.ones(2))], return_when=floc.FIRST_COMPLETED)
    assert len(first) == 1
    assert every(True)


def test_future_out_and_repr(me, p):
    out = np.empty(4)
    f = floc.iall_reduce(np.ones(4), out=out)
    assert "all_reduce" in repr(f)
    assert f.result() is out and np.array_equal(out, np.full(4, float(p)))
    assert not f.cancel() and not f.cancelled()
    assert every(True)


@pytest.mark.skipif(not floc.checks(), reason="FLOC_PY_CHECKS=0: calls are not compared")
def test_mismatch_from_result(me, p):
    if p == 1:
        pytest.skip("a mismatch needs two localities")
    f = floc.iall_reduce(np.ones((2, 3) if me else (3, 2)))
    with pytest.raises(floc.MismatchError, match="shape"):
        f.result(timeout=60)
    assert isinstance(f.exception(), floc.MismatchError)
    assert every(True)
