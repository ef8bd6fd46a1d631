#!/usr/bin/env python3
"""Tests of e2e/analyze.py on small event directories made here (scripts/test runs them before
the lab): the verdict must rest on evidence, and missing or unreadable evidence must fail it.

Each test starts from a clean planned move of LUN 1 with two LUNs (every file e2e/run writes
for an event), changes one thing, and runs analyze.py's commands as e2e/run does: `event` for
each event directory, then `report` and `verdict` over the run.

  python3 -m unittest e2e/test_analyze.py      (or: python3 e2e/test_analyze.py)
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ANALYZE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analyze.py")
T = 1_800_000_000.0  # the trigger, host clock (every guest clock equals it here: offsets 0)
PACE = 0.02          # the writer's interval


def write_file(path, text):
    with open(path, "w") as file:
        file.write(text)


def iso(t):
    """An events2 --timestamps time (guest clock)."""
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="microseconds")


def acks(start, end, gaps=()):
    """Acknowledgement times every PACE s from start to end, none inside any (from, to) gap."""
    times, t = [], start
    while t < end:
        if not any(a < t < b for a, b in gaps):
            times.append(round(t, 3))
        t += PACE
    for a, b in gaps:  # the write that ends a gap is acknowledged at its end
        times.append(b)
    return sorted(set(times))


def exists(**roles):
    """events2's first lines (the state when the record began), before the trigger."""
    return [(T - 13, f"exists resource name:{lun} role:{role} suspended:no") for lun, role in roles.items()] + [(T - 13, "exists -")]


class Event:
    """One event directory as e2e/run leaves it; attributes are the parts a test changes."""

    def __init__(self, stack="halo", name="move", round_=1, luns=(1, 2)):
        self.stack, self.name, self.round, self.luns = stack, name, round_, list(luns)
        self.recovered = T + 20
        self.affected = None  # affected.txt (None: none written, analyze.py's defaults)
        # LUN 1 moves: 5 s without acknowledgements from +1 s; LUN 2 writes on.
        self.acks = {1: acks(T - 12, T + 25, [(T + 1, T + 6)]), 2: acks(T - 12, T + 25)}
        self.verify = {n: {"lost": 0, "corrupt": 0, "wrongTag": 0, "unreadable": 0, "writeErrors": 0} for n in luns}
        self.verify_exit = {n: 0 for n in luns}
        # node1 is Primary for LUN 1 until +4 s, node2 from +5.5 s; node2 Primary for LUN 2 throughout.
        self.events2 = {
            "node1": self.record("node1", exists(lun1="Primary", lun2="Secondary")
                                 + [(T + 4, "change resource name:lun1 role:Secondary")]),
            "node2": self.record("node2", exists(lun1="Secondary", lun2="Primary")
                                 + [(T + 5.5, "change resource name:lun1 role:Primary")]),
        }
        self.kernel = {vm: self.kernel_record(vm, []) for vm in ("node1", "node2")}
        self.journals = {vm: "" for vm in ("node1", "node2", "client")}
        self.files = {}  # an event's own evidence (haloctl's, the upgrade's): name → text

    @staticmethod
    def record(vm, lines, end=("stopped", T + 30)):
        """A streamed events2 record: the recorder's frame around timestamped lines."""
        out = [f"# recorder started {T - 14:.3f} vm={vm}"]
        out += [f"{iso(t)} {text}" for t, text in lines]
        if end:
            out.append(f"# recorder {end[0]} {end[1]:.3f}" + (" exit=255" if end[0] == "stream-ended" else ""))
        return "\n".join(out) + "\n"

    @staticmethod
    def kernel_record(vm, lines, end=("stopped", T + 30), marks=True):
        """A streamed kernel log: the recorder's frame, the harness's begin and end marks."""
        out = [f"# recorder started {T - 14:.3f} vm={vm}"]
        if marks:
            out.append("[12345.678] halo-e2e: kernel record begins")
        out += lines
        if marks and end and end[0] == "stopped":
            out.append("[12399.000] halo-e2e: kernel record ends")
        if end:
            out.append(f"# recorder {end[0]} {end[1]:.3f}")
        return "\n".join(out) + "\n"

    def write(self, out):
        d = os.path.join(out, self.stack, f"{self.name}-{self.round}")
        os.makedirs(d, exist_ok=True)
        put = lambda name, text: write_file(os.path.join(d, name), text)
        put("luns.txt", " ".join(map(str, self.luns)) + "\n")
        if self.affected is not None:
            put("affected.txt", self.affected + "\n")
        put("offsets.txt", "node1 0.000 0.002\nnode2 0.000 0.002\nclient 0.000 0.002\n")
        put("trigger.txt", f"{T:.6f}\n")
        put("recovered.txt", f"{self.recovered:.6f}\n")
        for n in self.luns:
            times = self.acks.get(n, [])
            if times is not None:
                with gzip.open(os.path.join(d, f"writer-lun{n}.log.gz"), "wt") as log:
                    for i, t in enumerate(times, 1):
                        log.write(f"A {i} {(i - 1) % 4096} {int(t * 1e9)} {int(t * 1e9)}\n")
            if self.verify.get(n) is not None:
                times = times or []
                gaps = [(b - a, a) for a, b in zip(times, times[1:])] or [(0, 0)]
                longest = max(gaps)
                verdict = {"acknowledged": len(times), "blocksChecked": min(len(times), 4096),
                           "longestGapSeconds": longest[0], "longestGapStartRealtime": longest[1],
                           "firstAckRealtime": times[0] if times else None,
                           "lastAckRealtime": times[-1] if times else None,
                           "firstErrorRealtime": None, "lastErrorRealtime": None,
                           "lostExamples": [], "wrongTagExamples": []}
                verdict.update(self.verify[n])
                put(f"verify-lun{n}.json", json.dumps(verdict) + "\n")
            if self.verify_exit.get(n) is not None:
                put(f"verify-lun{n}.exit", f"{self.verify_exit[n]}\n")
        for vm, text in self.events2.items():
            if text is not None:
                put(f"events2-{vm}.txt", text)
        for vm, text in self.kernel.items():
            if text is not None:
                put(f"kernel-{vm}.txt", text)
        for vm, text in self.journals.items():
            if text is not None:
                put(f"journal-{vm}.txt", text)
        for name, text in self.files.items():
            if text is not None:
                put(name, text)
        return d


CONSTRAINTS = '<constraints>\n  <rsc_location id="loc-lun1" rsc="drbd-lun1-clone" node="node1" score="100"/>\n</constraints>\n'
PROCESSES = "node1 corosync 101\nnode1 pacemakerd 102\nnode1 halod inactive\nnode2 corosync 201\nnode2 pacemakerd 202\nnode2 halod inactive\n"


# halod's answer to `status` after haloctl (e2e_haloctl's halod-after.json): no move in progress.
HALOD_AFTER = json.dumps({"version": 1, "ok": True, "status": {"luns": [
    {"name": "lun1", "node": "node2", "pendingMove": None, "outdated": []},
    {"name": "lun2", "node": "node2", "pendingMove": None, "outdated": []}]}}) + "\n"


def haloctl_move(**files):
    """A move made with haloctl: it exited 0 and left no constraint of its own."""
    event = Event(name="haloctl-move")
    event.files = {"haloctl.exit": "0\n", "haloctl.json": "{}\n", "constraints-after.txt": CONSTRAINTS, **files}
    return event


def upgrade(**files):
    """An in-place upgrade: nothing moved (no gap), both nodes at the new version, the same processes."""
    event = Event(name="upgrade")
    event.acks = {1: acks(T - 12, T + 25), 2: acks(T - 12, T + 25)}
    event.events2 = {
        "node1": Event.record("node1", exists(lun1="Primary", lun2="Secondary")),
        "node2": Event.record("node2", exists(lun1="Secondary", lun2="Primary")),
    }
    event.files = {"upgrade-expected.txt": "0.1.0\n",
                   "upgrade-installed.txt": "node1 0.1.0 0.1.0 0.1.0\nnode2 0.1.0 0.1.0 0.1.0\n",
                   "upgrade-from.txt": "node1 0.1.0~lab1 0.1.0~lab1 0.1.0~lab1\nnode2 0.1.0~lab1 0.1.0~lab1 0.1.0~lab1\n",
                   "processes-before.txt": PROCESSES, "processes-after.txt": PROCESSES, **files}
    return event


def health_answer(*warned, node="node2"):
    """check-health's JSON: portal.mtu passed for every LUN, or a warning for each LUN in `warned`."""
    findings = []
    for lun in ("lun1", "lun2"):
        if lun in warned:
            findings.append({"node": None, "check": "portal.mtu", "severity": "warning", "subject": lun,
                             "message": f"the MTU for 198.19.29.5{lun[-1]} (trunk.29) differs: 9000 on node1, 1500 on {node}",
                             "fix": "set the same MTU on every node's interface (and its parent)"})
        else:
            findings.append({"node": None, "check": "portal.mtu", "severity": "ok", "subject": lun,
                             "message": f"198.19.29.5{lun[-1]} (trunk.29): MTU 9000 on every node"})
    return json.dumps({"schema": "halo.health/1", "worst": "warning" if warned else "ok", "findings": findings,
                       "exitCode": 1 if warned else 0}) + "\n"


def status_answer(unread=(), lun2_health="healthy"):
    """haloctl status's JSON (halo.status/1, the fields analyze.py reads): lun1 on node1, lun2 on
    node2, both nodes' facts read unless named in `unread`."""
    def lun(n, node, health):
        return {"name": f"lun{n}", "health": health, "node": node, "problems": [] if health == "healthy" else ["cannot read DRBD on node2"],
                "drbd": {"node1": "Primary, UpToDate" if node == "node1" else "Secondary, UpToDate",
                         "node2": "unknown (node2 did not answer in time)" if "node2" in unread else
                                  ("Primary, UpToDate" if node == "node2" else "Secondary, UpToDate")},
                "target": f"iqn.2026-11.lab.test:lun{n} enabled",
                "portals": [{"address": f"198.19.{vlan}.5{n}", "interface": f"trunk.{vlan}", "up": True} for vlan in range(24, 30)]}
    nodes = [{"name": node, "state": "online", "facts": {"error": f"{node} did not answer in time"} if node in unread else {"read": True},
              "fencing": []} for node in ("node1", "node2")]
    return json.dumps({"schema": "halo.status/1", "manager": "pacemaker", "health": "healthy",
                       "luns": [lun(1, "node1", "healthy"), lun(2, "node2", lun2_health)], "nodes": nodes,
                       "exitCode": 0}) + "\n"


def own_evidence(name):
    """An event with evidence of its own: no writers of the run, nothing moves in DRBD's records."""
    event = Event(name=name)
    event.acks = {1: None, 2: None}
    event.verify = {1: None, 2: None}
    event.verify_exit = {1: None, 2: None}
    event.events2 = {
        "node1": Event.record("node1", exists(lun1="Primary", lun2="Secondary")),
        "node2": Event.record("node2", exists(lun1="Secondary", lun2="Primary")),
    }
    return event


def haloctl_health(**files):
    """check-health before (clean), with node2's VLAN-29 MTU at 1500 (a warning for both LUNs), after
    the repair (clean); the move onto node2 refused for its MTU meanwhile."""
    event = own_evidence("haloctl-health")
    refused = {"schema": "halo.move/1", "checksPassed": [], "plan": [], "exitCode": 1,
               "refusals": ["trunk.29 on node2 has MTU 1500, below the serving node's 9000: large frames from the initiators would be lost"]}
    event.files = {"broken.txt": "node2 trunk.29 mtu 1500\n",
                   "status.json": status_answer(), "status.exit": "0\n",
                   "health-before.json": health_answer(), "health-before.exit": "0\n",
                   "health-broken.json": health_answer("lun1", "lun2"), "health-broken.exit": "1\n",
                   "health-after.json": health_answer(), "health-after.exit": "0\n",
                   "move-refused.json": json.dumps(refused) + "\n", "move-refused.exit": "1\n", **files}
    return event


def rehearsal(moves=None, client=None, verdict="ok: longest stall 1.6 s; 3000 writes acknowledged, 0 lost", reconnections=None):
    moves = moves if moves is not None else [
        {"lun": "lun1", "from": "node1", "to": "node2", "result": "moved", "totalMilliseconds": 4100, "unservedMilliseconds": 1500},
        {"lun": "lun1", "from": "node2", "to": "node1", "result": "moved", "totalMilliseconds": 3900, "unservedMilliseconds": 1400}]
    client = client if client is not None else {"acknowledged": 3000, "lost": 0, "corrupt": 0, "wrongTag": 0, "unreadable": 0,
                                                "writeErrors": 0, "longestGapSeconds": 1.6}
    reconnections = reconnections if reconnections is not None else [
        {"node": m["to"], "initiators": ["iqn.2026-11.lab.test:client"], "loggedInMilliseconds": 2100, "missing": [], "failure": None}
        for m in moves]
    return json.dumps({"schema": "halo.rehearsal/1", "moves": moves, "reconnections": reconnections, "recordedUnservedMilliseconds": 2000,
                       "client": client, "clientVerdict": verdict, "exitCode": 0}) + "\n"


def haloctl_rehearse(**files):
    """haloctl rehearse lun1 --back --client: there and back, its writer's verdict clean; DRBD's
    records show the two switchovers, one Primary at a time."""
    event = own_evidence("haloctl-rehearse")
    event.events2 = {
        "node1": Event.record("node1", exists(lun1="Primary", lun2="Secondary")
                              + [(T + 4, "change resource name:lun1 role:Secondary"), (T + 15, "change resource name:lun1 role:Primary")]),
        "node2": Event.record("node2", exists(lun1="Secondary", lun2="Primary")
                              + [(T + 5.5, "change resource name:lun1 role:Primary"), (T + 14, "change resource name:lun1 role:Secondary")]),
    }
    event.files = {"haloctl.exit": "0\n", "haloctl.json": rehearsal(), "constraints-after.txt": CONSTRAINTS, **files}
    return event


class AnalyzeTest(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="halo-analyze-test.")
        self.addCleanup(shutil.rmtree, self.out)

    def plan(self, stacks=("halo",), events=("move",), repeat=1, backend="uml", not_applicable=(), rounds=None):
        plan = {"stacks": list(stacks), "events": list(events), "repeat": repeat,
                "backend": backend, "backendLabel": f"{backend.upper()} (test)",
                "notApplicable": [list(pair) for pair in not_applicable]}
        if rounds is not None:
            plan["rounds"] = rounds
        write_file(os.path.join(self.out, "plan.json"), json.dumps(plan))

    def run_tool(self, *args):
        return subprocess.run([sys.executable, ANALYZE, *args], capture_output=True, text=True)

    def analyze(self, *events):
        """e2e/run's sequence: each event's analysis into its result.json, then report and
        verdict. Returns (verdict exit status, verdict output, results.md, the results)."""
        results = []
        for event in events:
            d = event.write(self.out)
            done = self.run_tool("event", d, event.stack, event.name, str(event.round))
            if done.returncode == 0:
                write_file(os.path.join(d, "result.json"), done.stdout)
                results.append(json.loads(done.stdout))
        report = self.run_tool("report", self.out)
        write_file(os.path.join(self.out, "results.md"), report.stdout)
        verdict = self.run_tool("verdict", self.out)
        return verdict.returncode, verdict.stdout + verdict.stderr, report.stdout, results

    def assertFails(self, event, *words):
        self.plan(events=[event.name])
        status, text, _, _ = self.analyze(event)
        self.assertEqual(status, 1, f"the verdict passed:\n{text}")
        for word in words:
            self.assertIn(word, text)
        return text

    # --- the clean event passes, with its numbers ------------------------------------------------

    def test_a_clean_move_passes_with_the_stall_of_the_moved_lun(self):
        self.plan()
        status, text, report, results = self.analyze(Event())
        self.assertEqual(status, 0, text)
        self.assertAlmostEqual(results[0]["stallSeconds"], 5.0, places=2)
        self.assertAlmostEqual(results[0]["servedAgainSeconds"], 6.0, places=2)
        self.assertIn("never two Primaries", text)

    def test_the_demos_brief_verdict_names_each_measure(self):
        self.plan()
        self.analyze(Event())
        brief = self.run_tool("brief", self.out)
        self.assertEqual(brief.returncode, 0, brief.stdout)
        for words in ("PASS", "stall", "served again", "LUN 2 (not moved)", "writes verified", "write errors",
                      "two Primaries     never"):
            self.assertIn(words, brief.stdout)

    # --- haloctl's events: its exit status and the constraints it leaves ---------------------------

    def test_a_haloctl_move_that_exits_0_and_leaves_no_constraint_passes(self):
        self.plan(events=["haloctl-move"])
        status, text, _, results = self.analyze(haloctl_move())
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["haloctl"], {"exitCode": 0, "constraintsLeft": []})

    def test_a_haloctl_move_that_leaves_its_constraint_fails(self):
        left = CONSTRAINTS.replace("</constraints>", '  <rsc_location id="haloctl-move-drbd-lun1-clone" rsc="drbd-lun1-clone"/>\n</constraints>')
        self.assertFails(haloctl_move(**{"constraints-after.txt": left}), "haloctl-move-drbd-lun1-clone")

    def test_a_haloctl_move_that_failed_fails(self):
        self.assertFails(haloctl_move(**{"haloctl.exit": "1\n"}), "haloctl exited 1")

    def test_a_haloctl_move_without_its_exit_status_fails(self):
        self.assertFails(haloctl_move(**{"haloctl.exit": None}), "exit status is missing")

    def test_unknown_constraints_after_haloctl_fail(self):
        self.assertFails(haloctl_move(**{"constraints-after.txt": "Could not connect to the CIB\n"}),
                         "no CIB constraints section")

    def analyze_halod_haloctl_move(self, halod_after):
        """A haloctl move under halod whose halod-after.json is `halod_after`: (status, text, results)."""
        event = haloctl_move(**{"constraints-after.txt": None, "halod-after.json": halod_after})
        event.stack = "halod"
        self.plan(stacks=["halod"], events=["haloctl-move"])
        status, text, _, results = self.analyze(event)
        return status, text, results

    def test_a_haloctl_move_under_halod_that_leaves_no_move_in_progress_passes(self):
        status, text, results = self.analyze_halod_haloctl_move(HALOD_AFTER)
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["haloctl"], {"exitCode": 0, "movesPending": []})

    def test_a_haloctl_move_under_halod_that_leaves_a_move_in_progress_fails(self):
        status, text, _ = self.analyze_halod_haloctl_move(HALOD_AFTER.replace('"pendingMove": null', '"pendingMove": "node2"', 1))
        self.assertEqual(status, 1, text)
        self.assertIn("left a move in progress in halod's state: lun1 to node2", text)

    def test_halods_state_after_haloctl_unknown_fails(self):
        status, text, _ = self.analyze_halod_haloctl_move("Traceback: connection refused\n")
        self.assertEqual(status, 1, text)
        self.assertIn("halod's state after haloctl is unknown", text)

    # --- the halod profile beside the Pacemaker profile -------------------------------------------

    def test_the_report_compares_halod_with_pacemaker_against_the_goal(self):
        halo, halod = Event(), Event(stack="halod")
        halod.acks[1] = acks(T - 12, T + 25, [(T + 1, T + 3)])   # 2 s against 5 s: 0.40, the goal met
        self.plan(stacks=["halo", "halod"])
        status, text, report, _ = self.analyze(halo, halod)
        self.assertEqual(status, 0, text)
        rows = [line for line in report.split("\n") if line.startswith("| planned move")]
        self.assertEqual([row.split("|")[2].strip() for row in rows][:2], ["halo", "halod"], report)
        self.assertIn("| planned move (crm_resource --move, then clear; halod: its move request) | 0.40 (2.0 s / 5.0 s) | met |", report)

    def test_a_halod_stall_above_half_of_pacemakers_is_reported_as_not_met(self):
        halo, halod = Event(), Event(stack="halod")
        halod.acks[1] = acks(T - 12, T + 25, [(T + 1, T + 5)])
        self.plan(stacks=["halo", "halod"])
        _, _, report, _ = self.analyze(halo, halod)
        self.assertIn("| planned move (crm_resource --move, then clear; halod: its move request) | 0.80 (4.0 s / 5.0 s) | NOT met |", report)

    def test_an_event_that_does_not_apply_to_a_stack_is_not_expected(self):
        self.plan(stacks=["halod"], events=["move", "upgrade"], not_applicable=[("halod", "upgrade")])
        status, text, _, _ = self.analyze(Event(stack="halod"))
        self.assertEqual(status, 0, text)
        self.assertNotIn("upgrade", text)
        self.plan(stacks=["halo"], events=["move", "upgrade"], not_applicable=[("halod", "upgrade")])
        status, text, _, _ = self.analyze(Event())
        self.assertEqual(status, 1, "the upgrade is still planned for the Pacemaker profile")
        self.assertIn("upgrade #1: FAIL — no result", text)

    # --- haloctl check-health and rehearse: events with their own evidence --------------------------

    def test_check_health_that_finds_the_broken_mtu_and_its_repair_passes(self):
        self.plan(events=["haloctl-health"])
        status, text, report, results = self.analyze(haloctl_health())
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["health"]["broken"]["found"], ["lun1", "lun2"])
        self.assertIn("portal.mtu for lun1, lun2 (exit 1; before 0, after 0), the move onto it refused (exit 1)", text)
        self.assertIn("— (nothing moves)", report)

    def test_status_before_it_shows_both_nodes_facts_and_every_lun_served(self):
        self.plan(events=["haloctl-health"])
        status, text, _, results = self.analyze(haloctl_health())
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["status"], {"exitCode": 0, "nodesRead": ["node1", "node2"], "served": {"lun1": "node1", "lun2": "node2"}})
        self.assertIn("status before: the facts of node1, node2 read, lun1 on node1, lun2 on node2", text)

    def test_status_without_the_other_nodes_facts_fails(self):
        self.assertFails(haloctl_health(**{"status.json": status_answer(unread=("node2",), lun2_health="unknown"), "status.exit": "2\n"}),
                         "could not read the facts of node2", "lacks DRBD's state of lun1 on node2", "has lun2 unknown")

    def test_status_that_is_missing_fails_check_health(self):
        self.assertFails(haloctl_health(**{"status.json": None}), "haloctl status", "missing or unreadable")

    def test_check_health_that_misses_the_broken_mtu_fails(self):
        self.assertFails(haloctl_health(**{"health-broken.json": health_answer("lun1"), "health-broken.exit": "1\n"}),
                         "did not report portal.mtu for lun2")

    def test_check_health_that_exits_0_with_a_warning_fails(self):
        answer = json.loads(health_answer("lun1", "lun2"))
        answer["exitCode"] = 0
        self.assertFails(haloctl_health(**{"health-broken.json": json.dumps(answer), "health-broken.exit": "0\n"}),
                         "exited 0 with node2 trunk.29 mtu 1500")

    def test_check_health_that_warned_before_anything_was_broken_fails(self):
        self.assertFails(haloctl_health(**{"health-before.json": health_answer("lun2"), "health-before.exit": "1\n"}),
                         "before anything was broken: lun2")

    def test_check_health_that_still_warns_after_the_repair_fails(self):
        self.assertFails(haloctl_health(**{"health-after.json": health_answer("lun1", "lun2"), "health-after.exit": "1\n"}),
                         "still reported portal.mtu after the repair")

    def test_a_move_onto_the_broken_node_that_is_not_refused_fails_check_health(self):
        allowed = json.dumps({"schema": "halo.move/1", "refusals": [], "plan": ["promote drbd-lun1 on node2"], "exitCode": 0})
        self.assertFails(haloctl_health(**{"move-refused.json": allowed, "move-refused.exit": "0\n"}), "was not refused for its MTU")

    def test_check_health_without_its_answer_after_the_repair_fails(self):
        self.assertFails(haloctl_health(**{"health-after.json": None}), "check-health after", "missing or unreadable")

    def test_a_rehearsal_there_and_back_with_a_clean_client_passes(self):
        self.plan(events=["haloctl-rehearse"])
        status, text, _, results = self.analyze(haloctl_rehearse())
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["stallSeconds"], 1.6)
        self.assertEqual(results[0]["acknowledged"], 3000)
        self.assertEqual(results[0]["haloctl"], {"exitCode": 0, "constraintsLeft": []})
        self.assertIn("node1 → node2 moved in 4.1 s, unserved 1.5 s then node2 → node1 moved", text)
        self.assertIn("3000 acknowledged writes read back intact", text)
        self.assertIn("the client logged in again on node2 after 2.1 s, on node1 after 2.1 s", text)

    def test_a_rehearsal_whose_client_did_not_log_in_again_fails(self):
        missing = [{"node": "node2", "initiators": ["iqn.2026-11.lab.test:client"], "loggedInMilliseconds": 2100, "missing": []},
                   {"node": "node1", "initiators": ["iqn.2026-11.lab.test:client"], "loggedInMilliseconds": None,
                    "missing": ["iqn.2026-11.lab.test:client"]}]
        self.assertFails(haloctl_rehearse(**{"haloctl.json": rehearsal(reconnections=missing)}), "did not log in again on node1")
        self.assertFails(haloctl_rehearse(**{"haloctl.json": rehearsal(reconnections=[])}), "did not time the initiators' return")

    def test_a_rehearsal_whose_client_lost_writes_fails(self):
        client = {"acknowledged": 3000, "lost": 3, "corrupt": 0, "wrongTag": 0, "unreadable": 0, "writeErrors": 0, "longestGapSeconds": 1.6}
        self.assertFails(haloctl_rehearse(**{"haloctl.json": rehearsal(client=client, verdict="FAILED: 3 lost")}),
                         "3 acknowledged writes lost")

    def test_a_rehearsal_without_the_clients_verdict_fails(self):
        report = json.loads(rehearsal())
        report["client"] = None
        report["clientVerdict"] = "FAILED: the writer did not finish cleanly"
        self.assertFails(haloctl_rehearse(**{"haloctl.json": json.dumps(report)}), "no read-back verdict from the client")

    def test_a_rehearsal_that_did_not_come_back_fails(self):
        one = json.loads(rehearsal())["moves"][:1]
        self.assertFails(haloctl_rehearse(**{"haloctl.json": rehearsal(moves=one)}), "did not move there and back")

    def test_a_rehearsal_with_two_primaries_fails(self):
        event = haloctl_rehearse()
        event.events2["node2"] = Event.record("node2", exists(lun1="Secondary", lun2="Primary")
                                              + [(T + 2, "change resource name:lun1 role:Primary"), (T + 14, "change resource name:lun1 role:Secondary")])
        self.assertFails(event, "two Primaries")

    # --- the upgrade in place: versions, processes, the cluster's actions -----------------------------

    def test_an_upgrade_that_restarted_and_moved_nothing_passes(self):
        self.plan(events=["upgrade"])
        status, text, _, results = self.analyze(upgrade())
        self.assertEqual(status, 0, text)
        self.assertTrue(results[0]["upgrade"]["processesUnchanged"])
        self.assertEqual(results[0]["upgrade"]["clusterActions"], [])

    def test_a_cluster_action_during_the_upgrade_fails_it(self):
        event = upgrade()
        event.journals["node1"] = (f"{T + 3:.6f} node1 pacemaker-controld[1735]:  notice: Initiating stop operation "
                                   "target-lun1_stop_0 locally on node1\n")
        self.assertFails(event, "the cluster acted during the upgrade", "target-lun1_stop_0")

    def test_a_cluster_action_before_the_upgrade_does_not_count(self):
        event = upgrade()
        event.journals["node1"] = (f"{T - 30:.6f} node1 pacemaker-controld[1735]:  notice: Initiating start operation "
                                   "target-lun1_start_0 locally on node1\n")
        self.plan(events=["upgrade"])
        status, text, _, _ = self.analyze(event)
        self.assertEqual(status, 0, text)

    def test_a_restarted_cluster_process_fails_the_upgrade(self):
        self.assertFails(upgrade(**{"processes-after.txt": PROCESSES.replace("pacemakerd 202", "pacemakerd 907")}),
                         "cluster processes changed")

    def test_a_node_left_at_the_old_version_fails_the_upgrade(self):
        self.assertFails(upgrade(**{"upgrade-installed.txt": "node1 0.1.0 0.1.0 0.1.0\nnode2 0.1.0~lab1 0.1.0 0.1.0\n"}),
                         "node2: after the upgrade")

    def test_an_upgrade_from_the_same_version_is_no_upgrade(self):
        self.assertFails(upgrade(**{"upgrade-from.txt": "node1 0.1.0 0.1.0 0.1.0\nnode2 0.1.0 0.1.0 0.1.0\n"}),
                         "nothing older than 0.1.0 was upgraded")

    def test_a_cluster_daemon_without_a_process_cannot_be_compared(self):
        gone = PROCESSES.replace("node2 pacemakerd 202", "node2 pacemakerd")
        self.assertFails(upgrade(**{"processes-before.txt": gone, "processes-after.txt": gone}),
                         "no process to compare for node2 pacemakerd")

    def test_an_upgrade_without_the_processes_after_fails(self):
        self.assertFails(upgrade(**{"processes-after.txt": None}), "cannot judge the upgrade")

    # --- item: unreadable blocks and a failed verify --------------------------------------------

    def test_unreadable_blocks_fail_the_verdict(self):
        event = Event()
        event.verify[1]["unreadable"] = 3
        event.verify_exit[1] = 1
        self.assertFails(event, "unreadable")

    def test_a_failed_verify_fails_the_verdict_even_with_clean_counts(self):
        event = Event()
        event.verify_exit[2] = 1
        self.assertFails(event, "verify")

    def test_a_missing_lun_verify_file_fails_the_verdict(self):
        event = Event()
        event.verify[2] = None
        event.verify_exit[2] = None
        self.assertFails(event, "lun2")

    def test_blocks_of_another_tag_fail_the_verdict(self):
        event = Event()
        event.verify[1]["wrongTag"] = 64
        event.verify_exit[1] = 1
        self.assertFails(event, "tag")

    def test_a_verify_without_the_tag_check_fails_the_verdict(self):
        event = Event()
        event.verify[1]["wrongTag"] = None
        self.assertFails(event, "wrongTag")

    # --- item: two Primaries, from records that cover the event ----------------------------------

    def test_an_empty_events2_record_fails_the_verdict(self):
        event = Event()
        event.events2["node1"] = ""
        self.assertFails(event, "node1")

    def test_a_missing_events2_record_fails_the_verdict(self):
        event = Event()
        event.events2["node2"] = None
        self.assertFails(event, "node2")

    def test_a_record_that_ends_while_its_node_is_up_fails_the_verdict(self):
        event = Event()
        event.events2["node1"] = Event.record("node1", exists(lun1="Primary"), end=("stream-ended", T + 2))
        self.assertFails(event, "node1")

    def test_a_crashed_primary_is_primary_until_its_power_off_and_no_longer(self):
        # node1 (Primary for LUN 1) loses power at +0.1 s; its record ends there; node2 promotes
        # at +10 s: no overlap, and the verdict names the power-off.
        event = Event(name="crash")
        event.acks[1] = acks(T - 12, T + 25, [(T + 0.05, T + 12)])
        event.events2["node1"] = Event.record("node1", exists(lun1="Primary", lun2="Secondary"), end=("power-off", T + 0.1))
        event.events2["node1"] += f"# recorder stream-ended {T + 7:.3f} exit=255\n"
        event.events2["node2"] = Event.record("node2", exists(lun1="Secondary", lun2="Primary")
                                              + [(T + 10, "change resource name:lun1 role:Primary")])
        event.kernel["node1"] = Event.kernel_record("node1", [], end=("power-off", T + 0.1))
        self.plan(events=["crash"])
        status, text, _, results = self.analyze(event)
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["dualPrimaryOverlapSeconds"], 0)
        self.assertIn("power-off", json.dumps(results[0]["records"]["node1"]))

    def test_two_primaries_fail_the_verdict(self):
        event = Event()
        event.events2["node2"] = Event.record("node2", exists(lun1="Secondary") + [(T + 2, "change resource name:lun1 role:Primary")])
        self.assertFails(event, "two Primaries")

    # --- item: split-brain messages -------------------------------------------------------------

    def test_a_split_brain_message_fails_the_verdict(self):
        event = Event()
        event.kernel["node2"] = Event.kernel_record("node2", ["[12350.000] drbd lun1: Split-Brain detected but unresolved, dropping connection!"])
        self.assertFails(event, "split-brain")

    def test_an_unreadable_split_brain_count_is_not_zero(self):
        event = Event()
        event.kernel["node1"] = None
        self.assertFails(event, "node1")

    def test_a_kernel_record_without_the_begin_mark_is_unreadable(self):
        event = Event()
        event.kernel["node2"] = Event.kernel_record("node2", [], marks=False)
        self.assertFails(event, "node2")

    # --- item: every planned event has a result, and every result is read -------------------------

    def test_an_unparsable_result_fails_the_report_and_the_verdict(self):
        self.plan(events=["move", "crash"])
        self.analyze(Event(), Event(name="crash"))
        write_file(os.path.join(self.out, "halo", "crash-1", "result.json"), "{not json")
        report = self.run_tool("report", self.out).stdout
        verdict = self.run_tool("verdict", self.out)
        self.assertEqual(verdict.returncode, 1, verdict.stdout)
        self.assertIn("crash", verdict.stdout)
        self.assertIn("crash", report)

    def test_a_failed_analysis_fails_the_verdict_and_says_why(self):
        self.plan(events=["move", "crash"])
        self.analyze(Event())
        crashed = Event(name="crash").write(self.out)  # e2e/run keeps the analysis's error, no result
        write_file(os.path.join(crashed, "analysis-failed.txt"), "Traceback ...\nValueError: boom\n")
        verdict = self.run_tool("verdict", self.out)
        self.assertEqual(verdict.returncode, 1, verdict.stdout)
        self.assertIn("crash #1: FAIL — no result: its analysis failed", verdict.stdout)
        self.assertIn("boom", verdict.stdout)

    def test_a_planned_event_without_a_result_fails_the_verdict(self):
        self.plan(events=["move", "crash"])
        status, text, _, _ = self.analyze(Event())
        self.assertEqual(status, 1, text)
        self.assertIn("crash", text)

    def test_an_events_own_rounds_are_planned_and_each_missing_round_fails(self):
        # e2e/run --events move:3,crash --repeat 1: three moves, one crash.
        self.plan(events=["move", "crash"], rounds={"move": 3, "crash": 1})
        status, text, _, _ = self.analyze(Event(round_=1), Event(round_=2), Event(name="crash"))
        self.assertEqual(status, 1, text)
        self.assertIn("move #3: FAIL — no result", text)
        self.assertNotIn("move #2: FAIL", text)
        self.assertNotIn("crash #2", text)

    # --- item: the stall is measured in the event's window ---------------------------------------

    def test_the_stall_is_the_longest_gap_in_the_window_and_a_longer_one_before_it_is_reported_apart(self):
        event = Event()
        event.acks[1] = acks(T - 12, T + 25, [(T - 8, T - 5), (T + 1, T + 2.5)])
        self.plan()
        status, text, _, results = self.analyze(event)
        self.assertEqual(status, 0, text)
        self.assertAlmostEqual(results[0]["stallSeconds"], 1.5, places=2)
        self.assertAlmostEqual(results[0]["servedAgainSeconds"], 2.5, places=2)
        self.assertAlmostEqual(results[0]["outsideGapSeconds"], 3.0, places=2)

    def test_a_writer_log_that_disagrees_with_its_verify_fails_the_verdict(self):
        event = Event()
        event.verify[1]["acknowledged"] = 5
        self.assertFails(event, "lun1")

    def test_a_missing_writer_log_fails_the_verdict(self):
        event = Event()
        event.acks[2] = None
        event.verify[2] = {"lost": 0, "corrupt": 0, "wrongTag": 0, "unreadable": 0, "writeErrors": 0}
        self.assertFails(event, "lun2")

    # --- item: the LUN that was not moved is reported -------------------------------------------

    def test_the_lun_that_was_not_moved_is_in_the_table_and_the_verdict(self):
        event = Event()
        event.acks[2] = acks(T - 12, T + 25, [(T + 2, T + 6)])
        self.plan()
        status, text, report, results = self.analyze(event)
        self.assertEqual(status, 0, text)
        self.assertAlmostEqual(results[0]["unmoved"]["2"]["stallSeconds"], 4.0, places=2)
        self.assertIn("LUN 2 (not moved)", text)
        rows = [line for line in report.split("\n") if line.startswith("| planned move")]
        self.assertIn("4.0", rows[0])  # the table's first row

    # --- item: the backend is named; a run's affected LUNs --------------------------------------

    def test_the_report_names_the_backend_of_the_run(self):
        self.plan(backend="uml")
        status, text, report, results = self.analyze(Event())
        self.assertEqual(status, 0, text)
        self.assertTrue(report.startswith("Backend: UML (test)."), report[:200])

    def test_the_affected_luns_of_the_run_are_judged_together(self):
        # The scale layout: both LUNs on node1, both moved by the event (affected.txt); the
        # slower one is the event's stall, and no LUN is reported as not moved.
        event = Event()
        event.acks[2] = acks(T - 12, T + 25, [(T + 2, T + 8)])
        event.affected = "1 2"
        self.plan()
        status, text, report, results = self.analyze(event)
        self.assertEqual(status, 0, text)
        self.assertEqual(results[0]["affected"], [1, 2])
        self.assertEqual(results[0]["unmoved"], {})
        self.assertAlmostEqual(results[0]["stallSeconds"], 6.0, places=2)


if __name__ == "__main__":
    unittest.main()
