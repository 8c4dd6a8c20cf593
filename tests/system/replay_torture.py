"""Replays every RFC 4475 torture message and a set of broken packets at a real vtod,
over UDP, TCP and TLS, and checks that vtod answers what it can (400 for what it cannot
parse) and keeps serving. Meant to run inside a network namespace that has only `lo`
(test_malformed.py starts it under `unshare -n`): the messages name outside addresses,
and nothing may ever be sent there.

usage: replay_torture.py BUILD_DIR DATA_DIR
Prints one line per message and a final 'N passed, N failed' line.
"""
import glob
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from peers import sip_ping  # noqa: E402

# RFC 4475 §3.1.2 (and §3.3's multi01, mcl01, insuf): messages that must not be
# accepted; whatever vtod answers to them, it is never a success.
INVALID = {"badinv01", "clerr", "ncl", "scalar02", "quotbal", "ltgtruri", "lwsruri",
           "lwsstart", "trws", "escruri", "baddate", "regbadct", "badaspec", "baddn", "badvers",
           "mismatch01", "mismatch02", "insuf", "multi01", "mcl01"}

BROKEN = [
    b"",
    b"\r\n\r\n",
    b"\x00" * 100,
    b"INVITE",
    b"INVITE sip:101@127.0.0.1 SIP/2.0\r\n",
    b"SIP/2.0 200 OK\r\n\r\n",
    b"INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK1\r\n"
    b"Content-Length: 999999999999999999999\r\n\r\n",
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n",
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n",
    bytes(range(256)) * 4,
]


def replay_udp(port, payload, timeout=0.3):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(timeout)
        if payload:
            s.sendto(payload[:65507], ("127.0.0.1", port))
        try:
            return s.recv(65535)
        except OSError:
            return None


def replay_tcp(port, payload, timeout=0.5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(payload)
            return s.recv(65535)
        except OSError:
            return None


def replay_tls(port, payload, timeout=0.3):
    """As a stranger would: TLS without checking whose certificate it is, then the bytes."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with context.wrap_socket(raw) as s:
            try:
                s.sendall(payload)
                return s.recv(65535)
            except OSError:
                return None


def tls_ping(port):
    """An OPTIONS over TLS gets an answer."""
    ping = (b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKtlsping"
            b"\r\nMax-Forwards: 70\r\nFrom: <sip:p@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
            b"Call-ID: tlsping\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    try:
        answer = replay_tls(port, ping, timeout=2)
    except OSError:
        return False
    return bool(answer) and answer.startswith(b"SIP/2.0 ")


def main():
    build, data = sys.argv[1], sys.argv[2]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    harness.BIN = os.path.join(build, "bin")
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if ok:
            passed += 1
        else:
            failed += 1

    with tempfile.TemporaryDirectory() as tmp:
        vtod = harness.Vtod(os.path.join(tmp, "data"), log_level="warn")
        try:
            for path in sorted(glob.glob(os.path.join(data, "*.dat"))):
                name = os.path.splitext(os.path.basename(path))[0]
                with open(path, "rb") as f:
                    payload = f.read()
                answer = replay_udp(vtod.sip_port, payload)
                first = (answer or b"(no answer)").split(b"\r\n")[0].decode(errors="replace")
                if name in INVALID:
                    check(answer is None or not answer.startswith(b"SIP/2.0 2"),
                          f"{name}: refused over UDP ({first})")
                else:
                    print(f"     {name}: UDP answer {first}")
                replay_tcp(vtod.sip_port, payload)
                replay_tls(vtod.sip_tls_port, payload)
                check(sip_ping(vtod.sip_port, timeout=2), f"{name}: vtod still answers after it")
            for i, payload in enumerate(BROKEN):
                replay_udp(vtod.sip_port, payload)
                replay_tcp(vtod.sip_port, payload)
                replay_tls(vtod.sip_tls_port, payload)
                # Straight onto the TLS port, without a handshake: never read as SIP.
                replay_tcp(vtod.sip_tls_port, payload)
                check(sip_ping(vtod.sip_port, timeout=2), f"broken packet {i}: vtod still answers")
            # A flood of half-open TCP connections, bounded, then service as usual.
            conns = []
            for _ in range(200):
                try:
                    conns.append(socket.create_connection(("127.0.0.1", vtod.sip_port), timeout=1))
                except OSError:
                    break
            check(sip_ping(vtod.sip_port, timeout=2), f"{len(conns)} idle TCP connections: UDP still served")
            for c in conns:
                c.close()
            # The same on the TLS port: connections that never finish their handshake.
            conns = []
            for _ in range(200):
                try:
                    conns.append(socket.create_connection(("127.0.0.1", vtod.sip_tls_port),
                                                          timeout=1))
                except OSError:
                    break
            check(sip_ping(vtod.sip_port, timeout=2),
                  f"{len(conns)} TLS connections without a handshake: UDP still served")
            for c in conns:
                c.close()
            # New TLS connections are limited per second and source (20): the flood used
            # this second's; the next second serves again.
            time.sleep(1.2)
            check(tls_ping(vtod.sip_tls_port), "SIP over TLS still answers")
            time.sleep(0.2)
            check(vtod.proc.poll() is None, "vtod is still running")
        finally:
            vtod.stop()
            if vtod.proc.returncode not in (0, -15):
                check(False, f"vtod exited with {vtod.proc.returncode}:\n" + vtod.dump())
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
