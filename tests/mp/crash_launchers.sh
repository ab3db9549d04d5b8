#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# crash_launchers.sh MP_FAULT [MPIRUN...] - a crashing locality dies of its
# signal under every launcher, and nothing is left in its working
# directory: libfabric's PSM libraries would otherwise catch the SIGSEGV,
# write "<prog>.<n>s-<pid>,<host>.btr" there and exit(1).  As a singleton
# (the shell sees signal 11: status 139) and under mpirun (it reports the
# signal).  floc-run is checked by fault.sh segv, srun by slurm.sh.
prog=$1
shift
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
fail=0
unset IPATH_NO_BACKTRACE HFI_NO_BACKTRACE   # what a user's shell has: nothing
(cd "$work" && exec timeout -k 5 30 "$prog" segv) >"$work/../floc-crash.$$.out" 2>&1
rc=$?
echo "singleton: exit $rc"
[ "$rc" -eq 139 ] || { echo "FAIL: a crashing singleton exited $rc, not 139 (SIGSEGV)"; cat "$work/../floc-crash.$$.out"; fail=1; }
rm -f "$work/../floc-crash.$$.out"
left=$(ls "$work")
[ -z "$left" ] || { echo "FAIL: the singleton left $left"; rm -f "$work"/*; fail=1; }
if [ $# -gt 0 ]; then
  (cd "$work" && exec timeout -k 5 60 "$@" -np 2 "$prog" segv) >"$work/../floc-crash.$$.out" 2>&1
  rc=$?
  out=$(cat "$work/../floc-crash.$$.out")
  rm -f "$work/../floc-crash.$$.out"
  echo "mpirun: exit $rc"
  echo "$out" | tail -5
  [ "$rc" -ne 0 ] || { echo "FAIL: mpirun exited 0"; fail=1; }
  echo "$out" | grep -q "signal 11\|Segmentation fault" ||
    { echo "FAIL: mpirun did not report the SIGSEGV"; fail=1; }
  left=$(ls "$work")
  [ -z "$left" ] || { echo "FAIL: the job left $left"; fail=1; }
fi
[ $fail -eq 0 ] && echo "crash_launchers.sh: PASS"
exit $fail
