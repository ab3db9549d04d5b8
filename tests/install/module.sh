#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# module.sh BUILD_DIR - install floc into a scratch prefix, then, in a
# shell with Debian's Lmod, `module load floc` from its modulefile and use
# what it puts on the paths: pkg-config, man, floc-run with floc-info,
# the Python package.  The prefix is moved first: the modulefile finds it
# from its own place.
set -eu
build=$(cd "$1" && pwd)
[ -f /etc/profile.d/lmod.sh ] || { echo "module.sh: Lmod is not installed (apt-get install lmod)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/first" > /dev/null
mv "$work/first" "$work/prefix"
test -f "$work/prefix/share/modulefiles/floc/"*
cat > "$work/check.sh" <<'CHECK'
set -eu
. /etc/profile.d/lmod.sh
module use "$PREFIX/share/modulefiles"
module load floc
fail=0
ok() { echo "module.sh: ok: $1"; }
bad() { echo "module.sh: FAILED: $1" >&2; fail=1; }
[ "$FLOC_ROOT" = "$PREFIX" ] && ok "FLOC_ROOT is the prefix" || bad "FLOC_ROOT=$FLOC_ROOT"
case "$(pkg-config --libs floc)" in
    *"-L$PREFIX/lib"*" -lfloc"*) ok "pkg-config --libs floc" ;;
    *) bad "pkg-config --libs floc: $(pkg-config --libs floc)" ;;
esac
case "$(man -w floc_allreduce 2>&1)" in
    "$PREFIX"/*/man3/floc_allreduce.3*) ok "man floc_allreduce" ;;
    *) bad "man -w floc_allreduce: $(man -w floc_allreduce 2>&1)" ;;
esac
MANWIDTH=80 man floc_iallreduce 2>/dev/null | grep -q 'floc_iallreduce(' && ok "man floc_iallreduce" ||
    bad "man floc_iallreduce"
[ "$(command -v floc-run)" = "$PREFIX/bin/floc-run" ] && ok "floc-run on PATH" || bad "floc-run: $(command -v floc-run)"
out=$(floc-run -n 2 floc-info --job)
echo "$out" | grep -q '^locality 1: node 0' && ok "floc-run -n 2 floc-info --job" || bad "floc-info --job: $out"
if [ -d "$PREFIX"/lib/python3*/site-packages/floc ]; then
    where=$(/usr/bin/python3 -c 'import floc; print(floc.__file__)')
    case "$where" in "$PREFIX"/*) ok "import floc" ;; *) bad "import floc: $where" ;; esac
fi
module unload floc
[ -z "${FLOC_ROOT:-}" ] && ok "module unload floc" || bad "FLOC_ROOT still set after unload"
exit $fail
CHECK
env -i HOME="$HOME" USER="$(id -un)" LOGNAME="$(id -un)" PATH=/usr/bin:/bin:/usr/sbin:/sbin PREFIX="$work/prefix" \
    FI_TCP_IFACE="${FI_TCP_IFACE:-lo}" bash "$work/check.sh"
echo "module.sh: PASS"
