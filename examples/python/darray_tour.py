# SPDX-License-Identifier: BSD-3-Clause
"""Distributed arrays: fill, slices across owners, reductions, and
redistribution, on however many localities the job has.

    floc-run -n 3 python3 examples/python/darray_tour.py
"""

import numpy as np

import floc as hpx


def main():
    hpx.init()
    me, n = hpx.locality_id(), hpx.num_localities()
    N = 1_000_000

    a = hpx.zeros((N,), distribution="block")       # each locality one range
    a.fill(1.0)
    r = a.local_range
    a.local[:] = np.arange(r.start, r.stop)          # this locality's part, in place
    hpx.barrier()

    window = a[N // 2 - 3:N // 2 + 3]               # may span two owners: one-sided reads
    if me == 0:
        a[10:20] = -1.0                             # one-sided writes into whoever owns them
    hpx.barrier()                                   # ... visible to everyone after this

    total = a.sum()                                 # collective: the same on every locality
    mean, low, at = a.mean(), a.min(), a.argmin()   # collective too: called everywhere
    want = N * (N - 1) / 2 - sum(range(10, 20)) - 10
    c = a.redistribute("cyclic")                    # an all-to-all exchange, no gathering
    ok = window.tolist() == list(range(N // 2 - 3, N // 2 + 3))
    ok &= total == want and c.sum() == want and at == 10 and low == -1.0
    ok &= c.local.shape[0] == len(range(me, N, n)) and c[11] == -1.0
    if me == 0:
        print(a)
        print("sum %.0f, mean %.3f, min %g at %d" % (total, mean, low, at))
        print(c.get_distribution_info())
    everyone = hpx.all_reduce(np.array([int(ok)]), op="min")[0]
    print("locality %d: darray_tour: %s" % (me, "all checks passed" if everyone else "FAILED"),
          flush=True)
    hpx.finalize()
    return 0 if everyone else 1


if __name__ == "__main__":
    raise SystemExit(main())
