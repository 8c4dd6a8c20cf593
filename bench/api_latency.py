#!/usr/bin/env python3
"""API load: requests/s and latency of vtod's HTTPS API under 50 concurrent clients.
A real vtod on 127.0.0.1 (initialized, an admin API token, room 401 with a few call
records) is loaded by vto-bench api: CLIENTS keep-alive HTTPS connections on one client
thread, each sending GET PATH with "Authorization: Bearer TOKEN" as soon as its previous
answer is read, bounded by REQUESTS and SECONDS, once per path (GET /api/v1/sim/state,
then GET /api/v1/records/calls). Prints requests/s, latency p50/p99/max and SUMMARY lines.
Usage: bench/api_latency.py [--build build] [--clients 50] [--requests 50000] [--seconds 10]
                            [--records 20] [--tmpdir /dev/shm]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402

PASSWORD = "Bench-pass1"
PATHS = ("/api/v1/sim/state", "/api/v1/records/calls")


def wait_idle(vtod, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        status, state = harness.http(vtod.http_port, "GET", "/api/v1/sim/state")
        assert status == 200, state
        if state["panel"]["state"] == "idle":
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the panel is not idle again: {state}")
        time.sleep(0.05)


def make_records(vtod, count):
    """`count` call records: button presses nobody answers, each hung up through the API."""
    for _ in range(count):
        status, body = harness.http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
        assert status == 200, body
        status, state = harness.http(vtod.http_port, "GET", "/api/v1/sim/state")
        call = state["panel"].get("call")
        if call:
            harness.http(vtod.http_port, "DELETE", f"/api/v1/calls/{call}")
        wait_idle(vtod)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")),
                   help="build directory (default: $VTO_BUILD_DIR, else build)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=50000, help="per path, at most")
    p.add_argument("--seconds", type=float, default=10.0, help="per path, at most")
    p.add_argument("--records", type=int, default=20,
                   help="call records made before the run (GET /api/v1/records/calls lists them)")
    p.add_argument("--tmpdir", default=None,
                   help="where vtod's data directory is created (default: the system's temp dir)")
    a = p.parse_args()
    if not 1 <= a.clients <= 200 or not 0 < a.seconds <= 60 or not 0 <= a.records <= 500:
        p.error("--clients 1-200, --seconds up to 60, --records up to 500")
    harness.BIN = os.path.join(os.path.abspath(a.build), "bin")
    failed = False
    with tempfile.TemporaryDirectory(dir=a.tmpdir) as tmp:
        data = os.path.join(tmp, "data")
        harness.vtoctl(data, "room", "add", "401", "--password", PASSWORD)
        vtod = harness.Vtod(data, log_level="warn", extra=("--button", "401"))
        try:
            make_records(vtod, a.records)
            status, body = harness.http(vtod.http_port, "GET", "/api/v1/records/calls")
            assert status == 200 and body["total"] == a.records, body
            for path in PATHS:
                status, _, text = harness.http_raw(vtod.http_port, "GET", path)
                size = len(json.dumps(text, separators=(",", ":")))
                print(f"api_latency: GET {path} (about {size} bytes of JSON), {a.clients} clients, "
                      f"at most {a.requests} requests or {a.seconds:g} s", flush=True)
                r = subprocess.run([os.path.join(harness.BIN, "vto-bench"), "api",
                                    "--api", f"127.0.0.1:{vtod.http_port}", "--token", vtod.token,
                                    "--path", path, "--clients", str(a.clients),
                                    "--requests", str(a.requests), "--seconds", str(a.seconds)],
                                   timeout=60 + a.seconds)
                failed = failed or r.returncode != 0
                if vtod.proc.poll() is not None:
                    print(f"api_latency: vtod exited ({vtod.proc.returncode}):\n{vtod.dump()}")
                    sys.exit(1)
        finally:
            vtod.stop()
            warnings = [l for l in vtod.stderr_lines if "warn" in l or "error" in l]
            if warnings:
                print(f"api_latency: vtod logged {len(warnings)} warning/error line(s), e.g.:")
                for line in warnings[:5]:
                    print("  " + line)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
