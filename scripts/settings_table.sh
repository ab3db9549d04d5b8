#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# settings_table.sh [BUILD_DIR] - rewrite the README's table of FLOC_*
# variables from the settings table (src/core/config.c), through
# floc-info.  tests/tool/settings_readme.sh checks that it is current.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
table=$(mktemp)
trap 'rm -f "$table"' EXIT
"$build/floc-info" --settings-format markdown > "$table"
awk -v table="$table" '
  /^<!-- settings:begin/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /^<!-- settings:end -->/ { skip = 0 }
  !skip' "$top/README.md" > "$top/README.md.new"
mv "$top/README.md.new" "$top/README.md"
