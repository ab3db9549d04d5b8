#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# nodes.sh MODE PROG [ARGS...] - a floc program under srun --mpi=pmix on a
# private Slurm cluster of several nodes on this machine: one slurmd per
# network-namespace host (tests/netns/netns_lib.sh: its own address on a
# bridge and, through a UTS namespace, its own host name), slurmctld and
# srun in the hub namespace on the bridge.  HOSTS (2) nodes, PER_HOST (2)
# localities each (srun -N HOSTS --ntasks-per-node PER_HOST), libfabric
# on the hosts' veths (FI_TCP_IFACE=fl0).  Names resolve through a private
# /etc/hosts (mount namespace); nothing leaves the namespaces, which are
# deleted on exit with the daemons and the run's directory.  FLOC_INFO:
# floc-info (default: PROG's directory's parent).  Needs root.
#
# MODE
#   run   every locality prints "all checks passed", srun exits 0, floc
#         sees HOSTS nodes named as Slurm's, every host's veth carries the
#         job's traffic and a host's loopback next to nothing (the
#         localities of a host talk through shared memory)
#   loss  PROG is mp_fault (loop): once every locality is in its loop, the
#         last host dies (its slurmd, slurmstepd and localities killed):
#         every survivor gets FLOC_ERR_PEER_LOST within FLOC_PEER_TIMEOUT
#         (2 s) + 2 s, srun exits non-zero, no locality is left
set -u
if [ "$(id -u)" -ne 0 ]; then
  echo "nodes.sh: needs root for namespaces and slurmd (CI runs as root): skipped"
  exit 77
fi
mode=$1
shift
hosts=${HOSTS:-2} per_host=${PER_HOST:-2}
n=$((hosts * per_host))
here=$(cd "$(dirname "$0")" && pwd)
# a mount namespace of its own: /etc/hosts for the cluster's names
if [ -z "${FLOC_NODES_PRIVATE:-}" ]; then
  FLOC_NODES_PRIVATE=1 exec unshare -m sh "$0" "$mode" "$@"
fi
. "$here/../netns/netns_lib.sh"
. "$here/../mp/fault_lib.sh"
dir=$(mktemp -d /tmp/floc-nodes.XXXXXX) || exit 1
export SLURM_CONF="$dir/slurm.conf"
. "$here/slurm_lib.sh"
pids=""
cleanup() {
  [ -n "$pids" ] && slurm_stop $pids
  netns_down
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
netns_up "$hosts" || { echo "FAIL: could not make the namespaces"; exit 1; }
hub_name=flochub
node_name() { echo "flochost$1"; }
printf '127.0.0.1 localhost\n10.231.0.254 %s\n' "$hub_name" >"$dir/hosts"
for i in $(seq 0 $((hosts - 1))); do
  printf '%s %s\n' "$(netns_addr "$i")" "$(node_name "$i")" >>"$dir/hosts"
done
mount --bind "$dir/hosts" /etc/hosts || { echo "FAIL: private /etc/hosts"; exit 1; }

slurm_conf "$dir" "$hub_name" 10.231.0.254
for i in $(seq 0 $((hosts - 1))); do
  echo "NodeName=$(node_name "$i") NodeAddr=$(netns_addr "$i") CPUs=$per_host State=UNKNOWN" \
    >>"$SLURM_CONF"
done
echo "PartitionName=floc Nodes=flochost[0-$((hosts - 1))] Default=YES MaxTime=INFINITE State=UP" \
  "OverSubscribe=FORCE" >>"$SLURM_CONF"

# in_hub CMD...: CMD in the hub's network namespace under the hub's name
in_hub() { ip netns exec "$netns_hub" unshare -u sh -c 'hostname "$0" && exec "$@"' "$hub_name" "$@"; }
# (not through in_hub: a function in the background is a subshell, and
# its pid not the daemon's)
ip netns exec "$netns_hub" unshare -u sh -c 'hostname "$0" && exec slurmctld -D -c -i' \
  "$hub_name" >"$dir/ctld.out" 2>&1 &
pids=$!
for i in $(seq 0 $((hosts - 1))); do
  h=$(node_name "$i")
  mkdir -p "$dir/spool/$h" "$dir/pmix.$h"
  # nsenter, not "ip netns exec": that remounts /sys, and slurmd wants
  # the machine's cgroup hierarchy there.  Each host its own name and its
  # own PMIx directory (the stepds of one step would make the same one).
  nsenter --net="/run/netns/$(netns_host "$i")" unshare -u -m sh -c \
    'hostname "$0" && mount --bind "$1" "$2" && exec slurmd -D -c -N "$0"' \
    "$h" "$dir/pmix.$h" "$dir/pmix" >"$dir/slurmd.$h.out" 2>&1 &
  pids="$pids $!"
done
slurm_wait_idle "$hosts" ip netns exec "$netns_hub" || exit 1
echo "nodes.sh: cluster up ($hosts nodes idle)"

# job WAIT CMD...: srun of the job in the hub, output in $dir/out
job() {
  wait_s=$1
  shift
  in_hub env FI_TCP_IFACE=fl0 FLOC_PEER_TIMEOUT=2 timeout -k 5 120 srun --mpi=pmix \
    -N "$hosts" -n "$n" --ntasks-per-node="$per_host" --oversubscribe -W "$wait_s" \
    --kill-on-bad-exit=1 "$@" >"$dir/out" 2>&1
}
dev_bytes() { # rx+tx bytes of host $1's device $2
  ip -n "$(netns_host "$1")" -s -j link show "$2" 2>/dev/null |
    sed -n 's/.*"rx":{"bytes":\([0-9]*\).*"tx":{"bytes":\([0-9]*\).*/\1 \2/p' |
    awk '{printf "%.0f\n", $1 + $2}'
}
fail=0

# what floc sees: HOSTS nodes, Slurm's names, PER_HOST localities on each
job 30 "${FLOC_INFO:-$(dirname "$1")/../floc-info}" --job
want=$(for i in $(seq 0 $((hosts - 1))); do for j in $(seq 0 $((per_host - 1))); do
  echo "node $i ($(node_name "$i")), local rank $j of $per_host"; done; done)
got=$(sed -n 's/^locality [0-9]*: \(node [0-9]* ([^)]*), local rank [0-9]* of [0-9]*\),.*/\1/p' "$dir/out")
if ! grep -q "^$n localities on $hosts nodes" "$dir/out" || [ "$got" != "$want" ]; then
  cat "$dir/out"; echo "FAIL: floc's view of the job is not Slurm's layout"; fail=1
fi

case $mode in
run)
  before="" lo_before=$(dev_bytes 0 lo)
  for i in $(seq 0 $((hosts - 1))); do before="$before $(dev_bytes "$i" fl0)"; done
  t0=$(now_ms)
  job 30 "$@"
  rc=$?
  cat "$dir/out"
  echo "nodes.sh: srun -N $hosts -n $n $*: exit $rc after $(( $(now_ms) - t0 )) ms"
  [ $rc -eq 0 ] || { echo "FAIL: srun exited $rc"; fail=1; }
  ids=$(sed -n 's/^locality \([0-9]*\): .*all checks passed$/\1/p' "$dir/out" | sort -un | tr '\n' ' ')
  [ "$ids" = "$(seq 0 $((n - 1)) | tr '\n' ' ')" ] ||
    { echo "FAIL: localities that passed: '$ids'"; fail=1; }
  i=0 veth0=0
  for b in $before; do
    moved=$(( $(dev_bytes "$i" fl0) - b ))
    [ $i -eq 0 ] && veth0=$moved
    echo "nodes.sh: host $i's veth carried $moved bytes"
    [ "$moved" -gt 100000 ] || { echo "FAIL: host $i's veth carried only $moved bytes"; fail=1; }
    i=$((i + 1))
  done
  lo_moved=$(( $(dev_bytes 0 lo) - lo_before ))
  echo "nodes.sh: host 0's loopback carried $lo_moved bytes"
  # inside a host: shared memory (tcp there would cross the loopback)
  [ $((lo_moved * 10)) -lt "$veth0" ] ||
    { echo "FAIL: host 0's loopback carried $lo_moved bytes (its veth $veth0)"; fail=1; } ;;
loss)
  last=$(netns_host $((hosts - 1)))
  job 5 "$@" &
  jpid=$!
  wait_started "$dir/out" "$n"
  cut_at=$(now_ms)
  ip netns pids "$last" | xargs -r kill -KILL
  echo "nodes.sh: killed host $((hosts - 1)) (slurmd, slurmstepd, localities)"
  wait $jpid
  rc=$?
  cat "$dir/out"
  echo "nodes.sh: srun exit $rc, $(( $(now_ms) - cut_at )) ms after the loss"
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "FAIL: srun exited $rc"; fail=1; }
  check_loss "$dir/out" $((n - per_host)) "$cut_at" 4000 "nodes.sh: host" || fail=1
  all_gone $(job_pids "$dir/out") || fail=1 ;;
*) echo "nodes.sh: unknown mode $mode"; exit 2 ;;
esac
[ $fail -eq 0 ] && echo "nodes.sh: PASS" || tail -n 20 "$dir"/slurmd.*.log
exit $fail
