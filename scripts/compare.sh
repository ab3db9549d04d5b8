#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# compare.sh - set up, build, and run the floc-vs-MPI comparison
# (perf/compare.sh): tables on stdout, PNG charts and data in
# compare-out/.  About 5 minutes on 2 cores.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
# the charts: gnuplot from Debian (root or sudo)
if ! command -v gnuplot >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gnuplot-nox >/dev/null || echo "compare.sh: no gnuplot: tables only" >&2
fi
"$top/scripts/build.sh" "$top/build" >/dev/null
exec sh "$top/perf/compare.sh" -b "$top/build" -o "${1:-$top/compare-out}"
