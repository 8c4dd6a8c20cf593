#!/usr/bin/env python3
"""Doorbell for Home Assistant over MQTT: the time from a call-button press (POST
/api/v1/sim/press {"key":"button1"} on a kept-alive HTTPS connection) until a subscriber
of a real Mosquitto broker on 127.0.0.1 has the HA-discovery doorbell event (<base>/ring,
{"event_type":"ring_101"}), both in this process on one clock. vtod publishes with QoS 1.
Nobody of the room is registered, so each call ends at once; the next press waits for the
call's end (<base>/state/call OFF). Prints p50/p99/max and a SUMMARY line (goal: p99 < 50 ms).
Usage: bench/mqtt_events.py [--build build] [--presses 200]
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402
from compat_events import percentile  # noqa: E402  (the same figures as its sibling)
from mqtt_peers import Broker, Subscriber  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")))
    ap.add_argument("--presses", type=int, default=200)
    args = ap.parse_args()
    harness.BIN = os.path.join(os.path.abspath(args.build), "bin")
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(os.path.join(tmp, "broker"))
        vtod = None
        sub = None
        try:
            vtod = harness.Vtod(os.path.join(tmp, "data"), log_level="warn", extra=("--mqtt", broker.url()))
            sub = Subscriber(broker, topics=("openvto/#",))
            deadline = time.monotonic() + 10
            while True:
                status = harness.http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]
                if status["connected"]:
                    break
                assert time.monotonic() < deadline, f"vtod did not connect: {status}"
                time.sleep(0.05)
            base = status["topic"]
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            api = http.client.HTTPSConnection("127.0.0.1", vtod.http_port, context=ctx, timeout=10)
            headers = {"Authorization": f"Bearer {vtod.token}", "Content-Type": "application/json"}
            body = json.dumps({"key": "button1"})
            latency = []
            for _ in range(args.presses):
                mark = len(sub.messages)
                pressed = time.monotonic()
                api.request("POST", "/api/v1/sim/press", body=body, headers=headers)
                r = api.getresponse()
                r.read()
                assert r.status == 200, r.status
                i, (_, payload, _) = sub.on(f"{base}/ring", start=mark, timeout=5)
                assert json.loads(payload)["event_type"] == "ring_101"
                latency.append((sub.messages[i][3] - pressed) * 1000)
                sub.on(f"{base}/state/call", payload=b"OFF", start=mark, timeout=5)
                time.sleep(0.05)
            print(f"mqtt: press -> HA doorbell event at the subscriber: p50 {percentile(latency, 50):.2f} ms, "
                  f"p99 {percentile(latency, 99):.2f} ms, max {max(latency):.2f} ms ({len(latency)} presses)")
            print(f"SUMMARY mqtt-ha-doorbell-p99-ms {percentile(latency, 99):.2f} "
                  f"(goal < 50; p50 {percentile(latency, 50):.2f})")
        finally:
            if sub:
                sub.stop()
            if vtod:
                vtod.stop()
            broker.stop()


if __name__ == "__main__":
    main()
