#!/usr/bin/env python3
"""Tests of e2e/halod.py, the halod profile's answers about a LUN (served where, promoted where,
the outdated copies), on halod `status` answers shaped as Sources/HaloDaemon/StatusReport.swift
writes them.

  python3 -m unittest e2e/test_halod.py
"""
import json
import os
import subprocess
import sys
import unittest

HALOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "halod.py")


def answer(luns, nodes):
    return json.dumps({"version": 1, "ok": True, "status": {"luns": luns, "nodes": nodes}})


def node(name, running=(), member=True, in_sync=True, state="running"):
    return {"name": name, "member": member, "inSync": in_sync, "state": state, "running": list(running)}


def lun(name, owner, reason="placed", pending=None, outdated=()):
    return {"name": name, "node": owner, "reason": reason, "pendingMove": pending, "outdated": list(outdated)}


class LabConfigurationTest(unittest.TestCase):
    """The halod profile's lab configuration (e2e/lib.sh's e2e_halod_toml, which the lab loads
    with `halod --check` and runs) is the seed layout's example (Packaging/examples/halod.toml,
    shipped in the halod package) with the lab's site values: the same LUNs, and per LUN the same
    resources in the same order, with the same agents, roles, start orders and parameter names."""

    def test_the_lab_runs_the_shipped_example_with_its_own_site_values(self):
        import tomllib
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        generated = subprocess.run(["bash", "-c", 'source e2e/lib.sh && e2e_halod_toml'], cwd=repo,
                                   capture_output=True, text=True, check=True).stdout
        lab = tomllib.loads(generated)
        with open(os.path.join(repo, "Packaging", "examples", "halod.toml"), "rb") as file:
            example = tomllib.load(file)

        def shape(configuration):
            return [(lun["name"], [(r["id"], r["agent"], r.get("role", "serving"), r.get("start_after"), sorted(r.get("params", {})))
                                   for r in lun["resource"]]) for lun in configuration["lun"]]

        self.assertEqual(shape(lab), shape(example))
        self.assertEqual([n["id"] for n in lab["node"]], [n["id"] for n in example["node"]])
        self.assertEqual(sorted(lab["cluster"]), sorted(set(example["cluster"]) - {"startup_fence_delay", "fence_retry_limit"}))


class HalodAnswersTest(unittest.TestCase):
    def ask(self, text, *args):
        done = subprocess.run([sys.executable, HALOD, *args], input=text, capture_output=True, text=True)
        return done.returncode, done.stdout.strip()

    def test_served_only_where_the_owner_reports_the_stack_running(self):
        status = answer([lun("lun1", "node2")], [node("node1", ["lun1"]), node("node2")])
        self.assertEqual(self.ask(status, "served-where", "1"), (0, ""), "assigned to node2, not yet running there")
        self.assertEqual(self.ask(status, "promoted", "1"), (0, "node2"))
        status = answer([lun("lun1", "node2")], [node("node1"), node("node2", ["lun1"])])
        self.assertEqual(self.ask(status, "served-where", "1"), (0, "node2"))

    def test_a_lun_without_a_node_is_served_nowhere(self):
        status = answer([lun("lun1", None, reason="waiting for node1 to be fenced")], [node("node2", ["lun1"])])
        self.assertEqual(self.ask(status, "served-where", "1"), (0, ""))
        self.assertIn("waiting for node1 to be fenced", self.ask(status, "summary", "1")[1])

    def test_members_count_only_running_members_in_sync(self):
        status = answer([], [node("node1"), node("node2", in_sync=False)])
        self.assertEqual(self.ask(status, "members"), (0, "1"))
        status = answer([], [node("node1"), node("node2", member=False, in_sync=False, state="fenced")])
        self.assertEqual(self.ask(status, "members"), (0, "1"))
        self.assertEqual(self.ask(answer([], [node("node1"), node("node2")]), "members"), (0, "2"))

    def test_outdated_copies_are_listed_and_none_is_empty(self):
        status = answer([lun("lun1", "node1", outdated=["node2"]), lun("lun2", "node2")], [])
        self.assertEqual(self.ask(status, "outdated"), (0, "lun1: node2"))
        self.assertEqual(self.ask(answer([lun("lun1", "node1")], []), "outdated"), (0, ""))

    def test_a_refusal_or_no_answer_is_an_error_not_an_empty_answer(self):
        refused = json.dumps({"version": 1, "ok": False, "error": "not in sync"})
        self.assertEqual(self.ask(refused, "outdated")[0], 1)
        self.assertNotEqual(self.ask("", "outdated")[0], 0)


if __name__ == "__main__":
    unittest.main()
