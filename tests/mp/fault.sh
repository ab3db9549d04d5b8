#!/bin/sh
# fault.sh FLOC_RUN MP_FAULT N [MODE] - one locality of N aborts mid-run
# (MODE "coll": while the others are in collectives).
# Checks: floc-run exits non-zero (not by its timeout) within 10 s, names
# the failed locality; every survivor reported FLOC_ERR_PEER_LOST; no
# process of the job and no file (rendezvous dir, /dev/shm) is left.
run=$1 prog=$2 n=$3 mode=${4:-}
victim=$((n - 1))
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp"
fail=0
start=$(date +%s%N)
TMPDIR="$work/tmp" timeout -k 5 30 "$run" -n "$n" --timeout 25 "$prog" $mode >"$work/out" 2>&1 &
pid=$!
# the job's localities: children of floc-run, itself the child of timeout(1)
kids=""
for i in $(seq 40); do
  fr=$(pgrep -P "$pid" | head -1)
  [ -n "$fr" ] && kids=$(pgrep -P "$fr" | tr '\n' ' ')
  [ "$(echo $kids | wc -w)" -ge "$n" ] && break
  sleep 0.05
done
echo "fault.sh: localities of the job: $kids"
wait $pid
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$work/out"
echo "fault.sh: floc-run exit $rc after $elapsed_ms ms"

[ "$rc" -ne 0 ] || { echo "FAIL: floc-run exited 0"; fail=1; }
[ "$rc" -ne 124 ] || { echo "FAIL: the job ran into a timeout"; fail=1; }
[ "$elapsed_ms" -lt 10000 ] || { echo "FAIL: took $elapsed_ms ms (limit 10000)"; fail=1; }
grep -q "floc-run: .*locality $victim" "$work/out" || { echo "FAIL: no message naming locality $victim"; fail=1; }
if grep -q "mp_fault.c:[0-9]*:" "$work/out"; then echo "FAIL: a survivor's check failed (above)"; fail=1; fi
survivors=$(grep -c "PEER_LOST after" "$work/out")
[ "$survivors" -eq "$victim" ] || { echo "FAIL: $survivors of $victim survivors saw PEER_LOST"; fail=1; }
[ -n "$kids" ] || { echo "FAIL: could not see the job's localities"; fail=1; }
sleep 0.2
for k in $kids; do
  if kill -0 "$k" 2>/dev/null; then echo "FAIL: locality process $k outlived the job"; fail=1; fi
done
left=$(ls "$work/tmp")
[ -z "$left" ] || { echo "FAIL: floc-run left files in TMPDIR: $left"; fail=1; }
shm=$(ls /dev/shm | grep "floc-run-$pid\." )
# timeout(1) forks floc-run: its pid is the nspace, not $pid; check any leftover of this job's prog
shm_all=$(ls /dev/shm 2>/dev/null | grep "^floc\.floc-run-" | while read -r f; do
  p=${f#floc.floc-run-}; p=${p%%.*}; kill -0 "$p" 2>/dev/null || echo "$f"; done)
[ -z "$shm$shm_all" ] || { echo "FAIL: shared memory left: $shm $shm_all"; fail=1; }
[ $fail -eq 0 ] && echo "fault.sh: PASS"
exit $fail
