#!/bin/bash
# lab/tests/70-e2e.sh — the whole stack (issues 8 and 18), the short form the README's test
# command runs: the seed layout scaled to the lab with halo's agents (2 LUNs, LUKS below DRBD,
# LIO targets, portals on six VLANs with MTU 9000, real fencing), the client's verifying writer on
# both LUNs, then three planned moves of LUN 1 (the report compares the medians: one round of a
# stall whose Pacemaker side clusters at 3.0, 3.7, 5.0 and 6.0 s in UML is no comparison) and one
# hard crash of node1 (its power cut: the QEMU
# process, or the UML process group, killed; it is fenced; LUN 1 comes up on node2) — first under
# Pacemaker (stack halo: crm_resource --move, then clear), then the same under halod without
# Pacemaker (stack halod: halod's move request; halod fences), side by side in one report. Runs on UML in the default run (the failover times mean
# something only at real speed); `lab/lab --backend qemu test 70` runs it on QEMU. Passes only on e2e/analyze.py's
# verdict over the run: every planned event measured, every acknowledged write read back intact
# (none lost, corrupt, unreadable or of another LUN), no write error on the client, both nodes'
# streamed DRBD and kernel records covering the event (a crashed node's to its power-off), never
# two Primaries, no split-brain.
# With the packages (HALO_PACKAGES, which scripts/test sets; test 55 installed their previous
# version): first the upgrade to this build with apt on both nodes while the cluster serves and
# the client writes (nothing may restart or move: the cluster's processes, the controller's
# actions and the versions are the evidence), under the same verdict (under Pacemaker only: it
# checks that no Pacemaker daemon restarted); and haloctl's two events with
# evidence of their own: check-health finding an MTU broken on purpose on node2 (and not before
# or after; the move onto node2 refused meanwhile), and a rehearsal of LUN 1 there and back with
# its own verifying writer on the client (both moves timed, every acknowledged write read back,
# nothing left behind).
# With --full (HALO_LAB_FULL=1): every event of e2e/run (move, drain, crash, link, vlan; and
# with the packages haloctl-move — a move with haloctl under the run's writers: exit 0, no
# constraint left, under halod no move left in progress — and haloctl-drain).
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
events=move:3,crash
lab_full && events=move:3,drain,crash,link,vlan
# With the packages installed by test 55 (HALO_PACKAGES, the previous version on the nodes): the
# upgrade to this build in place first, with the cluster running (nothing may restart or move),
# then (with --full) haloctl's move and drain under the same writers and verdict.
if [ -n "${HALO_PACKAGES:-}" ]; then
    # The rehearsal's two haloctl moves (its own writer and verdict) run in every run.
    events=haloctl-health,haloctl-rehearse,$events
    lab_full && events=haloctl-move,$events
    # An upgrade needs something older installed: test 55's previous version.
    if lab_debs_in "$HALO_PACKAGES/previous" >/dev/null; then
        events=upgrade,$events
    else
        lab_step "no previous version in $HALO_PACKAGES/previous: no upgrade event"
    fi
    lab_full && events=$events,haloctl-drain
fi
lab_step "e2e/run --stack halo,halod --events $events --repeat 1 (results: $out)"
rc=0
"$LAB_DIR/../e2e/run" --stack halo,halod --events "$events" --repeat 1 --reuse --out "$out" || rc=$?
# e2e/run ends with the verdict; if it ended early, the verdict over what it left says why.
[ -s "$out/results.md" ] || python3 "$LAB_DIR/../e2e/analyze.py" report "$out" >"$out/results.md"
sed 's/^/    /' "$out/results.md"
verdict=0
python3 "$LAB_DIR/../e2e/analyze.py" verdict "$out" >"$out/verdict.txt" || verdict=$?
sed 's/^/    /' "$out/verdict.txt"
for r in "$out"/halo/*/result.json "$out"/halod/*/result.json; do
    [ -s "$r" ] || continue
    python3 - "$r" <<'PY' | while read -r key value; do lab_result "$key" "$value"; done
import json, sys
r = json.load(open(sys.argv[1]))
prefix = "" if r["stack"] == "halo" else r["stack"] + "-"
def put(key, value):
    if value is not None:
        print(f'{prefix}{r["event"]}-{r["round"]}-{key} {value}')
put("stall-s", r.get("stallSeconds"))
put("served-again-s", r.get("servedAgainSeconds"))
put("outside-gap-s", r.get("outsideGapSeconds"))
for lun, numbers in r.get("unmoved", {}).items():
    put(f"lun{lun}-unmoved-stall-s", numbers.get("stallSeconds"))
PY
done
if [ "$rc" != 0 ] || [ "$verdict" != 0 ]; then
    lab_step "FAIL: e2e/run exit $rc, verdict exit $verdict (results: $out)"
    exit 1
fi
