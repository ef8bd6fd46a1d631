#!/usr/bin/env python3
"""The kernel record of a storage node (e2e/lib.sh's e2e_record_start runs this in the guest,
through e2e/record.py): every kernel message from now on, as `dmesg --follow-new` prints it
("[SECONDS.MICROS] text"), one line at a time.

Why not `dmesg --follow-new`: it sleeps until the kernel wakes /dev/kmsg's readers, and a UML
node once stopped waking them (a CI run on 2026-12-06: node1's record showed nothing for the
rest of the run while the messages, the harness's marks among them, were in the kernel's buffer;
journald, woken by its other sources, read them 70 s late). This reader waits for that wake-up
at most 0.1 s and then reads what the buffer holds anyway (a non-blocking read needs no wake-up).

Its first line, "# kmsg: following", says it reads from here on: the harness writes its begin
mark only after it (a Python start in a loaded UML guest took over 1.3 s, and a mark written
before the reader had opened /dev/kmsg was missed). Records the kernel overwrote before they were
read are reported as a line of their own (the read fails with EPIPE once; the next read goes on
with the oldest record left). It ends when
whoever reads its output has gone (the recorder's ssh ended: sshd closed the pipe), not an hour
later: an idle reader would never learn it by writing.
"""
import errno
import io
import os
import select
import sys

POLL_SECONDS = 0.1
READY = "# kmsg: following"


def line(record):
    """A /dev/kmsg record ("PRIORITY,SEQUENCE,MICROSECONDS,FLAGS[,...];TEXT\\n[ KEY=VALUE\\n]...")
    as dmesg prints it; None for a record that is not one."""
    head, separator, rest = record.partition(";")
    fields = head.split(",")
    if not separator or len(fields) < 3 or not fields[2].isdigit():
        return None
    micros = int(fields[2])
    text = rest.split("\n", 1)[0]
    return f"[{micros // 1_000_000:5d}.{micros % 1_000_000:06d}] {text}"


def follow(path="/dev/kmsg", out=sys.stdout):
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(descriptor, 0, os.SEEK_END)
    out.write(READY + "\n")
    out.flush()
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    try:
        output = out.fileno()
        poller.register(output, 0)  # only its error and hang-up, which poll always reports
    except (AttributeError, io.UnsupportedOperation):
        output = None
    while True:
        if any(fd == output for fd, _ in poller.poll(POLL_SECONDS * 1000)):
            return
        while True:
            try:
                record = os.read(descriptor, 8192)
            except BlockingIOError:
                break
            except OSError as error:
                if error.errno != errno.EPIPE:
                    raise
                out.write("# kmsg: records overwritten before they were read\n")
                out.flush()
                continue
            text = line(record.decode("utf-8", errors="replace"))
            if text is not None:
                out.write(text + "\n")
                out.flush()


if __name__ == "__main__":
    try:
        follow()
    except KeyboardInterrupt:
        pass
