#!/bin/sh
# test.sh - set up, build, and run the whole test suite: the regular build
# (unit, multi-locality under floc-run / mpirun / singleton, fault, tool
# tests), then an AddressSanitizer+UBSan build of the same code running
# every test labelled "asan".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
export FI_TCP_IFACE=lo
jobs=$(nproc)

echo "== build"
"$top/scripts/build.sh" "$top/build"
echo "== tests"
(cd "$top/build" && ctest --output-on-failure -j"$jobs" --timeout 300)

echo "== build (ASan+UBSan)"
"$top/scripts/build.sh" "$top/build-asan" -DFLOC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== tests (ASan+UBSan)"
(cd "$top/build-asan" && ctest --output-on-failure -j"$jobs" -L asan --timeout 300)
