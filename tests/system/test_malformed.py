"""Malformed and torture SIP traffic against a real vtod, inside a network namespace
that has only the loopback interface (the messages name outside addresses)."""
import os
import shutil
import subprocess

import pytest

from harness import BUILD_DIR

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "sip")


def test_torture_messages_and_broken_packets_never_stop_vtod():
    unshare = shutil.which("unshare") or "/usr/bin/unshare"
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root): "
                    + probe.stderr.decode(errors="replace"))
    r = subprocess.run([unshare, "-n", "/usr/bin/python3", os.path.join(HERE, "replay_torture.py"),
                        os.path.abspath(BUILD_DIR), DATA], capture_output=True, text=True, timeout=300)
    print(r.stdout[-20000:])
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    assert r.stdout.rstrip().splitlines()[-1].endswith(" 0 failed")
