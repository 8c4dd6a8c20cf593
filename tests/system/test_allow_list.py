"""The Security page's IP allow-list keeps every other address out of the web interface
and the API, on the HTTPS port and the plain-HTTP (redirect) port alike.

Loopback is always allowed, so the test needs other addresses: this test process moves
into a network namespace of its own (unshare(2), as root or in a user namespace), where
10.99.0.1 and 10.99.0.2 are put on the namespace's own loopback device. Nothing leaves
the namespace, and it disappears with the test."""
import ctypes
import os
import socket
import ssl
import subprocess

import pytest

from harness import Vtod, http

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
OUTSIDER = "10.99.0.1"
INSIDER = "10.99.0.2"


def _enter_own_network_namespace():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        # Not root: a user namespace of our own gives the right to make a network one.
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare: cannot make a network namespace")
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "addr", "add", f"{OUTSIDER}/32", "dev", "lo"],
                ["ip", "addr", "add", f"{INSIDER}/32", "dev", "lo"]):
        subprocess.run(cmd, check=True, capture_output=True, timeout=10)


@pytest.fixture(scope="module", autouse=True)
def own_network_namespace():
    _enter_own_network_namespace()


def get_from(source, port, tls=True):
    """GET /api/v1/auth/status to 10.99.0.1:port from `source`: the status, or the error
    that ended the connection."""
    with socket.create_connection((OUTSIDER, port), timeout=5,
                                  source_address=(source, 0)) as raw:
        try:
            if tls:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                conn = ctx.wrap_socket(raw, server_hostname=OUTSIDER)
            else:
                conn = raw
            conn.sendall(f"GET /api/v1/auth/status HTTP/1.1\r\nHost: {OUTSIDER}\r\n"
                         "Connection: close\r\n\r\n".encode())
            answer = b""
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except (ssl.SSLError, ConnectionError, OSError) as e:
            return type(e).__name__
    if not answer:
        return "closed"
    return int(answer.split(b" ", 2)[1])


def test_addresses_off_the_list_cannot_connect(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"), web_address="0.0.0.0")  # the namespace's addresses
    processes.append(vtod)
    https, plain = vtod.http_port, vtod.redirect_port
    # Everyone may connect while the list is empty.
    assert get_from(OUTSIDER, https) == 200
    assert get_from(OUTSIDER, plain, tls=False) == 308

    status, body = http(https, "PUT", "/api/v1/security/allow-list", {"allow_list": [INSIDER]})
    assert status == 200, body
    assert body["allow_list"] == [INSIDER]
    refused = get_from(OUTSIDER, https)
    assert not isinstance(refused, int), refused
    assert not isinstance(get_from(OUTSIDER, plain, tls=False), int)
    assert get_from(INSIDER, https) == 200
    assert get_from(INSIDER, plain, tls=False) == 308
    # Loopback stays allowed, whatever the list says: the way back in for an installer.
    assert http(https, "GET", "/api/v1/auth/status")[0] == 200

    # A network holding the address lets it in again; an empty list lets everyone in.
    status, body = http(https, "PUT", "/api/v1/security/allow-list",
                        {"allow_list": ["10.99.0.0/30"]})
    assert status == 200, body
    assert get_from(OUTSIDER, https) == 200
    status, body = http(https, "PUT", "/api/v1/security/allow-list", {"allow_list": []})
    assert status == 200, body
    assert get_from(OUTSIDER, plain, tls=False) == 308
