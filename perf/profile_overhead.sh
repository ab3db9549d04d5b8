#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# profile_overhead.sh [BUILD_DIR] [ROUNDS] - what FLOC_PROFILE costs, off
# and on in alternating rounds (this machine's small-message times move
# between runs: compare within a round), medians:
#  - floc_coll_bench allreduce -m 8:8 on 2 localities (the target: < 2%;
#    its 2-decimal microseconds resolve ~3%, and the runs vary ~10%);
#  - profile_cost: a singleton's loop of 8-byte allreduces, the added
#    nanoseconds per call to a tenth (no peer, little noise), and what
#    they are against the 2-locality allreduce.
set -eu
build=${1:-build}
rounds=${2:-7}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bench() { # PROFILE: the latency of one run
    FLOC_PROFILE=$1 "$build/floc-run" -n 2 "$build/perf/floc_coll_bench" allreduce -m 8:8 \
        -i 200000 2>/dev/null | awk '$1 == 8 { print $2 }'
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
    bench off >> "$work/off"
    bench summary >> "$work/on"
    FLOC_PROFILE=off "$build/perf/profile_cost" >> "$work/c_off"
    FLOC_PROFILE=summary "$build/perf/profile_cost" 2>/dev/null >> "$work/c_on"
done
a=$(median < "$work/off") b=$(median < "$work/on")
ca=$(median < "$work/c_off") cb=$(median < "$work/c_on")
echo "floc_coll_bench allreduce 8 B, 2 localities, $rounds rounds: off $a us, on $b us: on/off $(echo "$b $a" | awk '{ printf "%.3f", $1 / $2 }')"
echo "  off: $(tr '\n' ' ' < "$work/off")"
echo "  on:  $(tr '\n' ' ' < "$work/on")"
echo "profile_cost (singleton, ns per call): off $ca, on $cb: +$(echo "$cb $ca" | awk '{ printf "%.1f", $1 - $2 }') ns a call, $(echo "$cb $ca $a" | awk '{ printf "%.1f%%", ($1 - $2) / ($3 * 1000) * 100 }') of the 2-locality allreduce"
