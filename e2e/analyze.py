#!/usr/bin/env python3
"""Measurements of the end-to-end events (e2e/run).

  analyze.py event DIR STACK EVENT ROUND   one event's result (JSON on stdout), and DIR/timeline.txt
  analyze.py report OUT                    every event's result → OUT/results.json, a table on stdout
  analyze.py verdict OUT                   one line per event run, and the exit status: 1 when any
                                           acknowledged write was lost or corrupt, any write failed
                                           on the client, or two Primaries overlapped
"""
import datetime
import glob
import json
import os
import re
import statistics
import sys

AFFECTED = {"move": [1], "drain": [1], "crash": [1], "link": [1, 2], "vlan": [1]}
KEY_LINES = re.compile(r"Result of|Initiating|will be fenced|Operation '(reboot|off)'|A new membership|"
                       r"Token has not been received|fence-peer|halo|placed|removed|PingAck|Split-Brain|"
                       r"conn\( |role\( |pdsk\( |crm-fence-peer|crm-unfence-peer|"
                       r"detected conn error|ping timeout|operational|session recovery|Kernel reported iSCSI")


def offsets(directory):
    result = {}
    for line in open(os.path.join(directory, "offsets.txt")):
        vm, offset, error = line.split()
        result[vm] = (float(offset), float(error))
    return result


def parse_time(token):
    """events2 --timestamps: an ISO 8601 time with fractional seconds and a zone."""
    try:
        return datetime.datetime.fromisoformat(token.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def primary_intervals(path, offset, end):
    """Per resource, the (start, end) host times the node was Primary, from an events2 recording."""
    intervals, since = {}, {}
    first = None
    for line in open(path, errors="replace"):
        words = line.split()
        if len(words) < 3:
            continue
        time = parse_time(words[0])
        if time is None:
            continue
        time += offset
        first = first if first is not None else time
        fields = dict(w.split(":", 1) for w in words[3:] if ":" in w)
        if words[2] != "resource" or "role" not in fields:
            continue
        name = fields.get("name")
        if fields["role"] == "Primary" and name not in since:
            since[name] = time if words[1] != "exists" else (first or time)
        elif fields["role"] != "Primary" and name in since:
            intervals.setdefault(name, []).append((since.pop(name), time))
    for name, start in since.items():
        intervals.setdefault(name, []).append((start, end))
    return intervals


def dual_primary(directory, clocks, end):
    a = primary_intervals(os.path.join(directory, "events2-node1.txt"), clocks["node1"][0], end)
    b = primary_intervals(os.path.join(directory, "events2-node2.txt"), clocks["node2"][0], end)
    uncertainty = clocks["node1"][1] + clocks["node2"][1] + 0.5
    worst = 0.0
    for name in set(a) & set(b):
        for s1, e1 in a[name]:
            for s2, e2 in b[name]:
                worst = max(worst, min(e1, e2) - max(s1, s2))
    return worst, worst > uncertainty


def timeline(directory, clocks, trigger):
    entries = []
    for vm in ("node1", "node2", "client"):
        path = os.path.join(directory, f"journal-{vm}.txt")
        if not os.path.exists(path):
            continue
        for line in open(path, errors="replace"):
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


def event(directory, stack, name, round_):
    clocks = offsets(directory)
    trigger = float(open(os.path.join(directory, "trigger.txt")).read())
    luns = {}
    for path in sorted(glob.glob(os.path.join(directory, "verify-lun*.json"))):
        lun = int(re.search(r"lun(\d+)", path).group(1))
        verdict = json.load(open(path))
        gap_end = verdict["longestGapStartRealtime"] + verdict["longestGapSeconds"] + clocks["client"][0]
        verdict["stallSeconds"] = verdict["longestGapSeconds"]
        verdict["servedAgainSeconds"] = round(gap_end - trigger, 2)
        luns[lun] = verdict
    end = max(v["lastAckRealtime"] + clocks["client"][0] for v in luns.values())
    overlap, dual = dual_primary(directory, clocks, end)
    split = [open(os.path.join(directory, f"splitbrain-{vm}.txt")).read().strip() for vm in ("node1", "node2")]
    timeline(directory, clocks, trigger)
    affected = AFFECTED.get(name, [1])
    result = {
        "stack": stack, "event": name, "round": int(round_), "trigger": trigger,
        "luns": luns, "affected": affected,
        "stallSeconds": max(luns[n]["stallSeconds"] for n in affected if n in luns),
        "servedAgainSeconds": max(luns[n]["servedAgainSeconds"] for n in affected if n in luns),
        "writeErrors": sum(v["writeErrors"] for v in luns.values()),
        "lost": sum(v["lost"] for v in luns.values()), "corrupt": sum(v["corrupt"] for v in luns.values()),
        "acknowledged": sum(v["acknowledged"] for v in luns.values()),
        "dualPrimaryOverlapSeconds": round(overlap, 2), "dualPrimary": dual,
        "splitBrainKernelMessages": split,
        "clockUncertaintySeconds": round(max(e for _, e in clocks.values()), 2),
    }
    json.dump(result, sys.stdout, indent=1)
    print()


def report(out):
    results = []
    for path in sorted(glob.glob(os.path.join(out, "*", "*", "result.json"))):
        try:
            results.append(json.load(open(path)))
        except ValueError:
            pass
    json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=1)
    events = sorted({r["event"] for r in results}, key=["move", "drain", "crash", "link", "vlan"].index)
    order = ["move", "drain", "crash", "link", "vlan"]
    names = {"move": "planned move (crm_resource --move, then clear)", "drain": "node drain (standby node1)",
             "crash": "hard crash of node1 (fenced)", "link": "replication link cut, then healed",
             "vlan": "portal VLAN interface down on the active node"}
    print("| event | stack | runs | stall median (range) | served again median | write errors | lost | corrupt | dual Primary |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|")
    summary = {}
    for event in [e for e in order if e in events]:
        for stack in ("halo", "established"):
            runs = [r for r in results if r["event"] == event and r["stack"] == stack]
            if not runs:
                continue
            stalls = [r["stallSeconds"] for r in runs]
            served = [r["servedAgainSeconds"] for r in runs]
            summary[(event, stack)] = statistics.median(stalls)
            print(f"| {names[event]} | {stack} | {len(runs)} | {statistics.median(stalls):.1f} s "
                  f"({min(stalls):.1f}–{max(stalls):.1f}) | {statistics.median(served):.1f} s | "
                  f"{sum(r['writeErrors'] for r in runs)} | {sum(r['lost'] for r in runs)} | "
                  f"{sum(r['corrupt'] for r in runs)} | {'YES' if any(r['dualPrimary'] for r in runs) else 'never'} |")
    print()
    print("| event | stall ratio established / halo |")
    print("|---|---:|")
    for event in [e for e in order if e in events]:
        if (event, "halo") in summary and (event, "established") in summary and summary[(event, "halo")] > 0:
            print(f"| {names[event]} | {summary[(event, 'established')] / summary[(event, 'halo')]:.1f}× |")
    not_up = os.path.join(out, "not-up.txt")
    if os.path.exists(not_up):
        for stack in open(not_up).read().split():
            print(f"\n**The {stack} stack did not come up within 20 minutes; its events were not measured** "
                  f"(the cluster's view: {stack}/configure-failure.txt).")
    print("\nTCG software emulation stretches every absolute time; the ratios are the comparison. "
          "Stall = the longest gap between two acknowledged writes on the client (one clock, exact); "
          "served again = the end of that gap relative to the trigger (host and client clocks, ± the "
          "offsets in each event's offsets.txt).")


def verdict(out):
    results = json.load(open(os.path.join(out, "results.json")))
    bad = False
    for r in results:
        problems = [f"{r[k]} {label}" for k, label in (("lost", "acknowledged writes lost"), ("corrupt", "corrupt blocks"),
                                                     ("writeErrors", "write errors on the client")) if r[k]]
        if r["dualPrimary"]:
            problems.append(f"two Primaries for {r['dualPrimaryOverlapSeconds']} s")
        bad = bad or bool(problems)
        print(f"{r['stack']}: {r['event']} #{r['round']}: client stall {r['stallSeconds']:.1f} s, served again "
              f"{r['servedAgainSeconds']:.1f} s after the trigger; {r['acknowledged']} acknowledged writes read back: "
              + ("; ".join(problems) if problems else "all intact, no write error, never two Primaries"))
    if not results:
        print("no event results")
        bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if sys.argv[1] == "event":
        event(*sys.argv[2:6])
    elif sys.argv[1] == "verdict":
        verdict(sys.argv[2])
    else:
        report(sys.argv[2])
