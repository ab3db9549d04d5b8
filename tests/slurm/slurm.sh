#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# slurm.sh PROG [ARGS...] - run a floc program under Slurm's srun --mpi=pmix
# with 2, 4 and 8 localities (SRUN_NP overrides), on a private one-node
# cluster started for the run (slurm_lib.sh): slurmctld + slurmd on
# 127.0.0.1 only, daemons stopped and the dir removed on exit, also on
# failure.  Needs root and Debian's slurm-wlm.  Several nodes: nodes.sh.
set -u
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm.sh: needs root to run slurmctld/slurmd (CI runs as root): skipped"
  exit 77
fi
# Slurm resolves its node's host name: run the cluster under a private
# host name (UTS namespace) that a private /etc/hosts (mount namespace)
# maps to 127.0.0.1, so that no name is ever looked up outside this machine.
if [ -z "${FLOC_SLURM_PRIVATE:-}" ]; then
  hosts=$(mktemp) || exit 1
  printf '127.0.0.1 localhost\n127.0.0.1 flocnode\n' >"$hosts"
  FLOC_SLURM_PRIVATE=$hosts unshare -u -m sh -c \
    'hostname flocnode && mount --bind "$FLOC_SLURM_PRIVATE" /etc/hosts && exec sh "$0" "$@"' \
    "$0" "$@"
  rc=$?
  rm -f "$hosts"
  exit $rc
fi
nps=${SRUN_NP:-"2 4 8"}
dir=$(mktemp -d /tmp/floc-slurm.XXXXXX) || exit 1
# Before any Slurm command: without a config Slurm looks for one over DNS.
export SLURM_CONF="$dir/slurm.conf"
. "$(dirname "$0")/slurm_lib.sh"
pids=""
cleanup() {
  [ -n "$pids" ] && slurm_stop $pids
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

node=$(hostname -s)
slurm_conf "$dir" "$node" 127.0.0.1
mkdir -p "$dir/spool/$node"
cat >>"$SLURM_CONF" <<CONF
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=8 State=UNKNOWN
PartitionName=floc Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
CONF

slurmctld -D -c -i >"$dir/ctld.out" 2>&1 &
pids=$!
slurmd -D -c >"$dir/slurmd.out" 2>&1 &
pids="$pids $!"
slurm_wait_idle 1 || exit 1
echo "slurm.sh: cluster up (node $node idle)"

fail=0
if [ "${SLURM_EXPECT:-pass}" = crash ]; then
  # a crashing locality (PROG crashes itself): srun reports its signal,
  # and nothing is left in the working directory (PSM's handlers would
  # leave a backtrace file there and make the crash an exit(1))
  mkdir "$dir/cwd"
  (cd "$dir/cwd" && exec timeout -k 5 60 srun --mpi=pmix -n 2 --oversubscribe -W 30 \
      --kill-on-bad-exit=1 "$@") >"$dir/out" 2>&1
  rc=$?
  cat "$dir/out"
  echo "slurm.sh: srun of a crashing locality: exit $rc"
  [ $rc -ne 0 ] || { echo "FAIL: srun exited 0"; fail=1; }
  grep -q "Segmentation fault\|signal 11" "$dir/out" || { echo "FAIL: srun did not report the SIGSEGV"; fail=1; }
  left=$(ls "$dir/cwd")
  [ -z "$left" ] || { echo "FAIL: files left in the working directory: $left"; fail=1; }
  exit $fail
fi
for np in $nps; do
  start=$(date +%s%N)
  # -W: the step ends when its first task ends plus this many seconds;
  # the outer timeout bounds a hang of srun itself
  timeout -k 5 200 srun --mpi=pmix -n "$np" --oversubscribe -W 30 --kill-on-bad-exit=1 "$@" \
    >"$dir/out" 2>&1
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  cat "$dir/out"
  echo "slurm.sh: srun -n $np $*: exit $rc after $ms ms"
  [ $rc -eq 0 ] || fail=1
  # one job of np localities, not np singletons: ids 0..np-1 all passed
  ids=$(sed -n 's/^locality \([0-9]*\): .*all checks passed$/\1/p' "$dir/out" | sort -un | tr '\n' ' ')
  want=$(seq 0 $((np - 1)) | tr '\n' ' ')
  [ "$ids" = "$want" ] || { echo "FAIL: localities that passed: '$ids', expected '$want'"; fail=1; }
done
[ $fail -eq 0 ] || tail -20 "$dir/slurmd.$node.log"
exit $fail
