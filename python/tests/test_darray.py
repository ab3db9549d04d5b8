# SPDX-License-Identifier: BSD-3-Clause
"""Distributed arrays: every distribution x 1-D/2-D/3-D shapes x sizes
{0, 1, N-1, N+1, 1000003} (N: the locality count), more localities than
rows, slices across owners, redistribute round trips, reductions, all
against numpy and against the layouts written out again here."""

import numpy as np
import pytest

import floc
from conftest import every


def owners(rows, p, policy, nparts):
    """The locality of every row, by the definitions (floc.distribution)."""
    if policy == "none":
        return None
    if policy == "cyclic":
        return [i % p for i in range(rows)]
    if nparts in (0, p):
        q, r = divmod(rows, p)
        out = []
        for k in range(p):
            out += [k] * (q + (k < r))
        return out
    chunk = max(1, -(-rows // nparts))
    return [(i // chunk) % p for i in range(rows)]


# the job's size, known at collection (conftest starts floc first)
P = floc.num_localities()
LAYOUTS = [("block", 0), ("cyclic", 0), ("none", 0), ("block", 2 * P + 1), ("block", 1)]
SIZES = sorted({0, 1, max(P - 1, 0), P + 1, 1000003})


def shapes(rows):
    return [(rows,), (rows, 3), (rows, 2, 2)] if rows < 1000003 else [(rows,), (rows, 2)]


CASES = [(policy, nparts, shape) for policy, nparts in LAYOUTS for rows in SIZES
         for shape in shapes(rows)]


def values(shape, dtype=np.float64):
    """The reference array: element i = i (flat), in dtype."""
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape).astype(dtype)


@pytest.mark.parametrize("policy,nparts,shape", CASES)
def test_layout_fill_read(policy, nparts, shape, me, p):
    d = floc.distributed_zeros(shape, np.float64, policy, nparts)
    ref = values(shape)
    rows = shape[0]
    own = owners(rows, p, policy, nparts)
    mine = [i for i in range(rows) if own is None or own[i] == me]
    ok = d.shape == shape and d.size == ref.size and d.ndim == len(shape)
    ok &= d.is_distributed() == (policy != "none")
    ok &= list(d.local_indices()) == mine
    ok &= d.local.shape == (len(mine),) + shape[1:]
    # each locality writes its own rows through the zero-copy local view
    d.local[...] = ref[mine]
    floc.barrier()
    ok &= np.array_equal(d.to_numpy(), ref)
    ok &= np.array_equal(np.asarray(d), ref)
    if rows:
        # reads of any range, from every locality: across owners
        for a, b, s in [(0, rows, 1), (rows // 3, rows - rows // 4, 1), (1, rows, 3),
                        (rows - 1, None, -2)]:
            ok &= np.array_equal(d[a:b:s], ref[a:b:s])
        ok &= np.array_equal(d[rows - 1], ref[rows - 1])
        ok &= np.array_equal(d[-1], ref[-1])
        idx = np.array([rows - 1, 0, rows // 2])
        ok &= np.array_equal(d[idx], ref[idx])
        if len(shape) > 1:
            ok &= np.array_equal(d[:, 1], ref[:, 1])
            ok &= np.array_equal(d[rows // 2, ..., 0], ref[rows // 2, ..., 0])
    # reductions
    s = d.sum()
    ok &= s == ref.sum()
    if ref.size:
        ok &= d.max() == ref.max() and d.min() == ref.min() and d.argmax() == ref.argmax() and d.argmin() == 0
        ok &= abs(d.mean() - ref.mean()) <= 1e-9 * max(1.0, abs(ref.mean()))
    assert every(ok), (policy, nparts, shape)
    d.free()


@pytest.mark.parametrize("policy", ["block", "cyclic"])
@pytest.mark.parametrize("shape", [(10,), (9, 4), (7, 3, 2)])
def test_one_sided_writes_across_owners(policy, shape, me, p):
    """Locality k writes rows k, k + p, ... and a range spanning every owner
    (one at a time); after a barrier everyone sees all of it."""
    d = floc.zeros(shape, np.int64, distribution=policy)
    rows = shape[0]
    for r in range(me, rows, p):
        d[r] = r + 1
    floc.barrier()
    want = np.zeros(shape, np.int64)
    for r in range(rows):
        want[r] = r + 1
    ok = np.array_equal(d.to_numpy(), want)
    for k in range(p):
        if me == k:
            d[1:rows - 1] = -(k + 1)
            if len(shape) > 1:
                d[0, 1] = 100 + k          # part of a row
                d[::2, 0] = 7              # a strided column
        floc.barrier()
        want[1:rows - 1] = -(k + 1)
        if len(shape) > 1:
            want[0, 1] = 100 + k
            want[::2, 0] = 7
        ok &= np.array_equal(d.to_numpy(), want)
    assert every(ok)


def test_more_localities_than_rows(me, p):
    d = floc.zeros((1, 5), np.float32, distribution="block")
    ok = d.local.shape == ((1, 5) if me == 0 else (0, 5))
    d.fill(2.5)
    ok &= np.array_equal(d.to_numpy(), np.full((1, 5), 2.5, np.float32))
    ok &= d.sum() == 12.5 and d.min() == 2.5
    assert every(ok)


@pytest.mark.parametrize("shape", [(13,), (11, 3), (1000003,)])
def test_redistribute_round_trips(shape, me, p):
    ref = values(shape)
    d = floc.distributed_from_numpy(ref, distribution="block")
    c = d.redistribute("cyclic")
    b = c.redistribute(floc.DistributionPolicy.block, num_partitions=2 * p + 1)
    n = b.redistribute("none")
    back = n.redistribute("block")
    ok = c.policy is floc.DistributionPolicy.cyclic and not n.is_distributed()
    for a in (d, c, b, n, back):
        ok &= np.array_equal(a.to_numpy(), ref) and a.sum() == ref.sum()
    ok &= np.array_equal(back.local, d.local)
    ok &= list(c.local_indices()) == list(range(me, shape[0], p))
    assert every(ok)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16, np.int64, np.uint64,
                                   np.float32, np.float64])
def test_reductions_and_dot(dtype, me, p):
    ref = (np.arange(1001) % 50).astype(dtype)
    d = floc.distributed_from_numpy(ref, distribution="cyclic")
    e = floc.distributed_from_numpy(ref[::-1].copy(), distribution="cyclic")
    ok = d.sum() == ref.sum() and d.min() == ref.min() and d.max() == ref.max()
    ok &= d.argmin() == ref.argmin() and d.argmax() == ref.argmax()
    ok &= np.isclose(d.mean(), ref.mean())
    ok &= d.dot(e) == np.dot(ref, ref[::-1])
    small = floc.distributed_full((5,), 2, dtype, "block")
    ok &= small.prod() == np.prod(np.full(5, 2, dtype))
    assert every(ok), dtype


def test_attributes_and_repr(me, p):
    d = floc.zeros((100, 2), distribution="block")
    info = d.get_distribution_info()
    ok = info["policy"] == "block" and info["num_partitions"] == p
    ok &= info["chunk_size"] == -(-100 // p) and info["locality_id"] == me
    ok &= d.num_partitions == p and d.locality_id == me and d.nbytes == 1600
    ok &= d.dtype == np.float64 and len(d) == 100
    r = repr(d)
    ok &= "shape=(100, 2)" in r and "distribution=block" in r and "num_partitions=%d" % p in r
    lr = d.local_range
    ok &= lr.stop - lr.start == d.local.shape[0]
    c = floc.zeros(10, distribution=floc.DistributionPolicy.cyclic)
    ok &= c.local_range == range(me, 10, p)
    k = floc.zeros(100, distribution="block", num_partitions=2 * p + 1)
    try:
        k.local_range
        ok &= len(k.local_ranges()) == 1
    except ValueError:
        ok &= len(k.local_ranges()) > 1
    assert every(ok)


def test_local_is_zero_copy(me, p):
    d = floc.zeros(8 * p, np.int32, distribution="block")
    v = d.local
    v[:] = me + 1
    w = d.local
    ok = np.shares_memory(v, w) and bool(np.all(w == me + 1))
    floc.barrier()
    ok &= d.sum() == sum(8 * (k + 1) for k in range(p))
    assert every(ok)
    del v, w


def test_dropped_arrays_are_collected(me, p):
    """Arrays dropped on every locality are freed at the next creation,
    in step (a loop making thousands would otherwise run out)."""
    for i in range(300):
        d = floc.zeros((1000,), distribution="block")
        d.fill(i)
    assert every(d.sum() == 299 * 1000)
    del d
    floc.collect()


def test_seed_zeros_form(me, p):
    a = floc.zeros((16,), distribution="block")
    b = floc.ones((16,), distribution=floc.DistributionPolicy.cyclic)
    ok = isinstance(a, floc.DistributedArray) and isinstance(floc.zeros((4,)), floc.ndarray)
    ok &= b.sum() == 16 and floc.full((3,), 7, distribution="block").max() == 7
    ok &= floc.distributed_ones((5,)).sum() == 5      # policy none
    assert every(ok)
