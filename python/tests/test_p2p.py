# SPDX-License-Identifier: BSD-3-Clause
"""Point-to-point messages: floc.send / recv / isend / irecv / probe /
sendrecv, checked against each sender's inputs (regenerated on the
receiver from the sender's id)."""

import array
import os

import numpy as np
import pytest

import floc
from conftest import DTYPES, every, inputs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 1000, 100003])
def test_ring_shift(dtype, n, me, p):
    right, left = (me + 1) % p, (me - 1) % p
    got = np.empty(n, dtype)
    st = floc.sendrecv(inputs(me, dtype, (n,)), right, got, source=left, sendtag=5, recvtag=5)
    ok = np.array_equal(got, inputs(left, dtype, (n,)))
    ok &= st == (left, 5, got.nbytes) and isinstance(st, floc.Status)
    ok &= (st.source, st.tag, st.nbytes) == (left, 5, got.nbytes)
    assert every(ok)


def test_order_per_tag(me, p):
    """Messages of one pair and tag arrive in the order sent; a receive
    may take a later tag first."""
    right, left = (me + 1) % p, (me - 1) % p
    sends = [floc.isend(np.array([10 * k + t], np.int64), right, tag=t)
             for k in range(4) for t in (1, 2)]
    ok = True
    for t in (2, 1):
        for k in range(4):
            x = np.empty(1, np.int64)
            st = floc.recv(x, source=left, tag=t)
            ok &= x[0] == 10 * k + t and st.tag == t and st.source == left
    floc.wait(sends)
    assert every(ok)


def node_path():
    """ANY_TAG and the probes need the node message path: a job whose
    localities are all on this node, one alone too, with the path on
    (docs/p2p.md)"""
    return floc.num_nodes() == 1 and os.environ.get("FLOC_NODE_P2P", "1") != "0"


def test_any_tag_needs_the_node_path(me, p):
    if node_path():
        pytest.skip("the node path is there (the next tests use it)")
    with pytest.raises(floc.NotSupportedError):
        floc.recv(np.empty(1), source=me)
    with pytest.raises(floc.NotSupportedError):
        floc.iprobe(source=me, tag=3)


def test_any_source_any_tag(me, p):
    """Every locality (0 too) sends its id to 0 with tag = its id; 0 takes
    them from anyone with any tag."""
    if not node_path():
        pytest.skip("ANY_TAG needs the node message path")
    f = floc.isend(np.array([me, me * me], np.int32), 0, tag=100 + me)
    ok = True
    if me == 0:
        seen = set()
        for _ in range(p):
            x = np.empty(2, np.int32)
            st = floc.recv(x)
            ok &= st.tag == 100 + st.source and list(x) == [st.source, st.source ** 2]
            seen.add(st.source)
        ok &= seen == set(range(p))
    f.result(timeout=60)
    assert every(ok)


def test_probe_sizes_the_receive(me, p):
    if not node_path():
        pytest.skip("probes need the node message path")
    right, left = (me + 1) % p, (me - 1) % p
    f = floc.isend(inputs(me, np.float64, (3 * (me + 1),)), right, tag=9)
    st = floc.probe(source=left, tag=9)
    buf = np.empty(st.nbytes // 8)
    ok = floc.recv(buf, source=left, tag=9) == st and st.nbytes == 24 * (left + 1)
    ok &= np.array_equal(buf, inputs(left, np.float64, (3 * (left + 1),)))
    f.result(timeout=60)
    # nothing left with that tag
    ok &= floc.iprobe(source=left, tag=9) is None
    floc.barrier()
    assert every(ok)


def test_futures_any_order(me, p):
    right, left = (me + 1) % p, (me - 1) % p
    bufs = [np.empty(k + 1, np.int16) for k in range(6)]
    recvs = [floc.irecv(b, source=left, tag=20 + k) for k, b in enumerate(bufs)]
    sends = [floc.isend(inputs(me, np.int16, (k + 1,)), right, tag=20 + k)
             for k in reversed(range(6))]
    sts = [f.result(timeout=60) for f in reversed(recvs)][::-1]
    ok = all(st == (left, 20 + k, 2 * (k + 1)) for k, st in enumerate(sts))
    ok &= all(np.array_equal(b, inputs(left, np.int16, (k + 1,))) for k, b in enumerate(bufs))
    floc.wait(sends)
    ok &= all(f.done() and f.exception() is None for f in recvs + sends)
    assert every(ok)


def test_other_buffers(me, p):
    """memoryview and array.array go as their bytes too, 2-D arrays whole."""
    right, left = (me + 1) % p, (me - 1) % p
    a = array.array("d", [me, me + 0.5])
    got = array.array("d", [0.0, 0.0])
    floc.sendrecv(a, right, memoryview(got), source=left, sendtag=4, recvtag=4)
    m = np.arange(12, dtype=np.int32).reshape(3, 4) * (me + 1)
    gm = np.empty((3, 4), np.int32)
    floc.sendrecv(m, right, gm, source=left, sendtag=4, recvtag=4)
    ok = list(got) == [left, left + 0.5]
    ok &= np.array_equal(gm, np.arange(12, dtype=np.int32).reshape(3, 4) * (left + 1))
    assert every(ok)


def test_truncated(me, p):
    right, left = (me + 1) % p, (me - 1) % p
    f = floc.isend(np.zeros(10), right, tag=31)
    with pytest.raises(floc.TruncatedError, match="longer than buf"):
        floc.recv(np.empty(5), source=left, tag=31)
    f.result(timeout=60)
    floc.barrier()


def test_cancel_unmatched_receive(me, p):
    f = floc.irecv(np.empty(4), source=(me + 1) % p, tag=77)   # nobody sends it
    assert f.cancel() and f.cancelled() and f.done()
    with pytest.raises(floc.CanceledError):
        f.result()
    s = floc.isend(np.empty(1), me, tag=78)   # sends cannot be withdrawn
    assert not s.cancel()
    floc.recv(np.empty(1), source=me, tag=78)
    s.result(timeout=60)
    floc.barrier()


def test_bad_arguments(me, p):
    """Refused before anything is sent, with the reason."""
    with pytest.raises(ValueError, match="dest .* is not a locality"):
        floc.send(np.zeros(1), p)
    with pytest.raises(ValueError, match="dest -1 is not a locality"):
        floc.send(np.zeros(1), floc.ANY_SOURCE)
    with pytest.raises(ValueError, match="tag -3 is outside"):
        floc.send(np.zeros(1), 0, tag=-3)
    with pytest.raises(ValueError, match="tag .* is outside"):
        floc.recv(np.zeros(1), tag=floc.TAG_MAX + 1)
    with pytest.raises(ValueError, match="not C-contiguous"):
        floc.send(np.zeros((4, 4))[:, 1], 0)
    ro = np.zeros(2)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        floc.recv(ro, source=0)
    with pytest.raises(TypeError, match="buffer protocol"):
        floc.send([1, 2, 3], 0)
    floc.barrier()


def test_team_ranks(me, p):
    """On a team= the peers and the Status are team ranks."""
    with floc.split(me % 2) as t:
        r, q = t.locality_id(), t.num_localities()
        got = np.empty(1, np.int64)
        st = floc.sendrecv(np.array([me], np.int64), (r + 1) % q, got, source=(r - 1) % q,
                           sendtag=6, recvtag=6, team=t)
        ok = st.source == (r - 1) % q and got[0] == t.to_world((r - 1) % q)
        # the Team's own methods
        t.send(np.array([r], np.int32), (r + 1) % q, tag=8)
        x = np.empty(1, np.int32)
        ok &= t.recv(x, source=(r - 1) % q, tag=8) == ((r - 1) % q, 8, 4) and x[0] == (r - 1) % q
        with pytest.raises(ValueError, match="not a locality of this team"):
            floc.send(np.zeros(1), q, team=t)
    assert every(ok)
