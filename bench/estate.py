#!/usr/bin/env python3
"""Estate platform (issue 20): two Kamailio nodes (deploy/kamailio/estate.cfg) sharing
registrations with DMQ, under a whole estate's load, everything inside a network namespace
of its own (the nodes on 10.99.0.2 and 10.99.0.3, on its loopback device).

1. Replication: vto-bench registers every device (FLATS x 3 monitors + 50 VTOs) at node A
   only and holds them; node B's contact count, polled every 100 ms, shows how fast A's
   registrations reach it. Then B is killed and started again, and fetches them all from A.
2. vto-bench estate: the same devices registered over both nodes (each flat's monitors on
   both, so every call needs the copies), group calls INVITE -> 180 from every monitor of
   the flat at 10 calls/s, then a ramp to the highest rate without a failure.
3. Failover: a real vtod in platform mode (main node A, alternate B) and a monitor of its
   button's flat on each node; 20 times node A is killed, the VTO moves to B, the button is
   pressed, and the time from the kill to the ring at the monitor on B is taken.

Prints p50/p99 and SUMMARY lines. Runs as root, or where unprivileged user namespaces are
allowed; bounded in time (--timeout, 15 minutes by default).
Usage: bench/estate.py [--build build] [--flats 1000] [--calls 300] [--max-rate 3200]
                       [--rounds 20]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402
from compat_events import percentile  # noqa: E402  (the same figures as its siblings)
from estate_peers import EstateNode, export_accounts  # noqa: E402

NODE_A, NODE_B = "10.99.0.2", "10.99.0.3"
PORT = 5080
REALM = "estate"
FIRST_ROOM = 1001
MONITORS = 3
FIRST_VTO = 9001
VTOS = 50
# The failover part: its own flat and VTO, apart from the ones vto-bench simulates.
FAILOVER_ROOM = "3001"
FAILOVER_VTO = "8001"
FAILOVER_GOAL_S = 5.0  # docs/estate.md
# Shared memory of each node, MB: 64 ran out (and Kamailio 5.6 then crashed) while 3,050
# devices registered at 2,000/s, each registration also a DMQ transaction to the peer.
SHM_MB = 256


class Deadline(Exception):
    pass


def on_alarm(signum, frame):
    raise Deadline("the bench ran past its time limit")


class TimedVth(harness.Vth):
    """A vth whose output lines carry the time they were read (stamps[i] for lines[i])."""

    def __init__(self, *args, **kwargs):
        self.stamps = []
        super().__init__(*args, **kwargs)

    def _pump(self, stream):
        for line in stream:
            line = line.rstrip("\n")
            self.stamps.append(time.monotonic())
            self.lines.append(line)
            self._queue.put(line)


def wait_event(vth, name, start, timeout, **fields):
    """(index, time read, event) of the first event `name` with `fields` among vth's lines
    from index `start` on; (None, None, None) after `timeout` s."""
    deadline = time.monotonic() + timeout
    i = start
    while True:
        while i < len(vth.lines):
            try:
                e = json.loads(vth.lines[i])
            except ValueError:
                e = None
            if isinstance(e, dict) and e.get("event") == name and \
                    all(e.get(k) == v for k, v in fields.items()):
                return i, vth.stamps[i], e
            i += 1
        if time.monotonic() > deadline:
            return None, None, None
        time.sleep(0.005)


def poll(predicate, timeout, interval=0.02):
    """The first true value of predicate() within `timeout` s, else None."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def floors_for(flats):
    """(floors, rooms per floor) of vtoctl room add-batch giving `flats` consecutive rooms:
    each floor starts where the last one ended."""
    for per_floor in range(99, 0, -1):
        if flats % per_floor == 0 and flats // per_floor <= 99:
            return flats // per_floor, per_floor
    raise SystemExit(f"estate: {flats} flats cannot be made with vtoctl room add-batch "
                     "(floors and rooms per floor are 1-99)")


def make_directory(tmp, flats):
    """vtod's data dir with the estate's rooms and VTOs, exported for Kamailio; returns
    (the SQLite file, the rooms' passwords as CSV file)."""
    data = os.path.join(tmp, "directory")
    started = time.monotonic()
    floors, per_floor = floors_for(flats)
    # One invocation for every room: each gets a random password of its own, printed as CSV.
    rooms = harness.vtoctl(data, "room", "add-batch", "--floors", str(floors),
                           "--rooms-per-floor", str(per_floor), "--first-floor", str(FIRST_ROOM),
                           "--second-floor", str(FIRST_ROOM + per_floor))
    csv = os.path.join(tmp, "rooms.csv")
    with open(csv, "w") as f:
        f.write(rooms.stdout)
    rooms_done = time.monotonic()
    for k in range(VTOS):
        harness.vtoctl(data, "vto", "add", str(FIRST_VTO + k), "--password", harness.VTO_PASSWORD)
    harness.vtoctl(data, "vto", "add", FAILOVER_VTO, "--password", harness.VTO_PASSWORD)
    harness.vtoctl(data, "room", "add", FAILOVER_ROOM, "--password", harness.ROOM_PASSWORD)
    vtos_done = time.monotonic()
    db = os.path.join(tmp, "estate.db")
    export_accounts(data, db, REALM)
    print(f"estate: directory: {flats} rooms with vtoctl room add-batch ({floors} floors x "
          f"{per_floor}) in {rooms_done - started:.2f} s; {VTOS + 1} VTOs and one more room with "
          f"vtoctl vto/room add in {vtos_done - rooms_done:.2f} s; exported to SQLite in "
          f"{time.monotonic() - vtos_done:.2f} s", flush=True)
    return db, csv


def wait_dmq(a, b):
    """Waits (15 s at most) until each node lists the other as an active DMQ node."""
    def linked():
        try:
            return a.dmq_nodes().get(NODE_B) == "active" and b.dmq_nodes().get(NODE_A) == "active"
        except AssertionError:
            return False
    if not poll(linked, 15, 0.2):
        print(f"estate: warning: DMQ not active both ways after 15 s: A {a.dmq_nodes()}, "
              f"B {b.dmq_nodes()}", flush=True)


def bench_args(build, csv, flats, in_flight):
    return [os.path.join(build, "bin", "vto-bench"), "estate",
            "--nodes", f"{NODE_A}:{PORT},{NODE_B}:{PORT}", "--realm", REALM,
            "--flats", str(flats), "--first-room", str(FIRST_ROOM), "--monitors", str(MONITORS),
            "--room-passwords", csv, "--vtos", str(VTOS), "--first-vto", str(FIRST_VTO),
            "--vto-password", harness.VTO_PASSWORD, "--in-flight", str(in_flight)]


def replication(args, a, b, cmd, total):
    """Every device registered at A only: how fast B gets A's registrations; then B is
    killed, started again and fetches them all. Returns the replicated rate (or None)."""
    print(f"== replication: {total} registrations at node A only, node B's copies counted "
          "every 100 ms", flush=True)
    holder = harness.Process("vto-bench estate --hold",
                             cmd + ["--register-only-on", "0", "--hold", "--calls", "0",
                                    "--seconds", str(args.register_seconds)])
    rate = None
    try:
        samples = []  # (time, contacts at A, contacts at B)
        deadline = time.monotonic() + args.register_seconds + 30
        a_full = b_full = None
        while time.monotonic() < deadline:
            t = time.monotonic()
            ca, cb = a.contact_count(), b.contact_count()
            samples.append((t, ca, cb))
            if a_full is None and ca >= total:
                a_full = t
            if b_full is None and cb >= total:
                b_full = t
            if a_full and b_full:
                break
            if holder.proc.poll() is not None:
                break
            time.sleep(max(0.0, t + 0.1 - time.monotonic()))
        try:
            holder.wait_line(lambda l: "holding" in l, timeout=10, what="the holding line")
        except AssertionError:
            pass
        for line in holder.lines:
            print(line)
        first_a = next((t for t, ca, _ in samples if ca > 0), None)
        backlog = max((ca - cb for _, ca, cb in samples), default=0)
        if first_a is None or b_full is None:
            last = samples[-1] if samples else (0, 0, 0)
            print(f"estate: replication incomplete: node A {last[1]}, node B {last[2]} of {total}"
                  + (f"; vto-bench: {holder.dump()}" if holder.proc.poll() is not None else ""))
        else:
            span = b_full - first_a
            rate = total / span if span > 0 else float("inf")
            print(f"estate: node B held all {total} registrations {span:.2f} s after the first "
                  f"reached node A (A had them all after {a_full - first_a:.2f} s): "
                  f"{rate:.0f} registrations replicated/s; largest backlog {backlog} contacts "
                  "(polls every 100 ms)")
            # A node that starts again fetches every registration from the other one.
            b.restart(kill=True)
            restarted = time.monotonic()
            synced = poll(lambda: b.contact_count() >= total, 60, 0.1)
            took = time.monotonic() - restarted
            if synced:
                print(f"estate: node B killed and started again: it fetched all {total} "
                      f"registrations from node A in {took:.2f} s ({total / took:.0f}/s)")
            else:
                print(f"estate: node B killed and started again: {b.contact_count()} of {total} "
                      "registrations after 60 s")
            wait_dmq(a, b)
        sys.stdout.flush()
    finally:
        if holder.proc.poll() is None:
            try:
                holder.send("")  # vto-bench unregisters everything and exits
                holder.proc.stdin.close()
                holder.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                pass
        holder.stop()
        for line in getattr(holder, "stderr_lines", []):
            print(f"vto-bench: {line}" if not line.startswith("vto-bench") else line)
    empty = poll(lambda: a.contact_count() == 0 and b.contact_count() == 0, 30, 0.2)
    if not empty:
        print(f"estate: warning: contacts left after unregistering: A {a.contact_count()}, "
              f"B {b.contact_count()}", flush=True)
    return rate


def sip_status(vtod):
    return harness.http(vtod.http_port, "GET", "/api/v1/settings/sip")[1]["status"]


def on_server(vtod, which):
    s = sip_status(vtod)
    return s if s["registered"] and s["active"] == which else None


def failover(args, tmp, a, b):
    """Kill node A `rounds` times; each time, the time from the kill until a press on the
    VTO rings the monitor registered at node B. Returns (samples, failed rounds)."""
    print(f"== failover: {args.rounds} kills of node A; a press on VTO {FAILOVER_VTO} (main A, "
          f"alternate B) once it is registered at B; the time from the kill to the ring at "
          f"monitor {FAILOVER_ROOM}#0 (on B)", flush=True)
    procs = []
    ring, moved, monitor_moved = [], [], []
    failed = 0
    try:
        m_b = TimedVth(b.sip, f"{FAILOVER_ROOM}#0", harness.ROOM_PASSWORD, domain=REALM)
        procs.append(m_b)
        m_a = TimedVth(a.sip, f"{FAILOVER_ROOM}#1", harness.ROOM_PASSWORD, domain=REALM,
                       extra=("--alternate", b.sip))
        procs.append(m_a)
        for m in (m_a, m_b):
            if wait_event(m, "registered", 0, 10)[0] is None:
                raise AssertionError(f"{m.name} did not register:\n{m.dump()}")
        vtod = harness.Vtod(os.path.join(tmp, "vto"), vto_number=FAILOVER_VTO, log_level="warn",
                            extra=("--button", FAILOVER_ROOM))
        procs.append(vtod)
        setting = {"mode": "platform", "server_ip": NODE_A, "server_port": PORT, "domain": REALM,
                   "user": FAILOVER_VTO, "password": harness.VTO_PASSWORD, "alternate_ip": NODE_B,
                   "alternate_user": FAILOVER_VTO, "alternate_password": harness.VTO_PASSWORD}
        status, body = harness.http(vtod.http_port, "PUT", "/api/v1/settings/sip", setting)
        if status != 200:
            raise AssertionError(f"PUT /api/v1/settings/sip: {status} {body}")
        if not poll(lambda: on_server(vtod, "main"), 15):
            raise AssertionError(f"the VTO did not register at node A: {sip_status(vtod)}")
        users = (f"{FAILOVER_ROOM}#0", f"{FAILOVER_ROOM}#1", FAILOVER_VTO)
        if not poll(lambda: all(a.lookup(u) for u in users) and all(b.lookup(u) for u in users),
                    10, 0.1):
            raise AssertionError("the failover devices are not known to both nodes")

        for n in range(args.rounds):
            mark_a, mark_b = len(m_a.lines), len(m_b.lines)
            killed = time.monotonic()
            a.kill()
            ok = False
            if poll(lambda: on_server(vtod, "alternate"), 15):
                at_b = time.monotonic()
                status, body = harness.http(vtod.http_port, "POST", "/api/v1/sim/press",
                                            {"key": "button1"})
                i, rang, _ = wait_event(m_b, "incoming_call", mark_b, 10)
                if status == 200 and i is not None:
                    ok = True
                    ring.append(rang - killed)
                    moved.append(at_b - killed)
                    print(f"failover {n + 1}: VTO at B after {at_b - killed:.2f} s, "
                          f"rang after {rang - killed:.2f} s", flush=True)
                else:
                    print(f"failover {n + 1}: press {status} {body}; no ring at the monitor on B",
                          flush=True)
            else:
                print(f"failover {n + 1}: the VTO did not move to B within 15 s: "
                      f"{sip_status(vtod)}", flush=True)
            if not ok:
                failed += 1
            j, left, _ = wait_event(m_a, "registered", mark_a, 15, peer=b.sip)
            if j is not None:
                monitor_moved.append(left - killed)
            # The call ends from the VTO (CANCEL to every branch), then node A comes back.
            panel = harness.sim_state(vtod)["panel"]
            if panel.get("call"):
                harness.http(vtod.http_port, "DELETE", f"/api/v1/calls/{panel['call']}")
            poll(lambda: harness.sim_state(vtod)["panel"]["state"] == "idle", 10, 0.05)
            a.restart()
            back = poll(lambda: on_server(vtod, "main"), 20)
            if j is not None:
                wait_event(m_a, "registered", j + 1, 20, peer=a.sip)
            if not back:
                print(f"failover: the VTO did not return to node A: {sip_status(vtod)}; "
                      "stopping", flush=True)
                failed += args.rounds - n - 1
                break
    finally:
        for p in reversed(procs):
            p.stop()
    if moved:
        print(f"failover: kill -> VTO registered at B: p50 {percentile(moved, 50):.2f} s, "
              f"p99 {percentile(moved, 99):.2f} s")
    if monitor_moved:
        print(f"failover: kill -> monitor {FAILOVER_ROOM}#1 (main A) registered at B: p50 "
              f"{percentile(monitor_moved, 50):.2f} s, p99 {percentile(monitor_moved, 99):.2f} s "
              f"({len(monitor_moved)} of {args.rounds})")
    return ring, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")),
                    help="build directory (default: $VTO_BUILD_DIR, else build)")
    ap.add_argument("--flats", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=300, help="calls per rate step")
    ap.add_argument("--rate", type=float, default=10)
    ap.add_argument("--max-rate", type=float, default=3200)
    ap.add_argument("--in-flight", type=int, default=200, help="REGISTER transactions at once")
    ap.add_argument("--register-seconds", type=float, default=120)
    ap.add_argument("--rounds", type=int, default=20, help="kills of node A")
    ap.add_argument("--timeout", type=int, default=900, help="time limit of the whole bench, s")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    harness.BIN = os.path.join(build, "bin")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    try:
        harness.enter_own_network_namespace([["addr", "add", f"{NODE_A}/32", "dev", "lo"],
                                             ["addr", "add", f"{NODE_B}/32", "dev", "lo"]])
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"estate: no network namespace of its own ({e}): run as root, or where "
                 "unprivileged user namespaces are allowed")
    total = args.flats * MONITORS + VTOS
    rc = 0
    with tempfile.TemporaryDirectory() as tmp:
        nodes = []
        try:
            db, csv = make_directory(tmp, args.flats)
            # Every device of the bench sends from 127.0.0.1: the flood limit is switched off
            # (ESTATE_NO_PIKE in each node's estate-local.cfg) rather than raised.
            a = EstateNode(tmp, NODE_A, PORT, NODE_B, db, REALM, no_pike=True, log_level=0,
                           shm_mb=SHM_MB)
            nodes.append(a)
            b = EstateNode(tmp, NODE_B, PORT, NODE_A, db, REALM, no_pike=True, log_level=0,
                           shm_mb=SHM_MB)
            nodes.append(b)
            print(f"estate: nodes {a.sip} and {b.sip}, realm {REALM}; pike (flood limit) off: "
                  "#!define ESTATE_NO_PIKE in each node's estate-local.cfg, since all "
                  f"{total} devices send from 127.0.0.1", flush=True)
            wait_dmq(a, b)
            cmd = bench_args(build, csv, args.flats, args.in_flight)

            replicated = replication(args, a, b, cmd, total)
            if replicated is not None:
                print(f"SUMMARY estate-replicated-per-s {replicated:.0f} (no goal; node A -> B "
                      f"while {total} devices register at A)", flush=True)
            else:
                rc = 1

            print(f"== vto-bench estate: {total} devices over both nodes, group calls at "
                  f"{args.rate:g}/s, then a ramp up to {args.max_rate:g}/s", flush=True)
            try:
                r = subprocess.run(cmd + ["--seconds", str(args.register_seconds),
                                          "--rate", str(args.rate), "--calls", str(args.calls),
                                          "--max-rate", str(args.max_rate)], timeout=600)
                returncode = r.returncode
            except subprocess.TimeoutExpired:
                returncode = "a timeout (600 s)"
            sys.stdout.flush()
            if returncode != 0:
                print(f"estate: vto-bench estate ended with {returncode}", flush=True)
                for node in nodes:
                    state = "running" if node.proc.poll() is None else f"ended ({node.proc.returncode})"
                    print(f"estate: {node.sip} {state}; its last lines:\n{node.dump()}", flush=True)
                rc = 1
            poll(lambda: a.contact_count() == 0 and b.contact_count() == 0, 30, 0.2)

            try:
                ring, failed = failover(args, tmp, a, b)
            except AssertionError as e:
                print(f"estate: failover not measured: {e}", flush=True)
                ring, failed = [], args.rounds
            if ring:
                print(f"failover: kill -> ring at the monitor on B: p50 {percentile(ring, 50):.2f} s, "
                      f"p99 {percentile(ring, 99):.2f} s, max {max(ring):.2f} s "
                      f"({len(ring)} of {args.rounds} rounds, {failed} failed)")
                print(f"SUMMARY estate-failover-p99-s {percentile(ring, 99):.2f} "
                      f"(goal < {FAILOVER_GOAL_S:g}; p50 {percentile(ring, 50):.2f}, "
                      f"{failed} of {args.rounds} rounds failed)")
            if failed or not ring:
                rc = 1
        except Deadline as e:
            print(f"estate: {e} ({args.timeout} s)")
            rc = 1
        finally:
            signal.alarm(0)
            for node in reversed(nodes):
                node.stop()
    sys.exit(rc)


if __name__ == "__main__":
    main()
