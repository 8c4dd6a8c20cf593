#!/usr/bin/env python3
"""vtod's CPU and resident memory, idle and during one video call: vtod (--button 401) with
one vth monitor 401#0 registered is sampled for SECONDS while idle, then the button is
pressed, the vth answers, and vtod is sampled for SECONDS while the call's media flows;
the vth hangs up. CPU is utime+stime of all of vtod's threads (/proc/PID/stat) over the
wall time, in % of one core; RSS is /proc/PID/status VmRSS, sampled every 0.25 s.
Prints the figures and SUMMARY lines (no goal set yet).
Usage: bench/vtod_resources.py [--build build] [--seconds 10]
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402

PASSWORD = "Bench-pass1"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def sample(pid, seconds, others=()):
    """CPU % of one core and RSS (mean, max, in KiB) of pid over `seconds`, plus the CPU %
    of the other pids over the same window."""
    start_wall = time.monotonic()
    start_cpu = cpu_seconds(pid)
    start_others = [cpu_seconds(o) for o in others]
    rss = []
    while time.monotonic() - start_wall < seconds:
        rss.append(status_kib(pid, "VmRSS"))
        time.sleep(0.25)
    wall = time.monotonic() - start_wall
    cpu = 100.0 * (cpu_seconds(pid) - start_cpu) / wall
    other_cpu = [100.0 * (cpu_seconds(o) - s) / wall for o, s in zip(others, start_others)]
    return {"cpu": cpu, "rss_mean": sum(rss) / len(rss), "rss_max": max(rss), "wall": wall,
            "threads": threads(pid), "others": other_cpu}


def udp_sockets(pid):
    """{inode: (local port, rx_queue bytes, drops)} of pid's UDP sockets."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = {}
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    c = line.split()
                    if c[9] in inodes:
                        out[c[9]] = (int(c[1].rsplit(":", 1)[1], 16), int(c[4].split(":")[1], 16),
                                     int(c[12]))
        except FileNotFoundError:
            pass
    return out


def audio_report(vth, first, last, sip_port, before_call):
    """(text, flowing) about the call's audio, from the vth's media events when it reports
    audio, else from the bytes waiting unread at its audio port."""
    if any("audio" in k for k in last):
        rx = last.get("audio_packets_received", 0) - first.get("audio_packets_received", 0)
        tx = last.get("audio_packets_sent", 0) - first.get("audio_packets_sent", 0)
        text = (f"audio {last.get('audio_codec', '?')} at the monitor during the window: "
                f"{rx} packets received from vtod, {tx} sent to it")
        return text, rx > 0
    # A vth that does not read its audio socket: RTP sent to it waits there.
    unread = [(port, q, d) for inode, (port, q, d) in udp_sockets(vth.proc.pid).items()
              if inode in before_call and port != sip_port]
    if not unread:
        return "audio port of the monitor not found", False
    return ("audio RTP at the monitor's (unread) audio port: " +
            ", ".join(f"port {port}: {q} bytes waiting, {d} dropped" for port, q, d in unread),
            any(q > 0 or d > 0 for _, q, d in unread))


def wait_idle(vtod):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, state = harness.http(vtod.http_port, "GET", "/api/v1/sim/state")
        if state["panel"]["state"] == "idle":
            return
        time.sleep(0.1)
    raise AssertionError(f"the panel is not idle again: {state}")


def hang_up(vtod, vth):
    vth.send("hangup")
    vth.event("bye")
    wait_idle(vtod)
    time.sleep(0.5)


def one_call(vtod, vth):
    """Press, answer, wait for a few decoded frames, hang up."""
    status, body = harness.http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    assert status == 200, body
    call = vth.event("incoming_call")["call"]
    vth.send(f"answer {call}")
    vth.event("answered", call=call)
    media = vth.event("media", call=call, timeout=10)
    while media["video_frames"] < 5:
        media = vth.event("media", call=call, timeout=5)
    hang_up(vtod, vth)


def mib(kib):
    return kib / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")),
                   help="build directory (default: $VTO_BUILD_DIR, else build)")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--extra-calls", type=int, default=3,
                   help="short calls after the measured one, to follow the RSS after each")
    a = p.parse_args()
    harness.BIN = os.path.join(os.path.abspath(a.build), "bin")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        harness.vtoctl(data, "room", "add", "401", "--password", PASSWORD)
        vtod = harness.Vtod(data, log_level="warn", extra=("--button", "401"))
        vth = None
        try:
            vth = harness.Vth(vtod.sip, "401#0", PASSWORD)
            started = vth.event("started")
            vth.event("registered")
            sip_port = int(started["listen"].rsplit(":", 1)[1])
            before_call = udp_sockets(vth.proc.pid)
            time.sleep(1.0)  # let the registration settle
            pid = vtod.proc.pid

            idle = sample(pid, a.seconds, others=(vth.proc.pid,))

            status, body = harness.http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
            assert status == 200, body
            vth.event("incoming_call")
            vth.send("answer")
            vth.event("answered")
            first = vth.event("media", timeout=10)
            while first["video_frames"] == 0:
                first = vth.event("media", timeout=5)
            status, state = harness.http(vtod.http_port, "GET", "/api/v1/sim/state")
            assert state["panel"]["state"] == "talking", state

            call = sample(pid, a.seconds, others=(vth.proc.pid,))

            last = vth.events("media")[-1]
            frames = last["video_frames"] - first["video_frames"]
            status, state = harness.http(vtod.http_port, "GET", "/api/v1/sim/state")
            assert state["panel"]["state"] == "talking", state
            audio, audio_flowing = audio_report(vth, first, last, sip_port, before_call)
            hang_up(vtod, vth)
            rss_after = [status_kib(pid, "VmRSS")]
            # More calls, to see whether memory comes back or grows call after call.
            for _ in range(a.extra_calls):
                one_call(vtod, vth)
                rss_after.append(status_kib(pid, "VmRSS"))
            after = {"hwm": status_kib(pid, "VmHWM"), "threads": threads(pid)}
        finally:
            if vth:
                vth.stop()
            vtod.stop()

    media_kind = "video and audio" if audio_flowing else "video only"
    print(f"resources: vtod idle ({idle['wall']:.1f} s, 1 monitor registered): "
          f"CPU {idle['cpu']:.2f} % of a core (resolution {100 / TICK / idle['wall']:.2f} %), "
          f"RSS {mib(idle['rss_mean']):.1f} MiB (max {mib(idle['rss_max']):.1f}), "
          f"{idle['threads']} thread(s)")
    print(f"resources: vtod in a call ({call['wall']:.1f} s, {media_kind}, "
          f"{frames} frames decoded = {frames / call['wall']:.1f} fps at the monitor): "
          f"CPU {call['cpu']:.2f} % of a core, RSS {mib(call['rss_mean']):.1f} MiB "
          f"(max {mib(call['rss_max']):.1f}), {call['threads']} threads")
    print(f"resources: {audio}")
    print("resources: RSS after each call (MiB): " + ", ".join(f"{mib(r):.1f}" for r in rss_after) +
          f"; peak (VmHWM) {mib(after['hwm']):.1f} MiB, {after['threads']} thread(s) left")
    print(f"resources: the vth monitor itself: CPU {idle['others'][0]:.2f} % idle, "
          f"{call['others'][0]:.2f} % in the call")
    print(f"SUMMARY vtod-idle-cpu-percent {idle['cpu']:.2f} (no goal)")
    print(f"SUMMARY vtod-idle-rss-mib {mib(idle['rss_mean']):.1f} (no goal)")
    print(f"SUMMARY vtod-call-cpu-percent {call['cpu']:.2f} (no goal)")
    print(f"SUMMARY vtod-call-rss-mib {mib(call['rss_mean']):.1f} (no goal)")


if __name__ == "__main__":
    main()
