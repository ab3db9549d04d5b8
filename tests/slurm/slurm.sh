#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# slurm.sh PROG [ARGS...] - run a floc program under Slurm's srun --mpi=pmix
# with 2, 4 and 8 localities (SRUN_NP overrides), on a private one-node
# cluster started for the run: slurmctld + slurmd on 127.0.0.1 only,
# auth/none, state and logs in a temp dir, daemons stopped and the dir
# removed on exit, also on failure.  Needs root and Debian's slurm-wlm.
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
ctld="" slurmd=""
cleanup() {
  [ -n "$ctld" ] && kill "$ctld" 2>/dev/null
  [ -n "$slurmd" ] && kill "$slurmd" 2>/dev/null
  for i in $(seq 50); do
    { [ -n "$ctld" ] && kill -0 "$ctld" 2>/dev/null; } || { [ -n "$slurmd" ] && kill -0 "$slurmd" 2>/dev/null; } || break
    sleep 0.1
  done
  [ -n "$ctld" ] && kill -KILL "$ctld" 2>/dev/null
  [ -n "$slurmd" ] && kill -KILL "$slurmd" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

node=$(hostname -s)
# ports of this run only (two runs at once do not meet), below the
# kernel's ephemeral range: a port in it may be any outgoing connection's
# at the moment slurmd binds (a CI run failed so, "Address already in use")
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "${lo:-0}" -gt 10500 ] 2>/dev/null || lo=32768
base=$((10000 + $$ % (lo - 10000 - 300)))
mkdir -p "$dir/state" "$dir/spool"
cat >"$SLURM_CONF" <<CONF
ClusterName=floc
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SrunPortRange=$((base + 2))-$((base + 200))
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=8 State=UNKNOWN
PartitionName=floc Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
CONF

# the PMIx plugin's per-step directories in this run's own dir: in /tmp
# (its default) a step of an earlier cluster, whose job ids also started
# at 1, may have left /tmp/spmix_appdir_0_1.0 behind, and the step of the
# same id here then fails to launch ("File exists")
mkdir -p "$dir/pmix"
printf 'PMIxCliTmpDirBase=%s\n' "$dir/pmix" >"$dir/mpi.conf"

slurmctld -D -c -i >"$dir/ctld.out" 2>&1 &
ctld=$!
slurmd -D -c >"$dir/slurmd.out" 2>&1 &
slurmd=$!
ready=0
for i in $(seq 150); do
  state=$(timeout 5 sinfo -h -o %t 2>/dev/null | head -1)
  case $state in idle*|mix*|alloc*) ready=1; break ;; esac
  sleep 0.2
done
if [ $ready -eq 0 ]; then
  echo "slurm.sh: the cluster did not come up (node state '$state')"
  cat "$dir/ctld.out" "$dir/slurmd.out" "$dir/slurmctld.log" "$dir/slurmd.log" 2>/dev/null | tail -40
  exit 1
fi
echo "slurm.sh: cluster up (node $node $state)"

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
[ $fail -eq 0 ] || tail -20 "$dir/slurmd.log"
exit $fail
