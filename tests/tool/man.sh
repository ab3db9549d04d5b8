#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# man.sh MANDIR INCLUDEDIR FLOC_INFO - the man pages: one for every FLOC_API
# symbol (a page, or a .so link to its group's page), each rendered by
# man(1) without a warning, found by name through a MANPATH, and floc(7)
# listing every setting.
set -u
mandir=$(cd "$1" && pwd)
include=$2
info=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
command -v man > /dev/null || { echo "man.sh: man(1) is not installed (apt-get install man-db)"; exit 77; }
fail=0
n=0
for sym in $(grep -hoE 'FLOC_API[^;(]*[ *]floc_[a-z0-9_]+\(' "$include"/floc.h "$include"/floc/*.h |
             sed -E 's/.*(floc_[a-z0-9_]+)\($/\1/' | sort -u); do
    n=$((n + 1))
    if [ ! -f "$mandir/man3/$sym.3" ]; then
        echo "man.sh: no page for $sym" >&2
        fail=1
    fi
done
[ $n -ge 100 ] || { echo "man.sh: only $n FLOC_API symbols found in $include" >&2; fail=1; }
cd "$mandir" || exit 1
pages=0
for f in man1/*.1 man3/*.3 man7/*.7; do
    pages=$((pages + 1))
    err=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 > /dev/null)
    lines=$(MANWIDTH=80 man -l "$f" 2>/dev/null | wc -l)
    if [ -n "$err" ] || [ "$lines" -lt 8 ]; then
        echo "man.sh: $f: ${err:-only $lines lines}" >&2
        fail=1
    fi
done
# by name, through the search path, as a user types it
if ! MANPATH="$mandir" MANWIDTH=80 man floc_iallreduce 2>/dev/null | grep -q 'floc_iallreduce(floc_ctx_t'; then
    echo "man.sh: man floc_iallreduce does not show its prototype" >&2
    fail=1
fi
for v in $("$info" --settings-format markdown | sed -n 's/^| `\(FLOC_[A-Z_]*\)`.*/\1/p'); do
    if ! MANWIDTH=200 man -l man7/floc.7 2>/dev/null | grep -q "^ *$v\$"; then
        echo "man.sh: floc(7) does not list $v" >&2
        fail=1
    fi
done
[ $fail = 0 ] && echo "man.sh: $n symbols, $pages pages, no warnings: PASS"
exit $fail
