#!/usr/bin/python3
"""Run as root inside the virtual board (tests/board/guest.py) by
test_guest_runs_host_programs.py: checks that the host's programs run there and that
deploy/udev's rules gave the user "openvto" the devices vtod needs, and nothing more.

    host_programs.py VTOD        (as root: prints what it finds, then one JSON line)
    host_programs.py --probe ... (as openvto, called by the above through setpriv)

Only the standard library: the ioctl numbers are computed here from the kernel's _IOC
layout (direction << 30 | size << 16 | type << 8 | number), as <linux/uinput.h>,
<linux/gpio.h> and <linux/input.h> define them."""
import errno
import fcntl
import grp
import json
import os
import stat
import struct
import subprocess
import sys
import time

UDEVADM = os.environ.get("VTO_UDEVADM", "udevadm")
SETPRIV = ["setpriv", "--reuid=openvto", "--regid=openvto", "--init-groups", "--"]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board_devices as hw  # noqa: E402


# <linux/input.h>: EVIOCGNAME(256). <linux/gpio.h>: struct gpiochip_info, char[32] x 2, u32.
EVIOCGNAME = hw.ioc(2, ord("E"), 0x06, 256)
GPIOCHIP_INFO = struct.Struct("<32s32sI")
GPIO_GET_CHIPINFO_IOCTL = hw.ioc(2, 0xB4, 0x01, GPIOCHIP_INFO.size)


def cstr(raw):
    return raw.split(b"\0", 1)[0].decode()


def node(path):
    """A file's group and permission bits as ls shows them: {"group": ..., "mode": "0660"}."""
    st = os.stat(path)
    return {"group": grp.getgrgid(st.st_gid).gr_name, "mode": f"{stat.S_IMODE(st.st_mode):04o}"}


def probe(specs):
    """As openvto: opens each PATH:MODE ("r", "w" or "rw") and says "ok" (with what an ioctl
    read through it) or the errno's name."""
    out = {"uid": os.getuid(), "groups": sorted(grp.getgrgid(g).gr_name for g in os.getgroups())}
    flags = {"r": os.O_RDONLY, "w": os.O_WRONLY, "rw": os.O_RDWR}
    for spec in specs:
        path, how = spec.rsplit(":", 1)
        try:
            fd = os.open(path, flags[how] | os.O_CLOEXEC)
        except OSError as e:
            out[spec] = errno.errorcode[e.errno]
            continue
        try:
            if path.startswith("/dev/gpiochip"):
                name, label, lines = GPIOCHIP_INFO.unpack(
                    fcntl.ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, bytes(GPIOCHIP_INFO.size)))
                out[spec] = f"ok {cstr(name)} {cstr(label)} {lines} lines"
            elif path.startswith("/dev/input/event"):
                out[spec] = "ok " + cstr(fcntl.ioctl(fd, EVIOCGNAME, bytes(256)))
            elif path.endswith("/brightness"):
                os.write(fd, b"1\n")
                out[spec] = "ok wrote 1"
            else:
                out[spec] = "ok"
        except OSError as e:
            out[spec] = "opened, then " + errno.errorcode[e.errno]
        finally:
            os.close(fd)
    print(json.dumps(out))


def make_uinput_device():
    """A key (KEY_1) and an LED (caps lock) device made through /dev/uinput; returns it and
    its name under /sys/class/input (inputN)."""
    device = hw.InputDevice("vto-test-keys", keys=["1"], leds=[hw.LED_CAPSL])
    return device, device.sysname()


def settle_until(check, seconds=15):
    """udevadm settle, then check() again until it holds (an event the kernel has just sent
    may not be queued in udevd yet when settle asks)."""
    deadline = time.monotonic() + seconds
    while True:
        subprocess.run([UDEVADM, "settle", "--timeout=30"], check=False)
        if check() or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def main(vtod):
    facts = {"python": sys.version.split()[0], "uid": os.getuid()}

    # vtod as openvto: the id it runs under, then its --help.
    r = subprocess.run(SETPRIV + ["/bin/sh", "-c", 'id -un && exec "$0" --help', vtod],
                       capture_output=True, text=True)
    facts["vtod"] = {"status": r.returncode, "stdout": r.stdout[:2000], "stderr": r.stderr[:2000]}

    # A uinput device: its event node, and the LED input-leds makes of its caps lock.
    ui, sysname = make_uinput_device()
    base = f"/sys/class/input/{sysname}"
    event = "/dev/input/" + next(n for n in os.listdir(base) if n.startswith("event"))
    led = f"/sys/class/leds/{sysname}::capslock/brightness"
    settle_until(lambda: os.path.exists(event) and node(event)["group"] == "openvto"
                 and node(led)["group"] == "openvto")
    facts["uinput_event"] = event
    facts["led"] = led

    paths = ["/dev/gpiochip0", event, led, "/dev/fb0", "/dev/dri/card0", "/dev/uinput",
             "/dev/snd/controlC0", "/dev/video0", "/dev/mem"]
    facts["nodes"] = {p: node(p) for p in paths}
    print(subprocess.run(["ls", "-l"] + paths, capture_output=True, text=True).stdout)

    specs = ["/dev/gpiochip0:rw", f"{event}:r", f"{event}:rw", f"{led}:w", "/dev/fb0:rw",
             "/dev/dri/card0:rw", "/dev/snd/controlC0:rw", "/dev/video0:rw",
             "/dev/uinput:rw", "/dev/mem:r", "/etc/shadow:r"]
    r = subprocess.run(SETPRIV + [sys.executable, os.path.abspath(__file__), "--probe"] + specs,
                       capture_output=True, text=True)
    facts["openvto"] = json.loads(r.stdout) if r.returncode == 0 else {"error": r.stderr}

    ui.close()
    print(json.dumps(facts))


if __name__ == "__main__":
    if sys.argv[1] == "--probe":
        probe(sys.argv[2:])
    else:
        main(sys.argv[1])
