# SPDX-License-Identifier: BSD-3-Clause
"""The seed's SPMD reduction, for real on many localities.

    floc-run -n 4 python3 examples/python/spmd_reduce.py
    python3 examples/python/spmd_reduce.py        # starts itself on 4

Each locality builds its own array, then all_reduce, broadcast, gather
and scatter combine them; every locality checks what it got against the
closed forms.
"""

import numpy as np

import floc as hpx


@hpx.spmd(4)
def main():
    me, n = hpx.locality_id(), hpx.num_localities()
    local = np.arange(1.0, 6.0) * (me + 1)          # [1..5] * (me + 1)

    total = hpx.all_reduce(local, op="sum")         # [1..5] * n(n+1)/2 everywhere
    biggest = hpx.all_reduce(local, op=hpx.ReduceOp.max)
    from_last = hpx.broadcast(local, root=n - 1)
    pieces = hpx.gather(np.array([me, me * me]), root=0)
    mine = hpx.scatter(np.arange(10 * n).reshape(5 * n, 2) if me == 0 else None, root=0)
    hpx.barrier()

    ok = np.array_equal(total, np.arange(1.0, 6.0) * n * (n + 1) / 2)
    ok &= np.array_equal(biggest, np.arange(1.0, 6.0) * n)
    ok &= np.array_equal(from_last, np.arange(1.0, 6.0) * n)
    ok &= pieces == [] if me else [p.tolist() for p in pieces] == [[k, k * k] for k in range(n)]
    ok &= mine.tolist() == np.arange(10 * n).reshape(5 * n, 2)[5 * me:5 * me + 5].tolist()
    if me == 0:
        print("%d localities: all_reduce(sum) = %s" % (n, total))
        print("gathered on 0:", [p.tolist() for p in pieces])
    everyone = hpx.all_reduce(np.array([int(ok)]), op="min")[0]
    print("locality %d: spmd_reduce: %s" % (me, "all checks passed" if everyone else "FAILED"),
          flush=True)
    return 0 if everyone else 1


if __name__ == "__main__":
    raise SystemExit(main())
