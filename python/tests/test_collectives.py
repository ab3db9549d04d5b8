# SPDX-License-Identifier: BSD-3-Clause
"""Every collective x dtype x op against numpy, on however many localities
the job has (1-4 under ctest)."""

import functools

import numpy as np
import pytest

import floc
from conftest import DTYPES, FLOAT_DTYPES, INT_DTYPES, every, inputs

OPS = {"sum": np.add, "prod": np.multiply, "min": np.minimum, "max": np.maximum,
       "band": np.bitwise_and, "bor": np.bitwise_or, "bxor": np.bitwise_xor}
# sizes: empty, one element, odd, and past the size where the data stops
# travelling with the call records (floc._floc.FUSE_MAX bytes)
SHAPES = [(0,), (1,), (7,), (3, 5), (1000,), (40000,)]


def ops_for(dtype):
    return ["sum", "prod", "min", "max"] + (["band", "bor", "bxor"]
                                            if np.dtype(dtype).kind in "iu" else [])


def reference(op, dtype, shape, p, upto=None, seed=0):
    """op over the inputs of localities 0 .. upto-1 (default all), folded
    with numpy in the inputs' dtype (integers wrap as floc's do)."""
    xs = [inputs(k, dtype, shape, op, seed) for k in range(p if upto is None else upto)]
    with np.errstate(over="ignore"):
        return functools.reduce(lambda a, b: OPS[op](a, b).astype(dtype), xs)


CASES = [(d, op, s) for d in DTYPES for op in ops_for(d) for s in SHAPES]


@pytest.mark.parametrize("dtype,op,shape", CASES)
def test_all_reduce(dtype, op, shape, me, p):
    x = inputs(me, dtype, shape, op)
    got = floc.all_reduce(x, op=op)
    want = reference(op, dtype, shape, p)
    assert every(got.dtype == want.dtype and got.shape == want.shape
                 and np.array_equal(got, want)), (op, dtype, shape)
    # the same op as a ReduceOp, into out=, and in place
    out = np.empty_like(x)
    assert floc.all_reduce(x, op=floc.ReduceOp[op], out=out) is out
    y = x.copy()
    floc.all_reduce(y, op=op, out=y)
    assert every(np.array_equal(out, want) and np.array_equal(y, want))


@pytest.mark.parametrize("dtype,op,shape", [c for c in CASES if c[2] in ((7,), (40000,))])
def test_reduce_scan_exscan(dtype, op, shape, me, p):
    x = inputs(me, dtype, shape, op)
    root = p - 1
    r = floc.reduce(x, op=op, root=root)
    s = floc.scan(x, op=op)
    e = floc.exscan(x, op=op)
    ok = np.array_equal(s, reference(op, dtype, shape, p, upto=me + 1))
    if me == root:
        ok &= np.array_equal(r, reference(op, dtype, shape, p))
    else:
        ok &= r is None
    if me > 0:
        ok &= np.array_equal(e, reference(op, dtype, shape, p, upto=me))
    else:
        # locality 0: op's identity
        ident = {"sum": 0, "bor": 0, "bxor": 0, "prod": 1}.get(op)
        if op == "band":
            ident = np.array(-1).astype(dtype) if np.dtype(dtype).kind == "i" \
                else np.iinfo(dtype).max
        if op in ("min", "max"):
            big = op == "min"
            ident = (np.inf if big else -np.inf) if np.dtype(dtype).kind == "f" else \
                (np.iinfo(dtype).max if big else np.iinfo(dtype).min)
        ok &= bool(np.all(e == np.array(ident).astype(dtype)))
    assert every(ok), (op, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["sum", "max"])
def test_reduce_scatter(dtype, op, me, p):
    x = inputs(me, dtype, (3 * p, 2), op)
    got = floc.reduce_scatter(x, op=op)
    want = reference(op, dtype, (3 * p, 2), p)[3 * me:3 * me + 3]
    assert every(np.array_equal(got, want))


def test_logical_ops(me, p):
    x = np.array([0, 1, 2, 0, 5], np.int32) * (me % 2)
    land = floc.all_reduce(x, op="land")
    lor = floc.all_reduce(x, op="lor")
    xs = [np.array([0, 1, 2, 0, 5], np.int32) * (k % 2) for k in range(p)]
    assert every(np.array_equal(land, np.logical_and.reduce(xs).astype(np.int32))
                 and np.array_equal(lor, np.logical_or.reduce(xs).astype(np.int32)))


@pytest.mark.parametrize("vdtype", [np.int32, np.int64, np.float32, np.float64])
def test_minloc_maxloc(vdtype, me, p):
    dt = floc.loc_dtype(vdtype)
    x = np.zeros(6, dt)
    x["value"] = (np.arange(6) * (me + 1)) % 5
    x["index"] = me
    mn = floc.all_reduce(x, op="minloc")
    mx = floc.all_reduce(x, op=floc.ReduceOp.maxloc)
    vals = np.array([(np.arange(6) * (k + 1)) % 5 for k in range(p)])
    ok = np.array_equal(mn["value"], vals.min(0)) and np.array_equal(mx["value"], vals.max(0))
    # the smaller index on ties
    ok &= np.array_equal(mn["index"], vals.argmin(0)) and np.array_equal(mx["index"],
                                                                        vals.argmax(0))
    assert every(ok)


def test_bit_identical_everywhere(me, p):
    """Sums that do not associate: every locality holds the same bits."""
    for n in (3, 100, 131075):
        x = np.random.default_rng([7, me, n]).standard_normal(n) * 10.0 ** (me % 7)
        r = floc.all_reduce(x)
        allr = floc.all_gather(r)
        assert every(all(a.tobytes() == r.tobytes() for a in allr)), n
        assert every(np.allclose(r, sum(np.random.default_rng([7, k, n]).standard_normal(n)
                                        * 10.0 ** (k % 7) for k in range(p))))


MOVE_DTYPES = DTYPES + [np.complex128, np.bool_, np.dtype([("a", "<i4"), ("b", "<f8")])]


def payload(k, dtype, shape):
    dtype = np.dtype(dtype)
    raw = np.random.default_rng([11, k] + list(shape)).integers(0, 256, size=(
        int(np.prod(shape)) * dtype.itemsize,), dtype=np.uint8)
    if dtype == np.bool_:
        raw = raw & 1
    a = raw.view(dtype).reshape(shape)
    if dtype.kind == "f" or dtype.kind == "c":
        a = np.nan_to_num(a)   # NaN != NaN would fail the comparison
    return a


@pytest.mark.parametrize("dtype", MOVE_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(1,), (5,), (4, 3), (2, 3, 4), (20000,)])
def test_broadcast(dtype, shape, me, p):
    for root in range(p):
        x = payload(me, dtype, shape)
        got = floc.broadcast(x, root=root)
        assert every(got.tobytes() == payload(root, dtype, shape).tobytes()
                     and got.shape == x.shape and got.dtype == x.dtype)


@pytest.mark.parametrize("dtype", MOVE_DTYPES, ids=str)
def test_gather_all_gather_any_lengths(dtype, me, p):
    # locality k sends k + 1 rows (0-row blocks too: k % 3 == 2 sends none)
    def rows(k):
        return 0 if k % 3 == 2 else k + 1
    x = payload(me, dtype, (rows(me), 3))
    for root in range(p):
        g = floc.gather(x, root=root)
        if me == root:
            ok = len(g) == p and all(a.tobytes() == payload(k, dtype, (rows(k), 3)).tobytes()
                                     and a.shape == (rows(k), 3) for k, a in enumerate(g))
        else:
            ok = g == []
        assert every(ok)
    ag = floc.all_gather(x)
    assert every(len(ag) == p and all(a.tobytes() == payload(k, dtype, (rows(k), 3)).tobytes()
                                      for k, a in enumerate(ag)))


@pytest.mark.parametrize("rows", [0, 1, 2, 3, 5, 7, 1001])
@pytest.mark.parametrize("dtype", [np.float64, np.int16, np.complex64], ids=str)
def test_scatter_uneven(rows, dtype, me, p):
    root = rows % p
    x = payload(99, dtype, (rows, 2))
    got = floc.scatter(x if me == root else None, root=root)
    q, r = divmod(rows, p)
    first = me * q + min(me, r)
    want = x[first:first + q + (me < r)]
    assert every(got.shape == want.shape and got.tobytes() == want.tobytes())
    # the seed's form: every locality passes an array (read on the root only)
    got2 = floc.scatter(x, root=root)
    assert every(got2.tobytes() == want.tobytes())


@pytest.mark.parametrize("dtype", [np.int8, np.float64, np.complex128], ids=str)
def test_all_to_all(dtype, me, p):
    x = np.concatenate([payload(me * 10 + j, dtype, (2, 3)) for j in range(p)])
    got = floc.all_to_all(x)
    want = np.concatenate([payload(k * 10 + me, dtype, (2, 3)) for k in range(p)])
    assert every(got.tobytes() == want.tobytes())


def test_barrier(me, p):
    floc.barrier()
    floc.barrier("named")        # HPXPy's name is accepted
    floc.collectives.barrier()
    assert every(True)


def test_inputs_of_every_kind(me, p):
    """memoryview, array.array, bytes, lists and scalars in; numpy out;
    floc.ndarray in, floc.ndarray out; 0-d arrays."""
    import array
    a = array.array("d", [1.0, 2.0])
    r1 = floc.all_reduce(a)
    r2 = floc.all_reduce(memoryview(a))
    r3 = floc.all_reduce([1.0, 2.0])
    r4 = floc.all_reduce(2)
    r5 = floc.all_reduce(np.float64(1.5))
    r6 = floc.all_reduce(floc.array([1.0, 2.0]))
    r7 = floc.all_reduce(np.array(3.0))
    ok = np.array_equal(r1, [p, 2 * p]) and np.array_equal(r2, r1) and np.array_equal(r3, r1)
    ok &= r4 == 2 * p and r5 == 1.5 * p and isinstance(r6, floc.ndarray)
    ok &= r7.shape == () and r7 == 3.0 * p
    b = floc.broadcast(b"abcd" if me == 0 else b"wxyz")
    ok &= bytes(b) == b"abcd"
    assert every(ok)


def test_collectives_submodule(me, p):
    c = floc.collectives
    assert c.get_num_localities() == p and c.get_locality_id() == me
    assert every(np.array_equal(c.all_reduce(np.ones(3)), np.full(3, float(p))))
    ids = floc.all_gather(np.array([floc.locality_id()]))
    assert every([int(i[0]) for i in ids] == list(range(p)))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES[:2])
def test_large_all_reduce_and_broadcast(dtype, me, p):
    """Past the fused size, through floc's own algorithms (1 MiB+)."""
    n = (1 << 17) + 3
    x = inputs(me, dtype, (n,), "max")
    assert every(np.array_equal(floc.all_reduce(x, op="max"), reference("max", dtype, (n,), p)))
    assert every(floc.broadcast(x, root=p - 1).tobytes() == inputs(p - 1, dtype, (n,), "max")
                 .tobytes())
