#!/usr/bin/python3
# halolab-fenced — the lab's power switch: a small HTTP service on the management network that
# powers lab guests off and on and resets them, for the guests' fence agent (fence_halolab).
#
# Started by `lab/lab up` inside the lab namespace, stopped by `lab/lab down` (by PID).
#   GET  /ping              -> {"ok": true, "backend": "uml"|"qemu"}
#   GET  /list              -> {"ok": true, "vms": {"node1": "on", ...}}
#   GET  /status/VM         -> {"ok": true, "state": "on"|"off", "pid": N, "counts": {...}}
#   POST /off/VM            the guest loses power at once. QEMU: QMP "quit" on its monitor
#                           socket, SIGKILL if QEMU has not exited after 10 s. UML: SIGKILL to
#                           the guest's whole process group (its kernel and every guest
#                           process); answered once no process of the group is left alive
#   POST /on/VM             boot the guest again (RUN/VM.boot: same disks)
#   POST /reset/VM          hard reset; boots the guest if it is off. QEMU: QMP "system_reset"
#                           (same QEMU process). UML: off, then on (a new process group, same
#                           disks): UML's own reboot (its management console's "reboot", which
#                           re-executes the kernel in the same process) keeps its tap devices
#                           open across the exec and comes back without network
# Every request is logged with a UTC timestamp (stdout, which `lab up` sends to RUN/fenced.log).
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def stamp():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def log(message):
    print("%s %s" % (stamp(), message), flush=True)


class ActionFailed(Exception):
    pass


def qmp(path, command, timeout=10):
    """Run one QMP command on a QEMU monitor socket and return its "return" value."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        stream = s.makefile("rwb")

        def execute(name):
            stream.write(json.dumps({"execute": name}).encode() + b"\n")
            stream.flush()
            while True:
                line = stream.readline()
                if not line:
                    if name == "quit":
                        return {}
                    raise ActionFailed("QMP connection closed during %s" % name)
                reply = json.loads(line)
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise ActionFailed("QMP %s: %s" % (name, reply["error"].get("desc")))

        stream.readline()  # greeting
        execute("qmp_capabilities")
        return execute(command)


def group_alive(pgid):
    """Whether any process of the process group is alive (zombies do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class Guest:
    """One lab guest: its pidfile, power controls and boot script in the run directory.
    QEMU: RUN/VM.pid and the QMP socket RUN/VM.qmp. UML: the pidfile in its umid directory
    RUN/uml/halolab-VM; the guest is the kernel process's process group."""

    def __init__(self, run, name, backend):
        self.name = name
        self.backend = backend
        if backend == "uml":
            umid = os.path.join(run, "uml", "halolab-" + name)
            self.pidfile = os.path.join(umid, "pid")
            self.marker = ("umid=halolab-%s" % name).encode()
        else:
            self.pidfile = os.path.join(run, name + ".pid")
            self.qmp_path = os.path.join(run, name + ".qmp")
            self.marker = ("%s,process=halolab-%s" % (name, name)).encode()
        self.boot_script = os.path.join(run, name + ".boot")
        self.lock = threading.Lock()
        self.counts = {"off": 0, "on": 0, "reset": 0}

    def pid(self):
        """PID of this guest's QEMU or UML kernel process if it is running, else None."""
        try:
            with open(self.pidfile) as f:
                pid = int(f.read().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, ValueError):
            return None
        return pid if self.marker in argv else None

    def state(self):
        return "on" if self.pid() else "off"

    def off(self):
        pid = self.pid()
        if not pid:
            return "already off"
        if self.backend == "uml":
            return self.off_uml(pid)
        try:
            qmp(self.qmp_path, "quit")
            how = "QMP quit"
        except (OSError, ActionFailed) as e:
            how = "SIGKILL (QMP failed: %s)" % e
            os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 10
        while self.pid() == pid:
            if time.time() > deadline:
                os.kill(pid, signal.SIGKILL)
                how += ", SIGKILL after 10 s"
                deadline = time.time() + 10
            time.sleep(0.05)
        self.counts["off"] += 1
        return "%s, pid %d gone" % (how, pid)

    def off_uml(self, pid):
        """SIGKILL to the whole process group; answered once no process of it is alive."""
        os.killpg(pid, signal.SIGKILL)
        started = time.time()
        deadline = started + 10
        while group_alive(pid):
            if time.time() > deadline:
                raise ActionFailed("process group %d still alive 10 s after SIGKILL" % pid)
            time.sleep(0.02)
        self.counts["off"] += 1
        return "SIGKILL to process group %d, gone after %d ms" % (pid, (time.time() - started) * 1000)

    def on(self):
        pid = self.pid()
        if pid:
            return "already on (pid %d)" % pid
        result = subprocess.run(["/bin/bash", self.boot_script], capture_output=True, text=True,
                                timeout=60)
        pid = self.pid()
        if result.returncode != 0 or not pid:
            raise ActionFailed("boot script failed (rc %d): %s" % (result.returncode,
                                                                   result.stderr.strip()[-300:]))
        self.counts["on"] += 1
        return "booted, pid %d" % pid

    def reset(self):
        pid = self.pid()
        if not pid:
            return self.on()
        if self.backend == "uml":
            detail = "power cycle: %s; %s" % (self.off_uml(pid), self.on())
            self.counts["reset"] += 1
            return detail
        qmp(self.qmp_path, "system_reset")
        self.counts["reset"] += 1
        return "QMP system_reset, pid %d" % pid


class Handler(BaseHTTPRequestHandler):
    guests = {}
    backend = "qemu"

    def log_message(self, fmt, *args):  # the default goes to stderr without our format
        pass

    def answer(self, code, body, started):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        log("%s %s %s -> %d %s (%d ms)" % (self.client_address[0], self.command, self.path, code,
                                            json.dumps(body), (time.time() - started) * 1000))

    def route(self, method):
        started = time.time()
        parts = [p for p in self.path.split("/") if p]
        if method == "GET" and parts == ["ping"]:
            return self.answer(200, {"ok": True, "backend": self.backend}, started)
        if method == "GET" and parts == ["list"]:
            vms = {name: g.state() for name, g in sorted(self.guests.items())}
            return self.answer(200, {"ok": True, "vms": vms}, started)
        if len(parts) != 2:
            return self.answer(404, {"ok": False, "error": "no such request"}, started)
        verb, name = parts
        guest = self.guests.get(name)
        if guest is None:
            return self.answer(404, {"ok": False, "error": "no such guest: %s" % name}, started)
        if method == "GET" and verb == "status":
            return self.answer(200, {"ok": True, "vm": name, "state": guest.state(),
                                     "pid": guest.pid(), "counts": guest.counts}, started)
        if method == "POST" and verb in ("on", "off", "reset"):
            log("%s %s %s: acting" % (self.client_address[0], method, self.path))
            with guest.lock:
                try:
                    detail = getattr(guest, verb)()
                except (OSError, ActionFailed, subprocess.TimeoutExpired) as e:
                    return self.answer(500, {"ok": False, "vm": name, "error": str(e)}, started)
                return self.answer(200, {"ok": True, "vm": name, "action": verb,
                                         "detail": detail, "state": guest.state()}, started)
        return self.answer(405, {"ok": False, "error": "use GET for ping/list/status, "
                                                       "POST for on/off/reset"}, started)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")


def main():
    parser = argparse.ArgumentParser(description="halo lab fence service")
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--run", required=True, help="lab run directory (pidfiles, QMP sockets)")
    parser.add_argument("--vms", required=True, help="comma-separated guest names")
    parser.add_argument("--backend", choices=("qemu", "uml"), default="qemu")
    args = parser.parse_args()
    Handler.backend = args.backend
    Handler.guests = {name: Guest(args.run, name, args.backend) for name in args.vms.split(",")}
    server = ThreadingHTTPServer((args.listen, args.port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        log("signal %d: stopping" % signum)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("listening on %s:%d for %s, backend %s (pid %d)" % (args.listen, args.port, args.vms,
                                                            args.backend, os.getpid()))
    server.serve_forever()
    log("stopped")


if __name__ == "__main__":
    sys.exit(main())
