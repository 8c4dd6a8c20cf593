#!/usr/bin/env python3
"""SIP load benchmarks with SIPp, against vtod and Kamailio in the same run.

  registrations/s with digest auth, sustained with zero failures (ramp until failure)
  calls/s through the proxy (INVITE/200/ACK/BYE), sustained with zero failures
  CPU time per REGISTER at a fixed load (20,000 digest REGISTERs at 2,000/s), with the
  security policy on, and the system calls per REGISTER when strace is there

Everything runs on 127.0.0.1, every SIPp run is bounded by a call count and a timeout.
Prints the figures, their ratio vtod/Kamailio, and one SUMMARY line per figure.
Usage: bench/sip_load.py [--build build] [--seconds 5] [--max-rate 20000] [--only cpu]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402
import peers  # noqa: E402

PASSWORD = "Bench-pass1"


def users_csv(path, passwords, per_room):
    """SIPp injection file: URI user (escaped) and the authentication keyword, with each
    room's password (`passwords`: room -> password)."""
    with open(path, "w") as f:
        f.write("SEQUENTIAL\n")
        for room, password in passwords.items():
            for i in range(per_room):
                user = f"{room}#{i}"
                f.write(f"{room}%23{i};[authentication username={user} password={password}];\n")


def cpu_seconds(pids):
    """User + system CPU seconds of the processes `pids` so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / tick


def process_tree(root):
    """`root` and every process under it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_per_register(name, target, scenario, csv, pids, count=20000, rate=2000):
    """CPU microseconds the server `pids` spend per REGISTER (two requests, 401 and 200) at
    a fixed load; None when the run had failures."""
    before = cpu_seconds(pids)
    ok, elapsed = sipp(["-sf", scenario, "-inf", csv, target, "-i", "127.0.0.1",
                        "-r", str(rate), "-m", str(count), "-l", str(rate * 4)],
                       timeout=count // rate * 4 + 10)
    used = cpu_seconds(pids) - before
    per = used / count * 1e6
    print(f"  {name}: {count} REGISTERs at {rate}/s in {elapsed:.1f} s, "
          f"{'ok' if ok else 'FAILURES'}: {used:.2f} s CPU, {per:.1f} us per REGISTER", flush=True)
    return per if ok else None


def syscalls_per_register(pid, target, scenario, csv, count=2000, rate=1000):
    """System calls of `pid` (all threads) per REGISTER, by strace -c; None without strace."""
    if not harness.which("strace"):
        return None
    out = os.path.join(tempfile.gettempdir(), f"strace-{pid}.txt")
    tracer = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-p", str(pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    sipp(["-sf", scenario, "-inf", csv, target, "-i", "127.0.0.1", "-r", str(rate),
          "-m", str(count)], timeout=count // rate * 4 + 10)
    tracer.terminate()
    tracer.wait(timeout=10)
    calls_by_name = {}
    with open(out) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                calls_by_name[parts[-1]] = int(parts[3])
    total = sum(calls_by_name.values())
    top = sorted(calls_by_name.items(), key=lambda kv: -kv[1])[:6]
    print("  system calls per REGISTER: " +
          ", ".join(f"{name} {n / count:.2f}" for name, n in top), flush=True)
    return total / count


def sipp(args, timeout):
    """Runs SIPp; True when every call succeeded (exit code 0)."""
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("r", suffix=".err") as errors:
        r = subprocess.run(["sipp", *args, "-nostdin", "-timeout", f"{timeout}s", "-timeout_error",
                            "-trace_err", "-error_file", errors.name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            # What went wrong first, in SIPp's words, so a failed figure can be explained.
            first = [line.strip() for line in errors.read().splitlines() if line.strip()][:3]
            print(f"    sipp exit {r.returncode}: " + " | ".join(first)[:300], flush=True)
    return r.returncode == 0, time.monotonic() - started


def ramp(name, target, scenario, csv, seconds, max_rate, extra=(), local_port=0):
    """The highest rate (calls/s) achieved for `seconds` with zero failures: doubles the
    asked rate until a run fails or falls short, then bisects between the last good and
    the first bad rate."""
    def run(rate):
        count = int(rate * seconds)
        ok, elapsed = sipp(["-sf", scenario, "-inf", csv, target, "-i", "127.0.0.1",
                            "-p", str(local_port),
                            "-r", str(rate), "-m", str(count), "-l", str(rate * 4), *extra],
                           timeout=seconds * 4 + 10)
        achieved = count / elapsed if elapsed > 0 else 0
        print(f"  {name}: asked {rate}/s for {count} -> {'ok' if ok else 'FAILURES'}, "
              f"achieved {achieved:.0f}/s", flush=True)
        return ok, achieved

    best = 0.0
    good, bad = 0, None
    rate = 500
    while rate <= max_rate:
        ok, achieved = run(rate)
        if ok:
            best = max(best, achieved)
        if not ok or achieved < 0.9 * rate:
            bad = rate
            break
        good = rate
        rate *= 2
    for _ in range(3):
        if bad is None or bad - good <= max(100, good // 10):
            break
        mid = (good + bad) // 2
        ok, achieved = run(mid)
        if ok:
            best = max(best, achieved)
        if ok and achieved >= 0.9 * mid:
            good = mid
        else:
            bad = mid
    return best


def calls(target, callee, tmp, a, passwords):
    """Registers a SIPp UAS as monitor 501#0 at `target`, then ramps SIPp calls to `callee`
    through it. Returns the best sustained calls/s with zero failures. `passwords`: room ->
    register password at `target`."""
    # Both ends register (vtod lets only registered devices, or callers with credentials,
    # ring a flat): the UAS as monitor 501#0, the UAC as monitor 502#0, each from the
    # port it then uses.
    uas_port, uac_port = harness.free_port(), harness.free_port()
    for port, user in ((uas_port, "501#0"), (uac_port, "502#0")):
        reg_csv = os.path.join(tmp, "reg-one.csv")
        with open(reg_csv, "w") as f:
            f.write(f"SEQUENTIAL\n{user.replace('#', '%23')};[authentication username={user} "
                    f"password={passwords[user.split('#')[0]]}];\n")
        ok, _ = sipp(["-sf", os.path.join(HERE, "sipp", "register.xml"), "-inf", reg_csv, target,
                      "-i", "127.0.0.1", "-p", str(port), "-m", "1"], timeout=10)
        if not ok:
            print(f"  could not register {user} at {target}")
            return 0.0
    uas = subprocess.Popen(["sipp", "-sf", os.path.join(HERE, "sipp", "uas_answer.xml"), "-i", "127.0.0.1",
                            "-p", str(uas_port), "-nostdin", "-trace_err",
                            "-error_file", os.devnull, "-timeout", "600s"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        csv = os.path.join(tmp, "callee.csv")
        with open(csv, "w") as f:
            f.write("SEQUENTIAL\n" + callee + ";502%230;\n")
        return ramp(f"calls via {target}", target, os.path.join(HERE, "sipp", "uac_call.xml"), csv,
                    a.seconds, a.max_rate, extra=("-default_behaviors", "all,-abortunexp"),
                    local_port=uac_port)
    finally:
        uas.terminate()
        uas.wait(timeout=10)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")),
                   help="build directory (default: $VTO_BUILD_DIR, else build)")
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--max-rate", type=int, default=32000)
    p.add_argument("--only", choices=("cpu", "register", "calls"), help="run one of the figures")
    a = p.parse_args()
    os.environ["VTO_BUILD_DIR"] = os.path.abspath(a.build)
    harness.BIN = os.path.join(os.environ["VTO_BUILD_DIR"], "bin")

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        # Each room has a password of its own (batch add); this Kamailio has one for all.
        added = harness.vtoctl(data, "room", "add-batch", "--floors", "10", "--rooms-per-floor",
                               "10", "--first-floor", "101", "--second-floor", "201")
        passwords = dict(line.split(",", 1) for line in added.stdout.splitlines()[1:] if "," in line)
        csv = os.path.join(tmp, "users.csv")
        users_csv(csv, passwords, 11)
        kam_csv = os.path.join(tmp, "users-kamailio.csv")
        users_csv(kam_csv, {room: PASSWORD for room in passwords}, 11)

        vtod = harness.Vtod(data, log_level="warn")
        kam_port = harness.free_port()
        kam = peers.Kamailio(tmp, kam_port, password=PASSWORD)
        try:
            if a.only in (None, "cpu"):
                print("CPU per REGISTER with digest auth, 20,000 at 2,000/s (1100 users):", flush=True)
                scenario = os.path.join(HERE, "sipp", "register.xml")
                v = cpu_per_register("vtod", vtod.sip, scenario, csv, [vtod.proc.pid])
                k = cpu_per_register("kamailio", kam.sip, scenario, kam_csv,
                                     process_tree(kam.proc.pid))
                if v and k:
                    print(f"SUMMARY register-cpu-us vtod={v:.1f} kamailio={k:.1f} "
                          f"ratio={v / k:.2f} (goal <= 1.0)")
                syscalls_per_register(vtod.proc.pid, vtod.sip, scenario, csv)
            if a.only in (None, "register"):
                print("REGISTER with digest auth (1100 users, ramping):", flush=True)
                scenario = os.path.join(HERE, "sipp", "register.xml")
                v = ramp("vtod", vtod.sip, scenario, csv, a.seconds, a.max_rate)
                k = ramp("kamailio", kam.sip, scenario, kam_csv, a.seconds, a.max_rate)
                ratio = v / k if k else float("inf")
                print(f"registrations/s sustained, zero failures: vtod {v:.0f}, kamailio {k:.0f}, "
                      f"ratio {ratio:.2f}")
                print(f"SUMMARY register-per-second vtod={v:.0f} kamailio={k:.0f} ratio={ratio:.2f} "
                      "(goal >= 1.0)")
            if a.only in (None, "calls"):
                print("Calls through the proxy (INVITE/180/200/ACK/BYE/200, ramping):", flush=True)
                if a.only is None:
                    # The registration ramp ends in overload, and its failures get the load
                    # generator's address blocked by the SIP guard for the lock-out time.
                    # The calls meet a fresh vtod.
                    vtod.stop()
                    vtod = harness.Vtod(data, log_level="warn")
                v = calls(vtod.sip, "501", tmp, a, passwords)
                k = calls(kam.sip, "501%230", tmp, a, {room: PASSWORD for room in passwords})
                ratio = v / k if k else float("inf")
                print(f"calls/s sustained through the proxy, zero failures: vtod {v:.0f}, "
                      f"kamailio {k:.0f}, ratio {ratio:.2f}")
                print(f"SUMMARY calls-per-second vtod={v:.0f} kamailio={k:.0f} ratio={ratio:.2f}")
        finally:
            kam.stop()
            vtod.stop()


if __name__ == "__main__":
    main()
