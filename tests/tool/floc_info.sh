#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# floc_info.sh FLOC_INFO FLOC_RUN - floc-info's outputs: the summary, JSON
# that parses and says what the environment set, one setting, refusals,
# the algorithm tables, and under floc-run each locality's view.
set -u
info=$1
run=$2
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
check() { # WHAT COMMAND...: the command must succeed
    what=$1
    shift
    if ! "$@"; then
        echo "floc_info: FAILED: $what" >&2
        fail=1
    fi
}

"$info" > "$out" 2>&1
check "summary runs" test $? = 0
check "summary names the version" grep -q '^floc [0-9]' "$out"
check "summary names the provider for one node" grep -q 'one node.*shm' "$out"
check "summary lists FLOC_PEER_TIMEOUT" grep -q '^  FLOC_PEER_TIMEOUT ' "$out"

# JSON: parses; the environment's value and source shown; every setting there
FLOC_SPIN=7 FLOC_ALLREDUCE_ALGO=ring "$info" --json --all > "$out"
check "--json --all parses and says what the environment set" python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["settings"]}
assert s["FLOC_SPIN"]["value"] == "7" and s["FLOC_SPIN"]["source"] == "environment", s["FLOC_SPIN"]
assert s["FLOC_SPIN"]["default"] == "auto"
assert s["FLOC_MR_CACHE_SIZE"]["value"] == "64" and s["FLOC_MR_CACHE_SIZE"]["source"] == "default"
assert s["FLOC_ALLREDUCE_ALGO"]["value"] == "ring"
assert len(s) >= 30 and all(x["description"] and x["accepts"] for x in s.values())
c = {x["collective"]: x for x in d["collectives"]}
assert "recursive_doubling" in c["allreduce"]["algorithms"], c["allreduce"]
assert c["allreduce"]["forced"] == "ring"
assert [r["algorithm"] for r in c["allreduce"]["rules"]][-1] == "ring", c["allreduce"]["rules"]
assert all(ch["by_size"] for ch in c["bcast"]["choice"])
assert any(p["name"] == "shm" and p["usable"] for p in d["providers"]["found"])
assert d["topology"]["cores"] >= 1 and d["topology"]["binding"]
PY

"$info" --param FLOC_PEER_TIMEOUT > "$out"
check "--param shows the default" grep -q 'default: *5' "$out"
"$info" --param FLOC_NO_SUCH > /dev/null 2>&1
check "--param of an unknown name fails" test $? = 1
FLOC_BIND=everywhere "$info" > "$out" 2>&1
check "a bad setting fails" test $? = 1
check "a bad setting is named" grep -q 'FLOC_BIND="everywhere" is not valid' "$out"
"$info" --shape 1024:64 > "$out"
check "--shape adds the job shape" grep -q '1024 localities on 64 nodes: .*hierarchical' "$out"

# under a launcher: each locality's own view, in order
"$run" -n 3 "$info" --job --json > "$out"
check "--job runs under floc-run" test $? = 0
check "--job says what each locality chose" python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["localities"] == 3 and d["nodes"] == 1, d
assert [x["locality"] for x in d["job"]] == [0, 1, 2]
assert sorted(x["local_rank"] for x in d["job"]) == [0, 1, 2]
assert all(x["provider"] == "shm" and x["local_size"] == 3 for x in d["job"])
assert all(x["node_segment_bytes"] > 0 for x in d["job"])
PY
[ $fail = 0 ] && echo "floc_info: PASS"
exit $fail
