#!/usr/bin/python3
"""Run as root inside the virtual board by bench/board_unlock_latency.py: the time from the
last input edge of a valid card to the lock's GPIO line going active, through vtod (as user
"openvto") on the virtual board. Two readers: a USB reader that types (the Enter key's
event written to uinput -> the relay line) and a Wiegand reader (the last bit's falling
edge pulled on gpio-sim -> the relay line). The line is read from gpio-sim's sysfs every
0.2 ms, which adds up to that (and the guest's scheduling) to each figure.
Prints one JSON line: {"hid_ms": [...], "wiegand_ms": [...], "wiegand_bit_interval_ms": [...]}
(the last: the mean time between two bits of each frame as sent, which sets the pause
after which vtod takes the frame as ended: 3 intervals, 3 to 20 ms)."""
import grp
import json
import os
import pwd
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.realpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
sys.path.insert(0, HERE)

import board_devices as hw  # noqa: E402
from harness import BIN, ROOM_PASSWORD, TOKENS, Vtod, http  # noqa: E402

SETPRIV = ["setpriv", "--reuid=openvto", "--regid=openvto", "--init-groups", "--"]
RESULTS = os.environ.get("VTO_RESULTS", "/results")
ENV = dict(os.environ, GST_REGISTRY_UPDATE="no",
           GST_REGISTRY=os.path.join(RESULTS, "gst-registry.bin"))
UDEVADM = os.environ.get("VTO_UDEVADM", "udevadm")


def vtoctl(data, *args):
    r = subprocess.run(SETPRIV + [os.path.join(BIN, "vtoctl"), "--data", data, *args],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def wait_line(sim, level, timeout=5.0):
    """Polls the relay line until it reads `level` (every 0.2 ms, leaving the guest's one CPU
    to vtod in between); the monotonic time it did, or None."""
    path = f"{sim.dir}/sim_gpio{sim.LINES.index('relay')}/value"
    fd = os.open(path, os.O_RDONLY)
    want = b"1" if level else b"0"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if os.pread(fd, 2, 0)[:1] == want:
                return time.monotonic()
            time.sleep(0.0002)
    finally:
        os.close(fd)
    return None


def main(rounds):
    sim = hw.GpioSim()
    sim.pull("wiegand_d0", 1)
    sim.pull("wiegand_d1", 1)
    reader = hw.InputDevice("HID card reader", keys=[str(d) for d in range(10)] + ["ENTER"])
    subprocess.run([UDEVADM, "settle", "--timeout=30"], check=False)
    time.sleep(0.5)
    data = "/tmp/vtod"
    os.makedirs(data, exist_ok=True)
    os.chown(data, pwd.getpwnam("openvto").pw_uid, grp.getgrnam("openvto").gr_gid)
    vtoctl(data, "init", "--password", "Door-Test-2468")
    token = vtoctl(data, "token", "create", "--role", "admin", "--name", "bench")
    vtoctl(data, "room", "add", "101", "--password", ROOM_PASSWORD)
    figures = {}
    for kind in ("hid", "wiegand"):
        reader_file = ({"kind": "hid", "device": "HID card reader"} if kind == "hid" else
                       {"kind": "wiegand", "d0": {"line": "wiegand_d0"}, "d1": {"line": "wiegand_d1"}})
        with open("/tmp/board.json", "w") as f:
            json.dump({"gpio_chip": "door", "lock": {"line": "relay"}, "card_reader": reader_file}, f)
        v = Vtod(data, initialize=False, prefix=SETPRIV, env=ENV, ready_timeout=240,
                 extra=("--board", "/tmp/board.json", "--unlock-hold", "1"))
        TOKENS[v.http_port] = token
        try:
            times, intervals, resent = [], [], 0
            for i in range(rounds):
                number = 0x100000 + i
                card = f"{number:06X}" if kind == "wiegand" else f"{4000000000 + i:010d}"
                status, body = http(v.http_port, "POST", "/api/v1/access/cards",
                                    {"number": card, "room": "101"})
                assert status == 201, body
                if kind == "hid":
                    reader.type(card)
                    t0 = time.monotonic()
                    reader.press("ENTER")
                    t1 = wait_line(sim, 1)
                else:
                    # The sender (python under TCG) is not a reader's exact clock: a frame
                    # that went out uneven is two frames to vtod, neither a card. It is sent
                    # again, and counted.
                    for _ in range(5):
                        bits = hw.wiegand26(number)
                        start = time.monotonic()
                        even = hw.send_wiegand(sim, bits[:-1])
                        line = "wiegand_d1" if bits[-1] else "wiegand_d0"
                        t0 = time.monotonic()
                        sim.pull(line, 0)
                        sim.pull(line, 1)
                        t1 = wait_line(sim, 1, timeout=1.0) if even else None
                        if t1 is not None:
                            intervals.append((t0 - start) * 1000 / 25)
                            break
                        resent += 1
                        time.sleep(0.1)
                assert t1 is not None, f"{kind} card {card} did not open the lock"
                times.append((t1 - t0) * 1000)
                assert wait_line(sim, 0) is not None
                time.sleep(0.1)
            figures[f"{kind}_ms"] = times
            if intervals:
                figures["wiegand_bit_interval_ms"] = intervals
                figures["wiegand_resent"] = resent
        finally:
            v.stop()
    reader.close()
    print(json.dumps(figures))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
