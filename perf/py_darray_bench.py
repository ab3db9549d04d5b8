# SPDX-License-Identifier: BSD-3-Clause
"""py_darray_bench.py - DistributedArray.sum() against what a Python
programmer would write by hand: numpy.sum over the local part plus one
8-byte all_reduce, the two timed alternately in the same job.

    floc-run -n 2 python3 perf/py_darray_bench.py [-n 100000000] [-r 7]

Prints the median of each (ms, the slowest locality) and their ratio.
"""

import argparse
import time

import numpy as np

import floc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100_000_000, help="elements (float64)")
    ap.add_argument("-r", type=int, default=7, help="rounds")
    a = ap.parse_args()
    floc.init()
    me = floc.locality_id()
    d = floc.zeros((a.n,), distribution="block")
    d.local[:] = np.arange(d.local.shape[0], dtype=np.float64) % 7
    floc.barrier()

    def slowest(t):
        return floc.all_reduce(np.array([t]), op="max")[0]

    def by_hand():
        return floc.all_reduce(np.array([np.sum(d.local)]))[0]

    ours, hand = [], []
    s1 = s2 = 0.0
    for r in range(a.r + 1):
        floc.barrier()
        t0 = time.perf_counter()
        s1 = d.sum()
        t1 = time.perf_counter()
        floc.barrier()
        t2 = time.perf_counter()
        s2 = by_hand()
        t3 = time.perf_counter()
        if r:   # the first round warms up
            ours.append(slowest(t1 - t0))
            hand.append(slowest(t3 - t2))
    mo, mh = float(np.median(ours)) * 1e3, float(np.median(hand)) * 1e3
    if me == 0:
        print("# py_darray_bench: %d float64 on %d localities, %d threads each, median of %d"
              % (a.n, floc.num_localities(), floc.num_threads(), a.r))
        print("darray.sum()              %10.2f ms" % mo)
        print("np.sum(local)+all_reduce  %10.2f ms" % mh)
        print("ratio                     %10.2f   (sums %s: %.17g %.17g)"
              % (mo / mh, "equal" if abs(s1 - s2) <= 1e-9 * abs(s2) else "DIFFER", s1, s2))
    floc.finalize()


if __name__ == "__main__":
    main()
