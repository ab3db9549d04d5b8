# SPDX-License-Identifier: BSD-3-Clause
# slurm_lib.sh - a private Slurm cluster for one test run; sourced by
# tests/slurm/slurm.sh (one node on 127.0.0.1) and tests/slurm/nodes.sh
# (one node per network-namespace host).  Needs root and slurm-wlm.
#
# slurm_conf DIR CTLD_NAME CTLD_ADDR: $SLURM_CONF (DIR/slurm.conf) with
# everything but the nodes and the partition, which the caller appends:
# auth/none, no cgroups, state and logs in DIR (per node: %n), ports of
# this run only; and DIR/mpi.conf for the PMIx plugin.
# slurm_wait_idle NODES [CMD...]: until sinfo (run through CMD, e.g. "ip
# netns exec HUB") shows NODES nodes, all idle; 1 (with the logs) if not
# within 30 s.
# slurm_stop PIDS...: TERM, up to 5 s, then KILL.

slurm_conf() {
  dir=$1
  # ports of this run only (two runs at once do not meet), below the
  # kernel's ephemeral range: a port in it may be any outgoing
  # connection's at the moment slurmd binds (a CI run failed so,
  # "Address already in use")
  lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "${lo:-0}" -gt 10500 ] 2>/dev/null || lo=32768
  base=$((10000 + $$ % (lo - 10000 - 300)))
  mkdir -p "$dir/state" "$dir/spool" "$dir/pmix"
  # KillWait, SlurmdTimeout: a lost node ends its step in seconds, not
  # the 30 s and 300 s of the defaults
  cat >"$SLURM_CONF" <<CONF
ClusterName=floc
SlurmctldHost=$2($3)
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
KillWait=2
SlurmdTimeout=5
MessageTimeout=3
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.%n.log
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
CONF
  # the PMIx plugin's per-step directories in this run's own dir: in /tmp
  # (its default) a step of an earlier cluster, whose job ids also started
  # at 1, may have left /tmp/spmix_appdir_0_1.0 behind, and the step of
  # the same id here then fails to launch ("File exists")
  printf 'PMIxCliTmpDirBase=%s\n' "$dir/pmix" >"$dir/mpi.conf"
}

slurm_wait_idle() {
  want=$1
  shift
  state=""
  for i in $(seq 150); do
    state=$("$@" timeout 5 sinfo -h -N -o %t 2>/dev/null | sort | uniq -c | tr -s ' ' | sed 's/^ //')
    case $state in "$want idle"|"$want mix"|"$want alloc") return 0 ;; esac
    sleep 0.2
  done
  echo "slurm: the cluster did not come up (nodes: '$state')"
  tail -n 20 "$dir"/*.out "$dir"/*.log 2>/dev/null
  return 1
}

slurm_stop() {
  kill "$@" 2>/dev/null
  for i in $(seq 50); do
    alive=""
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  kill -KILL $alive 2>/dev/null
}
