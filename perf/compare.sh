#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# compare.sh - floc against MPI on this machine: the same OSU-style
# benchmarks, same sizes, same locality counts, floc and MPI runs
# alternating (-r rounds, median per size), printed as one table per
# benchmark (size, floc, MPI, time ratio floc/MPI: lower is better for
# floc; for bandwidths the ratio of times is MPI's bandwidth over floc's),
# then the speed targets of issue 4, and drawn as PNG charts (gnuplot).
#
#   perf/compare.sh [-b build-dir] [-o out-dir] [-r rounds] [-q]
#
# -q: fewer sizes and iterations (a smoke run of the script itself).
# Needs: build-dir/floc-run, build-dir/perf/{floc,mpi}_*, mpirun; gnuplot
# for the charts (skipped with a note when missing); fi_pingpong for the
# put-latency baseline.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build
out=$PWD/compare-out
rounds=3
quick=0
while getopts b:o:r:q opt; do
    case $opt in
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    r) rounds=$OPTARG ;;
    q) quick=1 ;;
    *) echo "usage: $0 [-b build-dir] [-o out-dir] [-r rounds] [-q]" >&2; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
export FI_TCP_IFACE=${FI_TCP_IFACE:-lo}
MPIRUN="mpirun --allow-run-as-root --oversubscribe --bind-to none --mca oob_tcp_if_include lo --mca btl_tcp_if_include lo"
for f in floc-run perf/floc_latency perf/mpi_latency perf/floc_coll_bench perf/mpi_coll_bench; do
    [ -x "$build/$f" ] || { echo "compare.sh: $build/$f missing (build with MPI installed)" >&2; exit 1; }
done
raw=$out/raw.txt
: > "$raw"

# name  program  localities  unit(lat|bw|ovl)  arguments
if [ "$quick" = 1 ]; then
    BIG=65536 IT=200 ITC=100
else
    BIG=4194304 IT=2000 ITC=500
fi
benches() {
cat <<LIST
latency        latency        2 lat -m 1:$BIG -i $IT -x 200
bw             bw             2 bw  -m 1:$BIG -i $IT -x 100
bibw           bibw           2 bw  -m 1:$BIG -i $IT -x 100
put_latency    put_latency    2 lat -m 1:$BIG -i $IT -x 200
get_latency    get_latency    2 lat -m 1:$BIG -i $IT -x 200
put_bw         put_bw         2 bw  -m 1:$BIG -i $IT -x 100
get_bw         get_bw         2 bw  -m 1:$BIG -i $IT -x 100
fadd_latency   fadd_latency   2 lat -i $IT -x 200
barrier.2      coll_bench     2 lat barrier -i $((ITC * 10)) -x 100
barrier.4      coll_bench     4 lat barrier -i $((ITC * 4)) -x 100
allreduce.2    coll_bench     2 lat allreduce -m 8:$((BIG * 4)) -i $ITC -x 50
allreduce.4    coll_bench     4 lat allreduce -m 8:$((BIG / 4)) -i $((ITC / 2)) -x 20
bcast.2        coll_bench     2 lat bcast -m 8:$((BIG * 4)) -i $ITC -x 50
bcast.4        coll_bench     4 lat bcast -m 8:$((BIG / 4)) -i $((ITC / 2)) -x 20
reduce.2       coll_bench     2 lat reduce -m 8:$BIG -i $ITC -x 50
allgather.2    coll_bench     2 lat allgather -m 8:$BIG -i $ITC -x 50
alltoall.2     coll_bench     2 lat alltoall -m 8:$BIG -i $ITC -x 50
gather.2       coll_bench     2 lat gather -m 8:$BIG -i $ITC -x 50
scatter.2      coll_bench     2 lat scatter -m 8:$BIG -i $ITC -x 50
reduce_scatter.2 coll_bench   2 lat reduce_scatter -m 8:$BIG -i $ITC -x 50
iallreduce.2   overlap_bench  2 ovl -m 8:$BIG -i $((ITC / 2)) -x 10
py_allreduce.2 py             2 lat allreduce -m 8:$((BIG * 4)) -i $((ITC * 4)) -x 100
py_allreduce.4 py             4 lat allreduce -m 8:$((BIG * 4)) -i $((ITC * 2)) -x 50
py_bcast.2     py             2 lat bcast -m 8:$((BIG * 4)) -i $((ITC * 4)) -x 100
py_bcast.4     py             4 lat bcast -m 8:$((BIG * 4)) -i $((ITC * 2)) -x 50
py_bcast_nocheck.2 py_nocheck 2 lat bcast -m 8:65536 -i $((ITC * 4)) -x 100
py_bcast_nocheck.4 py_nocheck 4 lat bcast -m 8:65536 -i $((ITC * 2)) -x 50
py_allreduce_alloc.2 py       2 lat allreduce_alloc -m 8:65536 -i $((ITC * 4)) -x 100
py_latency.2   py             2 lat latency -m 8:$BIG -i $((ITC * 4)) -x 100
action_rtt     action_bench   2 lat rtt -m 0:64 -i $((IT * 5)) -x 200
action_rate    action_bench   2 rate rate -i $((IT * 5))
action_bw      action_bench   2 bw  bw -m 8192:$BIG -i 200 -x 10
action_rtt_tcp action_tcp     2 lat rtt -m 0:64 -i $IT -x 2000
LIST
}

# the Python benchmarks: Debian's interpreter (numpy, mpi4py), the package
# from the build tree
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}"

# run LIB PROGRAM N ARGS...: the benchmark's data lines on stdout
run() {
    lib=$1 prog=$2 n=$3
    shift 3
    if [ "$prog" = py ] || [ "$prog" = py_nocheck ]; then
        # py_nocheck: floc without its comparison of the localities' calls
        # (FLOC_PY_CHECKS=0; mpi4py has none)
        checks=1
        [ "$prog" = py_nocheck ] && checks=0
        if [ "$lib" = floc ]; then
            FLOC_PY_CHECKS=$checks timeout 300 "$build/floc-run" -n "$n" --timeout 280 "$PY" \
                "$here/py_coll_bench.py" floc "$@"
        else
            # shellcheck disable=SC2086
            timeout 300 $MPIRUN -np "$n" "$PY" "$here/py_coll_bench.py" mpi4py "$@" 2>/dev/null
        fi
        return
    fi
    if [ "$prog" = action_tcp ]; then   # both over TCP on loopback
        if [ "$lib" = floc ]; then
            FLOC_PROVIDER="tcp;ofi_rxm" FLOC_NODE_P2P=0 timeout 300 "$build/floc-run" -n "$n" --timeout 280 \
                "$build/perf/floc_action_bench" "$@"
        else
            # shellcheck disable=SC2086
            timeout 300 $MPIRUN --mca pml ob1 --mca btl tcp,self -np "$n" \
                "$build/perf/mpi_action_bench" "$@" 2>/dev/null
        fi
        return
    fi
    if [ "$lib" = floc ]; then
        timeout 300 "$build/floc-run" -n "$n" --timeout 280 "$build/perf/floc_$prog" "$@"
    else
        # shellcheck disable=SC2086
        timeout 300 $MPIRUN -np "$n" "$build/perf/mpi_$prog" "$@" 2>/dev/null
    fi
}

start=$(date +%s)
echo "# compare.sh: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds, $(date -u +%Y-%m-%dT%H:%MZ)"
benches | while read -r name prog n unit args; do
    r=1
    while [ "$r" -le "$rounds" ]; do
        for lib in floc mpi; do
            # shellcheck disable=SC2086
            if ! run "$lib" "$prog" "$n" $args > "$out/last.txt" < /dev/null; then
                echo "compare.sh: $lib $name failed (round $r)" >&2
                continue
            fi
            # size and value (overlap: pure comm time and overlap %)
            awk -v b="$name" -v l="$lib" -v u="$unit" '/^[0-9]/ {
                if (u == "ovl") print b, l, $1, $4, $5; else print b, l, $1, $2 }' \
                "$out/last.txt" >> "$raw"
        done
        r=$((r + 1))
    done
done

# put-latency baseline: libfabric alone, the same provider
fipp=""
if command -v fi_pingpong >/dev/null 2>&1; then
    timeout 60 fi_pingpong -p shm -e rdm -S 8 -I 20000 > "$out/fi_server.txt" 2>&1 &
    sleep 1
    fipp=$(timeout 60 fi_pingpong -p shm -e rdm -S 8 -I 20000 127.0.0.1 2>/dev/null |
           awk '$1 == "8" {print $NF; exit}' || true)
    # the last column is usec/xfer
    wait 2>/dev/null || true
fi
# the floor of an action over TCP: libfabric's own round trip on
# tcp;ofi_rxm (2 x usec/xfer, 8 bytes), beside the MPI RPC over Open MPI's
# tcp BTL (action_rtt_tcp)
fitcp=""
if command -v fi_pingpong >/dev/null 2>&1; then
    timeout 60 fi_pingpong -p "tcp;ofi_rxm" -e rdm -S 8 -I 50000 -B 9339 > "$out/fi_server_tcp.txt" 2>&1 &
    sleep 1
    fitcp=$(timeout 60 fi_pingpong -p "tcp;ofi_rxm" -e rdm -S 8 -I 50000 -P 9339 127.0.0.1 2>/dev/null |
            awk '$1 == "8" {print 2 * $(NF - 1); exit}' || true)
    wait 2>/dev/null || true
fi

# DistributedArray.sum() of 10^8 doubles against numpy's sum of the local
# part plus one all_reduce (floc only: the ratio of the two medians)
dsum=$(timeout 300 "$build/floc-run" -n 2 --timeout 280 "$PY" "$here/py_darray_bench.py" \
       -n $([ "$quick" = 1 ] && echo 10000000 || echo 100000000) -r 5 2>/dev/null |
       awk '/^ratio/ {print $2}' || true)

# an action on oneself (floc only: a direct call)
aself=$(timeout 120 "$build/floc-run" -n 2 --timeout 100 "$build/perf/floc_action_bench" self \
        -i 200000 2>/dev/null | awk '/^[0-9]/ {print $2; exit}' || true)

# medians per (benchmark, library, size); tables; data files for gnuplot
awk -v out="$out" -v fipp="$fipp" -v fitcp="$fitcp" -v dsum="$dsum" -v aself="$aself" '
function median(s,   n, a, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    key = $1 SUBSEP $2 SUBSEP $3
    v[key] = v[key] " " $4
    if (NF > 4) o[key] = o[key] " " $5
    if (!(($1, $3) in seen)) { seen[$1, $3] = 1; sizes[$1] = sizes[$1] " " $3 }
    if (!($1 in order)) { order[$1] = ++nb; names[nb] = $1 }
}
END {
    for (b = 1; b <= nb; b++) {
        name = names[b]
        bw = name ~ /(bw|rate)$/; ovl = name ~ /^iallreduce/
        unit = name ~ /rate$/ ? "actions/s" : bw ? "MB/s" : "us"
        printf "\n## %s (%s)\n", name, ovl ? "pure comm. us; overlap %" : unit
        if (ovl) printf "%-10s %12s %12s %8s %10s %10s\n", "size", "floc", "MPI", "ratio", "floc ovl%", "MPI ovl%"
        else printf "%-10s %12s %12s %8s\n", "size", "floc", "MPI", "ratio"
        dat = out "/" name ".dat"
        print "# size floc MPI" > dat
        n = split(sizes[name], sz, " ")
        for (i = 1; i <= n; i++) {
            s = sz[i]
            f = ((name, "floc", s) in v) ? median(v[name, "floc", s]) : ""
            m = ((name, "mpi", s) in v) ? median(v[name, "mpi", s]) : ""
            ratio = (f != "" && m != "" && f + 0 > 0 && m + 0 > 0) ? (bw ? m / f : f / m) : 0
            res[name, s] = ratio
            if (ovl)
                printf "%-10s %12.2f %12.2f %8.2f %10.1f %10.1f\n", s, f, m, ratio,
                       median(o[name, "floc", s]), median(o[name, "mpi", s])
            else
                printf "%-10s %12.2f %12.2f %8.2f\n", s, f, m, ratio
            fs = f == "" ? "NaN" : f
            ms = m == "" ? "NaN" : m
            print s, fs, ms > dat
            val[name, "floc", s] = f; val[name, "mpi", s] = m
        }
        close(dat)
    }
    print "\n## speed targets (time ratio floc/MPI, lower is better)"
    t("allreduce.2", 8, 1.0, "allreduce 8 B"); t("allreduce.2", 65536, 1.0, "allreduce 64 KiB")
    t("allreduce.2", 1048576, 0.7, "allreduce 1 MiB"); t("allreduce.2", 16777216, 0.7, "allreduce 16 MiB")
    t("bcast.2", 8, 1.0, "broadcast 8 B"); t("bcast.2", 1048576, 0.8, "broadcast 1 MiB")
    t("barrier.2", 0, 1.0, "barrier, 2 localities"); t("barrier.4", 0, 1.0, "barrier, 4 localities")
    t("allreduce.4", 8, 1.0, "allreduce 8 B, 4 localities"); t("allreduce.4", 1048576, 1.0, "allreduce 1 MiB, 4 localities")
    print "\n## Python targets (the floc package vs mpi4py over Open MPI, time ratio)"
    worst("py_allreduce.2", 1.0, "py all_reduce, 2, every size"); worst("py_allreduce.4", 1.0, "py all_reduce, 4, every size")
    worst("py_bcast.2", 1.0, "py broadcast, 2, every size"); worst("py_bcast.4", 1.0, "py broadcast, 4, every size")
    worst("py_bcast_nocheck.2", 1.0, "py broadcast, checks off, 2"); worst("py_bcast_nocheck.4", 1.0, "py broadcast, checks off, 4")
    worst("py_latency.2", 1.0, "py send/recv latency, every size")
    t("py_allreduce.2", 8, 0.7, "py all_reduce 8 B, 2"); t("py_allreduce.4", 8, 0.7, "py all_reduce 8 B, 4")
    if (("py_allreduce.2", "floc", 8) in val && ("allreduce.2", "floc", 8) in val) {
        d = val["py_allreduce.2", "floc", 8] - val["allreduce.2", "floc", 8]
        printf "%-34s %8.2f  (us over the C call; target <= 1.00)  %s\n", "py all_reduce 8 B overhead", d, (d <= 1.0 ? "met" : "NOT met")
    }
    if (dsum != "")
        printf "%-34s %8.2f  (target <= 1.20)  %s\n", "darray.sum / np.sum+all_reduce", dsum, (dsum <= 1.2 ? "met" : "NOT met")
    if (fipp != "" && ("put_latency", "floc", 8) in val)
        printf "%-34s %8.2f  (target <= 1.20: floc %.2f us, fi_pingpong %.2f us/xfer)  %s\n", "put latency 8 B / fi_pingpong",
               val["put_latency", "floc", 8] / fipp, val["put_latency", "floc", 8], fipp,
               (val["put_latency", "floc", 8] / fipp <= 1.2 ? "met" : "NOT met")
    if (("put_bw", "floc", 4194304) in val && ("bw", "mpi", 4194304) in val) {
        q = val["put_bw", "floc", 4194304] / val["bw", "mpi", 4194304]
        printf "%-34s %8.2f  (target >= 0.90: floc put %.0f MB/s, MPI send %.0f MB/s)  %s\n",
               "put bw 4 MiB / MPI p2p bw 4 MiB", q, val["put_bw", "floc", 4194304], val["bw", "mpi", 4194304], (q >= 0.9 ? "met" : "NOT met")
    }
    actions()
}
function actions(   r, q) {
    print "\n## remote actions (2 localities; the MPI reference: an RPC by MPI_Send/MPI_Recv)"
    t("action_rtt", 0, 1.0, "action round trip / MPI RPC")
    if (("action_rtt", "floc", 0) in val)
        printf "%-34s %8.2f  (us; target <= 1.50)  %s\n", "action round trip, null", val["action_rtt", "floc", 0], (val["action_rtt", "floc", 0] <= 1.5 ? "met" : "NOT met")
    for (k in val) { split(k, w, SUBSEP); if (w[1] == "action_rate" && w[2] == "floc") r = val[k] }
    if (r != "")
        printf "%-34s %8.2f  (M actions/s; target >= 5.00)  %s\n", "one-way action rate", r / 1e6, (r >= 5e6 ? "met" : "NOT met")
    if (aself != "")
        printf "%-34s %8.2f  (us; target <= 0.20)  %s\n", "action on oneself", aself, (aself <= 0.2 ? "met" : "NOT met")
    if (("action_bw", "floc", 4194304) in val && ("get_bw", "floc", 4194304) in val) {
        q = val["action_bw", "floc", 4194304] / val["get_bw", "floc", 4194304]
        printf "%-34s %8.2f  (target >= 0.90: %.0f MB/s, floc_get %.0f MB/s)  %s\n", "4 MiB args / floc_get bw (mem_alloc)", q,
               val["action_bw", "floc", 4194304], val["get_bw", "floc", 4194304], (q >= 0.9 ? "met" : "NOT met")
    }
    t("action_rtt_tcp", 0, 1.0, "action round trip, tcp / MPI tcp")
    if (fitcp != "" && ("action_rtt_tcp", "mpi", 0) in val) {
        printf "%-34s %8.2f  (the provider floor: fi_pingpong tcp;ofi_rxm %.2f us round trip, MPI RPC %.2f)\n",
               "  fi_pingpong tcp / MPI tcp", fitcp / val["action_rtt_tcp", "mpi", 0], fitcp, val["action_rtt_tcp", "mpi", 0]
        printf "%-34s %8.2f  (floc actions over that floor)\n", "  action tcp / fi_pingpong tcp",
               val["action_rtt_tcp", "floc", 0] / fitcp
    }
}
function worst(name, target, label,   k, m, w) {
    m = 0
    for (k in res) { split(k, w, SUBSEP); if (w[1] == name && res[k] > m) { m = res[k]; ws = w[2] } }
    if (m == 0) { printf "%-34s      n/a\n", label; return }
    printf "%-34s %8.2f  (the worst size, %s B; target <= %.2f)  %s\n", label, m, ws, target, (m <= target ? "met" : "NOT met")
}
function t(name, s, target, label) {
    if (!((name, s) in res) || res[name, s] == 0) { printf "%-34s      n/a\n", label; return }
    printf "%-34s %8.2f  (target <= %.2f)  %s\n", label, res[name, s], target, (res[name, s] <= target ? "met" : "NOT met")
}' "$raw" | tee "$out/table.txt"

# charts
if command -v gnuplot >/dev/null 2>&1; then
    for dat in "$out"/*.dat; do
        [ -f "$dat" ] || continue
        name=$(basename "$dat" .dat)
        case $name in
        *bw) ylabel="bandwidth (MB/s)"; ylog="" ;;
        barrier*) continue ;;
        iallreduce*) ylabel="pure communication (us)"; ylog="set logscale y" ;;
        *) ylabel="latency (us)"; ylog="set logscale y" ;;
        esac
        gnuplot <<GP 2>/dev/null || echo "compare.sh: gnuplot failed for $name" >&2
set terminal png size 900,560
set output "$out/$name.png"
set title "$name: floc vs MPI ($(nproc) cores)"
set xlabel "message size (bytes)"
set ylabel "$ylabel"
set logscale x 2
$ylog
set key left top
set grid
plot "$dat" using 1:2 with linespoints title "floc", "$dat" using 1:3 with linespoints title "Open MPI"
GP
    done
    echo "charts: $out/*.png"
else
    echo "compare.sh: gnuplot not installed (apt-get install gnuplot-nox): no charts" >&2
fi
echo "raw data: $raw; took $(( $(date +%s) - start )) s"
