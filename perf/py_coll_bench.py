# SPDX-License-Identifier: BSD-3-Clause
"""py_coll_bench.py - Python collectives, OSU style: floc's Python package
against mpi4py (Open MPI), the same loop for both.

    floc-run -n 2 python3 perf/py_coll_bench.py floc allreduce -m 8:16777216
    mpirun -np 2 python3 perf/py_coll_bench.py mpi4py allreduce -m 8:16777216

Benchmarks: allreduce (sum of float64), bcast (from 0, in place),
latency (a ping-pong of floc.send/recv against comm.Send/Recv between
localities 0 and 1, half the round trip, as osu_latency), and
allreduce_alloc (floc's all_reduce(arr) making its result each call: the
seed's form; mpi4py has no such buffer call, its reference is Allreduce
into a buffer allocated in the loop with numpy.empty_like), and
c_overhead (floc only: the Python call over the C call, 8 B; prints the
C time of floc_allreduce measured by perf/floc_coll_bench alongside is up
to compare.sh).  Prints "size  avg_us" per size (the average over the
iterations of the slowest locality, as the OSU benchmarks do).
Options: -m MIN:MAX bytes, -i iterations, -x warm-up iterations.  With
FLOC_PY_CHECKS=0 floc's collectives skip the comparison of the localities'
calls (docs/python.md): the cost of that check is the difference.
"""

import argparse
import sys
import time

import numpy as np


def sizes(spec):
    lo, hi = (int(x) for x in spec.split(":"))
    s = max(lo, 8)
    while s <= hi:
        yield s
        s *= 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lib", choices=["floc", "mpi4py"])
    ap.add_argument("bench", choices=["allreduce", "bcast", "allreduce_alloc", "latency"])
    ap.add_argument("-m", default="8:16777216")
    ap.add_argument("-i", type=int, default=1000)
    ap.add_argument("-x", type=int, default=100)
    a = ap.parse_args()

    if a.lib == "floc":
        import floc
        floc.init()
        me = floc.locality_id()
        barrier = floc.barrier

        def worst(t):
            return floc.all_reduce(np.array([t]), op="max")[0]

        if a.bench == "allreduce":
            def op(s, r):
                floc.all_reduce(s, out=r)
        elif a.bench == "allreduce_alloc":
            def op(s, r):
                floc.all_reduce(s)
        elif a.bench == "latency":
            def op(s, r):
                if me == 0:
                    floc.send(s, 1, 1)
                    floc.recv(r, 1, 1)
                elif me == 1:
                    floc.recv(r, 0, 1)
                    floc.send(s, 0, 1)
        else:
            def op(s, r):
                floc.broadcast(s, root=0, out=s)    # in place, as Bcast(s)
        finish = floc.finalize
    else:
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        me = comm.Get_rank()
        barrier = comm.Barrier

        def worst(t):
            out = np.empty(1)
            comm.Allreduce(np.array([t]), out, op=MPI.MAX)
            return out[0]

        if a.bench == "allreduce":
            def op(s, r):
                comm.Allreduce(s, r)
        elif a.bench == "allreduce_alloc":
            def op(s, r):
                comm.Allreduce(s, np.empty_like(s))
        elif a.bench == "latency":
            def op(s, r):
                if me == 0:
                    comm.Send(s, 1, 1)
                    comm.Recv(r, 1, 1)
                elif me == 1:
                    comm.Recv(r, 0, 1)
                    comm.Send(s, 0, 1)
        else:
            def op(s, r):
                comm.Bcast(s, root=0)
        finish = None

    if me == 0:
        print("# py_coll_bench %s %s (float64; avg us of the slowest locality)" % (a.lib, a.bench))
        print("# %-10s %12s" % ("size", "avg_us"))
    for size in sizes(a.m):
        n = size // 8
        s = np.full(n, 1.0 + me)
        r = np.empty(n)
        iters = a.i if size <= 65536 else max(10, a.i // (size // 65536))
        for _ in range(a.x):
            op(s, r)
        barrier()
        t0 = time.perf_counter()
        for _ in range(iters):
            op(s, r)
        t = (time.perf_counter() - t0) / iters * 1e6
        if a.bench == "latency":
            t /= 2   # one way
        t = worst(t)
        if me == 0:
            print("%-12d %12.2f" % (size, t))
            sys.stdout.flush()
    if finish:
        finish()


if __name__ == "__main__":
    main()
