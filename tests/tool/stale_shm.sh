#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# stale_shm.sh FLOC_RUN HELLO - a process killed before closing its shm
# endpoint leaves a file in /dev/shm; a later process given the same name
# (its pid reused) must start anyway (it crashed with SIGBUS on such a
# file once).  The exec keeps the pid, so the names are known in advance:
# a singleton's is floc.singleton.<pid>.0.p<pid>, floc-run's job
# floc.floc-run-<pid>.<rank>.p<pid of the locality> (unknown in advance:
# only the singleton's name can be taken before it starts).
run=$1 hello=$2
fail=0
sh -c 'touch /dev/shm/floc.singleton.$$.0.p$$:0:0; exec "$0"' "$hello" >/dev/null 2>&1 ||
  { echo "FAIL: a singleton did not start over a stale shm file"; fail=1; }
out=$(sh -c 'exec "$0" -n 2 --timeout 30 "$1"' "$run" "$hello" 2>&1)
[ $? -eq 0 ] || { echo "$out"; echo "FAIL: a job did not start"; fail=1; }
[ $fail -eq 0 ] && echo "stale_shm.sh: PASS"
exit $fail
