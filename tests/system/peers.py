"""Real SIP peers from Debian packages, started headless on 127.0.0.1 for the tests:
Kamailio (a platform SIP server), baresip and Linphone (SIP phones used as monitors).

Each class starts its program in its own temporary directory and stops it by PID.
"""
import json
import math
import os
import re
import socket
import subprocess
import time
import wave

from harness import Process, free_port, free_port_range, which

HERE = os.path.dirname(os.path.abspath(__file__))


def silence_wav(path, seconds=2):
    """An 8 kHz mono WAV of silence: what the phones 'speak' into calls."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000 * seconds)


def tone_wav(path, hz, seconds=2, amplitude=0.3):
    """An 8 kHz mono WAV of a sine tone."""
    import math
    import struct
    samples = [int(amplitude * 32767 * math.sin(2 * math.pi * hz * i / 8000))
               for i in range(8000)]  # one second; hz divides 8000 for a seamless loop
    second = struct.pack(f"<{len(samples)}h", *samples)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(second * seconds)


def self_signed(key, certificate, cn, ip="127.0.0.1", days=2):
    """An ECDSA P-256 key and a self-signed certificate for it (PEM files), naming `ip` in
    its subjectAltName (None: no subjectAltName)."""
    san = ["-addext", f"subjectAltName=IP:{ip}"] if ip else []
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", str(days), "-subj",
                    f"/CN={cn}", *san, "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True)


def wav_level_db(path):
    """RMS of a 16-bit WAV in dBFS (-127 for silence or nothing)."""
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2
        frames = w.readframes(w.getnframes())
    samples = memoryview(frames).cast("h")
    if len(samples) == 0:
        return -127.0
    mean = sum(s * s for s in samples) / len(samples)
    return 10 * math.log10(mean / 32768.0 ** 2) if mean > 0 else -127.0


def sip_ping(port, timeout=0.3):
    """True when something answers an OPTIONS on 127.0.0.1:port over UDP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(timeout)
        me = s.getsockname()[1]
        msg = (f"OPTIONS sip:ping@127.0.0.1:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKping{time.monotonic_ns()}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:ping@127.0.0.1:{me}>;tag=p\r\n"
               f"To: <sip:ping@127.0.0.1:{port}>\r\n"
               f"Call-ID: ping-{time.monotonic_ns()}@127.0.0.1\r\n"
               "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        s.sendto(msg.encode(), ("127.0.0.1", port))
        try:
            data = s.recv(65535)
        except OSError:
            return False
        return data.startswith(b"SIP/2.0 ")


class Kamailio(Process):
    """Kamailio as a registrar + proxy; `password` enables digest auth with one shared
    password (realm = the To domain)."""

    def __init__(self, tmp, port, password=None, udp_to_doors=False, uac_credential="",
                 tls_port=None, door_certificate=None):
        """udp_to_doors: calls reach registered devices over UDP (not the connection they
        registered on), and a 401 from the callee is answered with `uac_credential`
        ("user:realm:password", Kamailio's uac_auth) when one is given.
        tls_port: SIP over TLS there too, with a certificate of its own (self.certificate,
        naming 127.0.0.1); when it connects out it trusts `door_certificate` only."""
        cfg_dir = os.path.join(tmp, f"kamailio-{port}")
        os.makedirs(cfg_dir, exist_ok=True)
        self.certificate = None
        defines = ["-A", "WITH_UDP_TO_DOORS"] if udp_to_doors else []
        tls_cfg = os.path.join(cfg_dir, "tls.cfg")
        if tls_port:
            key = os.path.join(cfg_dir, "kamailio.key")
            self.certificate = os.path.join(cfg_dir, "kamailio.pem")
            self_signed(key, self.certificate, "platform")
            with open(tls_cfg, "w") as f:
                f.write(f"""[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = {key}
certificate = {self.certificate}

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = {door_certificate or self.certificate}
""")
            defines += ["-A", "WITH_TLS"]
        with open(os.path.join(HERE, "peers", "kamailio.cfg.in")) as f:
            cfg = f.read()
        cfg = (cfg.replace("@PORT@", str(port))
                  .replace("@AUTH@", "1" if password else "0")
                  .replace("@PASSWORD@", password or "")
                  .replace("@UAC_CREDENTIAL@", uac_credential)
                  .replace("@CTL@", os.path.join(cfg_dir, "ctl.sock"))
                  .replace("@TLS_PORT@", str(tls_port or 0))
                  .replace("@TLS_CFG@", tls_cfg))
        path = os.path.join(cfg_dir, "kamailio.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        self.port = port
        self.tls_port = tls_port
        binary = which("kamailio")
        if not binary:
            raise AssertionError("kamailio is not installed (scripts/install-deps.sh)")
        super().__init__("kamailio", [binary, "-f", path, "-DD", "-E", "-m", "512", "-M", "16",
                                      "-Y", cfg_dir, *defines], merge_stderr=True,
                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not sip_ping(port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("kamailio did not start:\n" + self.dump())
            time.sleep(0.1)

    @property
    def sip(self):
        return f"127.0.0.1:{self.port}"

    @property
    def sip_tls(self):
        return f"127.0.0.1:{self.tls_port}"


class Baresip(Process):
    """baresip with one account, driven over its ctrl_tcp socket (netstring JSON)."""

    def __init__(self, tmp, server, user, password, auto_answer=True, tone_hz=None,
                 transport="udp", mediaenc=None, certificate=None, cafile=None):
        # Its RTP and RTCP ports, ten of them free when chosen: captures look at these only.
        self.rtp_ports = free_port_range(10)
        """tone_hz: the microphone sends a sine of that frequency instead of silence; what
        baresip hears is written in `self.recordings` (sndfile module) either way.
        transport "tls": registers over TLS to `server` (its TLS address); baresip 1.0 then
        listens for TLS on its SIP port + 1, with `certificate` (one PEM file holding its
        certificate and key). It loads `cafile` but does not verify the server with it.
        mediaenc: "srtp" (SRTP when the peer does it), "srtp-mand" (RTP/SAVP only)."""
        self.user = user
        cfg_dir = os.path.join(tmp, f"baresip-{user.replace('#', '-')}")
        os.makedirs(cfg_dir, exist_ok=True)
        wav = os.path.join(cfg_dir, "microphone.wav")
        # baresip ends a call when its audio source ends: two minutes of it.
        if tone_hz:
            tone_wav(wav, tone_hz, seconds=120)
        else:
            silence_wav(wav, seconds=120)
        rec = os.path.join(cfg_dir, "rec")
        os.makedirs(rec, exist_ok=True)
        self.recordings = rec  # sndfile writes dump-*-dec.wav: what baresip heard
        escaped = user.replace("#", "%23")
        mode = "auto" if auto_answer else "manual"
        menc = f";mediaenc={mediaenc}" if mediaenc else ""
        with open(os.path.join(cfg_dir, "accounts"), "w") as f:
            f.write(f"<sip:{escaped}@{server};transport={transport}>;auth_pass={password};"
                    f"answermode={mode};regint=600;audio_codecs=PCMU/8000/1,PCMA/8000/1;"
                    f"medianat={menc}\n")
        tls_lines = ""
        if certificate:
            tls_lines += f"sip_certificate {certificate}\n"
        if cafile:
            tls_lines += f"sip_cafile {cafile}\n"
        if mediaenc:
            tls_lines += "module srtp.so\n"
        binary = which("baresip")
        self.events = []
        self._sock = None
        # The ports are free when chosen, but a test running beside this one may take one
        # before baresip binds it; baresip then exits at once, and gets new ports.
        for attempt in range(3):
            self.sip_port = free_port()
            while transport == "tls" and self.sip_port == 65535:
                self.sip_port = free_port()  # its TLS listener takes the next port
            self.ctrl_port = free_port(socket.SOCK_STREAM)
            with open(os.path.join(cfg_dir, "config"), "w") as f:
                f.write(f"""poll_method epoll
sip_listen 127.0.0.1:{self.sip_port}
net_interface 127.0.0.1
audio_source aufile,{wav}
audio_player aufile,{os.path.join(rec, 'play.wav')}
audio_alert aufile,{os.path.join(rec, 'alert.wav')}
video_source fakevideo,nil
video_display fakevideo,nil
rtp_ports {self.rtp_ports.start}-{self.rtp_ports.stop - 1}
module_path /usr/lib/baresip/modules
{tls_lines}module g711.so
module aufile.so
module sndfile.so
snd_path {rec}
module fakevideo.so
module account.so
module menu.so
module ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}
""")
            super().__init__(f"baresip {user}", [binary, "-f", cfg_dir], cwd=cfg_dir,
                             stdin=subprocess.DEVNULL, merge_stderr=True)
            deadline = time.monotonic() + 20
            while self._sock is None:
                try:
                    self._sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
                except OSError:
                    if self.proc.poll() is not None:
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError("baresip did not start:\n" + self.dump())
                    time.sleep(0.1)
            if self._sock is not None:
                break
            if attempt == 2:
                raise AssertionError("baresip exited at start three times:\n" + self.dump())
        self._buf = b""

    def _read_netstring(self, timeout):
        self._sock.settimeout(timeout)
        while True:
            m = re.match(rb"(\d+):", self._buf)
            if m:
                n = int(m.group(1))
                start = m.end()
                if len(self._buf) >= start + n + 1:
                    payload = self._buf[start:start + n]
                    self._buf = self._buf[start + n + 1:]
                    return json.loads(payload)
            chunk = self._sock.recv(65536)
            if not chunk:
                raise AssertionError(f"{self.name}: control connection closed\n" + self.dump())
            self._buf += chunk

    def command(self, cmd, params="", timeout=5):
        body = json.dumps({"command": cmd, "params": params, "token": cmd}).encode()
        self._sock.sendall(str(len(body)).encode() + b":" + body + b",")
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_netstring(max(0.05, deadline - time.monotonic()))
            if msg.get("response"):
                return msg
            self.events.append(msg)

    def event(self, kind, timeout=10):
        """Waits for an event of type `kind` (REGISTER_OK, CALL_INCOMING, CALL_CLOSED...)."""
        for i, e in enumerate(self.events):
            if e.get("type") == kind:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name}: no {kind} within {timeout}s; events: "
                                     f"{self.events}\n" + self.dump())
            try:
                msg = self._read_netstring(left)
            except socket.timeout:
                continue
            if msg.get("type") == kind:
                return msg
            self.events.append(msg)

    def registered(self, timeout=10):
        """Waits for baresip to print its registration's answer; returns the status."""
        pattern = re.compile(r"(?:\{0/(?:UDP|TCP|TLS)/v4\}|reg: \S+:) (\d{3}) ")
        line = self.wait_line(lambda l: pattern.search(l) is not None, timeout,
                              what="registration answer")
        return int(pattern.search(line).group(1))

    def stop(self, *args, **kw):
        if self._sock is not None:
            try:
                self.command("quit", timeout=1)
            except (OSError, AssertionError, ValueError):
                pass
            self._sock.close()
            self._sock = None
        super().stop(*args, **kw)


class Linphone(Process):
    """linphone-daemon with one account, driven over its UNIX socket in /tmp."""

    def __init__(self, tmp, server, user, password, auto_answer=True, transport="udp",
                 root_ca=None, srtp=None):
        """transport "tls": registers over TLS to `server` (its TLS address), verifying its
        certificate with `root_ca` (a PEM file). Linphone 5.1 (mbedTLS) never matches an
        IP address in a certificate, so only the chain is checked (verify_server_cn=0).
        srtp: "mandatory" (RTP/SAVP only) or "optional"; its log (self.log_path) says what
        each call negotiated."""
        self.user = user
        self.sip_port = free_port()
        cfg_dir = os.path.join(tmp, f"linphone-{user.replace('#', '-')}")
        os.makedirs(cfg_dir, exist_ok=True)
        wav = os.path.join(cfg_dir, "silence.wav")
        silence_wav(wav)
        host, port = server.rsplit(":", 1)
        escaped = user.replace("#", "%23")
        os.makedirs(os.path.join(cfg_dir, ".local", "share", "linphone"), exist_ok=True)
        rc = os.path.join(cfg_dir, "linphonerc")
        tls = transport == "tls"
        security = ""
        if tls:
            security += f"root_ca={root_ca}\nverify_server_certs=1\nverify_server_cn=0\n"
        if srtp:
            security += ("media_encryption=srtp\n"
                         f"media_encryption_mandatory={1 if srtp == 'mandatory' else 0}\n")
        with open(rc, "w") as f:
            # Over TLS it listens nowhere (-1: a port for its Contact only, as Linphone
            # takes no TLS connections): calls come over its own connection.
            f.write(f"""[sip]
{security}sip_port={-1 if tls else self.sip_port}
sip_tcp_port=0
sip_tls_port={-1 if tls else 0}
bind_address=127.0.0.1
guess_hostname=0
ipv6_migration_done=1
use_ipv6=0
register_only_when_network_is_up=0
auto_net_state_mon=0
default_proxy=0

[net]
stun_server=
nat_policy_ref=
firewall_policy=0
mtu=0

[rtp]
audio_rtp_port=7078-7178
video_rtp_port=9078-9178

[sound]
playback_dev_id=
ringer_dev_id=
capture_dev_id=
echocancellation=0
remote_ring=
local_ring=

[video]
capture=0
display=0
automatically_initiate=0
automatically_accept=0

[proxy_0]
reg_proxy=<sip:{host}:{port};transport={transport}>
reg_identity=sip:{escaped}@{host}:{port}
reg_expires=600
reg_sendregister=1
publish=0
dial_escape_plus=0

[auth_info_0]
username={user}
passwd={password}
realm=
""")
        self.pipe = f"openvto-linphone-{os.getpid()}-{self.sip_port}"
        self.log_path = os.path.join(cfg_dir, "linphone.log")
        args = [which("linphone-daemon"), "--config", rc, "--pipe", self.pipe,
                "--log", self.log_path]
        if auto_answer:
            args.append("--auto-answer")
        super().__init__(f"linphone {user}", args, cwd=cfg_dir, stdin=subprocess.DEVNULL,
                         merge_stderr=True, env={**os.environ, "HOME": cfg_dir})
        self.events = []
        deadline = time.monotonic() + 15
        path = os.path.join("/tmp", self.pipe)
        while not os.path.exists(path):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("linphone-daemon did not start:\n" + self.dump())
            time.sleep(0.1)

    def command(self, cmd, timeout=5):
        """Sends one command and returns the daemon's answer (a dict of its lines). The
        daemon serves one client at a time, so a connection refused or reset while it
        is still closing the previous one is retried."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._command_once(cmd, timeout)
            except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def _command_once(self, cmd, timeout):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(os.path.join("/tmp", self.pipe))
            s.sendall(cmd.encode() + b"\n")
            data = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                data += chunk
                if b"\n\n" in data or data.endswith(b"\x00"):
                    break
                if b"Status:" in data and data.endswith(b"\n"):
                    # An answer without a body ends with one newline: done unless more
                    # comes at once.
                    s.settimeout(0.2)
        answer = {}
        for line in data.decode(errors="replace").replace("\x00", "").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                answer[k.strip()] = v.strip()
        answer["_raw"] = data.decode(errors="replace")
        return answer

    def wait_for(self, predicate, timeout=10, what="state", cmd="call-status"):
        """Polls `cmd` until predicate(answer) holds."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.command(cmd)
            if predicate(last):
                return last
            time.sleep(0.1)
        raise AssertionError(f"{self.name}: no {what} within {timeout}s; last answer: {last}\n"
                             + self.dump())

    def registered(self, timeout=10):
        return self.wait_for(lambda a: "Registered" in a.get("_raw", "") or
                             a.get("State") == "LinphoneRegistrationOk",
                             timeout, "registration", "register-status ALL")

    def registration_failed(self, timeout=10):
        return self.wait_for(lambda a: a.get("State") == "LinphoneRegistrationFailed",
                             timeout, "failed registration", "register-status ALL")

    def negotiated_srtp(self):
        """Whether its log says a call's media was negotiated as SRTP."""
        try:
            with open(self.log_path, errors="replace") as f:
                return "Negotiated media encryption is LinphoneMediaEncryptionSRTP" in f.read()
        except OSError:
            return False

    def stop(self, *args, **kw):
        try:
            self.command("quit", timeout=1)
        except OSError:
            pass
        super().stop(*args, **kw)
        try:
            os.unlink(os.path.join("/tmp", self.pipe))
        except OSError:
            pass
