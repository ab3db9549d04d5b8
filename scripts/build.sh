#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# build.sh [DIR [cmake args...]] - configure and build floc into DIR (default build/).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$top/build"}
[ $# -gt 0 ] && shift
cmake -S "$top" -B "$dir" -DFLOC_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
