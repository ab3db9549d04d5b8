#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# project.sh SIM_COLL - the simulation's virtual times: reproducible (the
# same job twice gives the same times), and sane: more localities across
# more nodes never make a recursive-doubling allreduce faster, the ring's
# p steps cost more than recursive doubling's lg p at 8 bytes, and the
# model's own numbers come out for two localities of a node
# (alpha 0.8 us + 2 x 0.1 us overhead = 1.00 us).
set -eu
sim=$1
a=$("$sim" project here allreduce 8 2,16,64,256)
b=$("$sim" project here allreduce 8 2,16,64,256)
[ "$a" = "$b" ] || { echo "project.sh: two runs differ:"; echo "$a"; echo "$b"; exit 1; } >&2
echo "$a"
echo "$a" | awk '
  /^[0-9]/ {
    if ($1 == 2 && $2 != "1.00") { print "project.sh: p=2 recursive doubling " $2 " us, model says 1.00"; bad = 1 }
    if (prev != "" && $2 + 0 < prev + 0) { print "project.sh: p=" $1 " faster than fewer localities"; bad = 1 }
    if ($1 >= 16 && $3 + 0 <= $2 + 0) { print "project.sh: p=" $1 " ring not slower than recursive doubling"; bad = 1 }
    prev = $2; rows++
  }
  END { if (rows != 4) { print "project.sh: " rows " rows"; bad = 1 } exit bad }' >&2
echo "project.sh: PASS"
