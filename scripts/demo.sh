#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh - set up, build, and run a 4-locality job through floc-run:
# every locality reports itself, one-sided puts go around the ring, then a
# distributed vector is summed and a heat equation runs on one, rows and
# columns of a grid of localities sum over their teams, a key-value store
# and a histogram work through remote actions; then the same from Python
# (Debian's python3, the package from the build tree).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
"$top/scripts/build.sh" "$top/build" >/dev/null
export FI_TCP_IFACE=lo
echo "== floc-run -n 4 hello"
"$top/build/floc-run" -n 4 --timeout 60 "$top/build/hello"
echo "== floc-run -n 4 ring"
"$top/build/floc-run" -n 4 --timeout 60 --tag-output "$top/build/ring"
echo "== floc-run -n 4 pv_sum"
"$top/build/floc-run" -n 4 --timeout 60 "$top/build/pv_sum"
echo "== floc-run -n 4 pv_stencil"
"$top/build/floc-run" -n 4 --timeout 60 "$top/build/pv_stencil"
echo "== floc-run -n 4 grid_teams"
"$top/build/floc-run" -n 4 --timeout 60 "$top/build/grid_teams"
echo "== floc-run -n 4 kv_actions"
"$top/build/floc-run" -n 4 --timeout 60 "$top/build/kv_actions"
export PYTHONPATH="$top/build/python${PYTHONPATH:+:$PYTHONPATH}"
echo "== floc-run -n 4 python3 examples/python/spmd_reduce.py"
"$top/build/floc-run" -n 4 --timeout 60 /usr/bin/python3 "$top/examples/python/spmd_reduce.py"
echo "== floc-run -n 4 python3 examples/python/darray_tour.py"
"$top/build/floc-run" -n 4 --timeout 60 /usr/bin/python3 "$top/examples/python/darray_tour.py"
echo "== floc-run -n 4 python3 examples/python/actions.py"
"$top/build/floc-run" -n 4 --timeout 60 /usr/bin/python3 "$top/examples/python/actions.py"
