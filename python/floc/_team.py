# SPDX-License-Identifier: BSD-3-Clause
"""Teams: collectives on sub-groups of localities (docs/teams.md).

    row = floc.split(color=me // cols, key=me % cols)   # my row of a grid
    s = row.all_reduce(x)            # the same as floc.all_reduce(x, team=row)
    col = floc.split(me % cols)      # key: the rank (the default)
    with floc.dup() as lib:          # a library's own traffic, apart
        lib.barrier()
    row.free()

A Team is made collectively (every locality of the parent calls split,
dup or split_node alike); its collectives run on its localities only,
ranked 0 .. num_localities()-1 in it.  Every collective of floc takes
``team=``; a Team's methods of the same names are those collectives on
it; distributed arrays span a team with ``floc.zeros(..., team=t)``.  A
Team is freed by free() (collective over it), at the end of a ``with``
block, or at finalize.
"""

from . import _floc
from . import collectives as _c
from . import _p2p

UNDEFINED = _floc.UNDEFINED


class Team:
    """A team of localities (see floc.split).  Not made directly."""

    __slots__ = ("_t", "__weakref__")

    def __init__(self, handle):
        self._t = handle

    # identity
    def locality_id(self):
        """This locality's rank in the team."""
        return self._t.locality_id()

    def num_localities(self):
        """The number of localities in the team."""
        return self._t.num_localities()

    def to_world(self, rank):
        """The locality id (floc.locality_id()) of a rank of the team."""
        return self._t.to_world(rank)

    @property
    def alive(self):
        return self._t.alive

    def free(self):
        """Free the team (collective over it: its dropped distributed arrays
        are destroyed first; BusyError while its Futures are in flight or an
        array made on it is alive)."""
        self._t.free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()

    def __repr__(self):
        return repr(self._t)

    # teams of teams
    def split(self, color, key=None):
        return split(color, key, team=self)

    def dup(self):
        return dup(team=self)

    def split_node(self):
        return split_node(team=self)

    # the collectives, on this team
    def all_reduce(self, arr, op="sum", out=None):
        return _floc.all_reduce(arr, op, out, team=self)

    def broadcast(self, arr, root=0, out=None):
        return _floc.broadcast(arr, root, out, team=self)

    def reduce(self, arr, op="sum", root=0, out=None):
        return _floc.reduce(arr, op, root, out, team=self)

    def scan(self, arr, op="sum", out=None):
        return _floc.scan(arr, op, out, team=self)

    def exscan(self, arr, op="sum", out=None):
        return _c.exscan(arr, op, out, team=self)

    def reduce_scatter(self, arr, op="sum", out=None):
        return _floc.reduce_scatter(arr, op, out, team=self)

    def all_to_all(self, arr, out=None):
        return _floc.all_to_all(arr, out, team=self)

    def barrier(self):
        _floc.barrier(team=self)

    def gather(self, arr, root=0):
        return _c.gather(arr, root, team=self)

    def all_gather(self, arr):
        return _c.all_gather(arr, team=self)

    def scatter(self, arr, root=0):
        return _c.scatter(arr, root, team=self)

    def iall_reduce(self, arr, op="sum", out=None):
        return _c.iall_reduce(arr, op, out, team=self)

    def ibroadcast(self, arr, root=0, out=None):
        return _c.ibroadcast(arr, root, out, team=self)

    def ireduce(self, arr, op="sum", root=0, out=None):
        return _c.ireduce(arr, op, root, out, team=self)

    def iscan(self, arr, op="sum", out=None):
        return _c.iscan(arr, op, out, team=self)

    def iexscan(self, arr, op="sum", out=None):
        return _c.iexscan(arr, op, out, team=self)

    def ireduce_scatter(self, arr, op="sum", out=None):
        return _c.ireduce_scatter(arr, op, out, team=self)

    def iall_to_all(self, arr, out=None):
        return _c.iall_to_all(arr, out, team=self)

    def ibarrier(self):
        return _c.ibarrier(team=self)

    def igather(self, arr, root=0):
        return _c.igather(arr, root, team=self)

    def iall_gather(self, arr):
        return _c.iall_gather(arr, team=self)

    # messages between its members, by team rank (floc._p2p)
    def send(self, buf, dest, tag=0):
        _floc.send(buf, dest, tag, self)

    def recv(self, buf, source=_floc.ANY_SOURCE, tag=_floc.ANY_TAG):
        return _floc.recv(buf, source, tag, self)

    def isend(self, buf, dest, tag=0):
        return _floc.isend(buf, dest, tag, self)

    def irecv(self, buf, source=_floc.ANY_SOURCE, tag=_floc.ANY_TAG):
        return _floc.irecv(buf, source, tag, self)

    def probe(self, source=_floc.ANY_SOURCE, tag=_floc.ANY_TAG):
        return _floc.probe(source, tag, self)

    def iprobe(self, source=_floc.ANY_SOURCE, tag=_floc.ANY_TAG):
        return _floc.iprobe(source, tag, self)

    def sendrecv(self, sendbuf, dest, recvbuf, source=_floc.ANY_SOURCE, sendtag=0,
                 recvtag=_floc.ANY_TAG):
        return _p2p.sendrecv(sendbuf, dest, recvbuf, source, sendtag, recvtag, self)


def _wrap(handle):
    return None if handle is None else Team(handle)


def split(color, key=None, team=None):
    """Collective over ``team`` (every locality by default): a Team of the
    localities that pass the same color (an int >= 0), ranked by key (by
    default, their rank in the parent), or None where color is None or
    floc.UNDEFINED.  A bad color anywhere raises everywhere."""
    return _wrap(_floc.split(color, key, team=team))


def dup(team=None):
    """Collective over ``team``: a Team of the same localities in the same
    order whose traffic never meets the parent's."""
    return _wrap(_floc.dup(team=team))


def split_node(team=None):
    """Collective over ``team``: the Team of this node's localities."""
    return _wrap(_floc.split_node(team=team))
