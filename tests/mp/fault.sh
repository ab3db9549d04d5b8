#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# fault.sh FLOC_RUN MP_FAULT N ACTION - one locality of N fails mid-run.
#   abort       it calls abort() while the others wait in point-to-point calls
#   abort-coll  it calls abort() while the others are in collectives
#   kill        SIGKILL from outside while everyone is in allreduces
#   freeze      SIGSTOP for good: alive, but silent (only floc's own
#               heartbeats can tell; the launcher sees nothing)
#   pause       SIGSTOP for 75% of FLOC_PEER_TIMEOUT, then SIGCONT: slow but
#               alive, so nobody may be declared lost and the job succeeds
#   segv        it crashes (SIGSEGV): floc-run reports the signal (exit
#               128+11), and no provider's handler leaves a backtrace file
#   exit        it returns from main without floc_finalize: floc-run names
#               it at once (not the heartbeat, not a survivor)
#   floc_abort  it calls floc_abort(ctx, 42, msg): floc-run reports the code
#               and the message and exits 42
# Checks for a loss: floc-run exits non-zero (not by its timeout) within the
# bound, the job's output names the lost locality, every survivor reported
# FLOC_ERR_PEER_LOST (and, for kill/freeze, within the bound of the
# failure), no process of the job and no file (rendezvous dir, /dev/shm)
# is left.  The heartbeat's timeout T is pinned from both sides: a frozen
# locality is lost between 0.85 T and T + 1.5 s after the freeze (so
# that T x 0.5 and T x 1.5 both fail), a pause of 0.75 T is not a loss.  Prints "fault.sh: <action> lost after <ms> ms" (the slowest
# survivor, from the moment of the failure) for perf/fault_times.sh.
run=$1 prog=$2 n=$3 action=${4:-abort}
victim=$((n - 1))
peer_timeout=2          # seconds: FLOC_PEER_TIMEOUT of the job
earliest=""             # ms: no survivor may learn of the loss sooner
event=""                # 1: every survivor must name the launcher's event
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp" "$work/cwd"
fail=0
case $action in
  abort) args="" limit=10000 ;;
  abort-coll) args="coll" limit=10000 ;;
  kill) args="loop 8" limit=3000 ;;          # launcher event: well under a second
  freeze) peer_timeout=4 args="loop 12" limit=$((peer_timeout * 1000 + 1500))
          earliest=$((peer_timeout * 850)) ;;
  pause) peer_timeout=4 args="loop 8" limit=0 ;;
  segv) args="segv" limit=10000 ;;
  # the launcher's event, from the exit: the heartbeat is out of reach
  # (30 s), every survivor must name the event, and it must come within
  # 4 s (1.1 s on an idle machine; 1.8 s seen with CI's other tests running)
  exit) peer_timeout=30 args="exit" limit=4000 event=1 ;;
  floc_abort) peer_timeout=30 args="floc_abort" limit=4000 event=1 ;;
  *) echo "fault.sh: unknown action $action"; exit 2 ;;
esac
. "$(dirname "$0")/fault_lib.sh"

start=$(now_ms)
(cd "$work/cwd" && FLOC_PEER_TIMEOUT=$peer_timeout TMPDIR="$work/tmp" \
  exec timeout -k 5 40 "$run" -n "$n" --timeout 30 --grace 1 "$prog" $args) >"$work/out" 2>&1 &
pid=$!
# the job's localities: children of floc-run, itself the child of timeout(1)
kids=""
for i in $(seq 100); do
  fr=$(pgrep -P "$pid" | head -1)
  [ -n "$fr" ] && kids=$(pgrep -P "$fr" | tr '\n' ' ')
  [ "$(echo $kids | wc -w)" -ge "$n" ] && break
  sleep 0.05
done
echo "fault.sh: localities of the job: $kids"

failed_at=""
case $action in
  kill|freeze|pause)
    # the victim says its pid once it is in the loop
    vpid=""
    for i in $(seq 200); do
      vpid=$(sed -n "s/^locality $victim pid \([0-9]*\)$/\1/p" "$work/out" | head -1)
      [ -n "$vpid" ] && break
      sleep 0.05
    done
    [ -n "$vpid" ] || { echo "FAIL: locality $victim never started its loop"; cat "$work/out"; exit 1; }
    sleep 1   # everyone is busy in allreduces
    failed_at=$(now_ms)
    case $action in
      kill) kill -KILL "$vpid" ;;
      freeze) kill -STOP "$vpid" ;;
      pause) kill -STOP "$vpid"; sleep "$(awk "BEGIN{print $peer_timeout * 0.75}")"; kill -CONT "$vpid" ;;
    esac
    echo "fault.sh: $action of locality $victim (pid $vpid)" ;;
esac

wait $pid
rc=$?
elapsed_ms=$(( $(now_ms) - start ))
cat "$work/out"
echo "fault.sh: floc-run exit $rc after $elapsed_ms ms"
[ "$rc" -ne 124 ] || { echo "FAIL: the job ran into a timeout"; fail=1; }

if [ "$action" = pause ]; then
  # slow but alive: the job must finish as if nothing happened
  [ "$rc" -eq 0 ] || { echo "FAIL: floc-run exited $rc"; fail=1; }
  if grep -q "PEER_LOST\|lost (" "$work/out"; then echo "FAIL: a paused locality was declared lost"; fail=1; fi
  done_n=$(grep -c "^locality [0-9]*: done" "$work/out")
  [ "$done_n" -eq "$n" ] || { echo "FAIL: $done_n of $n localities finished"; fail=1; }
else
  [ "$rc" -ne 0 ] || { echo "FAIL: floc-run exited 0"; fail=1; }
  grep -q "locality $victim\b" "$work/out" || { echo "FAIL: no message naming locality $victim"; fail=1; }
  # and nobody blames a survivor (one that left after learning of the loss)
  blamed=$(sed -n 's/.*: locality \([0-9]*\) lost (.*/\1/p' "$work/out" | grep -vx "$victim" | sort -u)
  [ -z "$blamed" ] || { echo "FAIL: survivor(s) $blamed named as lost"; fail=1; }
  case $action in
    segv)
      grep -q "locality $victim (pid [0-9]*) was killed by signal 11" "$work/out" ||
        { echo "FAIL: floc-run did not report locality $victim's SIGSEGV"; fail=1; }
      [ "$rc" -eq 139 ] || { echo "FAIL: floc-run exited $rc, not 139 (128 + SIGSEGV)"; fail=1; } ;;
    exit)
      grep -q "locality $victim exited without floc_finalize" "$work/out" ||
        { echo "FAIL: floc-run did not name locality $victim as leaving without floc_finalize"; fail=1; }
      if grep -q "job failed: locality [0-9]" "$work/out" &&
         ! grep -q "job failed: locality $victim " "$work/out"; then
        echo "FAIL: floc-run blamed another locality"; fail=1
      fi
      failed_at=$(sed -n "s/^locality $victim leaves at \([0-9]*\).*/\1/p" "$work/out" | head -1) ;;
    floc_abort)
      grep -q "locality $victim called PMIx_Abort(42): the victim gives up" "$work/out" ||
        { echo "FAIL: floc-run did not report floc_abort's code and message"; fail=1; }
      [ "$rc" -eq 42 ] || { echo "FAIL: floc-run exited $rc, not floc_abort's 42"; fail=1; }
      failed_at=$(sed -n "s/^locality $victim leaves at \([0-9]*\).*/\1/p" "$work/out" | head -1) ;;
  esac
  btr=$(ls "$work/cwd")
  [ -z "$btr" ] || { echo "FAIL: files left in the working directory: $btr"; fail=1; }
  if [ -n "$failed_at" ]; then
    # wall-clock time each survivor learnt of the loss, from the failure
    check_loss "$work/out" "$victim" "$failed_at" "$limit" "fault.sh: $action" $earliest || fail=1
    if [ -n "${event:-}" ] && [ "$(grep -c "lost (PMIx event" "$work/out")" -lt "$victim" ]; then
      echo "FAIL: not every survivor learnt of the loss from the launcher's event"; fail=1
    fi
  else
    # aborted from inside: the job's own start is the only clock
    check_loss "$work/out" "$victim" "$start" 1000000 "fault.sh: $action" || fail=1
    [ "$elapsed_ms" -lt "$limit" ] || { echo "FAIL: took $elapsed_ms ms (limit $limit)"; fail=1; }
  fi
fi
if [ "$action" = pause ] && grep -q "mp_fault.c:[0-9]*:" "$work/out"; then
  echo "FAIL: a check failed (above)"; fail=1
fi
[ -n "$kids" ] || { echo "FAIL: could not see the job's localities"; fail=1; }
all_gone $kids || fail=1
left=$(ls "$work/tmp")
[ -z "$left" ] || { echo "FAIL: floc-run left files in TMPDIR: $left"; fail=1; }
# timeout(1) forks floc-run: its pid is the nspace, not $pid; check any leftover of a finished job
shm_all=$(ls /dev/shm 2>/dev/null | grep "^floc\.floc-run-" | while read -r f; do
  p=${f#floc.floc-run-}; p=${p%%.*}; kill -0 "$p" 2>/dev/null || echo "$f"; done)
[ -z "$shm_all" ] || { echo "FAIL: shared memory left: $shm_all"; fail=1; }
[ $fail -eq 0 ] && echo "fault.sh: PASS"
exit $fail
