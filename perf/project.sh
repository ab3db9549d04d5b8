#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# project.sh - the collectives at scale, projected: floc's own algorithm
# code run for P virtual localities in a simulated fabric with a cost
# model (tests/sim, docs/scale.md), every fabric algorithm of each
# collective at each size, OSU-style tables, the crossover table (the
# fastest algorithm by size, and the rules' choice beside it) and PNG
# charts (gnuplot, when installed); with --check, the model against times
# measured on this machine.
#
#   sh perf/project.sh [-b BUILD] [-m MODEL] [-k "KINDS"] [-s MIN:MAX]
#                      [-p "P..."] [-n PER_NODE] [-l LIMIT] [-o OUT] [--check]
#
# MODEL: perf/models/MODEL.model or a path (here); KINDS: collectives
# (allreduce bcast); sizes MIN..MAX bytes per locality by factors of 4
# (8:67108864); P: locality counts (2 16 128 1024 16384); PER_NODE:
# localities per node (the model file's); LIMIT: skip a point whose P x
# bytes exceeds it (68719476736: a 16 MiB allreduce at 16,384 takes 85 s
# here, 64 MiB 6 min); OUT: where the .dat files and charts go
# (project-out).  Every algorithm of p steps (ring, scatter-allgather) is
# left out beyond 4096 localities ("-": minutes each).  The same model and
# arguments give the same numbers (the simulation is deterministic).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build model=here kinds="allreduce bcast" range=8:67108864
ps="2 16 128 1024 16384" per_node="" limit=68719476736 out=project-out check=0
while [ $# -gt 0 ]; do
    case $1 in
    -b) build=$2; shift ;;
    -m) model=$2; shift ;;
    -k) kinds=$2; shift ;;
    -s) range=$2; shift ;;
    -p) ps=$2; shift ;;
    -n) per_node=$2; shift ;;
    -l) limit=$2; shift ;;
    -o) out=$2; shift ;;
    --check) check=1 ;;
    *) sed -n '2,/^set -eu/p' "$0" | sed 's/^# \{0,1\}//; /^set -eu/d' >&2; exit 2 ;;
    esac
    shift
done
sim=$build/tests/sim_coll
[ -x "$sim" ] || { echo "project.sh: no $sim (build first: sh scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out"
lo=${range%:*} hi=${range#*:}
start=$(date +%s)

# one row per (kind, P, size): "kind p bytes alg=us ... rules=alg"
raw=$out/projection.txt
: >"$raw"
for kind in $kinds; do
    s=$lo
    while [ "$s" -le "$hi" ]; do
        plist=""
        for p in $ps; do
            [ $((p * s)) -le "$limit" ] && plist="$plist${plist:+,}$p"
        done
        if [ -n "$plist" ]; then
            # shellcheck disable=SC2086
            "$sim" project "$model" "$kind" "$s" "$plist" $per_node | awk -v k="$kind" -v s="$s" '
                /^# P/ { n = NF - 5; for (i = 3; i <= NF - 4; i++) name[i - 1] = $i }
                /^[0-9]/ { line = k " " $1 " " s
                           for (i = 2; i < NF; i++) line = line " " name[i] "=" $i
                           print line " rules=" $NF }' >>"$raw"
        fi
        s=$((s * 4))
    done
done

# OSU-style tables and the .dat files: per kind and P, a row per size
awk -v out="$out" -v model="$model" '
    { kind = $1; p = $2; size = $3; key = kind SUBSEP p
      if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
      rows[key] = rows[key] size "\n"
      for (i = 4; i <= NF; i++) { split($i, kv, "="); v[key, size, kv[1]] = kv[2]
          if (kv[1] != "rules" && !((key, kv[1]) in has)) { has[key, kv[1]] = 1; algs[key] = algs[key] " " kv[1] } } }
    END {
      for (o = 1; o <= nk; o++) {
        key = order[o]; split(key, kp, SUBSEP); na = split(algs[key], an, " ")
        dat = out "/" kp[1] "." kp[2] ".dat"
        printf "\n# projection: %s on %s localities, model %s (us; the rules take)\n", kp[1], kp[2], model
        printf "# %-10s", "size"; for (a = 1; a <= na; a++) printf " %18s", an[a]; printf "  %s\n", "rules"
        printf "# size" > dat; for (a = 1; a <= na; a++) printf " %s", an[a] > dat; printf "\n" > dat
        ns = split(rows[key], sz, "\n")
        for (i = 1; i < ns; i++) {
          s = sz[i]; printf "%-12s", s; printf "%s", s > dat
          for (a = 1; a <= na; a++) { x = v[key, s, an[a]]; printf " %18s", x
                                      printf " %s", (x == "-" || x == "failed" ? "?" : x) > dat }
          printf "  %s\n", v[key, s, "rules"]; printf "\n" > dat
        }
        close(dat)
      }
    }' "$raw" | tee "$out/tables.txt"

# the crossover table: the fastest by size, where it changes, and whether
# the rules take it (with its time against the fastest's)
awk '
    { kind = $1; p = $2; size = $3; best = ""; bt = 0
      for (i = 4; i < NF; i++) { split($i, kv, "="); t[kv[1]] = kv[2]
          if (kv[2] != "-" && kv[2] != "failed" && (best == "" || kv[2] + 0 < bt)) { best = kv[1]; bt = kv[2] + 0 } }
      split($NF, r, "="); rt = (r[2] in t) ? t[r[2]] : "-"
      key = kind " " p
      if (key != last) { printf "\n%s on %s localities:\n", kind, p; prev = ""; last = key }
      if (best != prev) { printf "  from %10s B: %-20s", size, best; prev = best }
      else printf "  %15s B: %-20s", size, "\""
      printf "  rules: %-20s %s\n", r[2], (r[2] == best ? "" : (rt == "-" ? "(not simulated)" : sprintf("(%.2fx the fastest)", rt / bt)))
      delete t }' <<EOF | tee "$out/crossover.txt"
$(sort -k1,1 -k2,2n -k3,3n "$raw")
EOF

if command -v gnuplot >/dev/null 2>&1; then
    for dat in "$out"/*.dat; do
        name=$(basename "$dat" .dat)
        cols=$(head -1 "$dat" | wc -w)
        plot=""
        i=2
        while [ "$i" -lt "$cols" ]; do
            t=$(head -1 "$dat" | awk -v c=$((i + 1)) '{print $c}')
            plot="$plot${plot:+, }\"$dat\" using 1:$i with linespoints title \"$t\""
            i=$((i + 1))
        done
        gnuplot <<GP 2>/dev/null || echo "project.sh: gnuplot failed for $name" >&2
set terminal png size 900,560 noenhanced
set output "$out/$name.png"
set title "$name: projected, model $model (floc's algorithms in the simulated fabric)"
set xlabel "bytes per locality"
set ylabel "time (us)"
set logscale xy
set datafile missing "?"
set key left top
set grid
plot $plot
GP
    done
    # time against P at each size: the rules' choice
    for kind in $kinds; do
        plot=""
        for s in $(awk -v k="$kind" '$1 == k { print $3 }' "$raw" | sort -nu); do
            awk -v k="$kind" -v s="$s" '$1 == k && $3 == s { split($NF, r, "=")
                for (i = 4; i < NF; i++) { split($i, kv, "="); if (kv[1] == r[2]) print $2, kv[2] } }' \
                "$raw" >"$out/$kind.byp.$s.txt"
            plot="$plot${plot:+, }\"$out/$kind.byp.$s.txt\" using 1:2 with linespoints title \"$s B\""
        done
        [ -z "$plot" ] || gnuplot <<GP 2>/dev/null || echo "project.sh: gnuplot failed for $kind by P" >&2
set terminal png size 900,560 noenhanced
set output "$out/$kind.byp.png"
set title "$kind: projected time of the rules' choice against the localities, model $model"
set xlabel "localities"
set ylabel "time (us)"
set logscale xy
set key left top
set grid
plot $plot
GP
    done
    echo "charts: $out/*.png"
else
    echo "project.sh: gnuplot not installed (apt-get install gnuplot-nox): no charts" >&2
fi

if [ $check -eq 1 ]; then
    # the model against this machine: each fabric algorithm forced on 2, 3
    # and 4 localities of this node (3 and 4 are oversubscribed on 2 cores,
    # which the model does not know), floc_coll_bench's median beside the
    # projection with every locality on one node
    echo
    echo "# the model ($model) against floc_coll_bench here (us; error = model / measured - 1)"
    printf "# %-9s %-18s %4s %10s %10s %10s %8s\n" kind algorithm P bytes model measured error
    for kind in $kinds; do
        var=$(echo "$kind" | tr a-z A-Z)
        [ "$kind" = bcast ] && var=BCAST
        for p in 2 3 4; do
            for s in 8 65536 1048576; do
                "$sim" project "$model" "$kind" "$s" "$p" "$p" | awk '/^# P/ { for (i = 3; i <= NF - 4; i++) n[i - 1] = $i }
                    /^[0-9]/ { for (i = 2; i < NF; i++) print n[i], $i }' |
                while read -r alg t; do
                    m=$(env "FLOC_${var}_ALGO=$alg" FLOC_NODE_COLL_MAX=0 FI_TCP_IFACE=lo timeout 120 \
                        "$build/floc-run" -n "$p" --timeout 100 "$build/perf/floc_coll_bench" "$kind" \
                        -m "$s:$s" -i 200 -x 20 2>/dev/null | awk '/^[0-9]/ { print $2 }' | tail -1)
                    [ -n "$m" ] || m="-"
                    printf "%-11s %-18s %4s %10s %10s %10s %8s\n" "$kind" "$alg" "$p" "$s" "$t" "$m" \
                        "$(awk -v a="$t" -v b="$m" 'BEGIN { if (b == "-" || b == 0) print "-"; else printf "%+.0f%%", (a / b - 1) * 100 }')"
                done
            done
        done
    done | tee "$out/check.txt"
fi
echo "project.sh: $(($(date +%s) - start)) s; data in $out"
