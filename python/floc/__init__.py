# SPDX-License-Identifier: BSD-3-Clause
"""floc for Python: HPXPy's distributed API, for real on many localities.

    import floc as hpx          # a seed program runs unchanged

    hpx.init()
    arr = hpx.array([1.0, 2.0, 3.0]) * (hpx.locality_id() + 1)
    total = hpx.all_reduce(arr, op="sum")       # on every locality
    d = hpx.zeros((1000, 4), distribution="block")
    d.local[...] = hpx.locality_id()            # this locality's rows
    print(d.sum())
    hpx.finalize()

Run it with ``floc-run -n 4 python3 prog.py`` (or mpirun, srun --mpi=pmix,
or alone as one locality).  Importing floc starts nothing; ``floc.init()``
joins the job, ``floc.finalize()`` (or the end of the interpreter) leaves
it.  Point-to-point messages over buffers: ``floc.send`` / ``floc.recv``
and their nonblocking forms.  Errors are exceptions: ``floc.FlocError`` and its subclasses
(``floc.PeerLostError`` when another locality is lost, ...).
"""

from . import _floc
from ._errors import *          # noqa: F401,F403  (FlocError and its family)
from ._errors import __all__ as _errors_all
from ._runtime import init, finalize, is_running, runtime, spmd, in_job
from ._ndarray import ndarray
from . import collectives, distribution
from .collectives import (ReduceOp, all_reduce, broadcast, gather, scatter, barrier,
                          all_gather, reduce, all_to_all, reduce_scatter, scan, exscan,
                          iall_reduce, ibroadcast, ireduce, igather, iall_gather, iall_to_all,
                          ireduce_scatter, iscan, iexscan, ibarrier, Future, wait,
                          as_completed, FIRST_COMPLETED, ALL_COMPLETED, loc_dtype,
                          set_checks, checks)
from ._team import Team, split, dup, split_node, UNDEFINED
from ._actions import async_, call, run_on_all, RemoteTraceback
from ._p2p import (Status, ANY_SOURCE, ANY_TAG, TAG_MAX, send, recv, isend, irecv, probe,
                   iprobe, sendrecv)
from .distribution import DistributionPolicy
from ._darray import DistributedArray
from ._array import (from_numpy, array, zeros, ones, empty, full, arange, distributed_zeros,
                     distributed_ones, distributed_full, distributed_from_numpy)

num_localities = _floc.num_localities
locality_id = _floc.locality_id
get_num_localities = _floc.num_localities
get_locality_id = _floc.locality_id
num_threads = _floc.num_threads
local_rank = _floc.local_rank
local_size = _floc.local_size
node_id = _floc.node_id
num_nodes = _floc.num_nodes
provider = _floc.provider
collect = _floc.collect
__version__ = _floc.version

__all__ = [
    "init", "finalize", "is_running", "runtime", "spmd", "in_job",
    "num_localities", "locality_id", "get_num_localities", "get_locality_id", "num_threads",
    "local_rank", "local_size", "node_id", "num_nodes", "provider", "collect",
    "ndarray", "from_numpy", "array", "zeros", "ones", "empty", "full", "arange",
    "distributed_zeros", "distributed_ones", "distributed_full", "distributed_from_numpy",
    "DistributedArray", "DistributionPolicy", "collectives", "distribution",
    "ReduceOp", "all_reduce", "broadcast", "gather", "scatter", "barrier", "all_gather",
    "reduce", "all_to_all", "reduce_scatter", "scan", "exscan", "iall_reduce", "ibroadcast",
    "ireduce", "igather", "iall_gather", "iall_to_all", "ireduce_scatter", "iscan", "iexscan",
    "ibarrier", "Future", "wait", "as_completed", "FIRST_COMPLETED", "ALL_COMPLETED",
    "loc_dtype", "set_checks", "checks", "Team", "split", "dup", "split_node", "UNDEFINED",
    "async_", "call", "run_on_all", "RemoteTraceback",
    "Status", "ANY_SOURCE", "ANY_TAG", "TAG_MAX", "send", "recv", "isend", "irecv", "probe",
    "iprobe", "sendrecv",
] + list(_errors_all)
