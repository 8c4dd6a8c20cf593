"""Clients of the device family's API, written for the tests from the rules the real clients
rely on (docs/api.md, "Compatible API"): HTTP digest the way a home automation integration
does it (a fresh 401 round trip on every request, the challenge split naively on every comma,
qop=auth; or RFC 2069 without qop, as an RTSP client does), the multipart event stream parsed
both by Content-Length and by splitting on "--myboundary\\n", and the port-5000 protocol
("DHIP") with its login challenge, read both by the header's length and the way two fragile
clients read it (split on "\\n"; split on 0x00 bytes)."""
import hashlib
import http.client
import json
import os
import socket
import ssl
import struct
import time

DHIP_MAGIC = b"\x20\x00\x00\x00DHIP"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def parse_challenge(header):
    """The digest challenge the way the integration parses it: the scheme up to the first
    space, then every comma is a separator (quotes are not honoured)."""
    scheme, _, rest = header.partition(" ")
    assert scheme.lower() == "digest", header
    fields = {}
    for piece in rest.split(","):
        piece = piece.strip()
        if not piece:
            continue
        key, _, value = piece.partition("=")
        assert value != "", f"a field without a value breaks the client: {piece!r} in {header!r}"
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        fields[key] = value
    return fields


def digest_header(method, uri, user, password, challenge, qop=True, nc=1):
    ha1 = md5(f"{user}:{challenge['realm']}:{password}")
    ha2 = md5(f"{method}:{uri}")
    if qop:
        cnonce = os.urandom(8).hex()
        ncs = f"{nc:08x}"
        response = md5(f"{ha1}:{challenge['nonce']}:{ncs}:{cnonce}:auth:{ha2}")
        tail = f', qop="auth", nc={ncs}, cnonce="{cnonce}"'
    else:
        response = md5(f"{ha1}:{challenge['nonce']}:{ha2}")
        tail = ""
    h = (f'Digest username="{user}", realm="{challenge["realm"]}", nonce="{challenge["nonce"]}", '
         f'uri="{uri}", response="{response}", algorithm="MD5"')
    if "opaque" in challenge:
        h += f', opaque="{challenge["opaque"]}"'
    return h + tail


def connect(port, tls=False, timeout=10):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def cgi(port, path, user, password, tls=False, qop=True, method="GET"):
    """(status, body text, headers) of one request with a 401 round trip first, as the
    integration does for every request."""
    conn = connect(port, tls)
    conn.request(method, path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 401:
        return r.status, body.decode(errors="replace"), dict(r.getheaders())
    challenges = [v for k, v in r.getheaders() if k.lower() == "www-authenticate"]
    assert len(challenges) == 1, challenges
    challenge = parse_challenge(challenges[0])
    conn.request(method, path, headers={"Authorization": digest_header(method, path, user, password,
                                                                        challenge, qop)})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body.decode(errors="replace"), dict(r.getheaders())


def key_values(body):
    """The reply's key=value lines (a line without '=' is kept as its own key)."""
    out = {}
    for line in body.splitlines():
        key, sep, value = line.partition("=")
        out[key] = value if sep else ""
    return out


class EventStream:
    """GET eventManager.cgi?action=attach, kept open; read() returns raw bytes as they come."""

    def __init__(self, port, query, user, password, tls=False):
        path = f"/cgi-bin/eventManager.cgi?{query}"
        status, _, headers = cgi(port, path, "nobody", "x", tls)  # the challenge only
        assert status == 401, status
        challenge = parse_challenge(headers.get("WWW-Authenticate") or headers["www-authenticate"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw)
        self.sock = raw
        auth = digest_header("GET", path, user, password, challenge)
        raw.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = raw.recv(4096)
            assert chunk, f"closed during the header: {head!r}"
            head += chunk
        self.head, _, self.data = head.partition(b"\r\n\r\n")
        self.status = int(self.head.split(b" ")[1])

    def header(self, name):
        for line in self.head.split(b"\r\n")[1:]:
            k, _, v = line.decode().partition(":")
            if k.strip().lower() == name.lower():
                return v.strip()
        return None

    def read_until(self, predicate, timeout=10):
        """Reads until predicate(all bytes so far) holds; returns the bytes."""
        end = time.monotonic() + timeout
        self.sock.settimeout(0.5)
        while not predicate(self.data):
            if time.monotonic() > end:
                raise AssertionError(f"event stream: not found in {self.data[-2000:]!r}")
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise AssertionError(f"event stream closed: {self.data[-2000:]!r}")
            self.data += chunk
        return self.data

    def close(self):
        self.sock.close()


def parts_by_length(data):
    """The bodies of the multipart stream, read by each part's Content-Length (lines may end
    in LF or CRLF); the last part may be incomplete and is then left out."""
    bodies = []
    lines = data.split(b"\n")
    i = 0
    text = data
    pos = 0
    while True:
        start = text.find(b"--myboundary", pos)
        if start < 0:
            return bodies
        line_end = text.find(b"\n", start)
        if line_end < 0:
            return bodies
        pos = line_end + 1
        length = None
        while True:
            end = text.find(b"\n", pos)
            if end < 0:
                return bodies
            line = text[pos:end].rstrip(b"\r")
            pos = end + 1
            if line == b"":
                break
            k, _, v = line.decode().partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip())
        assert length is not None, "a part without Content-Length"
        if len(text) < pos + length:
            return bodies
        bodies.append(text[pos:pos + length].decode())
        pos += length


def parts_by_boundary(data):
    """The bodies the way the integration splits them: on the literal "--myboundary\\n", then
    three lines skipped (Content-Type, Content-Length, the blank line), the rest stripped."""
    bodies = []
    for block in data.decode().split("--myboundary\n")[1:]:
        pieces = block.split("\n", 3)
        if len(pieces) == 4:
            bodies.append(pieces[3].strip())
    return bodies


def parse_body(body):
    """Code=X;action=Y;index=0;data={...} as a dict (data decoded), as the integration does."""
    out = {}
    for piece in body.split(";"):
        key, sep, value = piece.partition("=")
        assert sep, f"a piece without '=' ends the integration's stream: {piece!r}"
        out[key] = value
    if "data" in out:
        out["data"] = json.loads(out["data"])
    return out


class Dhip:
    """A port-5000 client: messages are read by the header's length; every byte is kept in
    `raw` so the framing can be checked as the fragile clients read it."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.raw = b""
        self.buffer = b""
        self.session = 0
        self.next_id = 1
        self.inbox = []

    def send(self, message, session=None, pretty=False, header_id=0):
        body = json.dumps(message, indent=4 if pretty else None).encode()
        sid = self.session if session is None else session
        header = DHIP_MAGIC + struct.pack("<IIQQ", sid, header_id, len(body), len(body))
        self.sock.sendall(header + body)

    def read(self, timeout=10):
        """The next message (header, body bytes, parsed JSON)."""
        end = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 32:
                header = self.buffer[:32]
                assert header[:8] == DHIP_MAGIC, header
                _, _, length, length2 = struct.unpack("<IIQQ", header[8:])
                assert length == length2, header
                if len(self.buffer) >= 32 + length:
                    body = self.buffer[32:32 + length]
                    self.buffer = self.buffer[32 + length:]
                    return header, body, json.loads(body)
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("port 5000: no message")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("port 5000: closed")
            self.raw += chunk
            self.buffer += chunk

    def call(self, method, params=None, **top):
        """Sends a request and returns the reply with its id (notifications met meanwhile
        are kept in inbox)."""
        rid = self.next_id
        self.next_id += 1
        message = {"id": rid, "magic": "0x1234", "method": method, "params": params,
                   "session": self.session, **top}
        self.send(message)
        while True:
            _, _, reply = self.read()
            if reply.get("method") == "client.notifyEventStream":
                self.inbox.append(reply)
                continue
            assert reply["id"] == rid, (reply, rid)
            return reply

    def login(self, user, password, with_user_first=True):
        """The two-step login; returns the second reply."""
        first = {"clientType": "", "ipAddr": "(null)", "loginType": "Direct"}
        if with_user_first:
            first.update({"userName": user, "password": ""})
        challenge = self.call("global.login", first)
        assert challenge["error"]["code"] == 268632079, challenge
        self.session = challenge["session"]
        realm, random = challenge["params"]["realm"], challenge["params"]["random"]
        ha1 = md5(f"{user}:{realm}:{password}").upper()
        hashed = md5(f"{user}:{random}:{ha1}").upper()
        return self.call("global.login", {"userName": user, "password": hashed, "clientType": "",
                                          "ipAddr": "(null)", "loginType": "Direct",
                                          "authorityType": "Default"})

    def event(self, code, timeout=10, **data):
        """The next notified event with this code (and these Data fields)."""
        end = time.monotonic() + timeout
        while True:
            while self.inbox:
                n = self.inbox[0]
                entries = n["params"]["eventList"]
                e = entries.pop(0) if entries else None
                if not entries:
                    self.inbox.pop(0)
                if e and e["Code"] == code and all(e["Data"].get(k) == v for k, v in data.items()):
                    return n, e
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"port 5000: no {code} {data}")
            _, _, m = self.read(timeout=left)
            assert m.get("method") == "client.notifyEventStream", m
            self.inbox.append(m)

    def close(self):
        self.sock.close()


def messages_by_newline(raw):
    """What one client gets: the stream cut at each "\\n", JSON searched in each piece's repr."""
    found = []
    for piece in raw.split(b"\n"):
        text = str(bytearray(piece))
        start = text.find("{")
        if start < 0:
            continue
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
        found.append(obj)
    return found


def messages_by_zero(raw):
    """What another gets: the repr of the bytes split on the text \\x00, pieces starting with
    '{' cut at their last '}'."""
    found = []
    for piece in repr(raw)[2:-1].split("\\x00"):
        if piece.startswith("{"):
            found.append(json.loads(piece[:piece.rfind("}") + 1]))
    return found


class Go2rtcBackchannel:
    """An RTSP client that does what go2rtc does for two-way audio: DESCRIBE with "Require:
    www.onvif.org/ver20/backchannel" (and only there), digest without qop, nc, cnonce or
    opaque, the full rtsp:// URL as the uri and one nonce for the whole connection; every
    track SETUP over TCP interleaved (channels 2i-2i+1); PLAY; then PCMA sent interleaved in
    1024-byte payloads with RTP timestamp 0, marker set, sequence from 0."""

    def __init__(self, port, user, password, path="/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif",
                 backchannel=True):
        self.url = f"rtsp://127.0.0.1:{port}{path}"
        self.user, self.password = user, password
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.cseq = 0
        self.auth = None  # (realm, nonce)
        self.buffer = b""
        self.received = 0
        self.seq = 0
        status, _, _ = self.request("OPTIONS", self.url)
        assert status == 200, status
        extra = {"Accept": "application/sdp"}
        if backchannel:
            extra["Require"] = "www.onvif.org/ver20/backchannel"
        self.status, self.headers, self.sdp = self.request("DESCRIBE", self.url, extra)

    def authorization(self, method, uri):
        realm, nonce = self.auth
        ha1 = md5(f"{self.user}:{realm}:{self.password}")
        response = md5(f"{ha1}:{nonce}:{md5(f'{method}:{uri}')}")
        return (f'Digest username="{self.user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}"')

    def request(self, method, uri, headers=None, retry=True):
        self.cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: go2rtc-like"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if self.auth:
            lines.append("Authorization: " + self.authorization(method, uri))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status, got, body = self.read_response()
        if status == 401 and retry and self.auth is None:
            challenge = got["www-authenticate"]
            import re
            self.auth = (re.search(r'realm="([^"]*)"', challenge).group(1),
                         re.search(r'nonce="([^"]*)"', challenge).group(1))
            return self.request(method, uri, headers, retry=False)
        return status, got, body

    def read_response(self, timeout=10):
        end = time.monotonic() + timeout
        while True:
            self.skip_interleaved()
            if b"\r\n\r\n" in self.buffer and not self.buffer.startswith(b"$"):
                head, _, rest = self.buffer.partition(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                if lines[0].startswith("RTSP/1.0"):
                    headers = {}
                    for line in lines[1:]:
                        k, _, v = line.partition(":")
                        headers.setdefault(k.strip().lower(), v.strip())
                    length = int(headers.get("content-length", "0"))
                    if len(rest) >= length:
                        self.buffer = rest[length:]
                        return int(lines[0].split()[1]), headers, rest[:length].decode()
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"RTSP: no response in {self.buffer[:200]!r}")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("RTSP: closed")
            self.buffer += chunk

    def medias(self):
        """(kind, control, direction, rtpmaps) of each m= section."""
        out = []
        for section in self.sdp.split("\nm=")[1:]:
            lines = section.replace("\r", "").split("\n")
            kind = lines[0].split()[0]
            control = next((l[10:] for l in lines if l.startswith("a=control:")), "")
            direction = next((l[2:] for l in lines if l in ("a=sendonly", "a=recvonly", "a=sendrecv")),
                             "recvonly")
            out.append((kind, control, direction, [l for l in lines if l.startswith("a=rtpmap:")]))
        return out

    def setup_and_play(self):
        base = self.headers.get("content-base", self.url)
        session = None
        self.back_channel = None
        for i, (kind, control, direction, _) in enumerate(self.medias()):
            track = control if "://" in control else base.rstrip("/") + "/" + control
            h = {"Transport": f"RTP/AVP/TCP;unicast;interleaved={2 * i}-{2 * i + 1}"}
            if session:
                h["Session"] = session
            status, got, _ = self.request("SETUP", track, h)
            assert status == 200, (status, got)
            assert "interleaved=" in got["transport"] and "-" in got["transport"].split("interleaved=")[1]
            session = got["session"].split(";")[0]
            if kind == "audio" and direction == "sendonly":
                self.back_channel = int(got["transport"].split("interleaved=")[1].split("-")[0])
        status, got, _ = self.request("PLAY", base, {"Session": session})
        assert status == 200, (status, got)
        self.session = session

    def send_pcma(self, seconds, level=0.5):
        """A 440 Hz tone in A-law, sent in real time as go2rtc sends it."""
        import audioop
        import math
        samples = int(8000 * seconds)
        pcm = b"".join(struct.pack("<h", int(level * 32767 * math.sin(2 * math.pi * 440 * n / 8000)))
                       for n in range(samples))
        payload = audioop.lin2alaw(pcm, 2)
        start = time.monotonic()
        for offset in range(0, len(payload), 1024):
            chunk = bytes(payload[offset:offset + 1024])
            rtp = struct.pack(">BBHII", 0x80, 0x80 | 8, self.seq & 0xFFFF, 0, 0x12345678) + chunk
            self.seq += 1
            self.sock.sendall(b"$" + bytes([self.back_channel]) + struct.pack(">H", len(rtp)) + rtp)
            due = start + (offset + len(chunk)) / 8000
            while time.monotonic() < due:  # keep reading what the server sends meanwhile
                self.drain(max(0.0, due - time.monotonic()))

    def drain(self, seconds):
        self.sock.settimeout(max(seconds, 0.001))
        try:
            chunk = self.sock.recv(65536)
            if chunk:
                self.buffer += chunk
                self.skip_interleaved()
        except socket.timeout:
            pass

    def skip_interleaved(self):
        """Counts and drops the RTP/RTCP the server sent interleaved ("$", channel, length)."""
        while self.buffer.startswith(b"$") and len(self.buffer) >= 4:
            length = struct.unpack(">H", self.buffer[2:4])[0]
            if len(self.buffer) < 4 + length:
                break
            self.received += 1
            self.buffer = self.buffer[4 + length:]

    def close(self):
        self.sock.close()

