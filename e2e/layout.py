#!/usr/bin/env python3
"""The crm configuration e2e/run loads: a stack's file (e2e/halo.crm, e2e/established.crm) cut
or grown to the LUNs of the run.

  layout.py FILE --luns 1,2 [--disk N=PATH ...] [--home N=NODE ...]

Prints the configuration on stdout. The file holds statements for LUN 1 and LUN 2 (each LUN's
statements name it: lunN, /dev/drbdN, its portal addresses 198.19.V.(50+N)) and statements that
name no LUN (properties, fencing, the established stack's VLANs), which are kept as they are,
with every comment. For each LUN of the run:
  - the file's own statements of that LUN when it has them, else LUN 1's with the LUN's number
    put in: lun1 -> lunN, /dev/drbd1 -> /dev/drbdN, 198.19.V.51 -> 198.19.V.(50+N);
  - --disk N=PATH: the LUN's backing disk (the /dev/vdX its statements name) becomes PATH;
  - --home N=NODE: the node its `lunN-prefers-...` location rule prefers becomes NODE.
Statements of LUNs not in the run are left out. A LUN beyond 204 would leave 198.19.V.0/24.
"""
import argparse
import re
import sys


def statements(path):
    """The file as a list of statements: a comment line, a blank line, or one crm statement with
    its backslash continuations."""
    out, current = [], []
    with open(path) as file:
        for line in file:
            current.append(line)
            if line.rstrip("\n").endswith("\\"):
                continue
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def luns_named(text):
    return {int(n) for n in re.findall(r"lun(\d+)", text)}


def renumber(text, lun):
    """LUN 1's statement for LUN `lun`."""
    text = re.sub(r"lun1(?!\d)", f"lun{lun}", text)
    text = re.sub(r"/dev/drbd1(?!\d)", f"/dev/drbd{lun}", text)
    return re.sub(r"(198\.19\.\d+)\.51(?!\d)", lambda m: f"{m.group(1)}.{50 + lun}", text)


def customize(text, lun, disk, home):
    if disk:
        text = re.sub(r"/dev/vd[b-z](?![\w/])", disk, text)
    if home and re.search(rf"lun{lun}-prefers-node\d", text):
        text = re.sub(rf"lun{lun}-prefers-node\d", f"lun{lun}-prefers-{home}", text)
        text = re.sub(r"#uname eq \S+", f"#uname eq {home}", text)
    return text


def layout(path, luns, disks, homes):
    kept, by_lun = [], {}
    for text in statements(path):
        named = luns_named(text)
        if text.lstrip().startswith("#") or not text.strip() or not named:
            kept.append(text)
        elif len(named) == 1:
            by_lun.setdefault(named.pop(), []).append(text)
        else:
            raise SystemExit(f"layout.py: a statement names several LUNs ({sorted(named)}): {text.strip()[:120]}")
    if 1 not in by_lun:
        raise SystemExit(f"layout.py: {path} has no statements of LUN 1 (the template of the others)")
    out = kept
    for lun in luns:
        own = by_lun.get(lun) or [renumber(text, lun) for text in by_lun[1]]
        out.append(f"\n# LUN {lun}" + ("" if lun in by_lun else " (LUN 1's statements, renumbered by e2e/layout.py)") + "\n")
        out.extend(customize(text, lun, disks.get(lun), homes.get(lun)) for text in own)
    return "".join(out)


def pairs(values, what):
    result = {}
    for value in values:
        number, sep, text = value.partition("=")
        if not sep or not number.isdigit() or not text:
            raise SystemExit(f"layout.py: --{what} wants N={what.upper()}, not {value!r}")
        result[int(number)] = text
    return result


def main(argv):
    parser = argparse.ArgumentParser(description="the crm configuration of an e2e run's LUNs")
    parser.add_argument("file")
    parser.add_argument("--luns", required=True, help="comma-separated LUN numbers")
    parser.add_argument("--disk", action="append", default=[], help="N=PATH")
    parser.add_argument("--home", action="append", default=[], help="N=NODE")
    args = parser.parse_args(argv[1:])
    luns = [int(n) for n in args.luns.split(",") if n]
    if not luns or any(n < 1 or n > 204 for n in luns):
        raise SystemExit("layout.py: --luns wants numbers from 1 to 204")
    sys.stdout.write(layout(args.file, luns, pairs(args.disk, "disk"), pairs(args.home, "home")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
