#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# fault_times.sh [BUILD_DIR] [RUNS] - how long survivors take to learn of a
# lost locality: SIGKILL (floc-run's event) and SIGSTOP for good (floc's
# heartbeats, FLOC_PEER_TIMEOUT=2s), 4 localities, median of RUNS (5).
build=${1:-build} runs=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
for action in kill freeze; do
  times=""
  for i in $(seq "$runs"); do
    t=$(sh "$here/tests/mp/fault.sh" "$build/floc-run" "$build/tests/mp_fault" 4 "$action" 2>&1 |
        sed -n "s/^fault.sh: $action lost after \([0-9]*\) ms/\1/p")
    [ -n "$t" ] || { echo "fault_times.sh: run $i of $action failed"; exit 1; }
    times="$times $t"
  done
  median=$(echo $times | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  echo "$action -> FLOC_ERR_PEER_LOST on every survivor: median $median ms of$times"
done
