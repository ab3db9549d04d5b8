# SPDX-License-Identifier: BSD-3-Clause
"""Local arrays (floc.ndarray: numpy's, with to_numpy) and the runtime's
answers."""

import numpy as np

import floc
from conftest import every


def test_ndarray_is_numpy():
    a = floc.array([[1, 2], [3, 4]], dtype=np.float32)
    assert isinstance(a, floc.ndarray) and isinstance(a, np.ndarray)
    assert a.shape == (2, 2) and a.dtype == np.float32 and a.size == 4 and a.ndim == 2
    assert a.nbytes == 16 and np.array_equal(np.asarray(a), [[1, 2], [3, 4]])
    n = a.to_numpy()
    assert type(n) is np.ndarray and np.shares_memory(n, a)
    assert isinstance(a + 1, floc.ndarray)           # numpy's math applies
    assert memoryview(a).format == "f"                # the buffer protocol


def test_from_numpy_copy_or_view():
    src = np.arange(6.0)
    c = floc.from_numpy(src)
    v = floc.from_numpy(src, copy=False)
    src[0] = 42
    assert c[0] == 0 and v[0] == 42                   # a copy; a view both ways
    v[1] = -1
    assert src[1] == -1


def test_creation_functions():
    assert np.array_equal(floc.zeros((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(floc.ones(4, dtype=np.int16), np.ones(4, np.int16))
    assert floc.empty((3,)).shape == (3,)
    f = floc.full((2,), 7)
    assert f.dtype == np.array(7).dtype and (f == 7).all()
    assert np.array_equal(floc.arange(2, 10, 3), np.arange(2, 10, 3))
    for x in (floc.zeros(2), floc.ones(2), floc.full(2, 1.0), floc.arange(3)):
        assert isinstance(x, floc.ndarray)


def test_runtime_answers(me, p):
    assert floc.is_running()
    assert floc.get_num_localities() == p == floc.collectives.get_num_localities()
    assert floc.distribution.get_num_localities() == p
    assert floc.distribution.get_locality_id() == me
    assert floc.num_threads() >= 1 and 0 <= floc.local_rank() < floc.local_size()
    assert 0 <= floc.node_id() < floc.num_nodes() and floc.provider()
    ids = [int(x[0]) for x in floc.all_gather(np.array([me]))]
    assert every(ids == list(range(p)))


def test_policy_names():
    D = floc.DistributionPolicy
    assert D.local is D.none and floc.distribution.DistributionPolicy is D
    assert D.of(None) is D.none and D.of("Block") is D.block and D.of(D.cyclic) is D.cyclic
    assert str(floc.ReduceOp.sum) == "sum" and floc.ReduceOp.SUM is floc.ReduceOp.sum
