# SPDX-License-Identifier: BSD-3-Clause
"""A 2-D heat stencil on a grid distributed by rows; the halo rows come
through one-sided slices of the distributed array.

    floc-run -n 4 python3 examples/python/stencil2d.py [rows cols steps]

Each step every locality reads the row above and below its own (owned by
its neighbours), updates its rows with numpy, and writes them back; the
result is checked against the same computation on one process.
"""

import sys

import numpy as np

import floc as hpx


def step(u):
    """One Jacobi step of the whole grid (fixed boundary)."""
    v = u.copy()
    v[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
    return v


def main():
    rows, cols, steps = (int(x) for x in (sys.argv[1:] or [200, 64, 50]))
    hpx.init()
    me, n = hpx.locality_id(), hpx.num_localities()
    start = np.zeros((rows, cols))
    start[0, :] = 100.0                              # a hot top edge

    grid = hpx.distributed_from_numpy(start, distribution="block")
    r = grid.local_range
    for _ in range(steps):
        hpx.barrier()                                # everyone's last writes are in
        lo, hi = max(r.start - 1, 0), min(r.stop + 1, rows)
        block = grid[lo:hi]                          # my rows and the halo (one-sided)
        new = step(block)[r.start - lo:r.start - lo + len(r)]
        hpx.barrier()                                # everyone has read the old values
        grid.local[...] = new

    result = grid.to_numpy()
    serial = start
    for _ in range(steps):
        serial = step(serial)
    ok = np.array_equal(result, serial)             # the same operations: the same bits
    if me == 0:
        print("%dx%d grid, %d steps on %d localities: mean %.6f" % (rows, cols, steps, n,
                                                                   result.mean()))
    everyone = hpx.all_reduce(np.array([int(ok)]), op="min")[0]
    print("locality %d: stencil2d: %s" % (me, "all checks passed" if everyone else "FAILED"),
          flush=True)
    hpx.finalize()
    return 0 if everyone else 1


if __name__ == "__main__":
    raise SystemExit(main())
