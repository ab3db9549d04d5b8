#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# isolation.sh FLOC_RUN PROGRAM - two floc jobs on this machine at once
# (two floc-run PMIx servers, two node segments, two sets of shm
# endpoints) each run PROGRAM to success and leave nothing in /dev/shm.
run=$1
prog=$2
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
"$run" -n 3 --timeout 100 "$prog" > "$work/a" 2>&1 &
a=$!
"$run" -n 3 --timeout 100 "$prog" > "$work/b" 2>&1 &
b=$!
fail=0
wait $a || { echo "FAIL: job A"; tail -20 "$work/a"; fail=1; }
wait $b || { echo "FAIL: job B"; tail -20 "$work/b"; fail=1; }
# each job's node segment is named after its floc-run (other tests may
# be creating theirs right now: only these two count)
left=$(ls /dev/shm 2>/dev/null | grep -E "floc-run-($a|$b)\$")
if [ -n "$left" ]; then
    echo "FAIL: left in /dev/shm: $left"; fail=1
fi
[ $fail -eq 0 ] && echo "ok   two jobs at once, each correct, nothing left in /dev/shm"
exit $fail
