#!/usr/bin/env python3
"""Group-call latency: the time from an INVITE to room 401 until all 11 monitors of
that room (master + 10 extensions, simulated by vto-bench) have sent 180 Ringing,
through a real vtod on 127.0.0.1. Prints p50/p99 and a SUMMARY line.
Usage: bench/ring_latency.py [--build build] [--calls 500]
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402

PASSWORD = "Bench-pass1"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")),
                   help="build directory (default: $VTO_BUILD_DIR, else build)")
    p.add_argument("--calls", type=int, default=500)
    a = p.parse_args()
    harness.BIN = os.path.join(os.path.abspath(a.build), "bin")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        for room in ("401", "402"):
            harness.vtoctl(data, "room", "add", room, "--password", PASSWORD)
        vtod = harness.Vtod(data, log_level="warn")
        try:
            r = subprocess.run([os.path.join(harness.BIN, "vto-bench"), "ring", "--server", vtod.sip,
                                "--room", "401", "--password", PASSWORD, "--monitors", "11",
                                "--calls", str(a.calls)], timeout=600)
            sys.exit(r.returncode)
        finally:
            vtod.stop()


if __name__ == "__main__":
    main()
