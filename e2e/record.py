#!/usr/bin/env python3
"""A host-side recorder of one guest's stream (e2e/run): `drbdsetup events2` or the kernel log,
written to the host as it happens, so that a node killed during the event leaves its record up
to its death.

  record.py VM GUEST_PID OUT -- ARGV...

Runs ARGV (an ssh into the guest VM), writes each line it prints to OUT at once, and frames
the record with lines of its own, which analyze.py reads to tell a record that covers the event
from one that does not:

  # recorder started HOST_TIME vm=VM qemu-pid=PID
  ...the guest's lines...
  # recorder power-off HOST_TIME          the guest's process was gone (looked at every 0.1 s)
  # recorder stream-ended HOST_TIME exit=N   the stream ended by itself (the guest died, ssh failed)
  # recorder stopped HOST_TIME            SIGTERM from e2e/run, with the stream still live

HOST_TIME is the host's clock (seconds since the epoch). The stream's stderr goes to OUT.err.
GUEST_PID is the guest's host process (lab_vm_pid): QEMU, or the UML kernel process, whose
process group is the guest ("qemu-pid" in the started line names it on both backends, for the
analysis that reads it).
"""
import os
import signal
import subprocess
import sys
import threading
import time


def guest_alive(pid, vm):
    """The guest's process is this one (lab_vm_pid's test: its command line names the guest:
    QEMU's "-name VM,...", UML's "umid=halolab-VM"; a zombie's command line is empty)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            argv = file.read().split(b"\0")
    except OSError:
        return False
    return f"umid=halolab-{vm}".encode() in argv or f"-name {vm},".encode() in b" ".join(argv)


def main(argv):
    if len(argv) < 6 or argv[4] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    vm, pid, path, command = argv[1], argv[2], argv[3], argv[5:]
    out = open(path, "w")
    lock = threading.Lock()

    def frame(kind, extra=""):
        with lock:
            out.write(f"# recorder {kind} {time.time():.3f}{extra}\n")
            out.flush()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    frame("started", f" vm={vm} qemu-pid={pid}")
    with open(path + ".err", "w") as errors:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)

    def copy():
        for line in child.stdout:
            with lock:
                out.write(line.decode(errors="replace"))
                out.flush()

    reader = threading.Thread(target=copy, daemon=True)
    reader.start()
    powered = guest_alive(pid, vm)
    if not powered:
        frame("power-off", " (not running when the record began)")
    while not stop.is_set() and reader.is_alive():
        if powered and not guest_alive(pid, vm):
            powered = False
            frame("power-off")
        stop.wait(0.1)
    if stop.is_set() and reader.is_alive():
        # Ended by e2e/run while the stream was live: what it printed until now is in.
        child.terminate()
        reader.join(5)
        frame("stopped")
    else:
        reader.join()
        frame("stream-ended", f" exit={child.wait()}")
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
