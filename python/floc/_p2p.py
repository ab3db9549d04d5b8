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
        st = floc.recv(buf, source=0, tag=7)     # Status(source=0, tag=7, nbytes=80)

A message of unknown length: ``st = floc.probe(source, tag)`` says how
many bytes came; allocate, then ``recv``.  A receive shorter than its
message raises ``TruncatedError``.  ``ANY_TAG`` and the probes need the
node message path (every sender on this node; docs/p2p.md), otherwise
``NotSupportedError``.
"""

from collections import namedtuple

from . import _floc

__all__ = ["Status", "ANY_SOURCE", "ANY_TAG", "TAG_MAX", "send", "recv", "isend", "irecv",
           "probe", "iprobe", "sendrecv"]

ANY_SOURCE = _floc.ANY_SOURCE
ANY_TAG = _floc.ANY_TAG
TAG_MAX = _floc.TAG_MAX

Status = namedtuple("Status", ["source", "tag", "nbytes"])
Status.__doc__ = "What a receive or probe found: the sender, the tag and the message's bytes."


def send(buf, dest, tag=0, team=None):
    """Send buf's bytes to locality dest; returns when buf may be reused."""
    _floc._send(buf, dest, tag, team)


def recv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None):
    """Receive a message into buf (writable, C-contiguous); its Status."""
    return Status._make(_floc._recv(buf, source, tag, team))


def isend(buf, dest, tag=0, team=None):
    """Start a send: a Future (result() None once buf may be reused)."""
    return _floc._isend(buf, dest, tag, team)


def irecv(buf, source=ANY_SOURCE, tag=ANY_TAG, team=None):
    """Start a receive into buf: a Future whose result() is the Status.
    cancel() withdraws it while no message has matched it."""
    return _floc._irecv(buf, source, tag, team)._then(Status._make)


def probe(source=ANY_SOURCE, tag=ANY_TAG, team=None):
    """Wait for a message a recv(source, tag) would take; its Status (it
    stays to be received)."""
    return Status._make(_floc._probe(source, tag, team))


def iprobe(source=ANY_SOURCE, tag=ANY_TAG, team=None):
    """The Status of such a message if one has come, else None."""
    st = _floc._iprobe(source, tag, team)
    return None if st is None else Status._make(st)


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
