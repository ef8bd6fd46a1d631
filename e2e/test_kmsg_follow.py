#!/usr/bin/env python3
"""Tests of e2e/kmsg_follow.py, the storage nodes' kernel recorder: its lines from real /dev/kmsg
records, and (as root, where /dev/kmsg can be written) a message written now is followed.

  python3 -m unittest e2e/test_kmsg_follow.py
"""
import io
import os
import subprocess
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmsg_follow import READY, follow, line  # noqa: E402

# Captured on the build host (Linux 6.18) with:
#   python3 -c "import os; fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK); print(repr(os.read(fd, 8192)))"
CAPTURED = [
    (b"6,1682,6137741054,-;br0: port 2(vodr1iy2) entered blocking state\n",
     "[ 6137.741054] br0: port 2(vodr1iy2) entered blocking state"),
    (b"6,1684,6137741067,-;vodr1iy2: entered allmulticast mode\n",
     "[ 6137.741067] vodr1iy2: entered allmulticast mode"),
]
# The record with a dictionary, as Documentation/ABI/testing/dev-kmsg shows it (not captured).
DOCUMENTED = (b"6,339,5140900,-;NET: Registered protocol family 10\n SUBSYSTEM=net\n DEVICE=+net:eth0\n",
              "[    5.140900] NET: Registered protocol family 10")


def can_write_kmsg():
    return os.geteuid() == 0 and os.access("/dev/kmsg", os.R_OK | os.W_OK)


class Lines(io.StringIO):
    """What follow() writes, readable while it runs."""
    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()

    def write(self, text):
        with self.lock:
            return super().write(text)

    def text(self):
        with self.lock:
            return self.getvalue()


class KmsgFollowTest(unittest.TestCase):
    def test_captured_records_print_as_dmesg_does(self):
        for record, expected in CAPTURED + [DOCUMENTED]:
            self.assertEqual(line(record.decode()), expected)

    def test_what_is_not_a_record_is_no_line(self):
        for text in ["", "no separator\n", "6,1;too few fields\n", "6,1,x,-;not a time\n"]:
            self.assertIsNone(line(text), text)

    @unittest.skipUnless(can_write_kmsg(), "needs root and a writable /dev/kmsg")
    def test_a_message_written_now_is_followed(self):
        lines = Lines()
        threading.Thread(target=follow, kwargs={"out": lines}, daemon=True).start()
        # Its first line says it reads from here on (the harness writes its mark after it).
        deadline = time.monotonic() + 5
        while READY not in lines.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(lines.text().startswith(READY + "\n"), lines.text())
        mark = f"halo-e2e-test: {uuid.uuid4()}"
        with open("/dev/kmsg", "w") as kmsg:
            kmsg.write(mark + "\n")
        deadline = time.monotonic() + 5
        while mark not in lines.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(mark, lines.text())
        self.assertRegex(lines.text(), r"\[ *\d+\.\d{6}\] " + mark)

    @unittest.skipUnless(os.access("/dev/kmsg", os.R_OK), "needs a readable /dev/kmsg")
    def test_it_ends_when_its_reader_has_gone(self):
        program = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kmsg_follow.py")
        child = subprocess.Popen([sys.executable, program], stdout=subprocess.PIPE)
        self.addCleanup(lambda: child.poll() is None and child.kill())
        time.sleep(0.5)
        child.stdout.close()  # as sshd does when the recorder's ssh ends
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.fail("kmsg_follow.py still runs 5 s after its reader went away")


if __name__ == "__main__":
    unittest.main()
