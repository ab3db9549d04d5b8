#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# install.sh BUILD_DIR SOURCE_DIR - install floc into a scratch prefix and
# build examples/hello.c against it twice: with pkg-config and with
# find_package(floc); both programs must run (as singletons).
set -eu
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib*)
test -f "$work/prefix/include/floc.h"
test -f "$libdir/libfloc.a"
test -x "$work/prefix/bin/floc-run"

# the README's way, and the program starts without LD_LIBRARY_PATH (floc.pc's rpath)
cflags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags floc)
case "$cflags" in
  *pmix*|*hwloc*|*fabric*) echo "install.sh: floc.pc's Cflags leak a dependency's: $cflags" >&2; exit 1 ;;
esac
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -o "$work/hello_pc" "$src/examples/hello.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs floc)
env -u PMIX_NAMESPACE -u LD_LIBRARY_PATH "$work/hello_pc" | grep -q "hello from locality 0 of 1"
echo "ok pkg-config (no LD_LIBRARY_PATH, Cflags floc's only)"

cmake -S "$src/tests/install" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DHELLO_SOURCE="$src/examples/hello.c" -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/consumer" >/dev/null
env -u PMIX_NAMESPACE "$work/consumer/hello_pkg" | grep -q "hello from locality 0 of 1"
echo "ok find_package"
