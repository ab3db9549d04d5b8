#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# check_sizes.sh - no source file over 600 lines in src/, tools/,
# include/ and python/src/: a file that grows past that holds more than one job.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
limit=600
bad=0
for f in $(cd "$top" && find src tools include python/src -name '*.[ch]' | sort); do
    n=$(wc -l < "$top/$f")
    if [ "$n" -gt "$limit" ]; then
        echo "$f: $n lines (limit $limit)"
        bad=1
    fi
done
[ "$bad" -eq 0 ] && echo "sizes: no file in src/, tools/, include/, python/src/ over $limit lines"
exit "$bad"
