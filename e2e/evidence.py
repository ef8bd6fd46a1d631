"""Reading one end-to-end event's evidence (e2e/run's event directory), for analyze.py: the
clocks, the writer logs and their gaps, the storage nodes' streamed records and the Primary
intervals in them. Every reader raises `Missing` (or reports a record's problem) rather than
guess: what is not there is never read as 0.
"""
import datetime
import gzip
import os
import re

NODES = ("node1", "node2")


class Missing(Exception):
    """Evidence an event cannot be judged without."""


def read_file(path):
    with open(path, errors="replace") as file:
        return file.read()


def read_text(directory, name):
    path = os.path.join(directory, name)
    try:
        return read_file(path)
    except OSError as error:
        raise Missing(f"{name}: {error.strerror}") from None


def read_time(directory, name):
    text = read_text(directory, name).strip()
    try:
        return float(text)
    except ValueError:
        raise Missing(f"{name}: not a time ({text[:40]!r})") from None


def offsets(directory):
    """Per guest: (host clock minus the guest's, the error of that offset), in seconds."""
    result = {}
    for line in read_text(directory, "offsets.txt").splitlines():
        try:
            vm, offset, error = line.split()
            result[vm] = (float(offset), float(error))
        except ValueError:
            raise Missing(f"offsets.txt: unreadable line {line!r}") from None
    for vm in NODES + ("client",):
        if vm not in result:
            raise Missing(f"offsets.txt: no clock offset of {vm}")
    return result


def parse_time(token):
    """events2 --timestamps: an ISO 8601 time with fractional seconds and a zone."""
    try:
        return datetime.datetime.fromisoformat(token.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# --- the writers -----------------------------------------------------------------------------------

def writer_acks(directory, lun):
    """The acknowledged writes of LUN's writer log: (monotonic ns, realtime ns) in log order."""
    path = os.path.join(directory, f"writer-lun{lun}.log.gz")
    try:
        with gzip.open(path, "rt", errors="replace") as log:
            lines = log.read().splitlines()
    except (OSError, EOFError) as error:
        raise Missing(f"writer-lun{lun}.log.gz: {error}") from None
    acks = []
    for line in lines:
        fields = line.split()
        if fields and fields[0] == "A" and len(fields) >= 5:
            acks.append((int(fields[3]), int(fields[4])))
    return acks


def gaps(acks, offset, trigger, window_end):
    """The longest gap between two acknowledged writes that touches the window [trigger,
    window_end], and the longest one wholly outside it. A gap is measured on the client's
    monotonic clock (exact) and placed on the host's with the client's offset.

    Returns (stall s, its end relative to the trigger, outside s, outside's start relative to the
    trigger or None); stall is None when no gap touches the window (nothing acknowledged after it)."""
    inside = outside = None
    for (mono0, real0), (mono1, real1) in zip(acks, acks[1:]):
        start, end = real0 / 1e9 + offset, real1 / 1e9 + offset
        length = (mono1 - mono0) / 1e9
        if end > trigger and start < window_end:
            if inside is None or length > inside[0]:
                inside = (length, end - trigger)
        elif outside is None or length > outside[0]:
            outside = (length, start - trigger)
    stall, served = inside if inside else (None, None)
    outside_gap, outside_at = outside if outside else (0.0, None)
    return stall, served, outside_gap, outside_at


# --- the storage nodes' records --------------------------------------------------------------------

def record(directory, name, trigger, window_end, begin_mark=None, end_mark=None):
    """A record e2e/record.py streamed to the host, checked for coverage: it must have begun
    before the trigger and run on to the end of the event's window, or to the node's power-off.

    Returns {"lines": the guest's lines, "end": host time the record covers to, "how": why it
    ends, "problem": why it does not cover the event, or None}."""
    try:
        text = read_text(directory, name)
    except Missing as missing:
        return {"lines": [], "end": None, "how": "missing", "problem": f"no {name} ({missing})"}
    lines, started, ending = [], None, None
    for line in text.splitlines():
        frame = re.match(r"# recorder (started|power-off|stream-ended|stopped) (\S+)(.*)", line)
        if frame:
            kind, when, rest = frame.group(1), float(frame.group(2)), frame.group(3).strip()
            if kind == "started":
                started = when
            elif ending is None:  # the first end counts: after it the record shows nothing
                ending = (kind, when, rest)
        elif ending is None:
            lines.append(line)
    result = {"lines": lines, "end": ending[1] if ending else None, "how": ending[0] if ending else "unended",
              "problem": None}
    if started is None:
        result["problem"] = f"{name} was not made by the recorder (no start line)"
    elif started > trigger:
        result["problem"] = f"{name} began {started - trigger:+.2f} s after the trigger"
    elif not lines:
        result["problem"] = f"{name} is empty: the stream showed nothing"
    elif begin_mark and not any(begin_mark in line for line in lines):
        result["problem"] = f"{name} never showed the harness's begin mark: the stream was not live"
    elif ending is None:
        result["problem"] = f"{name} has no end: the recorder did not finish it"
    elif ending[0] == "stream-ended":
        result["problem"] = (f"{name} ends at {ending[1] - trigger:+.2f} s ({ending[2] or 'the stream ended'}) "
                             "while its node was up: what it did after that is unknown")
    elif ending[0] == "stopped" and ending[1] < window_end:
        result["problem"] = f"{name} was stopped at {ending[1] - trigger:+.2f} s, before the event's window ended"
    elif ending[0] == "stopped" and end_mark and not any(end_mark in line for line in lines):
        result["problem"] = f"{name} never showed the harness's end mark: the stream was not live to the end"
    return result


def primary_intervals(lines, offset, end):
    """Per resource, the (start, end) host times the node was Primary, from an events2 record;
    an interval still open when the record ends closes at `end` (its stop or the power-off)."""
    intervals, since = {}, {}
    for line in lines:
        words = line.split()
        if len(words) < 3:
            continue
        time = parse_time(words[0])
        if time is None:
            continue
        time += offset
        fields = dict(w.split(":", 1) for w in words[3:] if ":" in w)
        if words[2] != "resource" or "role" not in fields:
            continue
        name = fields.get("name")
        if fields["role"] == "Primary" and name not in since:
            since[name] = time
        elif fields["role"] != "Primary" and name in since:
            intervals.setdefault(name, []).append((since.pop(name), time))
    for name, start in since.items():
        intervals.setdefault(name, []).append((start, end))
    return intervals


def dual_primary(records, clocks):
    """The longest overlap of one resource's Primary intervals on the two nodes."""
    a, b = (primary_intervals(records[vm]["lines"], clocks[vm][0], records[vm]["end"]) for vm in NODES)
    worst = 0.0
    for name in set(a) & set(b):
        for s1, e1 in a[name]:
            for s2, e2 in b[name]:
                worst = max(worst, min(e1, e2) - max(s1, s2))
    return worst
