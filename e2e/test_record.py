#!/usr/bin/env python3
"""Tests of e2e/record.py, the host-side recorder of a guest's stream: how it frames a record
that e2e/run stopped, one whose guest lost power, and one whose stream ended by itself.

  python3 -m unittest e2e/test_record.py
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

RECORD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "record.py")
# A stream: a line now, then one a second.
STREAM = [sys.executable, "-u", "-c", "import time\nfor i in range(60):\n    print('line', i)\n    time.sleep(1)"]


class RecordTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="halo-record-test.")
        self.addCleanup(shutil.rmtree, self.dir)
        self.out = os.path.join(self.dir, "events2-vm.txt")
        # Stands in for the guest's QEMU: a process whose command line names the guest.
        self.qemu = subprocess.Popen(["bash", "-c", 'exec -a "qemu-system-x86_64 -name vm,debug-threads=on" sleep 60'])
        self.addCleanup(self.end, self.qemu)

    @staticmethod
    def end(process):
        if process.poll() is None:
            process.kill()
        process.wait()

    def start(self, stream):
        recorder = subprocess.Popen([sys.executable, RECORD, "vm", str(self.qemu.pid), self.out, "--", *stream])
        self.addCleanup(self.end, recorder)
        self.wait_for("line 0" if stream is STREAM else "started")
        return recorder

    def text(self):
        if not os.path.exists(self.out):
            return ""
        with open(self.out) as file:
            return file.read()

    def wait_for(self, text, timeout=20):
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if text in self.text():
                return
            time.sleep(0.05)
        self.fail(f"{text!r} never appeared in the record:\n{self.text()}")

    def frames(self):
        return [line.split()[2] for line in self.text().splitlines() if line.startswith("# recorder ")]

    def test_a_record_stopped_by_the_harness_ends_with_stopped(self):
        recorder = self.start(STREAM)
        recorder.send_signal(signal.SIGTERM)
        self.assertEqual(recorder.wait(timeout=20), 0)
        self.assertEqual(self.frames(), ["started", "stopped"])
        self.assertIn("line 0", self.text())

    def test_a_guest_that_loses_power_is_marked_before_its_stream_ends(self):
        recorder = self.start(STREAM)
        self.qemu.kill()
        self.wait_for("power-off")
        recorder.send_signal(signal.SIGTERM)
        recorder.wait(timeout=20)
        self.assertEqual(self.frames()[:2], ["started", "power-off"])
        # The guest was seen alive first: the power-off is the kill, not a failed detection.
        self.assertNotIn("not running when the record began", self.text())

    def test_a_uml_guest_that_loses_power_is_marked_too(self):
        # Stands in for a UML guest's kernel process: umid=halolab-VM on its command line.
        uml = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "umid=halolab-vm"])
        self.addCleanup(self.end, uml)
        recorder = subprocess.Popen([sys.executable, RECORD, "vm", str(uml.pid), self.out, "--", *STREAM])
        self.addCleanup(self.end, recorder)
        self.wait_for("line 0")
        self.assertEqual(self.frames(), ["started"])
        uml.kill()
        self.wait_for("power-off")
        recorder.send_signal(signal.SIGTERM)
        recorder.wait(timeout=20)
        self.assertEqual(self.frames()[:2], ["started", "power-off"])

    def test_a_stream_that_ends_by_itself_says_so_with_its_exit_status(self):
        recorder = self.start(["bash", "-c", "echo one; exit 255"])
        self.assertEqual(recorder.wait(timeout=20), 0)
        self.assertEqual(self.frames(), ["started", "stream-ended"])
        self.assertIn("exit=255", self.text())


if __name__ == "__main__":
    unittest.main()
