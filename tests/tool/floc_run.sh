#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# floc_run.sh FLOC_RUN - the launcher's own contract: usage errors, exit
# status propagation, --timeout, signals, output tagging, no leftovers.
run=$1
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp"
export TMPDIR="$work/tmp"
fail=0
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}

"$run" >/dev/null 2>&1; check "no arguments -> 2" 2 $?
"$run" -n 0 true >/dev/null 2>&1; check "-n 0 -> 2" 2 $?
"$run" -n 2 >/dev/null 2>&1; check "no program -> 2" 2 $?
"$run" -n 2 --bind nowhere true >/dev/null 2>&1; check "bad --bind -> 2" 2 $?
"$run" -n 2 --timeout soon true >/dev/null 2>&1; check "bad --timeout -> 2" 2 $?
"$run" --help >/dev/null 2>&1; check "--help -> 0" 0 $?
"$run" -n 5 --host a:2,b:2 true >/dev/null 2>&1; check "-n beyond --host slots -> 2" 2 $?
"$run" --host 'a b:2' true >/dev/null 2>&1; check "bad host name -> 2" 2 $?
"$run" --host a:0 true >/dev/null 2>&1; check "zero slots -> 2" 2 $?
"$run" --host a,a true >/dev/null 2>&1; check "host named twice -> 2" 2 $?
"$run" -n 2 --launch-agent "env" true >/dev/null 2>&1; check "--launch-agent without --host -> 2" 2 $?
"$run" -n 2 --pmix-iface 'a b' true >/dev/null 2>&1; check "bad --pmix-iface -> 2" 2 $?
"$run" -n 2 --map-by core true >/dev/null 2>&1; check "bad --map-by -> 2" 2 $?

# --host fills hosts in order; the agent runs each locality, %h = its host
out=$("$run" --host a:1,b:2 --launch-agent "env FLOC_TEST_HOST=%h" \
      sh -c 'echo $PMIX_RANK $FLOC_TEST_HOST' | sort | tr '\n' ' ')
check "--host layout through the agent" "0 a 1 b 2 b " "$out"
# --map-by node: one per host in turn, full hosts skipped
out=$("$run" --host a:2,b:3 --map-by node --launch-agent "env FLOC_TEST_HOST=%h" \
      sh -c 'echo $PMIX_RANK $FLOC_TEST_HOST' | sort | tr '\n' ' ')
check "--map-by node layout" "0 a 1 b 2 a 3 b 4 b " "$out"
out=$("$run" -n 2 --host a:1,b:2 sh -c 'echo $PMIX_RANK' | sort | tr '\n' ' ')
check "-n below the slots" "0 1 " "$out"

"$run" -n 3 true; check "all succeed -> 0" 0 $?
"$run" -n 3 sh -c 'exit $PMIX_RANK' 2>"$work/err"; check "worst exit code" 2 $?
grep -q "locality [12] " "$work/err"; check "failure names a locality" 0 $?
"$run" -n 2 sh -c 'kill -9 $$' 2>"$work/err"; check "killed child -> 128+9" 137 $?
grep -q "signal 9" "$work/err"; check "message names the signal" 0 $?
"$run" -n 1 /nonexistent/program 2>"$work/err"; check "missing program -> 127" 127 $?

out=$("$run" -n 2 -t sh -c 'echo hello from $PMIX_RANK' | sort)
check "tagged output" "[0] hello from 0
[1] hello from 1" "$out"
n=$("$run" -n 4 sh -c 'echo $PMIX_RANK' | sort | tr '\n' ' ')
check "every rank runs once" "0 1 2 3 " "$n"

start=$(date +%s)
"$run" -n 2 --timeout 1 sleep 30 2>/dev/null; rc=$?
elapsed=$(( $(date +%s) - start ))
check "--timeout -> 124" 124 $rc
[ $elapsed -le 6 ] || { echo "FAIL --timeout took ${elapsed}s"; fail=1; }

"$run" -n 2 sleep 30 2>/dev/null &
pid=$!
sleep 1
kids=$(ps -eo pid=,ppid= | awk -v p=$pid '$2 == p {print $1}')
check "two localities running" 2 "$(echo $kids | wc -w)"
kill -INT $pid
wait $pid; check "SIGINT -> 130" 130 $?
# floc-run reaps its localities before it exits: none may be left
left=""
for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
check "no orphans after SIGINT" "" "$left"

# -t in time linear in a line's length, every byte (NULs too) forwarded
start=$(date +%s)
bytes=$("$run" -n 1 -t sh -c 'head -c 50000000 /dev/zero; printf "a\0b\n"' | wc -c)
elapsed=$(( $(date +%s) - start ))
check "-t forwards a 50 MB line whole, NULs included" 50000008 "$bytes"
[ $elapsed -le 5 ] || { echo "FAIL -t took ${elapsed}s for a 50 MB line"; fail=1; }
out=$("$run" -n 1 -t printf 'x\0y\nz' | od -An -c | tr -s ' ' | tr -d '\n')
check "-t keeps bytes after a NUL" " [ 0 ] x \0 y \n [ 0 ] z \n" "$out"

# a locality stopped for good while the others ended: ended after --grace
start=$(date +%s)
"$run" -n 2 --grace 1 sh -c '[ "$PMIX_RANK" = 1 ] && kill -STOP $$; exit 0' 2>"$work/err"
rc=$?
elapsed=$(( $(date +%s) - start ))
check "a stopped locality alone -> killed, 137" 137 $rc
[ $elapsed -le 6 ] || { echo "FAIL a stopped locality kept floc-run ${elapsed}s"; fail=1; }
grep -q "locality 1 .*stopped" "$work/err"; check "the stopped locality is named" 0 $?

# a detached process (its own session) holding stdout does not keep the job
start=$(date +%s)
"$run" -n 1 sh -c 'setsid -f sleep 20; echo started' >/dev/null 2>&1; rc=$?
elapsed=$(( $(date +%s) - start ))
check "a detached grandchild -> the job ends" 0 $rc
[ $elapsed -le 5 ] || { echo "FAIL a detached grandchild kept floc-run ${elapsed}s"; fail=1; }
pkill -f "^sleep 20$" 2>/dev/null

check "no files left in TMPDIR" "" "$(ls "$TMPDIR")"
exit $fail
