#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# check_layers.sh [SRC] - every arrow points down (docs/design.md): a file
# of src/<layer>/ includes only its own layer's headers and those of the
# layers below; the two layers on one floor (node, fabric) do not include
# each other; libfabric's headers appear in src/fabric only, PMIx's in
# src/core only; the programs built on the library (tools, perf,
# examples) use the public header alone.  Prints every wrong include and
# exits 1 if there is one.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-"$top/src"}

# floor of a layer (a path under src/); siblings share a floor
floor() {
    case "$1" in
    core) echo 0 ;;
    node | fabric) echo 1 ;;
    p2p) echo 2 ;;
    coll) echo 3 ;;
    exec | team) echo 4 ;;
    pv) echo 5 ;;
    init.c) echo 9 ;;
    *) echo "check_layers.sh: unknown layer '$1'" >&2; echo 99 ;;
    esac
}

bad=0
complain() {
    echo "layer violation: $1"
    bad=1
}

for f in $(cd "$src" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
    layer=${f%%/*}
    [ "$layer" = "$f" ] && layer=$f   # src/init.c
    mine=$(floor "$layer")
    dir=$(dirname "$f")
    # quoted includes, resolved against the including file's folder
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src/$f"); do
        [ "$inc" = floc.h ] && continue
        target=$(cd "$src/$dir" && realpath -m "$inc")
        case "$target" in
        "$src"/*) rel=${target#"$src"/} ;;
        *) complain "$f includes $inc, outside src/"; continue ;;
        esac
        tlayer=${rel%%/*}
        [ "$tlayer" = "$layer" ] && continue
        theirs=$(floor "$tlayer")
        if [ "$theirs" -ge "$mine" ]; then
            complain "src/$f (${layer}) includes $inc (${tlayer}): not a layer below"
        fi
    done
    if grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*<rdma/' "$src/$f" && [ "$layer" != fabric ]; then
        complain "src/$f includes libfabric headers outside src/fabric"
    fi
    if grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*<pmix' "$src/$f" && [ "$layer" != core ]; then
        complain "src/$f includes PMIx headers outside src/core"
    fi
done

# the programs on top: the public header only
for d in perf examples; do
    [ -d "$top/$d" ] || continue
    for f in $(cd "$top/$d" && find . -name '*.[ch]' | sed 's|^\./||'); do
        if sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$top/$d/$f" |
            grep -q '\.\./src\|^src/\|core/\|coll/\|fabric/'; then
            complain "$d/$f includes floc's internal headers"
        fi
    done
done

if [ "$bad" -eq 0 ]; then
    echo "layers: every include of $(cd "$src" && find . -name '*.[ch]' | wc -l) files points down"
fi
exit "$bad"
