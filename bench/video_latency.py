#!/usr/bin/env python3
"""Video latency at the monitor: answer -> first decoded frame, and glass-to-glass.
vtod (--button 401, its camera the test pattern) and one vth monitor 401#0 run on 127.0.0.1.
Each call: POST /api/v1/sim/press {"key":"button1"}, the call rings RING_MS, the vth answers
(`answer`), media flows for SECONDS, the vth hangs up, and the next call waits until the panel
is idle again. The vth's "media" events give, per call, first_frame_ms (from the vth's 200 OK
to its first decoded frame) and, per frame, the glass-to-glass latency: the capture stamp
vtod's test pattern writes into each frame before the encoder (CLOCK_MONOTONIC), read back
by the vth from the decoded frame (media::VideoReceiver). Both programs are on one host, so
both ends are read on one clock. Prints p50/p95/max and SUMMARY lines.
Usage: bench/video_latency.py [--build build] [--calls 20] [--seconds 5] [--ring-ms 1000]
"""
import argparse
import math
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402

PASSWORD = "Bench-pass1"
FIRST_FRAME_GOAL_MS = 300
GLASS_TO_GLASS_GOAL_MS = 150


def percentile(values, p):
    """Nearest rank, as vth computes its own."""
    s = sorted(values)
    return s[min(max(math.ceil(p * len(s)), 1), len(s)) - 1]


def wait_idle(vtod, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        status, state = harness.http(vtod.http_port, "GET", "/api/v1/sim/state")
        if state["panel"]["state"] == "idle":
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the panel is not idle again: {state}")
        time.sleep(0.05)


class Call:
    def __init__(self):
        self.first_frame_ms = None
        self.latencies = []  # ms, one per stamped frame
        self.frames = 0
        self.stamped = 0

    def take(self, media):
        if self.first_frame_ms is None and "first_frame_ms" in media:
            self.first_frame_ms = media["first_frame_ms"]
        self.latencies += media.get("video_latency_samples_ms", [])
        self.frames = media.get("video_frames", self.frames)
        self.stamped = media.get("video_stamped_frames", self.stamped)


def one_call(vtod, vth, seconds, ring_ms):
    status, body = harness.http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    assert status == 200, body
    call_id = vth.event("incoming_call", timeout=10)["call"]
    time.sleep(ring_ms / 1000.0)
    vth.send(f"answer {call_id}")
    vth.event("answered", call=call_id, timeout=5)
    call = Call()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        call.take(vth.event("media", call=call_id, timeout=5))
    vth.send(f"hangup {call_id}")
    vth.event("bye", call=call_id, timeout=5)
    call.take(vth.event("media", call=call_id, timeout=5))  # the last one, at the end
    wait_idle(vtod)
    return call


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")),
                   help="build directory (default: $VTO_BUILD_DIR, else build)")
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--seconds", type=float, default=5.0, help="media time per call")
    p.add_argument("--ring-ms", type=int, default=1000,
                   help="ringing before the answer (vtod's camera is started at the press for "
                        "the call record's snapshot and rests again once it has it)")
    a = p.parse_args()
    if a.calls < 1 or a.calls > 500 or a.seconds <= 0 or a.seconds > 60:
        p.error("--calls 1-500, --seconds up to 60")
    harness.BIN = os.path.join(os.path.abspath(a.build), "bin")
    deadline = time.monotonic() + a.calls * (a.seconds + a.ring_ms / 1000.0 + 15)
    calls = []
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        harness.vtoctl(data, "room", "add", "401", "--password", PASSWORD)
        vtod = harness.Vtod(data, log_level="warn", extra=("--button", "401"))
        vth = None
        try:
            vth = harness.Vth(vtod.sip, "401#0", PASSWORD)
            vth.event("started")
            vth.event("registered")
            time.sleep(0.5)
            for n in range(a.calls):
                if time.monotonic() > deadline:
                    print(f"video_latency: out of time after {n} calls")
                    break
                call = one_call(vtod, vth, a.seconds, a.ring_ms)
                if call.first_frame_ms is None:
                    failed += 1
                calls.append(call)
        finally:
            if vth:
                vth.stop()
            vtod.stop()
            warnings = [l for l in vtod.stderr_lines if "warn" in l or "error" in l]
            if warnings:
                print(f"video_latency: vtod logged {len(warnings)} warning/error line(s), e.g.:")
                for line in warnings[:5]:
                    print("  " + line)

    first = [c.first_frame_ms for c in calls if c.first_frame_ms is not None]
    g2g = [ms for c in calls for ms in c.latencies]
    frames = sum(c.frames for c in calls)
    stamped = sum(c.stamped for c in calls)
    print(f"video_latency: {len(calls)} calls to room 401 (1 vth), answered after {a.ring_ms} ms "
          f"of ringing, {a.seconds:g} s of media each; {failed} without a decoded frame")
    if not first or not g2g:
        print("video_latency: no frames decoded or no capture stamps read")
        sys.exit(1)
    print(f"video_latency: answer -> first decoded frame: p50 {percentile(first, 0.5):.1f} ms, "
          f"p95 {percentile(first, 0.95):.1f} ms, max {max(first):.1f} ms, min {min(first):.1f} ms")
    print("video_latency: first frame per call (ms): " + ", ".join(f"{v:.0f}" for v in first))
    # Capture -> decoded, of the first frame (when every frame of the call had its stamp read,
    # the first sample is that frame's); the rest of first_frame_ms is before the camera took it.
    pairs = [(c.first_frame_ms, c.latencies[0]) for c in calls
             if c.latencies and c.first_frame_ms is not None and c.stamped == c.frames]
    if pairs:
        own = [g for _, g in pairs]
        print(f"video_latency: the first frame's own glass-to-glass: p50 "
              f"{percentile(own, 0.5):.1f} ms, max {max(own):.1f} ms; so answer -> the camera "
              f"takes it: p50 {percentile([f - g for f, g in pairs], 0.5):.1f} ms")
    print(f"video_latency: glass-to-glass over {len(g2g)} frames ({frames} decoded, "
          f"{frames - stamped} without a readable stamp): p50 {percentile(g2g, 0.5):.1f} ms, "
          f"p95 {percentile(g2g, 0.95):.1f} ms, p99 {percentile(g2g, 0.99):.1f} ms, "
          f"max {max(g2g):.1f} ms, min {min(g2g):.1f} ms")
    per_call_p95 = [percentile(c.latencies, 0.95) for c in calls if c.latencies]
    print("video_latency: glass-to-glass p95 per call (ms): " +
          ", ".join(f"{v:.0f}" for v in per_call_p95))
    print(f"SUMMARY answer-to-first-frame-p95-ms {percentile(first, 0.95):.1f} "
          f"(goal < {FIRST_FRAME_GOAL_MS})")
    print(f"SUMMARY glass-to-glass-p95-ms {percentile(g2g, 0.95):.1f} "
          f"(goal < {GLASS_TO_GLASS_GOAL_MS})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
