# SPDX-License-Identifier: BSD-3-Clause
"""Starting and ending floc from Python: init/finalize, a context manager,
finalize at interpreter exit, an uncaught exception that ends the whole
job (tagged with its locality), and floc.spmd, which relaunches a script
under floc-run."""

import atexit
import functools
import os
import sys
import traceback

from . import _floc, _paths

__all__ = ["init", "finalize", "is_running", "runtime", "spmd", "in_job"]

is_running = _floc.is_running
_hooks_installed = False


def _excepthook(etype, value, tb):
    """An uncaught exception on one locality: its traceback, each line
    tagged with the locality, then the whole job ends (the others would
    otherwise wait for this one for ever)."""
    me = _floc.locality_id()
    text = "".join(traceback.format_exception(etype, value, tb))
    sys.stderr.write("".join("[locality %d] %s\n" % (me, line) for line in text.splitlines()))
    sys.stderr.flush()
    if _floc.is_running() and _floc.num_localities() > 1:
        _floc._abort(1, "uncaught %s on locality %d: %s" % (etype.__name__, me, value))
    sys.__excepthook__(etype, value, tb) if not _floc.is_running() else None


def _at_exit():
    if _floc.is_running():
        try:
            _floc.finalize(strict=False)
        except Exception as e:   # the interpreter is ending: say it, do not raise
            sys.stderr.write("floc: finalize at exit: %s\n" % e)


def init(num_threads=None):
    """Join the job (collective): under floc-run, mpirun, srun --mpi=pmix, or
    alone as one locality.  num_threads: worker threads of this locality's
    distributed-array algorithms (default: its share of the cores).  A
    second init raises RuntimeError."""
    global _hooks_installed
    _floc.init(num_threads)
    if not _hooks_installed:
        _hooks_installed = True
        atexit.register(_at_exit)
        sys.excepthook = _excepthook


def finalize():
    """Leave the job (collective).  Nothing when floc is not running.
    Nonblocking operations still in flight are completed first, as
    concurrent.futures' shutdown waits for its futures (a receive no
    message matched is withdrawn); their Futures keep their results."""
    _floc.finalize()


class runtime:
    """``with floc.runtime(): ...``: init on entry, finalize on a normal
    exit.  An exception leaves floc running, so that it reaches the
    uncaught-exception handler, which ends the whole job."""

    def __init__(self, num_threads=None):
        self.num_threads = num_threads

    def __enter__(self):
        init(self.num_threads)
        return sys.modules["floc"]

    def __exit__(self, etype, value, tb):
        if etype is None:
            finalize()
        return False


def in_job():
    """True when a launcher started this process as part of a job (floc-run,
    mpirun/prterun, srun): PMIx tells it its rank."""
    return any(v in os.environ for v in ("PMIX_RANK", "FLOC_RUN_JOB", "OMPI_COMM_WORLD_SIZE"))


def spmd(n=None, num_threads=None):
    """Decorator (HPXPy's spmd_main): run the function on every locality of
    the job, between init and finalize.  Outside a job, with n > 1, the
    script is started again under floc-run with n localities (the same
    interpreter and arguments) and this process exits with its status."""
    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kw):
            script = sys.argv[0] if sys.argv else ""
            if n and n > 1 and not in_job() and not _floc.is_running():
                if not script or script == "-c" or not os.path.exists(script):
                    raise RuntimeError("floc.spmd(%d): not inside a job, and no script file "
                                       "to start again under floc-run: run it as "
                                       "floc-run -n %d python3 <script>" % (n, n))
                argv = [_paths.floc_run(), "-n", str(n), sys.executable] + \
                    list(getattr(sys, "orig_argv", [sys.executable] + sys.argv)[1:])
                sys.stdout.flush()
                sys.stderr.flush()
                os.execv(argv[0], argv)
            started = not _floc.is_running()
            if started:
                init(num_threads)
            result = fn(*args, **kw)
            if started:
                finalize()
            return result
        return run
    if callable(n):   # @floc.spmd without arguments
        fn, n = n, None
        return wrap(fn)
    return wrap
