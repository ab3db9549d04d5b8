#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# profile.sh FLOC_RUN MP_TOOL - FLOC_PROFILE: mp_tool's known operations on
# 3 localities; the job's table on stderr (summary: calls and bytes summed
# over the localities), the same as JSON and CSV files, one file per
# locality with `each`, nothing without FLOC_PROFILE, a bad value refused.
set -u
run=$1
prog=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "profile.sh: FAILED: $*" >&2; fail=1; }

FLOC_PROFILE=summary FLOC_PROFILE_FILE="$work/p.json" "$run" -n 3 "$prog" profile \
    > "$work/out" 2> "$work/err" || bad "the summary run failed: $(cat "$work/err")"
grep -q '^floc profile: 3 localities' "$work/err" || bad "no job summary on stderr"
[ "$(grep -c '^floc profile' "$work/err")" = 1 ] || bad "more than one table for summary"
# 1000 + 1 allreduces on each of 3 localities, 8 B x 1000 + 4 KiB each
grep -Eq '^  allreduce +3003 +36.3 KB' "$work/err" || bad "allreduce row: $(grep allreduce "$work/err")"
grep -Eq '^  send +3 +300 B' "$work/err" || bad "send row"
grep -Eq '^  wait \(nonbl.\) +6 ' "$work/err" || bad "wait row"
grep -Eq '^  call +3 ' "$work/err" || bad "call row"
python3 - "$work/p.json" <<'PY' || bad "the JSON file"
import json, sys
d = json.load(open(sys.argv[1]))
ops = {o["op"]: o for o in d["ops"]}
assert d["localities"] == 3
assert ops["allreduce"]["calls"] == 3003 and ops["allreduce"]["bytes"] == 3 * (8000 + 4096), ops["allreduce"]
assert ops["bcast"]["calls"] == 3 and ops["bcast"]["bytes"] == 192
assert ops["put"]["calls"] == 3 and ops["put"]["bytes"] == 48
assert ops["flush"]["calls"] == 3 and ops["call"]["calls"] == 3 and ops["wait"]["calls"] == 6
assert "wait" in ops and all(o["total_s"] >= 0 and o["max_us"] >= 0 for o in d["ops"])
assert ops["allreduce"]["timed_calls"] >= 3003 // 64, ops["allreduce"]
assert ops["allreduce"]["algorithms"], ops["allreduce"]
PY

FLOC_PROFILE=each FLOC_PROFILE_SAMPLE=1 FLOC_PROFILE_FILE="$work/q.csv" "$run" -n 2 "$prog" profile \
    > "$work/out" 2> "$work/err" || bad "the each run failed"
[ "$(grep -c '^floc profile: locality' "$work/err")" = 2 ] || bad "each: not one table per locality"
grep -q 'times of every call' "$work/err" || bad "sample 1: not every call timed"
for r in 0 1; do
    [ -f "$work/q.csv.$r" ] || { bad "each: no file for locality $r"; continue; }
    head -1 "$work/q.csv.$r" | grep -q '^op,calls,bytes,total_s,mean_us,max_us,timed_calls$' ||
        bad "csv header"
    grep -q '^allreduce,1001,12096,' "$work/q.csv.$r" || bad "csv allreduce row: $(grep allreduce "$work/q.csv.$r")"
done

"$run" -n 2 "$prog" profile > "$work/out" 2> "$work/err" || bad "the run without a profile failed"
grep -q 'floc profile' "$work/err" && bad "a profile without FLOC_PROFILE"
FLOC_PROFILE=loud "$run" -n 1 "$prog" profile > "$work/out" 2> "$work/err" && bad "FLOC_PROFILE=loud accepted"
grep -q 'FLOC_PROFILE="loud" is not valid' "$work/err" || bad "FLOC_PROFILE=loud not named"
[ $fail = 0 ] && echo "profile.sh: PASS"
exit $fail
