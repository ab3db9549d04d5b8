# SPDX-License-Identifier: BSD-3-Clause
# fault_lib.sh - what the fault tests (fault.sh, freeze_mpirun.sh,
# tests/netns/netns.sh cut) check alike, on the output of mp_fault's loop
# mode.  Sourced.

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# loss_delay LOG T0_MS [first]: the latest (first: the earliest)
# wall-clock time (ms) a survivor learnt of the loss, minus T0 (0 when
# none did)
loss_delay() {
  sed -n 's/^survivor [0-9]*: PEER_LOST after [0-9]* ms at \([0-9]*\).*/\1/p' "$1" |
    awk -v t0="$2" -v first="${3:-}" 'BEGIN{m=-1}
      {d=$1-t0; if (m<0 || (first ? d<m : d>m)) m=d} END{print m<0 ? 0 : m}'
}

# check_loss LOG SURVIVORS T0_MS LIMIT_MS LABEL [EARLIEST_MS]: every
# survivor reported FLOC_ERR_PEER_LOST, the last within LIMIT of T0
# (prints "LABEL lost after N ms"), none before EARLIEST (a loss found by
# the heartbeat: not before its timeout), and no check of mp_fault
# failed; 1 (with reasons) if not
check_loss() {
  bad=0
  lost=$(grep -c "PEER_LOST after" "$1")
  [ "$lost" -eq "$2" ] || { echo "FAIL: $lost of $2 survivors saw PEER_LOST"; bad=1; }
  worst=$(loss_delay "$1" "$3")
  echo "$5 lost after $worst ms"
  [ "$worst" -le "$4" ] || { echo "FAIL: survivors learnt of the loss after $worst ms (limit $4)"; bad=1; }
  if [ -n "${6:-}" ]; then
    first=$(loss_delay "$1" "$3" first)
    [ "$first" -ge "$6" ] ||
      { echo "FAIL: a survivor learnt of the loss after $first ms, before the timeout allows ($6)"; bad=1; }
  fi
  if grep -q "mp_fault.c:[0-9]*:" "$1"; then echo "FAIL: a check failed (above)"; bad=1; fi
  return $bad
}

# wait_started LOG N: until N localities printed their pid (mp_fault's
# loop: they are in it), at most 15 s, then a second more for the loop
wait_started() {
  for i in $(seq 300); do
    [ "$(grep -c "^locality [0-9]* pid" "$1" 2>/dev/null)" -ge "$2" ] && break
    sleep 0.05
  done
  sleep 1
}

# job_pids LOG: the pids the localities printed ("locality R pid P")
job_pids() { sed -n 's/^locality [0-9]* pid \([0-9]*\)$/\1/p' "$1" | tr '\n' ' '; }

# all_gone PIDS...: 0 when none of them lives within 4 s (launchers may
# return before their processes are reaped); else names and kills them
all_gone() {
  left="$*"
  for i in $(seq 40); do
    still=""
    for p in $left; do kill -0 "$p" 2>/dev/null && still="$still $p"; done
    left=$still
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  for p in $left; do
    echo "FAIL: locality process $p outlived the job ($(ps -o stat=,args= -p "$p"))"
    kill -KILL "$p" 2>/dev/null
  done
  return 1
}
