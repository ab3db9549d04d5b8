#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# netns_compare.sh [-b build-dir] [-r rounds] [-p per-host] [-c coll] [-m min:max]
# - the cross-host target of issue 4: allreduce (double, sum) between two
# network-namespace hosts, one locality each, floc (floc-run, tcp;ofi_rxm
# over the veths) against Open MPI (mpirun with an "ip netns exec" launch
# agent, ob1 + tcp BTL on the same veths), alternating, median of the
# rounds (3) per size.  -p: localities per host (2 or more: floc's
# hierarchical collectives; Open MPI stays on tcp inside a host too: its
# vader BTL crashes here, the namespaces share one hostname and /dev/shm),
# -c: the collective of floc_coll_bench (allreduce), -m: its sizes
# (8:16777216).  FLOC_NODE_COLL_MAX=0 in the environment gives floc's flat
# algorithms.  Needs root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build
rounds=3 per_host=1 coll=allreduce sizes=8:16777216
while getopts b:r:p:c:m: opt; do
  case $opt in
  b) build=$OPTARG ;;
  r) rounds=$OPTARG ;;
  p) per_host=$OPTARG ;;
  c) coll=$OPTARG ;;
  m) sizes=$OPTARG ;;
  *) echo "usage: $0 [-b build-dir] [-r rounds] [-p per-host] [-c coll] [-m min:max]" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "netns_compare.sh: needs root (network namespaces)" >&2; exit 1; }
for f in floc-run perf/floc_coll_bench perf/mpi_coll_bench; do
  [ -x "$build/$f" ] || { echo "netns_compare.sh: $build/$f missing (build with MPI installed)" >&2; exit 1; }
done
. "$here/../tests/netns/netns_lib.sh"
work=$(mktemp -d)
trap 'netns_down; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
netns_up 2 || { echo "netns_compare.sh: could not make the namespaces" >&2; exit 1; }

# Open MPI's rsh agent: "agent HOST command...", HOST an address of a host
cat >"$work/agent" <<AGENT
#!/bin/sh
h=\$1
shift
case \$h in
  $(netns_addr 0)) ns=$(netns_host 0) ;;
  $(netns_addr 1)) ns=$(netns_host 1) ;;
  *) echo "agent: unknown host \$h" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" sh -c "\$*"
AGENT
chmod +x "$work/agent"
net=10.231.0.0/24
args="$coll -m $sizes -i 100 -x 10"
btl=tcp,self

for round in $(seq "$rounds"); do
  NETNS_TIMEOUT=300 netns_floc_run "$build/floc-run" 2 "$per_host" --bind none \
    "$build/perf/floc_coll_bench" $args >"$work/floc.$round" 2>&1 ||
    { cat "$work/floc.$round"; echo "netns_compare.sh: the floc run failed" >&2; exit 1; }
  # addresses, not names: nothing to resolve (no DNS).  mpirun's remote
  # launch through the agent sometimes never starts one daemon: bounded,
  # and tried again
  ok=0
  for attempt in 1 2 3; do
    if ip netns exec "$netns_hub" timeout -k 5 120 mpirun --allow-run-as-root \
      -np $((2 * per_host)) --host "$(netns_addr 0):$per_host,$(netns_addr 1):$per_host" \
      --mca plm_rsh_agent "$work/agent" \
      --mca plm_rsh_no_tree_spawn 1 --mca oob_tcp_if_include $net --mca pml ob1 \
      --mca btl $btl --mca btl_tcp_if_include $net --bind-to none \
      "$build/perf/mpi_coll_bench" $args >"$work/mpi.$round" 2>&1; then ok=1; break; fi
    # nothing left to kill is fine: under set -e a bare failing pkill
    # ended the script without a word
    pkill -f "orted.*$(netns_addr 0)" 2>/dev/null || true
    echo "netns_compare.sh: mpirun attempt $attempt failed" >&2
  done
  [ $ok = 1 ] || { cat "$work/mpi.$round"; echo "netns_compare.sh: the MPI run failed" >&2; exit 1; }
done

echo "# $coll, 2 namespace hosts x $per_host localities, tcp over veths; median of $rounds"
printf "# %-10s %14s %14s %8s\n" "Size" "floc (us)" "Open MPI (us)" "ratio"
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for size in $(awk '!/^#/ {print $1}' "$work/floc.1"); do
  f=$(for r in $(seq "$rounds"); do awk -v s="$size" '$1 == s {print $2}' "$work/floc.$r"; done | median)
  m=$(for r in $(seq "$rounds"); do awk -v s="$size" '$1 == s {print $2}' "$work/mpi.$r"; done | median)
  printf "  %-10s %14s %14s %8s\n" "$size" "$f" "$m" "$(awk "BEGIN{if ($m > 0) printf \"%.2f\", $f / $m}")"
done
[ "$coll" = allreduce ] && [ "$per_host" = 1 ] && grep -q '^1048576 ' "$work/floc.1" || exit 0
f=$(for r in $(seq "$rounds"); do awk '$1 == 1048576 {print $2}' "$work/floc.$r"; done | median)
m=$(for r in $(seq "$rounds"); do awk '$1 == 1048576 {print $2}' "$work/mpi.$r"; done | median)
verdict=$(awk "BEGIN{print ($f <= $m) ? \"met\" : \"NOT met\"}")
echo "target: cross-host allreduce 1 MiB floc/Open MPI <= 1.0: $(awk "BEGIN{printf \"%.2f\", $f / $m}") $verdict"
