#!/usr/bin/env python3
"""Doorbell events for home automation: the time from a call-button press (POST
/api/v1/sim/press {"key":"button1"} on a kept-alive HTTPS connection) until the client sees
BackKeyLight State 1 on port 5000 (client.notifyEventStream) and on the HTTP multipart event
stream (eventManager.cgi), both clients in this process, on one clock. Nobody of the room is
registered, so each call ends at once; the next press waits for BackKeyLight State 0 on both.
Prints p50/p99/max per channel and SUMMARY lines (goal: p99 < 20 ms on each).
Usage: bench/compat_events.py [--build build] [--presses 200]
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402
from family_clients import Dhip, EventStream, parse_body, parts_by_length  # noqa: E402


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


class Watch:
    """Arrival times of BackKeyLight states on one channel."""

    def __init__(self):
        self.cond = threading.Condition()
        self.seen = []  # (time, state)

    def add(self, state):
        with self.cond:
            self.seen.append((time.monotonic(), state))
            self.cond.notify_all()

    def wait(self, state, after, timeout=5):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, s in self.seen:
                    if s == state and t >= after:
                        return t
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no BackKeyLight {state}")
                self.cond.wait(left)


def read_dhip(client, watch):
    while True:
        try:
            _, _, m = client.read(timeout=3600)
        except Exception:
            return
        for e in m.get("params", {}).get("eventList", []):
            if e["Code"] == "BackKeyLight":
                watch.add(e["Data"]["State"])


def read_http(stream, watch):
    done = 0
    stream.sock.settimeout(None)
    while True:
        try:
            chunk = stream.sock.recv(65536)
        except OSError:
            return
        if not chunk:
            return
        stream.data += chunk
        bodies = parts_by_length(stream.data)
        for body in bodies[done:]:
            if body.startswith("Code=BackKeyLight"):
                watch.add(parse_body(body)["data"]["State"])
        done = len(bodies)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")))
    ap.add_argument("--presses", type=int, default=200)
    args = ap.parse_args()
    harness.BIN = os.path.join(os.path.abspath(args.build), "bin")
    with tempfile.TemporaryDirectory() as tmp:
        vtod = harness.Vtod(os.path.join(tmp, "data"), log_level="warn")
        try:
            dhip = Dhip(vtod.dhip_port)
            assert dhip.login("admin", harness.ADMIN_PASSWORD)["result"] is True
            assert dhip.call("eventManager.attach", {"codes": ["BackKeyLight"]})["result"] is True
            stream = EventStream(vtod.redirect_port, "action=attach&codes=[BackKeyLight]", "admin",
                                 harness.ADMIN_PASSWORD)
            watches = {"port5000": Watch(), "http": Watch()}
            threading.Thread(target=read_dhip, args=(dhip, watches["port5000"]), daemon=True).start()
            threading.Thread(target=read_http, args=(stream, watches["http"]), daemon=True).start()
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            api = http.client.HTTPSConnection("127.0.0.1", vtod.http_port, context=ctx, timeout=10)
            headers = {"Authorization": f"Bearer {vtod.token}", "Content-Type": "application/json"}
            body = json.dumps({"key": "button1"})
            latency = {k: [] for k in watches}
            for _ in range(args.presses):
                pressed = time.monotonic()
                api.request("POST", "/api/v1/sim/press", body=body, headers=headers)
                r = api.getresponse()
                r.read()
                assert r.status == 200, r.status
                for name, w in watches.items():
                    latency[name].append((w.wait(1, pressed) - pressed) * 1000)
                for w in watches.values():
                    w.wait(0, pressed)
                time.sleep(0.05)
            for name, values in latency.items():
                print(f"{name}: press -> BackKeyLight State 1: p50 {percentile(values, 50):.2f} ms, "
                      f"p99 {percentile(values, 99):.2f} ms, max {max(values):.2f} ms "
                      f"({len(values)} presses)")
                print(f"SUMMARY compat-backkeylight-{name}-p99-ms {percentile(values, 99):.2f} "
                      f"(goal < 20; p50 {percentile(values, 50):.2f})")
            dhip.close()
            stream.close()
        finally:
            vtod.stop()


if __name__ == "__main__":
    main()
