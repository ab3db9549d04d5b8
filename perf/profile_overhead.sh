#!/bin/sh
# profile_overhead.sh [BUILD_DIR] [ROUNDS] - what FLOC_PROFILE costs: the
# 8-byte allreduce of floc_coll_bench on 2 localities, with the profile off
# and on, rounds alternating (this machine's small-message times move
# between runs: compare within a round), medians and their ratio.
set -eu
build=${1:-build}
rounds=${2:-7}
run() { # ENV-ASSIGNMENT: the latency of one run
    env "$1" "$build/floc-run" -n 2 "$build/perf/floc_coll_bench" allreduce -m 8:8 -i 200000 2>/dev/null |
        awk '$1 == 8 { print $2 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
off=$(mktemp) on=$(mktemp)
trap 'rm -f "$off" "$on"' EXIT
for r in $(seq "$rounds"); do
    run FLOC_PROFILE=off >> "$off"
    run FLOC_PROFILE=summary >> "$on"
done
a=$(median < "$off") b=$(median < "$on")
echo "allreduce 8 B, 2 localities, $rounds rounds: profile off $a us, on $b us (medians): on/off $(echo "$b $a" | awk '{ printf "%.3f", $1 / $2 }')"
echo "  off: $(tr '\n' ' ' < "$off")"
echo "  on:  $(tr '\n' ' ' < "$on")"
