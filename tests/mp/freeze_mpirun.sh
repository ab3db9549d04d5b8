#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# freeze_mpirun.sh MPIRUN MP_FAULT N - under Open MPI's mpirun, which sends
# no PMIx event when a process stops answering: the last locality is
# frozen (SIGSTOP) while everyone is in allreduces; every survivor must
# get FLOC_ERR_PEER_LOST from floc's own heartbeats, not before 0.85 x
# FLOC_PEER_TIMEOUT (4 s) and within it + 1.5 s, mpirun must end the job
# (exit non-zero), and no process of the job may be left.
mpirun=$1 prog=$2 n=$3
victim=$((n - 1))
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/fault_lib.sh"
FLOC_PEER_TIMEOUT=4 timeout -k 5 60 "$mpirun" --allow-run-as-root --oversubscribe \
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
pids=$(job_pids "$work/out")
sleep 1
t0=$(now_ms)
kill -STOP "$vpid"
wait $pid
rc=$?
cat "$work/out"
fail=0
echo "freeze_mpirun.sh: mpirun exit $rc"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "FAIL: mpirun exited $rc"; fail=1; }
check_loss "$work/out" "$victim" "$t0" 5500 "freeze_mpirun.sh: freeze" 3400 || fail=1
all_gone $pids || fail=1
[ $fail -eq 0 ] && echo "freeze_mpirun.sh: PASS"
exit $fail
