#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# footprint.sh [BUILD_DIR] - memory per locality, floc against Open MPI,
# at 2, 8 and (oversubscribed here) 32 localities on this node: each run
# of perf/footprint.c prints resident, private, file-backed and shared
# memory per locality (average / max) after init and one use of every
# path.  FOOTPRINT_SIZES overrides the locality counts.
set -eu
build=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
for n in ${FOOTPRINT_SIZES:-2 8 32}; do
    timeout 300 "$build/floc-run" -n "$n" --timeout 280 "$build/perf/floc_footprint"
    if [ -x "$build/perf/mpi_footprint" ] && command -v mpirun >/dev/null; then
        timeout 300 mpirun --allow-run-as-root --oversubscribe -np "$n" \
            "$build/perf/mpi_footprint" 2>/dev/null ||
            echo "mpi_footprint failed at $n localities"
    fi
done
