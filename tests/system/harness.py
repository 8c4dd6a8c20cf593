"""Starts the real vtod, vth and peer programs on loopback and reads what they print.

Every process is started with its own temporary directory, bound to 127.0.0.1 with a
port chosen by the kernel, and stopped by PID at the end of the test.
"""
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

BUILD_DIR = os.environ.get("VTO_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))


def _sanitized(build_dir):
    """Whether the build under test is the ASan/UBSan one (make sanitize)."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
            return "VTO_SANITIZE:BOOL=ON" in f.read()
    except OSError:
        return False


SANITIZED = _sanitized(BUILD_DIR)
BIN = os.path.join(BUILD_DIR, "bin")


def free_port(kind=socket.SOCK_DGRAM):
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def free_port_range(count):
    """`count` consecutive UDP ports, even first, all free on 127.0.0.1 right now."""
    import random
    for _ in range(200):
        start = random.randrange(20000, 60000 - count) & ~1
        socks = []
        try:
            for port in range(start, start + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return range(start, start + count)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


class Process:
    """A child process whose output lines are collected by a thread."""

    def __init__(self, name, args, cwd=None, env=None, stdin=subprocess.PIPE, merge_stderr=False):
        self.name = name
        self.args = args
        self.lines = []
        self._queue = queue.Queue()
        self.proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._threads = [threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True)]
        if not merge_stderr:
            self.stderr_lines = []
            self._threads.append(threading.Thread(target=self._pump_err, args=(self.proc.stderr,), daemon=True))
        for t in self._threads:
            t.start()

    def _pump(self, stream):
        for line in stream:
            line = line.rstrip("\n")
            self.lines.append(line)
            self._queue.put(line)

    def _pump_err(self, stream):
        for line in stream:
            self.stderr_lines.append(line.rstrip("\n"))

    def skip_unread(self):
        """Forgets the lines not read yet: the next wait_line sees only newer ones."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def wait_line(self, predicate, timeout=10.0, what="line"):
        """The first new line for which predicate(line) is true."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name}: no {what} within {timeout}s; output:\n" + self.dump())
            try:
                line = self._queue.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    raise AssertionError(f"{self.name} exited ({self.proc.returncode}) while waiting for {what}:\n" + self.dump())
                continue
            if predicate(line):
                return line

    def dump(self):
        out = "\n".join(self.lines[-60:])
        if hasattr(self, "stderr_lines"):
            out += "\n--- stderr ---\n" + "\n".join(self.stderr_lines[-60:])
        return out

    def send(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for t in self._threads:
            t.join(timeout=2)
        # In a sanitizer build (VTO_BUILD_DIR=build-asan), a report fails the test that
        # started the program, even one printed at exit (leaks).
        text = "\n".join(self.lines + getattr(self, "stderr_lines", []))
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                raise AssertionError(f"{self.name}: sanitizer report:\n" + self.dump())


# API tokens of the running vtods, by HTTPS port: http() sends the one of its port.
TOKENS = {}
ADMIN_PASSWORD = "Door-Test-2468"
# Register passwords of the rooms and VTOs the tests' buildings are given.
ROOM_PASSWORD = "Room-pass1"
VTO_PASSWORD = "Vto-pass-12"


class Vtod(Process):
    """vtod on loopback (the web ports on web_address). Unless initialize=False, the device
    is first initialized with local access (vtoctl init, password ADMIN_PASSWORD) and given
    an admin API token."""

    def __init__(self, data_dir, vto_number="8001", extra=(), log_level="info", initialize=True,
                 web_address="127.0.0.1", env=None, prefix=(), ready_timeout=15):
        self.data_dir = data_dir
        self.token = None
        if initialize:
            os.makedirs(data_dir, exist_ok=True)
            vtoctl(data_dir, "init", "--password", ADMIN_PASSWORD, check=False)  # once
            # Players and NVRs (ffprobe, curl --digest) speak MD5 digest only.
            vtoctl(data_dir, "user", "legacy-digest", "admin", "on", "--password", ADMIN_PASSWORD)
            self.token = vtoctl(data_dir, "token", "create", "--role", "admin",
                                "--name", "system-test").stdout.strip()
        # prefix: a command vtod runs under (the board tests: setpriv, as user "openvto").
        args = [*prefix, os.path.join(BIN, "vtod"), "--data", data_dir, "--sip-listen", "127.0.0.1:0",
                "--https-listen", f"{web_address}:0", "--http-listen", f"{web_address}:0",
                "--vto-number", vto_number, "--log-level", log_level, *extra]
        if "--rtsp-listen" not in extra:
            args += ["--rtsp-listen", f"{web_address}:0"]
        if "--dhip-listen" not in extra:
            args += ["--dhip-listen", f"{web_address}:0"]
        super().__init__("vtod", args, env=env)
        line = self.wait_line(lambda l: "ready" in l, timeout=ready_timeout, what="ready line")
        m = re.search(r"sip=(\d+) https=(\d+) http=(\d+) rtsp=(\d+)", line)
        self.sip_port = int(m.group(1))
        self.http_port = int(m.group(2))  # the API (HTTPS)
        self.redirect_port = int(m.group(3))
        self.rtsp_port = int(m.group(4))  # 0: no RTSP
        tls = re.search(r"sip_tls=(\d+)", line)
        self.sip_tls_port = int(tls.group(1)) if tls else 0  # 0: no SIP over TLS
        dhip = re.search(r"dhip=(\d+)", line)
        self.dhip_port = int(dhip.group(1)) if dhip else 0  # 0: port 5000's protocol is off
        if self.token:
            TOKENS[self.http_port] = self.token

    @property
    def sip(self):
        return f"127.0.0.1:{self.sip_port}"

    @property
    def sip_tls(self):
        return f"127.0.0.1:{self.sip_tls_port}"

    @property
    def certificate(self):
        """The station's certificate (PEM file), which SIP over TLS shows too."""
        return os.path.join(self.data_dir, "tls", "cert.pem")


def vtoctl(data_dir, *args, check=True):
    r = subprocess.run([os.path.join(BIN, "vtoctl"), "--data", data_dir, *args],
                       capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError(f"vtoctl {' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
    return r


class Vth(Process):
    """The software indoor monitor; its stdout is one JSON event per line."""

    def __init__(self, server, user, password, auto_answer=None, transport="udp", domain=None,
                 extra=(), listen="127.0.0.1:0"):
        args = [os.path.join(BIN, "vth"), "--server", server, "--user", user, "--password", password,
                "--listen", listen, "--transport", transport, *extra]
        if domain:
            args += ["--domain", domain]
        if auto_answer is not None:
            args += ["--auto-answer", str(auto_answer)]
        super().__init__(f"vth {user}", args)
        self.user = user

    def event(self, name, timeout=10.0, **fields):
        def match(line):
            try:
                e = json.loads(line)
            except ValueError:
                return False
            return e.get("event") == name and all(e.get(k) == v for k, v in fields.items())
        return json.loads(self.wait_line(match, timeout, what=f"event {name}"))

    def events(self, name):
        out = []
        for line in self.lines:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == name:
                out.append(e)
        return out

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=3)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                pass
        super().stop(sig, timeout)


def _https(port, timeout=10):
    import http.client
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the station's own self-signed certificate
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)


def http_raw(port, method, path, body=None, headers=None, token=None, raw=False):
    """One HTTPS request: (status, headers dict (lower-case names), parsed JSON or text; the
    text itself when raw)."""
    conn = _https(port)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    tok = TOKENS.get(port) if token is None else token
    if tok:
        h.setdefault("Authorization", f"Bearer {tok}")
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    text = r.read().decode(errors="replace")
    got = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    if raw:
        return r.status, got, text
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return r.status, got, parsed


def http(port, method, path, body=None):
    """An API call with the vtod's admin token: (status, parsed JSON body)."""
    status, _, parsed = http_raw(port, method, path, body)
    return status, parsed


def http_bytes(port, path, token=None):
    """GET path: (status, content type, body bytes), with `token` (default: the admin's)."""
    conn = _https(port)
    headers = {}
    tok = TOKENS.get(port) if token is None else token
    if tok:
        headers["Authorization"] = f"Bearer {tok}"
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, r.getheader("Content-Type"), data


def sim_state(vtod):
    """The simulated panel's state (GET /api/v1/sim/state)."""
    status, body = http(vtod.http_port, "GET", "/api/v1/sim/state")
    assert status == 200, body
    return body


def wait_sim_state(vtod, predicate, timeout=8, what="state"):
    """The panel's state once predicate(state) holds; fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        s = sim_state(vtod)
        if predicate(s):
            return s
        assert time.monotonic() < deadline, f"no {what} within {timeout}s: {s}"
        time.sleep(0.05)


def jpeg_size(data):
    """(width, height) of a JPEG as ffprobe decodes it; fails the test if it cannot."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(data)
        f.flush()
        out = subprocess.run([which("ffprobe"), "-v", "error", "-select_streams", "v:0",
                              "-show_entries", "stream=codec_name,width,height", "-of", "json",
                              f.name], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"ffprobe cannot read the JPEG: {out.stderr}"
    stream = json.loads(out.stdout)["streams"][0]
    assert stream["codec_name"] == "mjpeg", stream
    return stream["width"], stream["height"]


def which(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def wait_for(predicate, what, timeout=8):
    """The first true value of predicate(), polled every 50 ms; fails after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"no {what} within {timeout}s: {value!r}"
        time.sleep(0.05)


def enter_own_network_namespace(commands=()):
    """Moves this test process (and what it starts from now on) into a network namespace of
    its own, with lo up, then runs each `ip` argument list of `commands` there. As root
    this is unshare(CLONE_NEWNET); otherwise a user namespace of our own comes with it."""
    import ctypes
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(clone_newnet) != 0:
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(clone_newuser | clone_newnet) != 0:
            raise OSError(ctypes.get_errno(), "unshare: cannot make a network namespace")
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                           ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    for args in (["link", "set", "lo", "up"], *commands):
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)
