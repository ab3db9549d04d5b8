#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mutation.sh SOURCE_DIR - the simulation catches what small jobs cannot:
# a copy of floc whose recursive-doubling allreduce folds the non-power-
# of-two remainder wrongly once it is 4 or more (rem & 3: unchanged for
# every p <= 8, where rem <= 3) passes sim_coll at 1-8 localities and
# fails it at 1000.  Builds the mutant's static library and sim_coll only.
set -eu
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
(cd "$src" && tar cf - CMakeLists.txt cmake include src tests tools scripts LICENSE) | (cd "$work/src" && tar xf -)
f="$work/src/src/coll/allreduce_recursive_doubling.c"
sed -i 's/c->s.recdbl.rem = c->v.size - pof2;/c->s.recdbl.rem = (c->v.size - pof2) \& 3;/' "$f"
grep -q 'recdbl.rem = (c->v.size - pof2) & 3' "$f" || { echo "mutation.sh: the mutation did not apply" >&2; exit 1; }
cmake -S "$work/src" -B "$work/build" -DFLOC_BUILD_PYTHON=OFF -DFLOC_BUILD_PERF=OFF \
    -DFLOC_BUILD_EXAMPLES=OFF > "$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/build" -j2 --target sim_coll > "$work/build.log" 2>&1 || { tail -20 "$work/build.log"; exit 1; }
sim="$work/build/tests/sim_coll"
if ! "$sim" 1-8 allreduce:recursive_doubling > "$work/small.log" 2>&1; then
    echo "mutation.sh: the mutant fails at 1-8 localities already (expected to pass there):" >&2
    tail -5 "$work/small.log" >&2
    exit 1
fi
echo "mutation.sh: the mutant passes at 1-8 localities (as small jobs would never see)"
if "$sim" 1000 allreduce:recursive_doubling > "$work/big.log" 2>&1; then
    echo "mutation.sh: FAILED: the mutant passes at 1000 localities too" >&2
    exit 1
fi
echo "mutation.sh: caught at 1000 localities: $(grep -m1 'sim_coll: allreduce' "$work/big.log" || tail -1 "$work/big.log")"
echo "mutation.sh: PASS"
