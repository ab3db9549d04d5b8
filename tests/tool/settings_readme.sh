#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# settings_readme.sh FLOC_INFO README - the README's table of FLOC_*
# variables is the one the settings table writes (scripts/settings_table.sh
# rewrites it), and every variable floc's sources read is in it.
set -eu
info=$1
readme=$2
src=$(dirname "$readme")
want=$(mktemp)
have=$(mktemp)
trap 'rm -f "$want" "$have"' EXIT
"$info" --settings-format markdown > "$want"
sed -n '/^<!-- settings:begin/,/^<!-- settings:end -->/p' "$readme" | sed '1d;$d' > "$have"
if ! diff -u "$have" "$want"; then
    echo "settings_readme: the README's table is not the settings table's: run sh scripts/settings_table.sh" >&2
    exit 1
fi
# every getenv("FLOC_...") of the library, the Python package and the tools
# is a setting (floc-run's own FLOC_RUN_JOB aside: it passes the job to floc)
missing=0
for v in $(grep -rhoE 'getenv\("FLOC_[A-Z_]+"\)' "$src/src" "$src/python/src" "$src/tools" |
           sed 's/getenv("\(.*\)")/\1/' | sort -u); do
    [ "$v" = FLOC_RUN_JOB ] && continue
    if ! "$info" --param "$v" > /dev/null 2>&1; then
        echo "settings_readme: $v is read by floc but is not in the settings table" >&2
        missing=1
    fi
done
[ $missing = 0 ] || exit 1
echo "settings_readme: $(wc -l < "$want") lines, every variable read is declared: PASS"
