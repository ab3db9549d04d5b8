#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# test.sh - set up, build, and run the whole test suite: the regular build
# (unit, multi-locality under floc-run / mpirun / singleton, fault, tool
# tests), then an AddressSanitizer+UBSan build of the same code running
# every test labelled "asan", then the libFuzzer targets (clang) for a
# bounded time.
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

echo "== fuzz (libFuzzer: FLOC_* and remote keys 45 s, floc-run's command line 20 s)"
cmake -S "$top" -B "$top/build-fuzz" -DCMAKE_C_COMPILER=clang -DFLOC_FUZZ=ON -DFLOC_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOC_BUILD_PERF=OFF -DFLOC_BUILD_EXAMPLES=OFF \
    -DFLOC_BUILD_TESTS=ON >/dev/null
cmake --build "$top/build-fuzz" -j"$jobs" --target fuzz_input fuzz_run_args >/dev/null
fuzz() { # TARGET SECONDS
    mkdir -p "$top/build-fuzz/corpus-$1"
    rc=0
    (cd "$top/build-fuzz" && FLOC_LOG_LEVEL=none timeout $(($2 + 120)) "tests/$1" \
        -max_total_time="$2" -print_final_stats=1 "corpus-$1" > "$1.log" 2>&1) || rc=$?
    echo "-- $1"
    grep -E "^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec)" \
        "$top/build-fuzz/$1.log" || true
    if [ "$rc" -ne 0 ]; then
        tail -40 "$top/build-fuzz/$1.log"
        echo "$1 failed (exit $rc): crash input in build-fuzz/" >&2
        exit 1
    fi
}
fuzz fuzz_input 45
fuzz fuzz_run_args 20
