#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tune.sh - sweep every algorithm of each collective over message sizes on
# this machine and print, per size, each algorithm's latency and the
# fastest one: the crossover points behind the thresholds in
# src/coll/select.c.
#
#   perf/tune.sh [-n "2 3 4"] [-m min:max] [-i iters] [COLL ...]
#
# Run from the build directory (needs ./floc-run and perf/floc_coll_bench).
# COLL: allreduce bcast reduce gather scatter allgather alltoall
# reduce_scatter (the ones with a choice).  "shm" is the node segment
# (single-node jobs): beyond its buffers (FLOC_NODE_COLL_MAX, 64 KiB; the
# whole vector for scatter/alltoall/reduce_scatter) that column shows the
# default choice instead.  "shm_pipeline" is its pipelined area (any size,
# single-node jobs; elsewhere the column shows the default choice).
set -eu
counts="2 3 4"
range=8:4194304
iters=200
while getopts n:m:i: opt; do
    case $opt in
    n) counts=$OPTARG ;;
    m) range=$OPTARG ;;
    i) iters=$OPTARG ;;
    *) echo "usage: $0 [-n counts] [-m min:max] [-i iters] [COLL ...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
colls=${*:-"allreduce bcast reduce gather scatter allgather alltoall reduce_scatter"}
export FI_TCP_IFACE=${FI_TCP_IFACE:-lo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

algos() {
    case $1 in
    allreduce) echo recursive_doubling ring rabenseifner shm shm_pipeline ;;
    bcast) echo binomial scatter_allgather shm shm_pipeline ;;
    reduce) echo binomial ring shm shm_pipeline ;;
    gather | scatter) echo direct binomial rma shm ;;
    allgather) echo ring recursive_doubling bruck shm shm_pipeline ;;
    alltoall) echo pairwise shm ;;
    reduce_scatter) echo ring shm ;;
    *) echo "unknown collective $1" >&2; exit 2 ;;
    esac
}

echo "# floc algorithm sweep: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
for coll in $colls; do
    var=FLOC_$(echo "$coll" | tr a-z A-Z)_ALGO
    for n in $counts; do
        files=
        for a in $(algos "$coll"); do
            env "$var=$a" timeout 600 ./floc-run -n "$n" --timeout 580 perf/floc_coll_bench "$coll" \
                -m "$range" -i "$iters" -x $((iters / 10 + 1)) | awk '!/^#/ {print $1, $2}' >"$tmp/$a"
            files="$files $tmp/$a"
        done
        echo
        echo "# $coll, $n localities: latency (us) per algorithm; best last"
        printf '%-10s' size
        for a in $(algos "$coll"); do printf ' %18s' "$a"; done
        printf '  best\n'
        # join the per-algorithm tables on size and name the fastest
        awk -v names="$(algos "$coll")" '
            BEGIN { k = split(names, nm, " ") }
            FNR == 1 { f++ }
            { t[$1, f] = $2; if (f == 1) order[++rows] = $1 }
            END {
                for (i = 1; i <= rows; i++) {
                    s = order[i]; best = 1
                    printf "%-10s", s
                    for (j = 1; j <= k; j++) {
                        printf " %18s", t[s, j]
                        if (t[s, j] + 0 < t[s, best] + 0) best = j
                    }
                    printf "  %s\n", nm[best]
                }
            }' $files
    done
done
