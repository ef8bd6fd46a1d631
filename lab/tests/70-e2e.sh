#!/bin/bash
# lab/tests/70-e2e.sh — the whole stack under Pacemaker (issue 8), the short form the README's test
# command runs: the seed layout scaled to the lab with halo's agents (2 LUNs, LUKS below DRBD,
# LIO targets, portals on three VLANs, real fencing), the client's verifying writer on both LUNs,
# then one planned move of LUN 1 (crm_resource --move, then clear) and one hard crash of node1
# (its QEMU killed; Pacemaker fences it; LUN 1 comes up on node2). Each event must end with every
# acknowledged write read back intact, no write error on the client, never two Primaries.
# With --full (HALO_LAB_FULL=1): every event of e2e/run (move, drain, crash, link, vlan).
# The side-by-side comparison with the established agents is e2e/run itself (longer).
# lab-timeout: 2700
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed "${LAB_NODES[@]}"
if [ -z "${HALO_INSTALL_DIR:-}" ]; then
    echo "SKIPPED: HALO_INSTALL_DIR is not set (scripts/test sets it; or scripts/install --destdir DIR --with-conformance)"
    exit 77
fi

# Kept outside the lab's run directory, which the next `lab up` clears: every run's timelines
# stay for the post-mortem (the newest is also reachable as results/70-e2e/latest).
out=$LAB_CACHE/results/70-e2e/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" && ln -sfn "$out" "$LAB_CACHE/results/70-e2e/latest"
events=move,crash
lab_full && events=move,drain,crash,link,vlan
lab_step "e2e/run --stack halo --events $events --repeat 1 (results: $out)"
rc=0
"$LAB_DIR/../e2e/run" --stack halo --events "$events" --repeat 1 --reuse --out "$out" || rc=$?
[ -s "$out/results.json" ] || { lab_step "FAIL: no results (e2e/run exit $rc)"; exit 1; }
sed 's/^/    /' "$out/results.md"
python3 - "$out/results.json" "$events" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
wanted = sys.argv[2].split(",")
failures = []
seen = {r["event"] for r in results}
for event in wanted:
    if event not in seen:
        failures.append(f"{event}: no result")
for r in results:
    name = f'{r["event"]} #{r["round"]}'
    for key in ("lost", "corrupt", "writeErrors"):
        if r[key] != 0:
            failures.append(f"{name}: {key} = {r[key]} (must be 0)")
    if r["dualPrimary"]:
        failures.append(f'{name}: two Primaries for {r["dualPrimaryOverlapSeconds"]} s')
    if r["acknowledged"] == 0:
        failures.append(f"{name}: the writers acknowledged nothing")
    print(f'    {name}: stall {r["stallSeconds"]:.2f} s, served again {r["servedAgainSeconds"]:.2f} s after the trigger, '
          f'{r["acknowledged"]} acknowledged writes verified')
for f in failures:
    print("    FAIL: " + f)
sys.exit(1 if failures else 0)
PY
