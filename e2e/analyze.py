#!/usr/bin/env python3
"""Measurements and verdicts of the end-to-end events (e2e/run).

  analyze.py event DIR STACK EVENT ROUND   one event's result (JSON on stdout, with its problems),
                                           and DIR/timeline.txt; exit 0 when it could analyze
  analyze.py report OUT                    every event's result → OUT/results.json, a table on stdout
  analyze.py verdict OUT                   one line per planned event run; exit 1 unless every
                                           planned event has a result without problems
  analyze.py brief OUT                     the same verdict, short (scripts/demo)

A verdict is evidence, never the absence of it: an event passes only when every LUN's writer
log and read-back verdict are there and agree, both storage nodes' DRBD and kernel records cover
the event (from before the trigger to the end of the event's window, or to the node's power-off),
and they show no lost, corrupt, unreadable or foreign block, no write error, no two Primaries and
no split-brain. Anything missing or unreadable is a problem, named in the result.
"""
import glob
import json
import os
import re
import statistics
import sys

from evidence import (NODES, Missing, dual_primary, gaps, offsets, read_file, read_text, read_time, record,
                      writer_acks)

ORDER = ["move", "drain", "crash", "link", "vlan", "haloctl-health", "haloctl-move", "haloctl-rehearse", "haloctl-drain",
         "upgrade"]
NAMES = {"move": "planned move (crm_resource --move, then clear; halod: its move request)",
         "drain": "node drain (standby node1; halod: its drain request)",
         "crash": "hard crash of node1 (fenced)", "link": "replication link cut, then healed",
         "vlan": "portal VLAN interface down on the active node",
         "haloctl-health": "check-health finds a broken MTU (haloctl check-health)",
         "haloctl-move": "planned move (haloctl move)", "haloctl-drain": "node drain (haloctl drain node1)",
         "haloctl-rehearse": "rehearsal, there and back (haloctl rehearse --client: its own writer)",
         "upgrade": "package upgrade in place (apt, both nodes, cluster running)"}
# The LUNs each event moves or freezes; the others are "not moved" and reported apart. e2e/run
# writes them into each event's affected.txt (the scale layout has every LUN on node1); an
# event directory without one gets these (the two-LUN layout).
AFFECTED = {"move": [1], "drain": [1], "crash": [1], "link": [1, 2], "vlan": [1],
            "haloctl-health": [], "haloctl-move": [1], "haloctl-rehearse": [1], "haloctl-drain": [1], "upgrade": [1, 2]}
# Events that bring their own evidence instead of the run's writers: check-health moves nothing
# (its findings before, with and after a setting broken on purpose are the evidence), and
# rehearse runs its own verifying writer on the client (its read-back verdict is the evidence).
# The DRBD and kernel records are judged for them as for every event.
OWN_EVIDENCE = ("haloctl-health", "haloctl-rehearse")
# What check-health must report about the MTU broken on purpose (e2e/lib.sh: node2's VLAN 29).
HEALTH_CHECK = "portal.mtu"
# What Pacemaker's controller logs when it acts on a resource (an upgrade must cause none).
CLUSTER_ACTION = re.compile(r"Initiating (start|stop|promote|demote|migrate_to|migrate_from) operation (\S+)")
# Two Primaries count when their overlap exceeds the clocks' uncertainty plus this margin (the
# host sees a power-off up to 0.1 s late; events2 stamps a role change when the kernel reports it).
DUAL_PRIMARY_MARGIN = 0.5
# What halo-writer verify must report, each 0 for a pass.
VERIFY_COUNTERS = (("lost", "acknowledged writes lost"), ("corrupt", "corrupt blocks"),
                   ("wrongTag", "blocks of another tag"), ("unreadable", "unreadable blocks"),
                   ("writeErrors", "write errors on the client"))
KERNEL_BEGIN, KERNEL_END = "halo-e2e: kernel record begins", "halo-e2e: kernel record ends"
KEY_LINES = re.compile(r"Result of|Initiating|will be fenced|Operation '(reboot|off)'|A new membership|"
                       r"Token has not been received|fence-peer|halo|placed|removed|PingAck|Split-Brain|"
                       r"conn\( |role\( |pdsk\( |crm-fence-peer|crm-unfence-peer|"
                       r"detected conn error|ping timeout|operational|session recovery|Kernel reported iSCSI")


# --- one event -------------------------------------------------------------------------------------

def lun_result(directory, lun, client_offset, trigger, window_end, problems):
    """One LUN: its read-back verdict (checked), its log (checked against it), its gaps."""
    name = f"lun{lun}"
    try:
        verdict = json.loads(read_text(directory, f"verify-{name}.json"))
        if not isinstance(verdict, dict):
            raise ValueError("not an object")
    except Missing as missing:
        problems.append(f"{name}: no read-back verdict ({missing})")
        verdict = {}
    except ValueError as error:
        problems.append(f"{name}: the read-back verdict is not JSON ({error})")
        verdict = {}
    try:
        status = read_text(directory, f"verify-{name}.exit").strip()
        if status != "0":
            problems.append(f"{name}: halo-writer verify exited {status or '(nothing recorded)'}")
    except Missing as missing:
        problems.append(f"{name}: no exit status of halo-writer verify ({missing})")
    if verdict:
        for key, label in VERIFY_COUNTERS + (("acknowledged", "acknowledged writes"),):
            if not isinstance(verdict.get(key), int):
                problems.append(f"{name}: the read-back verdict has no {key} count ({label})")
        for key, label in VERIFY_COUNTERS:
            if isinstance(verdict.get(key), int) and verdict[key] > 0:
                problems.append(f"{name}: {verdict[key]} {label}")
        if verdict.get("acknowledged") == 0:
            problems.append(f"{name}: the writer acknowledged nothing")
    result = dict(verdict)
    try:
        acks = writer_acks(directory, lun)
    except Missing as missing:
        problems.append(f"{name}: no writer log ({missing})")
        return result
    if isinstance(verdict.get("acknowledged"), int) and len(acks) != verdict["acknowledged"]:
        problems.append(f"{name}: the writer log has {len(acks)} acknowledged writes, its read-back "
                        f"verdict {verdict['acknowledged']}")
    stall, served, outside, outside_at = gaps(acks, client_offset, trigger, window_end)
    if stall is None:
        problems.append(f"{name}: no write acknowledged after the trigger")
    result.update({"stallSeconds": None if stall is None else round(stall, 3),
                   "servedAgainSeconds": None if served is None else round(served, 2),
                   "outsideGapSeconds": round(outside, 3),
                   "outsideGapAtSeconds": None if outside_at is None else round(outside_at, 2),
                   "loggedAcknowledgements": len(acks)})
    return result


def describe_record(rec, trigger):
    if rec["problem"]:
        return "incomplete"
    if rec["how"] == "power-off":
        return f"to its power-off at {rec['end'] - trigger:+.1f} s"
    return "the whole window"


def timeline(directory, clocks, trigger):
    entries = []
    for vm in NODES + ("client",):
        path = os.path.join(directory, f"journal-{vm}.txt")
        if not os.path.exists(path):
            continue
        for line in read_file(path).splitlines():
            parts = line.split(" ", 1)
            try:
                time = float(parts[0]) + clocks[vm][0]
            except (ValueError, IndexError):
                continue
            if KEY_LINES.search(line) and time >= trigger - 5:
                entries.append((time - trigger, vm, parts[1].strip()[:220]))
    entries.sort()
    with open(os.path.join(directory, "timeline.txt"), "w") as out:
        for relative, vm, text in entries:
            out.write(f"{relative:+8.2f}s {vm} {text}\n")


def haloctl_evidence(directory, problems, stack="halo"):
    """haloctl's own account of a move or drain (its exit status and JSON) and what it left after
    it: haloctl must finish with 0 and leave no haloctl-move-* constraint (Pacemaker) or no move
    in progress in halod's state (halod)."""
    evidence = {}
    try:
        evidence["exitCode"] = int(read_text(directory, "haloctl.exit").strip())
    except (Missing, ValueError) as missing:
        problems.append(f"haloctl's exit status is missing ({missing})")
        return evidence
    if evidence["exitCode"] != 0:
        problems.append(f"haloctl exited {evidence['exitCode']} (haloctl.json, haloctl.err)")
    if stack == "halod":
        try:
            answer = json.loads(read_text(directory, "halod-after.json"))
            pending = sorted(f"{lun['name']} to {lun['pendingMove']}" for lun in answer["status"]["luns"] if lun.get("pendingMove"))
        except (Missing, ValueError, KeyError, TypeError) as missing:
            problems.append(f"halod's state after haloctl is unknown ({missing})")
            return evidence
        evidence["movesPending"] = pending
        if pending:
            problems.append(f"haloctl left a move in progress in halod's state: {', '.join(pending)}")
        return evidence
    try:
        constraints = read_text(directory, "constraints-after.txt")
    except Missing as missing:
        problems.append(f"the constraints after haloctl are unknown ({missing})")
        return evidence
    if "<constraints" not in constraints:
        problems.append("constraints-after.txt holds no CIB constraints section")
    left = sorted(set(re.findall(r'id="(haloctl-move-[^"]*)"', constraints)))
    evidence["constraintsLeft"] = left
    if left:
        problems.append(f"haloctl left its constraint(s) behind: {', '.join(left)}")
    return evidence


def haloctl_json(directory, prefix, problems, what):
    """haloctl's JSON answer and exit status kept as PREFIX.json and PREFIX.exit, or (None, None)
    with the problem named."""
    try:
        code = int(read_text(directory, f"{prefix}.exit").strip())
        answer = json.loads(read_text(directory, f"{prefix}.json"))
        if not isinstance(answer, dict):
            raise ValueError("not an object")
    except (Missing, ValueError) as missing:
        problems.append(f"{what}: haloctl's answer is missing or unreadable ({missing})")
        return None, None
    if answer.get("exitCode", code) != code:
        problems.append(f"{what}: haloctl exited {code} but its JSON says {answer.get('exitCode')}")
    return answer, code


def status_evidence(directory, luns, problems):
    """haloctl status on node1 before anything is broken (status.json, status.exit): both nodes'
    facts read (node2's with halo-facts over ssh), every LUN shown served — health healthy or
    degraded, a serving node, DRBD's state read on every node, its target, its portal addresses
    up. The evidence that status works against both nodes of a real cluster."""
    status, code = haloctl_json(directory, "status", problems, "haloctl status")
    if status is None:
        return None
    if status.get("schema") != "halo.status/1":
        problems.append(f"haloctl status answered schema {status.get('schema')!r}, not halo.status/1")
    nodes = [n for n in status.get("nodes", []) if isinstance(n, dict)]
    names = sorted(str(n.get("name")) for n in nodes)
    unread = [str(n.get("name")) for n in nodes if not (isinstance(n.get("facts"), dict) and n["facts"].get("read") is True)]
    if names != sorted(NODES):
        problems.append(f"haloctl status shows the nodes {', '.join(names) or 'none'}, not {', '.join(NODES)}")
    if unread:
        problems.append(f"haloctl status could not read the facts of {', '.join(unread)}")
    shown = {lun.get("name"): lun for lun in status.get("luns", []) if isinstance(lun, dict)}
    served = {}
    for name in (f"lun{n}" for n in luns):
        lun = shown.get(name)
        if lun is None:
            problems.append(f"haloctl status does not show {name}")
            continue
        served[name] = lun.get("node")
        if lun.get("health") not in ("healthy", "degraded") or lun.get("node") is None:
            problems.append(f"haloctl status has {name} {lun.get('health')} on {lun.get('node')}: {'; '.join(map(str, lun.get('problems', [])))}")
        drbd = lun.get("drbd") if isinstance(lun.get("drbd"), dict) else {}
        missing = [node for node in NODES if node not in drbd or str(drbd[node]).startswith("unknown")]
        if missing:
            problems.append(f"haloctl status lacks DRBD's state of {name} on {', '.join(missing)}")
        portals = [p for p in lun.get("portals", []) if isinstance(p, dict)]
        if not lun.get("target") or not portals or not all(p.get("up") is True for p in portals):
            problems.append(f"haloctl status does not show {name}'s target and every portal address up "
                            f"(target {lun.get('target')!r}, {sum(p.get('up') is True for p in portals)} of {len(portals)} up)")
    return {"exitCode": code, "nodesRead": sorted(set(names) - set(unread)), "served": served}


def health_evidence(directory, luns, problems):
    """check-health before, with and after a setting broken on purpose (broken.txt): the finding
    (HEALTH_CHECK, warning or worse) absent before, present with it for every LUN and naming
    the node, gone after, and check-health's exit status at least 1 with it; haloctl refuses
    the move onto that node while it is broken (move --dry-run, exit 1, the MTU named)."""
    evidence = {}
    try:
        evidence["broken"] = read_text(directory, "broken.txt").strip()
    except Missing as missing:
        problems.append(f"what was broken is not recorded ({missing})")
        return evidence
    node = evidence["broken"].split()[0] if evidence["broken"] else "?"

    def found(answer):
        return sorted({f["subject"] for f in answer.get("findings", []) if isinstance(f, dict)
                       and f.get("check") == HEALTH_CHECK and f.get("severity") in ("warning", "critical")})

    before, before_code = haloctl_json(directory, "health-before", problems, "check-health before")
    broken, broken_code = haloctl_json(directory, "health-broken", problems, "check-health with it broken")
    after, after_code = haloctl_json(directory, "health-after", problems, "check-health after")
    refused, refused_code = haloctl_json(directory, "move-refused", problems, "the move onto the broken node")
    luns = [f"lun{n}" for n in luns]
    if before is not None:
        evidence["before"] = {"exitCode": before_code, "found": found(before)}
        if found(before):
            problems.append(f"check-health reported {HEALTH_CHECK} before anything was broken: {', '.join(found(before))}")
    if broken is not None:
        subjects = found(broken)
        evidence["broken"] = {"what": evidence["broken"], "exitCode": broken_code, "found": subjects}
        missing = [lun for lun in luns if lun not in subjects]
        if missing:
            problems.append(f"check-health did not report {HEALTH_CHECK} for {', '.join(missing)} with {evidence['broken']['what']}")
        messages = [f.get("message", "") for f in broken.get("findings", []) if isinstance(f, dict) and f.get("check") == HEALTH_CHECK]
        if subjects and not any(node in message for message in messages):
            problems.append(f"check-health's {HEALTH_CHECK} findings do not name {node}")
        if broken_code < 1:
            problems.append(f"check-health exited {broken_code} with {evidence['broken']['what']} (a warning is at least 1)")
    if after is not None:
        evidence["after"] = {"exitCode": after_code, "found": found(after)}
        if found(after):
            problems.append(f"check-health still reported {HEALTH_CHECK} after the repair: {', '.join(found(after))}")
        if before is not None and after_code != before_code:
            problems.append(f"check-health exited {before_code} before and {after_code} after the repair")
    if refused is not None:
        reasons = [r for r in refused.get("refusals", []) if isinstance(r, str)]
        evidence["moveRefused"] = {"exitCode": refused_code, "refusals": reasons}
        if refused_code != 1 or not any("MTU" in r for r in reasons):
            problems.append(f"haloctl move --dry-run onto {node} was not refused for its MTU "
                            f"(exit {refused_code}, refusals: {'; '.join(reasons) or 'none'})")
    return evidence


def rehearsal_evidence(directory, problems):
    """haloctl rehearse's report (schema halo.rehearsal/1): both moves done, each timed with its
    unserved window, and its own writer's verdict on the client — every acknowledged write read
    back, none lost, corrupt, unreadable or of another LUN, no write error. The client's numbers
    become the event's."""
    try:
        report = json.loads(read_text(directory, "haloctl.json"))
        if not isinstance(report, dict):
            raise ValueError("not an object")
    except (Missing, ValueError) as missing:
        problems.append(f"the rehearsal's report is missing or unreadable ({missing})")
        return {}, {}
    if report.get("schema") != "halo.rehearsal/1":
        problems.append(f"the rehearsal's report has schema {report.get('schema')!r}, not halo.rehearsal/1")
    moves = [m for m in report.get("moves", []) if isinstance(m, dict)]
    evidence = {"moves": [{"from": m.get("from"), "to": m.get("to"), "result": m.get("result"),
                           "totalMilliseconds": m.get("totalMilliseconds"), "unservedMilliseconds": m.get("unservedMilliseconds")}
                          for m in moves],
                "recordedUnservedMilliseconds": report.get("recordedUnservedMilliseconds"),
                "clientVerdict": report.get("clientVerdict")}
    if len(moves) != 2 or any(m.get("result") != "moved" for m in moves):
        problems.append(f"the rehearsal did not move there and back: {[(m.get('to'), m.get('result')) for m in moves]}")
    if any(not isinstance(m.get("unservedMilliseconds"), int) for m in moves):
        problems.append("the rehearsal did not measure each move's unserved window")
    if len(moves) == 2 and moves[0].get("from") != moves[1].get("to"):
        problems.append(f"the rehearsal went {moves[0].get('from')} → {moves[0].get('to')} but came back to {moves[1].get('to')}")
    # The client was logged in before: after each move the rehearsal waits for it to log in
    # again on the new node (a move back must not catch it mid-login) and times its return.
    returns = [r for r in report.get("reconnections") or [] if isinstance(r, dict)]
    evidence["reconnections"] = [{"node": r.get("node"), "loggedInMilliseconds": r.get("loggedInMilliseconds"),
                                  "missing": r.get("missing")} for r in returns]
    if len(returns) != len(moves) or [r.get("node") for r in returns] != [m.get("to") for m in moves]:
        problems.append(f"the rehearsal did not time the initiators' return after each move "
                        f"(returns on {[r.get('node') for r in returns]}, moves to {[m.get('to') for m in moves]})")
    for r in returns:
        if not isinstance(r.get("loggedInMilliseconds"), int):
            problems.append(f"the initiators did not log in again on {r.get('node')}: missing {r.get('missing')}"
                            f"{'; ' + r['failure'] if r.get('failure') else ''}")
    client = report.get("client")
    verdict = report.get("clientVerdict") or ""
    if not isinstance(client, dict):
        problems.append(f"the rehearsal has no read-back verdict from the client ({verdict or 'none'})")
        return evidence, {}
    if not verdict.startswith("ok"):
        problems.append(f"the rehearsal's client verdict: {verdict}")
    counts = {}
    for key, label in VERIFY_COUNTERS + (("acknowledged", "acknowledged writes"),):
        if not isinstance(client.get(key), int):
            problems.append(f"the rehearsal's client verdict has no {key} count ({label})")
        else:
            counts[key] = client[key]
    for key, label in VERIFY_COUNTERS:
        if counts.get(key, 0) > 0:
            problems.append(f"the rehearsal's client: {counts[key]} {label}")
    if counts.get("acknowledged") == 0:
        problems.append("the rehearsal's writer acknowledged nothing")
    gap = client.get("longestGapSeconds")
    counts["stallSeconds"] = round(gap, 3) if isinstance(gap, (int, float)) else None
    if counts["stallSeconds"] is None:
        problems.append("the rehearsal's client verdict has no longest gap")
    return evidence, counts


def upgrade_evidence(directory, clocks, trigger, window_end, problems):
    """An in-place upgrade with the cluster running: every node at the new version, the cluster's
    processes the same before and after (none restarted), and no cluster action on any resource
    between the trigger and the end of the window."""
    evidence = {}
    try:
        expected = read_text(directory, "upgrade-expected.txt").strip()
        def versions(name):
            return dict(line.split(None, 1) for line in read_text(directory, name).splitlines() if line.strip())
        installed = versions("upgrade-installed.txt")
        previous = versions("upgrade-from.txt")
        before = read_text(directory, "processes-before.txt")
        after = read_text(directory, "processes-after.txt")
    except (Missing, ValueError) as missing:
        problems.append(f"cannot judge the upgrade: {missing}")
        return evidence
    evidence["expected"] = expected
    evidence["installed"] = installed
    evidence["from"] = previous
    for vm in NODES:
        now, then = installed.get(vm, "").split(), previous.get(vm, "").split()
        if not now or any(v != expected for v in now):
            problems.append(f"{vm}: after the upgrade the halo packages are at {now or 'nothing'}, not {expected}")
        if not then or expected in then:
            problems.append(f"{vm}: before the upgrade the halo packages were at {then or 'nothing'}: "
                            f"nothing older than {expected} was upgraded")
    # Every cluster daemon must have had a process to compare (a line with its name alone: none).
    silent = sorted({" ".join(line.split()[:2]) for text in (before, after) for line in text.splitlines()
                     if len(line.split()) == 2 and line.split()[1] != "halod"})
    if not before.strip():
        problems.append("processes-before.txt is empty")
    elif silent:
        problems.append(f"no process to compare for {', '.join(silent)} (processes-before.txt, processes-after.txt)")
    elif before != after:
        problems.append("cluster processes changed during the upgrade (processes-before.txt, processes-after.txt)")
    evidence["processesUnchanged"] = bool(before.strip()) and not silent and before == after
    actions = []
    for vm in NODES:
        try:
            lines = read_text(directory, f"journal-{vm}.txt").splitlines()
        except Missing as missing:
            problems.append(f"cannot say whether the cluster acted: {missing}")
            continue
        for line in lines:
            parts = line.split(" ", 1)
            try:
                time = float(parts[0]) + clocks[vm][0]
            except (ValueError, IndexError):
                continue
            found = CLUSTER_ACTION.search(line)
            if found and trigger <= time <= window_end:
                actions.append(f"{vm} +{time - trigger:.1f}s {found.group(1)} {found.group(2)}")
    evidence["clusterActions"] = actions
    if actions:
        problems.append(f"the cluster acted during the upgrade: {'; '.join(actions[:5])}")
    return evidence


def event(directory, stack, name, round_):
    problems = []
    result = {"stack": stack, "event": name, "round": int(round_), "problems": problems}
    try:
        clocks = offsets(directory)
        trigger = read_time(directory, "trigger.txt")
        window_end = read_time(directory, "recovered.txt")
        luns = [int(n) for n in read_text(directory, "luns.txt").split()]
    except (Missing, ValueError) as missing:
        problems.append(f"cannot judge the event: {missing}")
        return result
    if not luns:
        problems.append("luns.txt names no LUN")
    try:
        affected = [int(n) for n in read_text(directory, "affected.txt").split()]
    except Missing:
        affected = AFFECTED.get(name, [1])
    except ValueError as error:
        problems.append(f"affected.txt is unreadable ({error})")
        affected = AFFECTED.get(name, [1])
    affected = [n for n in affected if n in luns]
    own = name in OWN_EVIDENCE
    if not affected and luns and name != "haloctl-health":
        problems.append("the event moved no LUN of the run (affected.txt)")
    per_lun = {} if own else {n: lun_result(directory, n, clocks["client"][0], trigger, window_end, problems) for n in luns}

    def worst(key, among):
        values = [per_lun[n].get(key) for n in among]
        return max(values) if values and None not in values else None

    records = {vm: record(directory, f"events2-{vm}.txt", trigger, window_end) for vm in NODES}
    kernel = {vm: record(directory, f"kernel-{vm}.txt", trigger, window_end, KERNEL_BEGIN, KERNEL_END) for vm in NODES}
    for rec in list(records.values()) + list(kernel.values()):
        if rec["problem"]:
            problems.append(rec["problem"])
    overlap = dual_primary(records, clocks) if not any(r["problem"] for r in records.values()) else None
    uncertainty = clocks["node1"][1] + clocks["node2"][1] + DUAL_PRIMARY_MARGIN
    if overlap is not None and overlap > uncertainty:
        problems.append(f"two Primaries for {overlap:.2f} s")
    split = {vm: None if kernel[vm]["problem"] else sum("Split-Brain detected" in line for line in kernel[vm]["lines"])
             for vm in NODES}
    for vm, count in split.items():
        if count:
            problems.append(f"{vm}: {count} split-brain messages of the kernel")
    timeline(directory, clocks, trigger)
    if name.startswith("haloctl-") and name != "haloctl-health":
        result["haloctl"] = haloctl_evidence(directory, problems, stack)
    if name == "haloctl-health":
        # luns: read once above (a run without it is not judged at all).
        result["health"] = health_evidence(directory, luns, problems)
        result["status"] = status_evidence(directory, luns, problems)
    client = {}
    if name == "haloctl-rehearse":
        result["rehearsal"], client = rehearsal_evidence(directory, problems)
    if name == "upgrade":
        result["upgrade"] = upgrade_evidence(directory, clocks, trigger, window_end, problems)
    counts = {key: sum(v.get(key) or 0 for v in per_lun.values()) for key, _ in VERIFY_COUNTERS}
    if own:
        counts = {key: client.get(key, 0) for key, _ in VERIFY_COUNTERS}
    outside = max(per_lun.values(), key=lambda v: v.get("outsideGapSeconds") or 0, default={})
    result.update({
        "trigger": trigger, "windowSeconds": round(window_end - trigger, 2),
        "luns": per_lun, "affected": affected, "ownEvidence": own,
        "stallSeconds": client.get("stallSeconds") if own else worst("stallSeconds", affected),
        "servedAgainSeconds": None if own else worst("servedAgainSeconds", affected),
        "outsideGapSeconds": outside.get("outsideGapSeconds"),
        "unmoved": {} if own else {str(n): {"stallSeconds": per_lun[n].get("stallSeconds"),
                                            "servedAgainSeconds": per_lun[n].get("servedAgainSeconds")}
                                   for n in luns if n not in affected},
        **counts,
        "acknowledged": client.get("acknowledged", 0) if own else sum(v.get("acknowledged") or 0 for v in per_lun.values()),
        "dualPrimaryOverlapSeconds": None if overlap is None else round(max(overlap, 0.0), 2),
        "dualPrimary": None if overlap is None else overlap > uncertainty,
        "records": {vm: {"how": records[vm]["how"], "coversTo": describe_record(records[vm], trigger),
                         "lines": len(records[vm]["lines"])} for vm in NODES},
        "splitBrainKernelMessages": split,
        "clockUncertaintySeconds": round(max(e for _, e in clocks.values()), 3),
    })
    return result


# --- the run -----------------------------------------------------------------------------------------

def collect(out):
    """Every planned event run with its result, or why it has none: [(stack, event, round, result, why)],
    and the problems of the run itself (no plan, a stack that did not come up)."""
    run_problems, entries = [], []
    try:
        plan = json.loads(read_file(os.path.join(out, "plan.json")))
        # An event that does not apply to a stack (the upgrade under halod) is not planned for it.
        skipped = {tuple(pair) for pair in plan.get("notApplicable", [])}
        # Each event's rounds (`--events EVENT:N`); a plan from before they were per event has --repeat's.
        rounds = {e: int(plan.get("rounds", {}).get(e, plan["repeat"])) for e in plan["events"]}
        planned = [(s, e, r) for s in plan["stacks"] for e in plan["events"] if (s, e) not in skipped
                   for r in range(1, rounds[e] + 1)]
    except (OSError, ValueError, KeyError, TypeError) as error:
        run_problems.append(f"no readable plan.json ({error}): which events should have run is unknown")
        planned = []
    not_up = set()
    if os.path.exists(os.path.join(out, "not-up.txt")):
        not_up = set(read_file(os.path.join(out, "not-up.txt")).split())
        for stack in sorted(not_up):
            run_problems.append(f"the {stack} stack did not come up: its events were not measured "
                                f"(the cluster's view: {stack}/configure-failure.txt)")
    found = set()
    for path in glob.glob(os.path.join(out, "*", "*-*", "")):
        stack = os.path.basename(os.path.dirname(os.path.dirname(path)))
        event_name, _, round_ = os.path.basename(os.path.dirname(path)).rpartition("-")
        if event_name in ORDER and round_.isdigit():
            found.add((stack, event_name, int(round_)))
    for stack, event_name, round_ in sorted(set(planned) | found,
                                            key=lambda k: (stack_rank(k[0]), k[0], ORDER.index(k[1]), k[2])):
        if stack in not_up:
            continue
        directory = os.path.join(out, stack, f"{event_name}-{round_}")
        path = os.path.join(directory, "result.json")
        if not os.path.isdir(directory):
            entries.append((stack, event_name, round_, None, "the event did not run"))
        elif not os.path.exists(path):
            failed = os.path.join(directory, "analysis-failed.txt")
            why = ("its analysis failed: " + read_file(failed).strip()[-300:]
                   if os.path.exists(failed) else f"the event did not finish (what it left: {directory})")
            entries.append((stack, event_name, round_, None, why))
        else:
            try:
                result = json.loads(read_file(path))
                if not isinstance(result, dict) or not isinstance(result.get("problems"), list):
                    raise ValueError("no problems list")
                entries.append((stack, event_name, round_, result, None))
            except ValueError as error:
                entries.append((stack, event_name, round_, None, f"its result.json is unreadable ({error})"))
    if not entries and not run_problems:
        run_problems.append("no event results")
    return entries, run_problems


# The stacks in the order of every report: halo's agents under Pacemaker, the same under halod,
# the established agents under Pacemaker.
STACKS = ("halo", "halod", "established")
# Issue 18's goal: halod's move and crash stalls at most half of the Pacemaker profile's.
HALOD_GOAL_EVENTS, HALOD_GOAL_RATIO = ("move", "crash"), 0.5


def stack_rank(stack):
    return STACKS.index(stack) if stack in STACKS else len(STACKS)


def seconds(value, digits=2):
    return "?" if value is None else f"{value:.{digits}f}"


def backend(out):
    """The backend the run's plan names ("qemu" for a plan from before there were two)."""
    try:
        plan = json.loads(read_file(os.path.join(out, "plan.json")))
        return plan.get("backend", "qemu"), plan.get("backendLabel", "QEMU (TCG software emulation)")
    except (OSError, ValueError, AttributeError):
        return None, "unknown (no readable plan.json)"


def report(out):
    entries, run_problems = collect(out)
    results = [r for _, _, _, r, _ in entries if r is not None]
    with open(os.path.join(out, "results.json"), "w") as file:
        json.dump(results, file, indent=1)
    name, label = backend(out)
    print(f"Backend: {label}. Compare these numbers only with runs on the same backend.\n")
    print("| event | stack | runs | stall median (range) | served again median | LUN not moved: stall (max) "
          "| longest gap outside the window | write errors | lost | corrupt | unreadable / other tag | two Primaries |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    summary = {}
    for event_name in ORDER:
        for stack in STACKS:
            runs = [r for r in results if r["event"] == event_name and r["stack"] == stack]
            if not runs:
                continue
            stalls = [r["stallSeconds"] for r in runs if r.get("stallSeconds") is not None]
            served = [r["servedAgainSeconds"] for r in runs if r.get("servedAgainSeconds") is not None]
            unmoved = [u["stallSeconds"] for r in runs for u in r.get("unmoved", {}).values()]
            outside = [r.get("outsideGapSeconds") for r in runs]
            stall_text = (f"{statistics.median(stalls):.1f} s ({min(stalls):.1f}–{max(stalls):.1f})"
                          if len(stalls) == len(runs) else "— (nothing moves)" if event_name == "haloctl-health"
                          else "? (not measured in every run)")
            if len(stalls) == len(runs):
                summary[(event_name, stack)] = statistics.median(stalls)
            unmoved_text = ("—" if not unmoved else "?" if None in unmoved else f"{max(unmoved):.1f} s")
            own = all(r.get("ownEvidence") for r in runs)
            outside_text = "—" if own else "?" if None in outside else f"{max(outside):.1f} s"
            duals = [r.get("dualPrimary") for r in runs]
            dual_text = "YES" if any(duals) else "unknown" if None in duals else "never"
            served_text = f"{statistics.median(served):.1f} s" if served else "—" if own else "?"
            print(f"| {NAMES[event_name]} | {stack} | {len(runs)} | {stall_text} | "
                  f"{served_text} | {unmoved_text} | {outside_text} | "
                  f"{sum(r.get('writeErrors', 0) for r in runs)} | {sum(r.get('lost', 0) for r in runs)} | "
                  f"{sum(r.get('corrupt', 0) for r in runs)} | "
                  f"{sum(r.get('unreadable', 0) + r.get('wrongTag', 0) for r in runs)} | {dual_text} |")
    ratios = [e for e in ORDER if (e, "halo") in summary and (e, "established") in summary and summary[(e, "halo")] > 0]
    if ratios:
        print()
        print("| event | stall ratio established / halo |")
        print("|---|---:|")
        for event_name in ratios:
            print(f"| {NAMES[event_name]} | {summary[(event_name, 'established')] / summary[(event_name, 'halo')]:.1f}× |")
    for line in halod_comparison(summary):
        print(line)
    failed = [(s, e, r, why) for s, e, r, result, why in entries if result is None]
    if failed or run_problems:
        print("\n**Not measured** (each fails the verdict):\n")
        for problem in run_problems:
            print(f"- {problem}")
        for stack, event_name, round_, why in failed:
            print(f"- {stack}: {event_name} #{round_}: {why}")
    if name == "qemu":
        print("\nTCG software emulation stretches every absolute time; the ratios are the comparison.")
    elif name == "uml":
        print("\nUML: each guest process is a host process (system calls trapped by ptrace), a process start "
              "costs 6-14 ms on a host with hardware virtualisation and 130-180 ms under a nested PVM hypervisor "
              "(lab/README.md); the protocol timers (corosync, DRBD, open-iscsi) run in real time.")
    print("haloctl's check-health and rehearse bring their own evidence (no writers of the run): the "
          "rehearsal's stall and counts are its own writer's on the client, over the whole rehearsal.")
    print("Stall = the longest gap between two acknowledged writes on the client (one clock, exact) that "
          "touches the event's window, from the trigger to the harness seeing every LUN served again; "
          "served again = the end of that gap relative to the trigger (host and client clocks, ± the "
          "offsets in each event's offsets.txt). The longest gap outside the window is the same measure "
          "before the trigger or after the window (a busy lab, not the event).")


def halod_comparison(summary):
    """The halod profile against the Pacemaker profile (halo's agents under each) in the same run:
    the median stall's ratio per event, and issue 18's goal for move and crash."""
    shared = [e for e in ORDER if (e, "halod") in summary and (e, "halo") in summary and summary[(e, "halo")] > 0]
    if not shared:
        return []
    lines = ["", "| event | stall halod / Pacemaker (halo's agents in both) | goal: at most "
             f"{HALOD_GOAL_RATIO:g} for {' and '.join(HALOD_GOAL_EVENTS)} |", "|---|---:|---|"]
    for event_name in shared:
        ratio = summary[(event_name, "halod")] / summary[(event_name, "halo")]
        goal = ("—" if event_name not in HALOD_GOAL_EVENTS
                else "met" if ratio <= HALOD_GOAL_RATIO else "NOT met")
        lines.append(f"| {NAMES[event_name]} | {ratio:.2f} ({summary[(event_name, 'halod')]:.1f} s / "
                     f"{summary[(event_name, 'halo')]:.1f} s) | {goal} |")
    return lines


def own_evidence_parts(result):
    """The verdict's account of an event with its own evidence (OWN_EVIDENCE)."""
    if result["event"] == "haloctl-health":
        health = result.get("health", {})
        broken = health.get("broken", {}) if isinstance(health.get("broken"), dict) else {}
        status = result.get("status") or {}
        served = ", ".join(f"{lun} on {node}" for lun, node in sorted((status.get("served") or {}).items())) or "none"
        return [f"check-health with {broken.get('what', '?')}: {HEALTH_CHECK} for {', '.join(broken.get('found', [])) or 'nothing'} "
                f"(exit {broken.get('exitCode', '?')}; before {health.get('before', {}).get('exitCode', '?')}, "
                f"after {health.get('after', {}).get('exitCode', '?')}), the move onto it refused "
                f"(exit {health.get('moveRefused', {}).get('exitCode', '?')}); status before: the facts of "
                f"{', '.join(status.get('nodesRead', [])) or 'no node'} read, {served}"]
    moves = result.get("rehearsal", {}).get("moves", [])
    return [" then ".join(f"{m.get('from')} → {m.get('to')} {m.get('result')} in {seconds((m.get('totalMilliseconds') or 0) / 1000, 1)} s, "
                          f"unserved {seconds(None if m.get('unservedMilliseconds') is None else m['unservedMilliseconds'] / 1000, 1)} s"
                          for m in moves) or "no moves",
            "the client logged in again " + (", ".join(
                f"on {r.get('node')} after {seconds(r['loggedInMilliseconds'] / 1000, 1)} s" if isinstance(r.get("loggedInMilliseconds"), int)
                else f"NOT on {r.get('node')}" for r in result.get("rehearsal", {}).get("reconnections", [])) or "unmeasured"),
            f"its writer's longest stall {seconds(result.get('stallSeconds'))} s"]


def verdict_line(result):
    """One event's verdict in one line."""
    problems = result["problems"]
    head = f"{result['stack']}: {result['event']} #{result['round']}: {'FAIL' if problems else 'PASS'}"
    if result.get("ownEvidence"):
        parts = own_evidence_parts(result)
        if problems:
            return head + " — " + "; ".join(parts) + "; PROBLEMS: " + "; ".join(problems)
        records = ", ".join(f"{vm} {how['coversTo']}" for vm, how in result["records"].items())
        if result["event"] == "haloctl-rehearse":
            parts.append(f"{result['acknowledged']} acknowledged writes read back intact, 0 write errors")
        parts.append(f"never two Primaries (DRBD records: {records}), no split-brain")
        return head + " — " + "; ".join(parts)
    moved = ", ".join(f"LUN {n}" for n in result.get("affected", [])) or "no LUN"
    parts = [f"{moved} stall {seconds(result.get('stallSeconds'))} s in the event's window (longest gap "
             f"outside it {seconds(result.get('outsideGapSeconds'))} s), served again "
             f"{seconds(result.get('servedAgainSeconds'))} s after the trigger"]
    for lun, numbers in sorted(result.get("unmoved", {}).items()):
        parts.append(f"LUN {lun} (not moved): stall {seconds(numbers['stallSeconds'])} s")
    if problems:
        return head + " — " + "; ".join(parts) + "; PROBLEMS: " + "; ".join(problems)
    records = ", ".join(f"{vm} {how['coversTo']}" for vm, how in result["records"].items())
    parts.append(f"{result['acknowledged']} acknowledged writes read back intact (0 lost, 0 corrupt, 0 unreadable, "
                 f"0 of another tag), 0 write errors")
    parts.append(f"never two Primaries (overlap {result['dualPrimaryOverlapSeconds']:.2f} s; DRBD records: {records}), "
                 "no split-brain")
    return head + " — " + "; ".join(parts)


def judge(out, render):
    """Every planned event run, each judged by its result's problems and shown by `render`
    (a result → lines); the run's lines and exit status (1 unless every event passed)."""
    entries, run_problems = collect(out)
    lines = [f"FAIL: {problem}" for problem in run_problems]
    bad = bool(run_problems)
    for stack, event_name, round_, result, why in entries:
        if result is None:
            lines.append(f"{stack}: {event_name} #{round_}: FAIL — no result: {why}")
            bad = True
        else:
            lines.extend(render(result))
            bad = bad or bool(result["problems"])
    return lines, 1 if bad else 0


def verdict(out):
    lines, status = judge(out, lambda result: [verdict_line(result)])
    print("\n".join(lines))
    return status


def brief_lines(r):
    """The demo's verdict on one event: a few lines a newcomer reads at a glance."""
    moved = ", ".join(f"LUN {n}" for n in r["affected"])
    dual = "never" if r["dualPrimary"] is False else "YES" if r["dualPrimary"] else "unknown"
    lines = [f"{NAMES[r['event']]}, {r['stack']}: {'FAIL' if r['problems'] else 'PASS'}",
             f"  stall            {seconds(r['stallSeconds']):>6} s   {moved}: the longest wait for a write during the event",
             f"  served again     {seconds(r['servedAgainSeconds']):>6} s   after the trigger"]
    lines += [f"  LUN {lun} (not moved) {seconds(numbers['stallSeconds']):>5} s   its longest wait in the same window"
              for lun, numbers in sorted(r["unmoved"].items())]
    lines += [f"  writes verified  {r['acknowledged']:>6}     acknowledged, read back: {r['lost']} lost, "
              f"{r['corrupt']} corrupt, {r['unreadable']} unreadable, {r['wrongTag']} of another LUN",
              f"  write errors     {r['writeErrors']:>6}",
              f"  two Primaries    {dual:>6}     (both nodes' DRBD events, streamed to the host as they happened)"]
    return lines + [f"  PROBLEM: {problem}" for problem in r["problems"]]


def brief(out):
    lines, status = judge(out, brief_lines)
    print("\n".join("  " + line for line in [f"backend: {backend(out)[1]}"] + lines))
    return status


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "event" and len(sys.argv) == 6:
        json.dump(event(*sys.argv[2:6]), sys.stdout, indent=1)
        print()
    elif command in ("report", "verdict", "brief") and len(sys.argv) == 3:
        status = {"report": lambda out: report(out) or 0, "verdict": verdict, "brief": brief}[command](sys.argv[2])
        sys.exit(status)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
