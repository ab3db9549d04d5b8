#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# shm_reap.sh MP_FAULT HELLO [MPIRUN...] - nothing of a killed locality
# outlives it in /dev/shm, whatever launched it: libfabric's shm leaves
# its files ("floc.<job>.<rank>.p<pid>" and ".live") when a locality dies
# before closing its endpoints, and the next floc process on the node
# removes those of dead owners, never a live one's.  Singletons, and
# localities of mpirun (which removes nothing of floc's).
prog=$1 hello=$2
shift 2
work=$(mktemp -d) || exit 1
pids=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$work"' EXIT
fail=0
files_of() { ls /dev/shm | grep -c "\.p$1\(\.live\)\{0,1\}:"; }
wait_files() { # PID: until its files exist (2 s at most)
  for i in $(seq 40); do [ "$(files_of "$1")" -ge 1 ] && return 0; sleep 0.05; done
  echo "FAIL: no shm files of pid $1"; fail=1; return 1
}
holding() { # LOG N: the pids of N localities holding
  for i in $(seq 100); do
    got=$(sed -n 's/^locality [0-9]* pid \([0-9]*\) holding$/\1/p' "$1" | tr '\n' ' ')
    [ "$(echo $got | wc -w)" -ge "$2" ] && { echo "$got"; return 0; }
    sleep 0.1
  done
  echo "$got"
}

"$prog" hold 30 >"$work/live.out" 2>&1 &
live=$!
pids="$pids $live"
"$prog" hold 30 >"$work/dead.out" 2>&1 &
dead=$!
pids="$pids $dead"
wait_files $live
wait_files $dead
kill -9 $dead
wait $dead 2>/dev/null
[ "$(files_of $dead)" -ge 1 ] || echo "note: the killed singleton left nothing to reap"
mpi_dead=""
if [ $# -gt 0 ]; then
  "$@" -np 2 "$prog" hold 30 >"$work/mpi.out" 2>&1 &
  mpirun_pid=$!
  mpi_dead=$(holding "$work/mpi.out" 2)
  for p in $mpi_dead; do wait_files $p; done
  for p in $mpi_dead; do kill -9 $p; done
  wait $mpirun_pid 2>/dev/null
  left=0
  for p in $mpi_dead; do left=$((left + $(files_of $p))); done
  echo "mpirun: $left files left by its killed localities ($mpi_dead)"
fi
# the next floc process on the node reaps the dead ones' files
"$hello" >/dev/null 2>&1 || { echo "FAIL: a singleton did not start"; fail=1; }
for p in $dead $mpi_dead; do
  n=$(files_of $p)
  [ "$n" -eq 0 ] || { echo "FAIL: $n shm files of dead pid $p outlived it"; fail=1; }
done
[ "$(files_of $live)" -ge 1 ] || { echo "FAIL: a live locality's shm files were removed"; fail=1; }
kill $live 2>/dev/null
[ $fail -eq 0 ] && echo "shm_reap.sh: PASS"
exit $fail
