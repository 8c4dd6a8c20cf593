#!/usr/bin/env python3
"""Call-button latency: the time from POST /api/v1/sim/press {"key":"button1"} until every
monitor of the room the button calls (vtod --button 401) has sent 180 Ringing, through a
real vtod on 127.0.0.1. The monitors and the HTTPS client (with the vtod's admin API
token) are in one process (vto-bench press), so both ends are read on one clock. Prints
p50/p99 and SUMMARY lines.
Usage: bench/button_latency.py [--build build] [--presses 200] [--monitors 2]
                               [--building-rooms 891] [--tmpdir /dev/shm]
vtod writes a call record (SQLite, synchronous=FULL: an fdatasync) on its core thread at
every press, so the figures depend on the disk under the data directory; --tmpdir puts it
elsewhere (/dev/shm: no disk at all).
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
    p.add_argument("--presses", type=int, default=200)
    p.add_argument("--monitors", type=int, default=2, help="monitors of room 401 (1-11)")
    p.add_argument("--end", choices=("api", "reject"), default="api",
                   help="end each call by DELETE /api/v1/calls/ID (api) or 486 from the monitors")
    p.add_argument("--building-rooms", type=int, default=0,
                   help="other rooms in the building directory besides 401 (a batch from 1001)")
    p.add_argument("--tmpdir", default=None,
                   help="where vtod's data directory is created (default: the system's temp dir)")
    a = p.parse_args()
    harness.BIN = os.path.join(os.path.abspath(a.build), "bin")
    with tempfile.TemporaryDirectory(dir=a.tmpdir) as tmp:
        data = os.path.join(tmp, "data")
        harness.vtoctl(data, "room", "add", "401", "--password", PASSWORD)
        if a.building_rooms > 0:
            per_floor = min(a.building_rooms, 99)
            floors = -(-a.building_rooms // per_floor)
            harness.vtoctl(data, "room", "add-batch", "--floors", str(floors), "--rooms-per-floor",
                           str(per_floor), "--first-floor", "1001", "--second-floor", "1101")
            print(f"button_latency: room 401 and {floors * per_floor} other rooms in the directory")
        vtod = harness.Vtod(data, log_level="warn", extra=("--button", "401"))
        try:
            r = subprocess.run([os.path.join(harness.BIN, "vto-bench"), "press", "--server", vtod.sip,
                                "--api", f"127.0.0.1:{vtod.http_port}", "--token", vtod.token,
                                "--room", "401",
                                "--password", PASSWORD, "--button", "1",
                                "--monitors", str(a.monitors), "--presses", str(a.presses),
                                "--end", a.end], timeout=60 + a.presses * 0.5)
            if vtod.proc.poll() is not None:
                print(f"button_latency: vtod exited ({vtod.proc.returncode}):\n{vtod.dump()}")
                sys.exit(1)
            sys.exit(r.returncode)
        finally:
            vtod.stop()
            warnings = [l for l in vtod.stderr_lines if "warn" in l or "error" in l]
            if warnings:
                print(f"button_latency: vtod logged {len(warnings)} warning/error line(s), e.g.:")
                for line in warnings[:5]:
                    print("  " + line)


if __name__ == "__main__":
    main()
