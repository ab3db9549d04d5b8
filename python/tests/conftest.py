# SPDX-License-Identifier: BSD-3-Clause
"""The Python package's tests run on every locality of a job (ctest starts
pytest under floc-run with 1-4 localities, and under mpirun): each test
calls the same collectives in the same order everywhere, and checks its
results against numpy, computed from every locality's inputs, which each
locality regenerates for itself (inputs are a function of the locality id).
"""

import os
import sys

import numpy as np
import pytest

import floc


def pytest_configure(config):
    # one job for the whole session: the tests of a run share it
    floc.init()


def pytest_unconfigure(config):
    floc.finalize()


@pytest.fixture
def me():
    return floc.locality_id()


@pytest.fixture
def p():
    return floc.num_localities()


INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOAT_DTYPES = [np.float32, np.float64]
DTYPES = INT_DTYPES + FLOAT_DTYPES


def inputs(k, dtype, shape, op="sum", seed=0):
    """Locality k's input: deterministic, and such that op over any number
    of them, in any order, is exact (floats: small integers, prod: 1 and 2
    and their negatives), so that any algorithm's result equals numpy's."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng([seed, k, dtype.num, len(shape)])
    if op == "prod":
        vals = rng.choice([1, 2] if dtype.kind == "u" else [1, 2, -1], size=shape)
    elif dtype.kind == "f":
        vals = rng.integers(-1000, 1000, size=shape)
    else:
        info = np.iinfo(dtype)
        vals = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return np.asarray(vals).astype(dtype)


def every(flag):
    """True on every locality when flag is true on every locality (so that
    all of them fail a test together: no locality leaves the others in a
    collective)."""
    return bool(floc.all_reduce(np.array([1 if flag else 0], np.int32), op="min")[0])


def run_job(n, script, *args, timeout=120, env=None, launcher=None):
    """Run a script as a job of n localities (floc-run, or the launcher's
    argv prefix); (returncode, output).  Bounded by timeout."""
    import subprocess
    from floc import _paths
    e = dict(os.environ)
    for v in list(e):   # not part of this job
        if v.startswith(("PMIX_", "FLOC_RUN_", "OMPI_", "PRTE_")) or v in ("FLOC_RANK",):
            del e[v]
    e["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    e.update(env or {})
    cmd = (launcher or [_paths.floc_run(), "-n", str(n), "--timeout", str(timeout - 10)]) + \
        [sys.executable, script] + list(args)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=e,
                       timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace")
