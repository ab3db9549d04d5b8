#!/bin/sh
# freeze_mpirun.sh MPIRUN MP_FAULT N - under Open MPI's mpirun, which sends
# no PMIx event when a process stops answering: the last locality is
# frozen (SIGSTOP) while everyone is in allreduces; every survivor must
# get FLOC_ERR_PEER_LOST from floc's own heartbeats within
# FLOC_PEER_TIMEOUT (2 s) + 2 s, mpirun must end the job (exit non-zero),
# and no process of the job may be left.
mpirun=$1 prog=$2 n=$3
victim=$((n - 1))
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
FLOC_PEER_TIMEOUT=2 timeout -k 5 60 "$mpirun" --allow-run-as-root --oversubscribe \
  --mca oob_tcp_if_include lo --mca btl_tcp_if_include lo -np "$n" "$prog" loop 20 \
  >"$work/out" 2>&1 &
pid=$!
vpid=""
for i in $(seq 300); do
  vpid=$(sed -n "s/^locality $victim pid \([0-9]*\)$/\1/p" "$work/out" | head -1)
  [ -n "$vpid" ] && [ "$(grep -c "^locality [0-9]* pid" "$work/out")" -ge "$n" ] && break
  sleep 0.05
done
[ -n "$vpid" ] || { cat "$work/out"; echo "FAIL: locality $victim never started its loop"; kill $pid; exit 1; }
pids=$(sed -n 's/^locality [0-9]* pid \([0-9]*\)$/\1/p' "$work/out" | tr '\n' ' ')
sleep 1
t0=$(now_ms)
kill -STOP "$vpid"
wait $pid
rc=$?
cat "$work/out"
fail=0
echo "freeze_mpirun.sh: mpirun exit $rc"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "FAIL: mpirun exited $rc"; fail=1; }
lost=$(grep -c "PEER_LOST after" "$work/out")
[ "$lost" -eq "$victim" ] || { echo "FAIL: $lost of $victim survivors saw PEER_LOST"; fail=1; }
worst=$(sed -n 's/^survivor [0-9]*: PEER_LOST after [0-9]* ms at \([0-9]*\).*/\1/p' "$work/out" |
        awk -v t0="$t0" 'BEGIN{m=0} {d=$1-t0; if (d>m) m=d} END{print m}')
echo "freeze_mpirun.sh: survivors learnt of the frozen locality after $worst ms"
[ "$worst" -le 4000 ] || { echo "FAIL: after $worst ms (limit 4000)"; fail=1; }
if grep -q "mp_fault.c:[0-9]*:" "$work/out"; then echo "FAIL: a check failed (above)"; fail=1; fi
# mpirun may return before its processes are gone: give them a moment
for i in $(seq 40); do
  left=""
  for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
  [ -z "$left" ] && break
  sleep 0.1
done
for p in $left; do
  echo "FAIL: locality process $p outlived the job ($(ps -o stat=,args= -p "$p"))"
  kill -KILL "$p"
  fail=1
done
[ $fail -eq 0 ] && echo "freeze_mpirun.sh: PASS"
exit $fail
