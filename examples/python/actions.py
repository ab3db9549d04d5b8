# SPDX-License-Identifier: BSD-3-Clause
"""Locality-aware execution: run functions where the data lives.

    floc-run -n 4 python3 examples/python/actions.py

Each locality holds a block of rows of a distributed array; locality 0
asks every owner for statistics of its own rows (floc.run_on_all), one
locality's rows through a future (floc.async_), updates single rows in
place where they live (DistributedArray.apply), and shows that an
exception raised on another locality comes back with its traceback.
Every locality checks what it got against what it must be.
"""

import numpy as np

import floc


def local_stats(d_rows):
    """Runs on each owner: the sum of its rows (sent by reference)."""
    return floc.locality_id(), float(DATA.local.sum()), d_rows


def scale_row(row, factor):
    """Runs on the owner of one row, on a view of it: the write stays."""
    row *= factor
    return float(row.sum())


def refuse(x):
    raise ValueError("locality %d will not take %r" % (floc.locality_id(), x))


DATA = None


def main():
    global DATA
    floc.init()
    me, n = floc.locality_id(), floc.num_localities()
    rows = 8 * n
    DATA = floc.zeros((rows, 3), distribution="block")
    DATA.local[...] = np.arange(DATA.local.size).reshape(DATA.local.shape) + 100 * me
    floc.barrier()
    ok = True
    if me == 0:
        stats = floc.run_on_all(local_stats, 3)
        want = [(k, float(sum(range(24)) + 100 * k * 24), 3) for k in range(n)]
        ok &= stats == want
        print("run_on_all: the sum of every locality's rows, computed where they live:",
              [s for _, s, _ in stats])
        f = floc.async_(n - 1, local_stats, 0)
        ok &= f.result() == want[n - 1][:2] + (0,)
        for r in range(0, rows, 5):            # rows of every owner, scaled in place
            before = float(DATA[r].sum())
            ok &= DATA.apply(r, scale_row, 2.0) == 2.0 * before
        try:
            floc.call(n - 1, refuse, 42)
            ok = False
        except ValueError as e:
            print("a remote exception came back:", e, "| its cause:",
                  str(e.__cause__).strip().splitlines()[1])
    floc.barrier()
    whole = DATA.to_numpy()
    base = np.vstack([np.arange(24).reshape(8, 3) + 100 * k for k in range(n)]).astype(float)
    base[::5] *= 2.0
    ok &= np.array_equal(whole, base)
    everyone = floc.all_reduce(np.array([int(ok)]), op="min")[0]
    print("locality %d: actions: %s" % (me, "all checks passed" if everyone else "FAILED"),
          flush=True)
    DATA.free()
    DATA = None
    floc.finalize()
    return 0 if everyone else 1


if __name__ == "__main__":
    raise SystemExit(main())
