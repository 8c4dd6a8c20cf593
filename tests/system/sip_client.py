"""A raw SIP client for attack tests: builds requests by hand, sends them over UDP (or TCP)
from a chosen loopback address, and answers digest challenges with any password (RFC 2617
MD5 with qop=auth). Only ever aimed at the vtod a test started on loopback."""
import hashlib
import os
import re
import socket
import time


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def parse_challenge(value):
    """The parameters of a 'Digest ...' challenge, as a dict."""
    return {k.lower(): v1 or v2 for k, v1, v2 in
            re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', value.split(" ", 1)[1])}


def digest_answer(challenge, user, password, method, uri, nc=1):
    cnonce = os.urandom(8).hex()
    ha1 = md5(f"{user}:{challenge['realm']}:{password}")
    ha2 = md5(f"{method}:{uri}")
    ncs = f"{nc:08x}"
    response = md5(f"{ha1}:{challenge['nonce']}:{ncs}:{cnonce}:auth:{ha2}")
    out = (f'Digest username="{user}", realm="{challenge["realm"]}", nonce="{challenge["nonce"]}", '
           f'uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc={ncs}, cnonce="{cnonce}"')
    if "opaque" in challenge:
        out += f', opaque="{challenge["opaque"]}"'
    return out


class Response:
    def __init__(self, text):
        self.text = text
        first = text.split("\r\n", 1)[0]
        self.status = int(first.split(" ")[1]) if first.startswith("SIP/2.0 ") else 0
        self.is_request = not first.startswith("SIP/2.0 ")

    def header(self, name):
        m = re.search(rf"^{name}:\s*(.*)$", self.text, re.M | re.I)
        return m.group(1).strip() if m else None


class SipClient:
    """One UDP socket on `ip`; send() returns the responses that came back within `wait`."""

    def __init__(self, server_port, ip="127.0.0.1", server_ip="127.0.0.1"):
        self.server = (server_ip, server_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.ip, self.port = self.sock.getsockname()
        self.n = 0

    def close(self):
        self.sock.close()

    def request(self, method, ruri, from_user="9999", to_uri=None, to_tag=None, headers=(),
                body="", call_id=None, cseq=1, branch=None, from_tag=None):
        self.n += 1
        branch = branch or f"z9hG4bK{os.urandom(6).hex()}"
        to = f"<{to_uri or ruri}>" + (f";tag={to_tag}" if to_tag else "")
        lines = [f"{method} {ruri} SIP/2.0",
                 f"Via: SIP/2.0/UDP {self.ip}:{self.port};branch={branch};rport",
                 "Max-Forwards: 70",
                 f"From: <sip:{from_user}@{self.server[0]}>;tag={from_tag or os.urandom(4).hex()}",
                 f"To: {to}",
                 f"Call-ID: {call_id or os.urandom(8).hex()}@{self.ip}",
                 f"CSeq: {cseq} {method}",
                 f"Contact: <sip:{from_user}@{self.ip}:{self.port}>",
                 *headers]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def send(self, text, wait=0.5, until=None):
        """Sends `text`; collects what comes back for `wait` seconds (or until a response
        satisfies `until`)."""
        self.sock.sendto(text.encode(), self.server)
        return self.receive(wait, until)

    def receive(self, wait, until=None):
        got = []
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return got
            self.sock.settimeout(left)
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return got
            r = Response(data.decode(errors="replace"))
            got.append(r)
            if until and until(r):
                return got

    def final(self, text, wait=2.0):
        """The first final response to `text`, or None when nothing final came back."""
        got = self.send(text, wait, until=lambda r: r.status >= 200)
        finals = [r for r in got if r.status >= 200]
        return finals[0] if finals else None

    def register(self, user, password, wait=2.0, challenge=None):
        """A REGISTER for `user`; answers the 401 with `password` (or answers `challenge`
        directly). Returns (final response or None, the challenge it answered)."""
        uri = f"sip:{self.server[0]}:{self.server[1]}"
        escaped = user.replace("#", "%23")
        to_uri = f"sip:{escaped}@{self.server[0]}"
        call_id = os.urandom(8).hex()
        if challenge is None:
            first = self.final(self.request("REGISTER", uri, from_user=escaped, to_uri=to_uri,
                                            call_id=call_id), wait)
            if first is None or first.status != 401:
                return first, None
            challenge = parse_challenge(first.header("WWW-Authenticate"))
        auth = digest_answer(challenge, user, password, "REGISTER", uri)
        second = self.final(self.request("REGISTER", uri, from_user=escaped, to_uri=to_uri,
                                         call_id=call_id, cseq=2,
                                         headers=(f"Authorization: {auth}", "Expires: 600")), wait)
        return second, challenge
