#!/usr/bin/env python3
"""What Pacemaker reports about one LUN, from `crm_mon -1 --output-as=xml` on stdin (e2e/lib.sh).

  crm.py served-where N   the node where all of LUN N's resources outside a clone are Started
                          (halo: target-lunN and portal-lunN; established: the lunN-stack group's
                          addresses, target and logical unit), or nothing
  crm.py promoted N       the node where drbd-lunN is Promoted, or nothing
  crm.py summary N        one line for a person: where DRBD is Promoted and each resource runs
"""
import re
import sys
import xml.etree.ElementTree as ET


def lun_resources(root, lun):
    """LUN's resources outside a clone (in a group or not)."""
    mine = []
    for element in root.find("resources"):
        if element.tag == "resource":
            mine.append(element)
        elif element.tag == "group":
            mine.extend(element.findall("resource"))
    return [r for r in mine if re.search(rf"-lun{lun}$", r.get("id", ""))]


def promoted(root, lun):
    for resource in root.iter("resource"):
        if re.fullmatch(rf"drbd-lun{lun}(:\d+)?", resource.get("id", "")) and resource.get("role") in ("Promoted", "Master"):
            for node in resource.findall("node"):
                return node.get("name")
    return None


def served_where(root, lun):
    mine = lun_resources(root, lun)
    nodes = {n.get("name") for r in mine for n in r.findall("node")}
    if mine and len(nodes) == 1 and all(r.get("role") == "Started" for r in mine):
        return nodes.pop()
    return None


def summary(root, lun):
    parts = [f"DRBD Promoted on {promoted(root, lun) or 'no node'}"]
    for resource in lun_resources(root, lun):
        name = resource.get("id").rsplit("-", 1)[0]
        nodes = [n.get("name") for n in resource.findall("node")]
        role = resource.get("role", "?")
        parts.append(f"{name} {role.lower()}" + (f" on {', '.join(nodes)}" if nodes else ""))
    return ", ".join(parts)


def main(argv):
    commands = {"served-where": served_where, "promoted": promoted, "summary": summary}
    if len(argv) != 3 or argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    answer = commands[argv[1]](ET.fromstring(sys.stdin.read()), argv[2])
    if answer:
        print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
