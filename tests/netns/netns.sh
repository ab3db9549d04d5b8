#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# netns.sh MODE FLOC_RUN PROG [ARGS...] - a floc job across network-namespace
# "hosts" on this machine, over a real network stack (tcp;ofi_rxm on veths).
#
# Layout: one hub namespace with a bridge (10.231.0.254/24), HOSTS (2)
# host namespaces, each with a veth "fl0" (10.231.0.<i+1>) on the bridge.
# floc-run runs in the hub: its PMIx server takes the localities'
# connections on the bridge only (--pmix-iface br0), and starts PER_HOST (2)
# localities on every host through "ip netns exec <host>" (its launch
# agent), with FI_TCP_IFACE=fl0.  Nothing gets an address outside the
# namespaces, which are deleted on exit, also on failure.  Needs root.
#
# MODE
#   run    the job must succeed, every locality print "all checks passed",
#          every host's veth carry the job's traffic (bytes both ways), and
#          floc-run's hosts/node ids/local ranks come out as laid out
#   lossy  run, then run again with LOSS (1) % of the packets arriving at
#          the last host dropped (nftables in its namespace), then again
#          with its link limited to RATE (200mbit, tc tbf): all succeed;
#          prints the times and the slowdown factors
#   rails  PROG is run three times: with the node rail (shm between the
#          localities of a host) and no node segments (FLOC_NODE_COLL_MAX=0),
#          with neither (FLOC_NODE_PROVIDER=none too), and with the node
#          segments but no rail; all must succeed, and the first and the
#          third must each move less than a tenth of the second's bytes over
#          the hosts' loopback (where tcp between two localities of one host
#          goes): the rail carries floc's messages inside a host, the
#          segments the node steps of the hierarchical collectives
#   msgs   PROG (mp_msgpath) is run twice: with the node message path and
#          with it off (FLOC_NODE_P2P=0); both must pass, and with the path
#          the hosts' loopback (where tcp between two localities of one
#          host goes) must carry less than a tenth of the bytes it carries
#          without: the user messages inside a host no longer touch tcp
#   cut    PROG is mp_fault (loop): once every locality is in its loop, the
#          last host's link goes down; every locality must get
#          FLOC_ERR_PEER_LOST within FLOC_PEER_TIMEOUT (2 s) + 2 s, floc-run
#          must exit non-zero, no process or file may be left
set -u
mode=$1 run=$2
shift 2
hosts=${HOSTS:-2} per_host=${PER_HOST:-2}   # PER_HOST: a count, or one per host (1,3)
# MAP_BY: floc-run's --map-by (slot: a host's localities have neighbouring ids)
loss=${LOSS:-1} rate=${RATE:-200mbit}
if [ "$(id -u)" -ne 0 ]; then
  echo "netns.sh: needs root for network namespaces (CI runs as root): skipped"
  exit 77
fi
. "$(dirname "$0")/netns_lib.sh"
. "$(dirname "$0")/../mp/fault_lib.sh"
work=$(mktemp -d) || exit 1
trap 'netns_down; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
host() { netns_host "$1"; }
netns_up "$hosts" || { echo "FAIL: could not make the namespaces"; exit 1; }
# localities, and "rank host" for each: the layout floc-run must make (by
# slot: each host's in turn; MAP_BY=node: one per host in turn)
n=0 want="" round=0
for i in $(seq 0 $((hosts - 1))); do n=$((n + $(netns_per_host "$i" "$per_host"))); done
if [ "${MAP_BY:-slot}" = node ]; then
  r=0
  while [ $r -lt $n ]; do
    for i in $(seq 0 $((hosts - 1))); do
      [ "$(netns_per_host "$i" "$per_host")" -gt $round ] || continue
      want="$want$r $(host "$i")
"; r=$((r + 1))
    done
    round=$((round + 1))
  done
  want=$(printf '%s' "$want" | sort -n)
  want="$want
"
else
  r=0
  for i in $(seq 0 $((hosts - 1))); do
    for j in $(seq "$(netns_per_host "$i" "$per_host")"); do want="$want$r $(host "$i")
"; r=$((r + 1)); done
  done
fi
hub=$netns_hub
hostlist=$(netns_hostlist "$hosts" "$per_host")

# job LOG [floc-run args...]: the job through floc-run in the hub
job() {
  log=$1
  shift
  FLOC_PEER_TIMEOUT=2 TMPDIR="$work" \
    netns_floc_run "$run" "$hosts" "$per_host" --bind none --timeout 180 "$@" >"$log" 2>&1
}
veth_bytes() { # rx+tx bytes of host $1's veth (or of its device $2)
  ip -n "$(host "$1")" -s -j link show "${2:-fl0}" 2>/dev/null |
    sed -n 's/.*"rx":{"bytes":\([0-9]*\).*"tx":{"bytes":\([0-9]*\).*/\1 \2/p' |
    awk '{printf "%.0f\n", $1 + $2}'
}
# timed LOG [args]: the job, its exit status in $rc, its time in $ms
timed() {
  t=$(now_ms)
  job "$@"
  rc=$?
  ms=$(( $(now_ms) - t ))
}
fail=0
passed_all() { # LOG: every locality 0..n-1 passed
  ids=$(sed -n 's/^locality \([0-9]*\): .*all checks passed$/\1/p' "$1" | sort -un | tr '\n' ' ')
  [ "$ids" = "$(seq 0 $((n - 1)) | tr '\n' ' ')" ]
}

# The layout, as floc-run's localities see it: host (namespace), node id, local rank.
NETNS_TIMEOUT=30 netns_floc_run "$run" "$hosts" "$per_host" \
  sh -c 'echo "$PMIX_RANK $(ip netns identify $$)"' >"$work/layout" 2>&1
if [ "$(sort -n "$work/layout")" != "$(printf '%s' "$want")" ]; then
  echo "FAIL: localities ran on the wrong hosts:"; cat "$work/layout"; fail=1
fi

case $mode in
run)
  before=""
  for i in $(seq 0 $((hosts - 1))); do before="$before $(veth_bytes "$i")"; done
  timed "$work/out" "$@"
  cat "$work/out"
  echo "netns.sh: $hosts hosts x $per_host: exit $rc after $ms ms"
  [ $rc -eq 0 ] || { echo "FAIL: floc-run exited $rc"; fail=1; }
  passed_all "$work/out" || { echo "FAIL: not every locality passed"; fail=1; }
  i=0
  for b in $before; do
    moved=$(( $(veth_bytes "$i") - b ))
    echo "netns.sh: host $i's veth carried $moved bytes"
    # the job's own traffic crossed every host's link (not just PMIx's)
    [ "$moved" -gt 100000 ] || { echo "FAIL: host $i's veth carried only $moved bytes"; fail=1; }
    i=$((i + 1))
  done ;;
lossy)
  last=$(host $((hosts - 1)))
  for variant in clean loss rate; do
    case $variant in
      loss) ip netns exec "$last" nft -f - <<EOF || { echo "FAIL: nft"; exit 1; }
table inet floc_loss {
  chain in { type filter hook input priority 0; policy accept; numgen random mod 100 < $loss counter drop; }
}
EOF
        ;;
      rate) ip netns exec "$last" nft delete table inet floc_loss
        tc -n "$last" qdisc add dev fl0 root tbf rate "$rate" burst 256kb latency 50ms ||
          { echo "FAIL: tc"; exit 1; } ;;
    esac
    timed "$work/out.$variant" "$@"
    eval "t_$variant=$ms"
    echo "netns.sh: $variant: exit $rc after $ms ms"
    if [ $variant = loss ]; then
      ip netns exec "$last" nft list table inet floc_loss | grep -o "counter packets [0-9]*" |
        sed "s/^/netns.sh: dropped at $last: /"
    fi
    if [ $rc -ne 0 ] || ! passed_all "$work/out.$variant"; then
      cat "$work/out.$variant"; echo "FAIL: the $variant run failed"; fail=1
    fi
  done
  echo "netns.sh: slowdown with $loss% loss: $(awk "BEGIN{printf \"%.2f\", $t_loss / $t_clean}")x," \
       "with $rate: $(awk "BEGIN{printf \"%.2f\", $t_rate / $t_clean}")x (clean $t_clean ms)" ;;
rails)
  for variant in rail none segments; do
    lo0=$(veth_bytes 0 lo)
    case $variant in
    rail) FLOC_NODE_COLL_MAX=0 job "$work/out.$variant" "$@" ;;
    none) FLOC_NODE_COLL_MAX=0 FLOC_NODE_PROVIDER=none job "$work/out.$variant" "$@" ;;
    segments) FLOC_NODE_PROVIDER=none job "$work/out.$variant" "$@" ;;
    esac
    rc=$?
    eval "lo_$variant=$(( $(veth_bytes 0 lo) - lo0 ))"
    grep -v "^#" "$work/out.$variant" | tail -3
    echo "netns.sh: $variant: exit $rc, host 0's loopback carried $(eval echo \$lo_$variant) bytes"
    [ $rc -eq 0 ] || { cat "$work/out.$variant"; echo "FAIL: the $variant run failed"; fail=1; }
  done
  [ $((lo_rail * 10)) -lt "$lo_none" ] ||
    { echo "FAIL: with the node rail, host 0's loopback still carried $lo_rail bytes (without: $lo_none)"; fail=1; }
  [ $((lo_segments * 10)) -lt "$lo_none" ] ||
    { echo "FAIL: with the node segments, host 0's loopback still carried $lo_segments bytes (without: $lo_none)"; fail=1; } ;;
msgs)
  for variant in path fabric; do
    lo0=$(veth_bytes 0 lo)
    case $variant in
    path) job "$work/out.$variant" "$@" ;;
    fabric) FLOC_NODE_P2P=0 job "$work/out.$variant" "$@" ;;
    esac
    rc=$?
    eval "lo_$variant=$(( $(veth_bytes 0 lo) - lo0 ))"
    echo "netns.sh: $variant: exit $rc, host 0's loopback carried $(eval echo \$lo_$variant) bytes"
    if [ $rc -ne 0 ] || ! passed_all "$work/out.$variant"; then
      cat "$work/out.$variant"; echo "FAIL: the $variant run failed"; fail=1
    fi
  done
  [ $((lo_path * 10)) -lt "$lo_fabric" ] ||
    { echo "FAIL: with the node message path, host 0's loopback still carried $lo_path bytes (without: $lo_fabric)"; fail=1; } ;;
cut)
  last=$((hosts - 1))
  job "$work/out" "$@" &
  jpid=$!
  wait_started "$work/out" "$n"
  cut_at=$(now_ms)
  ip -n "$(host "$last")" link set fl0 down
  echo "netns.sh: cut host $last off"
  wait $jpid
  rc=$?
  cat "$work/out"
  echo "netns.sh: floc-run exit $rc after the cut: $(( $(now_ms) - cut_at )) ms"
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "FAIL: floc-run exited $rc"; fail=1; }
  # every locality is a survivor of the other side's loss
  check_loss "$work/out" "$n" "$cut_at" 4000 "netns.sh: cut" || fail=1
  all_gone $(job_pids "$work/out") || fail=1 ;;
*) echo "netns.sh: unknown mode $mode"; exit 2 ;;
esac
[ -z "$(ls "$work" | grep -v '^out\|^layout')" ] || { echo "FAIL: files left: $(ls "$work")"; fail=1; }
[ $fail -eq 0 ] && echo "netns.sh: PASS"
exit $fail
