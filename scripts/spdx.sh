#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# spdx.sh [--fix] - every source file of the project carries the SPDX line
# of its license (LICENSE): C files as their first line, scripts and CMake
# files right after any #! line.  Lists the files without one (exit 1);
# --fix adds it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tag="SPDX-License-Identifier: BSD-3-Clause"
fix=0
[ "${1:-}" = --fix ] && fix=1
missing=0
cd "$top"
for f in $(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.in' 'CMakeLists.txt' '*/CMakeLists.txt' '*.cmake' 2>/dev/null); do
    head -3 "$f" | grep -q "$tag" && continue
    if [ $fix -eq 0 ]; then
        echo "no SPDX line: $f"
        missing=1
        continue
    fi
    case $f in
    *.c | *.h) line="/* $tag */" ;;
    *) line="# $tag" ;;
    esac
    if head -1 "$f" | grep -q '^#!'; then
        { head -1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$f.spdx"
    else
        { echo "$line"; cat "$f"; } >"$f.spdx"
    fi
    chmod --reference="$f" "$f.spdx"
    mv "$f.spdx" "$f"
done
[ $missing -eq 0 ] && [ $fix -eq 0 ] && echo "spdx: every source file names its license"
exit $missing
