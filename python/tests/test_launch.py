# SPDX-License-Identifier: BSD-3-Clause
"""Jobs started from the tests (ctest runs this file once, as a single
locality): the runtime's life cycle, floc.spmd relaunching a script, and
failures that must end the whole job in bounded time, never hang it: an
uncaught exception on one locality (tagged with its id), a killed
locality (floc.PeerLostError on every survivor), also under mpirun."""

import os
import shutil
import textwrap
import time

import pytest

import floc
from conftest import run_job
from floc import _paths

pytestmark = pytest.mark.skipif(floc.num_localities() != 1,
                                reason="starts jobs of its own: run as one locality")


def script(tmp_path, body, name="prog.py"):
    f = tmp_path / name
    f.write_text(textwrap.dedent(body))
    return str(f)


def test_import_starts_nothing_and_life_cycle(tmp_path):
    s = script(tmp_path, """
        import numpy as np
        import floc
        assert not floc.is_running()
        try:
            floc.all_reduce(np.ones(2))
        except RuntimeError as e:
            assert "not initialized" in str(e), e
        else:
            raise AssertionError("all_reduce before init did not raise")
        with floc.runtime(num_threads=2) as hpx:
            assert hpx.is_running() and hpx.num_threads() == 2
            p = hpx.num_localities()
            r = hpx.all_reduce(np.ones(3) * (hpx.locality_id() + 1))
            assert (r == p * (p + 1) / 2).all(), r
            try:
                floc.init()
            except RuntimeError as e:
                assert "already initialized" in str(e)
            else:
                raise AssertionError("a second init did not raise")
        assert not floc.is_running()
        print("life cycle ok %d" % p, flush=True)   # one write: the localities share the pipe
    """)
    rc, out = run_job(3, s)
    assert rc == 0 and out.count("life cycle ok 3") == 3, out


def test_finalize_at_exit(tmp_path):
    """init without finalize: the interpreter's exit finalizes, floc-run
    sees a clean end (not 'exited without floc_finalize')."""
    s = script(tmp_path, """
        import numpy as np
        import floc
        floc.init()
        d = floc.zeros((10, 2), distribution="block")
        view = d.local          # alive at exit
        floc.barrier()
        print("done %d" % floc.locality_id(), flush=True)
    """)
    rc, out = run_job(2, s)
    assert rc == 0 and "without floc_finalize" not in out and out.count("done") == 2, out


def test_finalize_completes_futures(tmp_path):
    """Futures nobody waited for: finalize completes them first (a receive
    no message matched is withdrawn) and they keep their results."""
    s = script(tmp_path, """
        import numpy as np
        import floc
        floc.init()
        me, p = floc.locality_id(), floc.num_localities()
        f = floc.iall_reduce(np.full(4, me + 1.0))
        s = floc.isend(np.arange(3.0), (me + 1) % p, tag=5)
        r = floc.irecv(np.empty(3), source=(me - 1) % p, tag=5)
        lone = floc.irecv(np.empty(1), source=(me + 1) % p, tag=6)   # nobody sends it
        floc.finalize()
        assert (f.result() == p * (p + 1) / 2).all(), f.result()
        assert s.result() is None and r.result() == ((me - 1) % p, 5, 24)
        assert lone.cancelled(), lone
        print("settled %d" % me, flush=True)
    """)
    rc, out = run_job(3, s)
    assert rc == 0 and out.count("settled") == 3, out


def test_spmd_relaunches_under_floc_run(tmp_path):
    s = script(tmp_path, """
        import numpy as np
        import floc as hpx

        @hpx.spmd(3)
        def main():
            me, n = hpx.locality_id(), hpx.num_localities()
            total = hpx.all_reduce(np.array([me + 1.0]), op="sum")
            print("locality %d of %d: total %g" % (me, n, total[0]))

        if __name__ == "__main__":
            main()
    """)
    import subprocess
    import sys
    env = dict(os.environ)
    for v in list(env):
        if v.startswith(("PMIX_", "FLOC_RUN_", "OMPI_")):
            del env[v]
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([sys.executable, s], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=120)
    out = r.stdout.decode()
    assert r.returncode == 0, out
    for k in range(3):
        assert "locality %d of 3: total 6" % k in out, out


CRASH = """
    import sys, time
    import numpy as np
    import floc
    floc.init()
    me = floc.locality_id()
    floc.all_reduce(np.ones(4))
    if me == 1:
        raise ValueError("boom on purpose")
    floc.barrier()          # the others wait here for locality 1
    print("not reached", me)
"""


def test_exception_ends_the_job(tmp_path):
    s = script(tmp_path, CRASH)
    t0 = time.monotonic()
    rc, out = run_job(3, s, timeout=60)
    took = time.monotonic() - t0
    assert rc != 0, out
    assert "[locality 1] Traceback" in out and "[locality 1] ValueError: boom on purpose" in out
    assert "not reached" not in out
    assert took < 20, "the job took %.1f s to end" % took


@pytest.mark.skipif(not shutil.which("mpirun"), reason="Open MPI's mpirun is not installed")
def test_exception_ends_the_job_under_mpirun(tmp_path):
    s = script(tmp_path, CRASH)
    t0 = time.monotonic()
    launcher = [shutil.which("mpirun"), "--allow-run-as-root", "--oversubscribe",
                "--bind-to", "none", "--mca", "oob_tcp_if_include", "lo",
                "--mca", "btl_tcp_if_include", "lo", "-np", "3"]
    rc, out = run_job(3, s, timeout=90, launcher=launcher)
    assert rc != 0 and "[locality 1] ValueError: boom on purpose" in out, out
    assert time.monotonic() - t0 < 30


def test_killed_locality_raises_peer_lost(tmp_path):
    s = script(tmp_path, """
        import os, signal, time
        import numpy as np
        import floc
        floc.init()
        me, n = floc.locality_id(), floc.num_localities()
        t0 = time.monotonic()
        try:
            i = 0
            while True:
                floc.all_reduce(np.ones(16))
                i += 1
                if me == n - 1 and i == 200:
                    os.kill(os.getpid(), signal.SIGKILL)
                if time.monotonic() - t0 > 30:
                    print("no loss seen", me)
                    break
        except floc.PeerLostError as e:
            print("survivor %d: PeerLostError after %.1f s: %s" % (me, time.monotonic() - t0, e))
    """)
    t0 = time.monotonic()
    rc, out = run_job(3, s, timeout=60, env={"FLOC_PEER_TIMEOUT": "2"})
    assert rc != 0, out          # a locality was killed: the job failed
    assert out.count("PeerLostError") == 2 and "survivor 0" in out and "survivor 1" in out, out
    assert time.monotonic() - t0 < 20


def test_finalize_after_a_lost_peer(tmp_path):
    """finalize on a survivor raises PeerLostError (it raised SystemError
    when a distributed array's destruction met the loss first)."""
    s = script(tmp_path, """
        import os, time
        import floc
        floc.init()
        me = floc.locality_id()
        a = floc.distributed_zeros((1000,), distribution="block")
        if me == 0:
            os._exit(0)
        time.sleep(0.5)
        del a
        try:
            floc.finalize()
            print("survivor %d: finalize returned" % me)
        except floc.PeerLostError as e:
            print("survivor %d: PeerLostError: %s" % (me, e))
    """)
    rc, out = run_job(2, s, timeout=60, env={"FLOC_PEER_TIMEOUT": "2"})
    assert rc != 0, out          # locality 0 left without finalize: the job failed
    assert "survivor 1: PeerLostError" in out and "SystemError" not in out, out


def test_killed_target_of_actions(tmp_path):
    """Calls in flight to a killed locality raise PeerLostError; the two
    survivors then go on calling each other (their progress threads serve
    while they sleep, so neither leaves the other waiting)."""
    s = script(tmp_path, """
        import os, signal, time
        import floc

        def square(x):
            return x * x

        floc.init()
        me = floc.locality_id()
        floc.barrier()
        if me == 2:
            time.sleep(0.3)                         # served by the progress thread
            os.kill(os.getpid(), signal.SIGKILL)    # with calls in flight
        t0 = time.monotonic()
        answered = 0
        try:
            while time.monotonic() - t0 < 30:
                futures = [floc.async_(2, square, i) for i in range(16)]
                answered += sum(f.result() == i * i for i, f in enumerate(futures))
        except floc.PeerLostError as e:
            print("survivor %d: PeerLostError after %d answers: %s" % (me, answered, e),
                  flush=True)
        after = sum(floc.call(1 - me, square, i) == i * i for i in range(200))
        print("survivor %d: %d of 200 calls to the other survivor answered" % (me, after),
              flush=True)
        time.sleep(1.0)                             # the other may still be calling
        os._exit(0)
    """)
    t0 = time.monotonic()
    # the survivors' 400 calls may outlast floc-run's 3 s of grace after
    # the kill on a loaded machine (ctest -j2 on 2 cores, 6 threads here)
    launcher = [_paths.floc_run(), "-n", "3", "--timeout", "50", "--grace", "25"]
    rc, out = run_job(3, s, timeout=60, launcher=launcher,
                      env={"FLOC_PEER_TIMEOUT": "2", "FLOC_PROGRESS": "thread"})
    assert rc != 0, out          # a locality was killed: the job failed
    assert out.count("PeerLostError after") == 2, out
    assert out.count("async_: a peer locality was lost") == 2, out   # the Future's own name
    assert out.count("200 of 200 calls to the other survivor answered") == 2, out
    assert time.monotonic() - t0 < 30
