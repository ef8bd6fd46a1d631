#!/usr/bin/env python3
"""What halod reports about one LUN, from its `status` answer (JSON) on stdin (e2e/lib.sh, the
halod profile; the same questions e2e/crm.py answers from crm_mon for the Pacemaker profile).

  halod.py served-where N   the node the agreed state assigns lunN to, when that node also
                            reports lunN's stack running (its last announcement), or nothing
  halod.py promoted N       the node the agreed state assigns lunN to (DRBD is promoted only
                            there), or nothing
  halod.py summary N        one line for a person: lunN's node and why, whether it reports the
                            stack running, a move in progress
  halod.py members          how many configured nodes are members in sync and running
  halod.py outdated         every LUN with a copy DRBD's fence-peer handler outdated
                            ("lun1: node2"), one per line; nothing when there is none
"""
import json
import sys


def lun(status, number):
    name = f"lun{number}"
    return next((entry for entry in status.get("luns", []) if entry.get("name") == name), None)


def node(status, name):
    return next((entry for entry in status.get("nodes", []) if entry.get("name") == name), None)


def promoted(status, number):
    entry = lun(status, number)
    return entry.get("node") if entry else None


def served_where(status, number):
    owner = promoted(status, number)
    record = node(status, owner) if owner else None
    if record and f"lun{number}" in record.get("running", []):
        return owner
    return None


def summary(status, number):
    entry = lun(status, number)
    if entry is None:
        return f"halod knows no lun{number}"
    owner = entry.get("node")
    if owner is None:
        return f"lun{number} has no node ({entry.get('reason', '?')})"
    text = f"assigned to {owner} ({entry.get('reason', '?')}), " + (
        "served there" if served_where(status, number) else "not reported running there yet")
    if entry.get("pendingMove"):
        text += f", moving to {entry['pendingMove']}"
    return text


def members(status):
    return str(sum(1 for entry in status.get("nodes", [])
                   if entry.get("member") and entry.get("inSync") and entry.get("state") == "running"))


def outdated(status):
    return "\n".join(f"{entry['name']}: {' '.join(entry['outdated'])}"
                     for entry in status.get("luns", []) if entry.get("outdated")) or None


def main(argv):
    per_lun = {"served-where": served_where, "promoted": promoted, "summary": summary}
    whole = {"members": members, "outdated": outdated}
    if not ((len(argv) == 3 and argv[1] in per_lun) or (len(argv) == 2 and argv[1] in whole)):
        print(__doc__, file=sys.stderr)
        return 2
    status = json.loads(sys.stdin.read())
    if status.get("ok") is False:
        print(f"halod: {status.get('error', 'refused')}", file=sys.stderr)
        return 1
    status = status.get("status", status)
    answer = per_lun[argv[1]](status, argv[2]) if len(argv) == 3 else whole[argv[1]](status)
    if answer:
        print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
