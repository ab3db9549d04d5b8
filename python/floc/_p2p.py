# SPDX-License-Identifier: BSD-3-Clause
"""Tagged point-to-point messages between localities, over buffers.

As mpi4py's upper-case ``Send``/``Recv``: any C-contiguous buffer (a
numpy array, a memoryview, an ``array.array``) travels as its bytes, with
no copy and no pickling, and a receive names the buffer the message lands
in.  Messages between one pair with the same tag arrive in the order they
were sent.  Ranks are the team's on a ``team=``.

    if floc.locality_id() == 0:
        floc.send(np.arange(10.0), dest=1, tag=7)
    elif floc.locality_id() == 1:
        buf = np.empty(10)
        st = floc.recv(buf, source=0, tag=7)     # floc.Status(source=0, tag=7, nbytes=80)

A message of unknown length: ``st = floc.probe(source, tag)`` says how
many bytes came; allocate, then ``recv``.  A receive shorter than its
message raises ``TruncatedError``.  ``ANY_TAG`` and the probes need the
node message path (more than one locality, every sender on this node;
docs/p2p.md), otherwise ``NotSupportedError``.  send, recv, isend, irecv,
probe and iprobe are the C extension's own (src/p2p.c).
"""

from . import _floc

__all__ = ["Status", "ANY_SOURCE", "ANY_TAG", "TAG_MAX", "send", "recv", "isend", "irecv",
           "probe", "iprobe", "sendrecv"]

ANY_SOURCE = _floc.ANY_SOURCE
ANY_TAG = _floc.ANY_TAG
TAG_MAX = _floc.TAG_MAX
Status = _floc.Status
send = _floc.send
recv = _floc.recv
isend = _floc.isend
irecv = _floc.irecv
probe = _floc.probe
iprobe = _floc.iprobe


def sendrecv(sendbuf, dest, recvbuf, source=ANY_SOURCE, sendtag=0, recvtag=ANY_TAG, team=None):
    """Send sendbuf to dest and receive into recvbuf at once (a ring shift
    cannot deadlock); the receive's Status."""
    r = irecv(recvbuf, source, recvtag, team)
    try:
        send(sendbuf, dest, sendtag, team)
    except BaseException:
        r.cancel()
        raise
    return r.result()
