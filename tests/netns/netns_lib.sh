# SPDX-License-Identifier: BSD-3-Clause
# netns_lib.sh - network-namespace "hosts" on this machine; sourced by
# tests/netns/netns.sh and perf/netns_compare.sh.  Needs root.
#
# netns_up HOSTS: one hub namespace with a bridge br0 (10.231.0.254/24) and
# HOSTS host namespaces $(netns_host i), each with a veth "fl0"
# (10.231.0.<i+1>) on the bridge.  Nothing gets an address outside the
# namespaces.  netns_down deletes them all (call it from an EXIT trap).
netns_id="fl$$"
netns_hub="${netns_id}hub"
netns_created=""

netns_host() { echo "${netns_id}h$1"; }
netns_addr() { echo "10.231.0.$(($1 + 1))"; }

netns_down() {
  for ns in $netns_created; do ip netns del "$ns" 2>/dev/null; done
  netns_created=""
}

netns_mk() { ip netns add "$1" && netns_created="$netns_created $1" && ip -n "$1" link set lo up; }

netns_up() {
  netns_mk "$netns_hub" || return 1
  ip -n "$netns_hub" link add br0 type bridge || return 1
  ip -n "$netns_hub" addr add 10.231.0.254/24 dev br0 || return 1
  ip -n "$netns_hub" link set br0 up || return 1
  for i in $(seq 0 $(($1 - 1))); do
    h=$(netns_host "$i")
    netns_mk "$h" || return 1
    ip -n "$netns_hub" link add "v$i" type veth peer name fl0 netns "$h" || return 1
    ip -n "$netns_hub" link set "v$i" master br0 up || return 1
    ip -n "$h" addr add "$(netns_addr "$i")/24" dev fl0 || return 1
    ip -n "$h" link set fl0 up || return 1
  done
}

# netns_per_host I PER_HOST: localities on host I (PER_HOST: one count for
# every host, or a comma-separated count per host)
netns_per_host() {
  case $2 in
  *,*) echo "$2" | cut -d, -f$(($1 + 1)) ;;
  *) echo "$2" ;;
  esac
}

# netns_hostlist HOSTS PER_HOST: floc-run's --host argument
netns_hostlist() {
  l=""
  for i in $(seq 0 $(($1 - 1))); do l="$l${l:+,}$(netns_host "$i"):$(netns_per_host "$i" "$2")"; done
  echo "$l"
}

# netns_floc_run FLOC_RUN HOSTS PER_HOST [floc-run options] PROG [ARGS]:
# floc-run in the hub, localities on the hosts over their veths; killed
# after NETNS_TIMEOUT (200) seconds
netns_floc_run() {
  r=$1 hs=$2 ph=$3
  shift 3
  ip netns exec "$netns_hub" timeout -k 5 "${NETNS_TIMEOUT:-200}" env FI_TCP_IFACE=fl0 \
    "$r" --host "$(netns_hostlist "$hs" "$ph")" --map-by "${MAP_BY:-slot}" \
    --launch-agent "ip netns exec %h" --pmix-iface br0 "$@"
}
