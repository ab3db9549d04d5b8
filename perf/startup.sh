#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# startup.sh [-b BUILD] [-n "COUNTS"] [-r RUNS] - start-up and tear-down of
# a whole job, floc against Open MPI: `floc-run -n N floc_startup` beside
# `mpirun -np N mpi_startup` (perf/startup.c: init, then finalize), each
# whole command timed from outside, alternately (A B A B ...: the
# machine's drift hits both), RUNS times each (7) after one unmeasured
# run, and the medians of their wall seconds printed with the ratio.
# COUNTS: the locality counts ("2 8").  docs/scale.md, "Start-up".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build counts="2 8" runs=7
while [ $# -gt 0 ]; do
    case $1 in
    -b) build=$2; shift ;;
    -n) counts=$2; shift ;;
    -r) runs=$2; shift ;;
    *) sed -n '2,/^set -eu/p' "$0" | sed 's/^# \{0,1\}//; /^set -eu/d' >&2; exit 2 ;;
    esac
    shift
done
[ -x "$build/perf/floc_startup" ] || { echo "startup.sh: no $build/perf/floc_startup" >&2; exit 1; }
mpi=0
[ -x "$build/perf/mpi_startup" ] && command -v mpirun >/dev/null && mpi=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# microseconds the command took (it must succeed)
took() {
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "startup.sh: failed: $*" >&2; exit 1; }
    e=$(date +%s%N)
    echo $(((e - s) / 1000))
}
median() { sort -n | awk '{a[NR] = $1} END {print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
floc() { took timeout 120 "$build/floc-run" -n "$1" "$build/perf/floc_startup"; }
ompi() {
    took timeout 120 mpirun --allow-run-as-root --oversubscribe --bind-to none \
        --mca oob_tcp_if_include lo --mca btl self,vader -np "$1" "$build/perf/mpi_startup"
}

echo "# startup.sh: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# localities   floc (s)   Open MPI (s)   ratio   (medians of wall time, whole commands)"
for n in $counts; do
    floc "$n" >/dev/null
    [ "$mpi" = 1 ] && ompi "$n" >/dev/null
    : >"$tmp/f"
    : >"$tmp/m"
    i=0
    while [ "$i" -lt "$runs" ]; do
        floc "$n" >>"$tmp/f"
        [ "$mpi" = 1 ] && ompi "$n" >>"$tmp/m"
        i=$((i + 1))
    done
    f=$(median <"$tmp/f")
    if [ "$mpi" = 1 ]; then
        m=$(median <"$tmp/m")
        awk -v n="$n" -v f="$f" -v m="$m" \
            'BEGIN {printf "%-14s %8.3f %14.3f %7.2f\n", n, f / 1e6, m / 1e6, f / m}'
    else
        awk -v n="$n" -v f="$f" 'BEGIN {printf "%-14s %8.3f %14s %7s\n", n, f / 1e6, "-", "-"}'
    fi
done
