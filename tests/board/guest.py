"""Runs a script inside the virtual board (make-guest.sh, guest-init.sh's "vto.run" mode)
with the host's programs: the guest's /usr is the host's /usr over 9p (read-only), its /etc
the host's with changes kept in the guest's memory, and the repository is at its host path,
so the built vtod and python3 run there as they do on the host. The script runs as root;
the user "openvto" (not root) exists, udevd has applied deploy/udev's rules to the device
nodes, and the simulated GPIO chip "door" is /dev/gpiochip0.

    status, output = run_in_guest("/path/to/script", args=["--flag"])

The script needs a "#!" line and the execute bit. One under the repository runs from the
repository's share; any other is copied into the guest's results directory first; with
arguments, a small wrapper there runs it with them. Inside, $VTO_RESULTS (/results) is a
writable directory shared with the host, and $VTO_UDEVADM the guest's udevadm (the host
has none). run() returns more: the console, the timings, the results directory, where
boot-steps says how long each step of the guest's start took and dmesg is the kernel's
log."""
import dataclasses
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.realpath(os.path.join(HERE, "..", ".."))
BOARD = os.path.realpath(os.environ.get("VTO_BOARD_DIR", os.path.join(REPO, "build", "board")))
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"


class GuestError(Exception):
    """The guest did not report the script's exit status (it crashed or timed out)."""


@dataclasses.dataclass
class GuestRun:
    status: int            # the script's exit status
    output: str            # its stdout and stderr, interleaved
    console: str           # the guest's serial console (kernel and guest-init.sh messages)
    boot_seconds: float    # the guest's uptime when the script started
    guest_seconds: float   # the guest's uptime when the script ended
    wall_seconds: float    # QEMU's whole run, as the host measures it
    results: str           # the results directory (the guest's /results)


def build_guest():
    """make-guest.sh into BOARD (quick once its downloads and modules are there)."""
    subprocess.run([os.path.join(HERE, "make-guest.sh"), BOARD], check=True, timeout=900,
                   stdout=subprocess.DEVNULL)


def make_gst_registry(results):
    """GStreamer's plugin registry, made on the host into the results directory (the guest's
    /results/gst-registry.bin): the guest shares the host's /usr, and scanning every plugin
    under TCG would take minutes."""
    registry = os.path.join(results, "gst-registry.bin")
    subprocess.run(["gst-inspect-1.0"], env=dict(os.environ, GST_REGISTRY=registry),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    os.chmod(registry, 0o644)


def qemu_command(script, results, monitor=None):
    """QEMU's command line: 1 GiB, one CPU (TCG), no network card, console on stdio; with
    `monitor`, QEMU's monitor on that unix socket."""
    def share(tag, path, writable=False):
        opts = f"local,path={path},mount_tag={tag},security_model=none"
        return ["-virtfs", opts if writable else opts + ",readonly=on"]
    append = ("console=ttyS0 panic=-1 loglevel=3 "
              f"vto.run={script} vto.repo={REPO} vto.board={BOARD}")
    return ([QEMU, "-m", "1024", "-cpu", "max", "-nographic", "-no-reboot", "-nic", "none",
             "-kernel", os.path.join(BOARD, "vmlinuz"), "-initrd", os.path.join(BOARD, "initrd.gz"),
             "-append", append]
            + share("usr", "/usr") + share("etc", "/etc") + share("repo", REPO)
            + share("board", BOARD) + share("out", results, writable=True)
            + (["-monitor", f"unix:{monitor},server=on,wait=off"] if monitor else []))


class ScreenReader(threading.Thread):
    """Answers the guest's requests to read its screen: a file "request-NAME" in the results
    directory gets QEMU's screendump (screen-NAME.ppm) read by tesseract into "answer-NAME"."""

    def __init__(self, results, monitor):
        super().__init__(daemon=True)
        self.results, self.monitor = results, monitor
        self.done = threading.Event()

    def command(self, text):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(self.monitor)
            s.sendall(text.encode() + b"\n")
            time.sleep(0.5)
            s.sendall(b"info version\n")  # answered after the command before it is done
            data = b""
            while b"\n(qemu)" not in data.split(b"info version", 1)[-1]:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk

    def run(self):
        while not self.done.wait(0.2):
            for name in os.listdir(self.results):
                if not name.startswith("request-") or name.endswith(".tmp"):
                    continue
                what = name[len("request-"):]
                os.remove(os.path.join(self.results, name))
                image = os.path.join(self.results, f"screen-{what}.ppm")
                try:
                    self.command(f"screendump {image}")
                    text = subprocess.run(["tesseract", image, "-", "--psm", "6"],
                                          capture_output=True, text=True, timeout=60).stdout
                except (OSError, subprocess.SubprocessError) as e:
                    text = f"(the screen could not be read: {e})"
                with open(os.path.join(self.results, f"answer-{what}.tmp"), "w") as f:
                    f.write(text)
                os.rename(os.path.join(self.results, f"answer-{what}.tmp"),
                          os.path.join(self.results, f"answer-{what}"))


def run(script_path, args=(), timeout=120, results=None, screen=False):
    """Boots the guest, runs script_path (with args) in it, returns a GuestRun. results: the
    directory the guest writes to (default: a new temporary directory, left for the caller).
    screen: the guest may ask the host to read its screen (ScreenReader)."""
    script_path = os.path.realpath(script_path)
    results = results or tempfile.mkdtemp(prefix="vto-guest-")
    os.chmod(results, 0o1777)  # the guest's user "openvto" may write there too
    for name in ("status", "output", "uptime-at-start", "uptime-at-end", "boot-steps", "dmesg"):
        if os.path.exists(os.path.join(results, name)):  # a former run's, in a reused directory
            os.remove(os.path.join(results, name))
    for path in (REPO, BOARD, results):
        # The kernel command line splits at spaces; 9p options at commas.
        assert not any(c in path for c in " ,"), f"{path}: no spaces or commas, please"
    if script_path.startswith(REPO + os.sep):
        script = script_path
    else:
        shutil.copy(script_path, os.path.join(results, "script"))
        os.chmod(os.path.join(results, "script"), 0o755)
        script = "/results/script"
    if args:
        # The kernel command line holds one word per parameter: the arguments go in a wrapper.
        with open(os.path.join(results, "run"), "w") as f:
            f.write("#!/bin/sh\nexec " + shlex.join([script, *args]) + "\n")
        os.chmod(os.path.join(results, "run"), 0o755)
        script = "/results/run"
    monitor = reader = None
    if screen:
        # A unix socket's path is short (108 bytes): the monitor's lives in /tmp.
        monitor = os.path.join(tempfile.mkdtemp(prefix="vto-qemu-"), "monitor.sock")
        reader = ScreenReader(results, monitor)
        reader.start()
    start = time.monotonic()
    try:
        r = subprocess.run(qemu_command(script, results, monitor), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        console = r.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        console = (e.stdout or b"").decode(errors="replace") + f"\n[timed out after {timeout} s]"
    finally:
        if reader:
            reader.done.set()
            reader.join(timeout=5)
            shutil.rmtree(os.path.dirname(monitor), ignore_errors=True)
    wall = time.monotonic() - start

    def read(name, default=None):
        try:
            with open(os.path.join(results, name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return default
    status = read("status")
    if status is None:
        raise GuestError(f"the guest gave no exit status for {script_path}.\nconsole:\n"
                         f"{console[-6000:]}\noutput so far:\n{read('output', '')[-4000:]}")
    return GuestRun(int(status), read("output", ""), console,
                    float(read("uptime-at-start", "0")), float(read("uptime-at-end", "0")),
                    wall, results)


def run_in_guest(script_path, args=(), timeout=120):
    """(exit status, output) of script_path run as root in the guest."""
    r = run(script_path, args, timeout)
    shutil.rmtree(r.results, ignore_errors=True)
    return r.status, r.output
