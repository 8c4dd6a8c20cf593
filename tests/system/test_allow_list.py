"""The Security page's IP allow-list keeps every other address out of the web interface
and the API, on the HTTPS port and the plain-HTTP (redirect) port alike, and out of RTSP.

Loopback is always allowed, so the test needs other addresses: this test process moves
into a network namespace of its own (unshare(2), as root or in a user namespace), where
10.99.0.1 and 10.99.0.2 are put on the namespace's own loopback device. Nothing leaves
the namespace, and it disappears with the test."""
import socket
import ssl

import pytest

from harness import Vtod, enter_own_network_namespace, http

OUTSIDER = "10.99.0.1"
INSIDER = "10.99.0.2"


@pytest.fixture(scope="module", autouse=True)
def own_network_namespace():
    enter_own_network_namespace([["addr", "add", f"{OUTSIDER}/32", "dev", "lo"],
                                 ["addr", "add", f"{INSIDER}/32", "dev", "lo"]])


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


def rtsp_from(source, port):
    """The status of an RTSP OPTIONS to 10.99.0.1:port from `source`."""
    with socket.create_connection((OUTSIDER, port), timeout=5,
                                  source_address=(source, 0)) as conn:
        conn.sendall(f"OPTIONS rtsp://{OUTSIDER}:{port}/cam/realmonitor RTSP/1.0\r\n"
                     "CSeq: 1\r\n\r\n".encode())
        answer = conn.recv(4096)
    return int(answer.split(b" ", 2)[1])


def test_addresses_off_the_list_cannot_connect(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"), web_address="0.0.0.0")  # the namespace's addresses
    processes.append(vtod)
    https, plain = vtod.http_port, vtod.redirect_port
    # Everyone may connect while the list is empty.
    assert get_from(OUTSIDER, https) == 200
    assert get_from(OUTSIDER, plain, tls=False) == 308
    assert rtsp_from(OUTSIDER, vtod.rtsp_port) == 200

    status, body = http(https, "PUT", "/api/v1/security/allow-list", {"allow_list": [INSIDER]})
    assert status == 200, body
    assert body["allow_list"] == [INSIDER]
    refused = get_from(OUTSIDER, https)
    assert not isinstance(refused, int), refused
    assert not isinstance(get_from(OUTSIDER, plain, tls=False), int)
    assert get_from(INSIDER, https) == 200
    assert get_from(INSIDER, plain, tls=False) == 308
    assert rtsp_from(OUTSIDER, vtod.rtsp_port) == 403
    assert rtsp_from(INSIDER, vtod.rtsp_port) == 200
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
