#!/usr/bin/env python3
"""What encryption costs vtod, in one run:

  SRTP: vtod's CPU during a 640x480 H.264 + PCMU call with SRTP (vth over TLS, --srtp
        required) and during the same call in plain RTP (vth over UDP), ROUNDS times each,
        alternating, SECONDS per sample; the ratio of the medians (goal < 1.1).
  TLS:  REGISTERs with digest (401, then 200) from WORKERS clients at once for SECONDS, over
        UDP and over TLS (one connection per client, kept open): registrations/s achieved
        and vtod's CPU microseconds per registration. The clients are Python, so the rate is
        bounded by them as much as by vtod; the CPU per registration is vtod's alone.

Everything runs on 127.0.0.1 and is bounded in time. Prints the figures and SUMMARY lines.
Usage: bench/srtp_tls.py [--build build] [--seconds 8] [--rounds 3] [--only srtp|tls]
"""
import argparse
import asyncio
import hashlib
import os
import re
import ssl
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))

import harness  # noqa: E402
from vtod_resources import cpu_seconds  # noqa: E402  (utime + stime of a process)

PASSWORD = "Bench-pass1"


def call_cpu(vtod, vth, button, seconds):
    """vtod's CPU (% of a core) over `seconds` of one answered call; asserts media flows."""
    status, _ = harness.http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": button})
    assert status == 200
    call = vth.event("incoming_call")["call"]
    vth.send(f"answer {call}")
    vth.event("answered", call=call)
    media = vth.event("media", call=call, timeout=10)
    while media.get("video_frames", 0) < 10:
        media = vth.event("media", call=call, timeout=5)
    time.sleep(1.0)  # past the first key frame and the jitter buffers' start
    start, wall = cpu_seconds(vtod.proc.pid), time.monotonic()
    time.sleep(seconds)
    used, wall = cpu_seconds(vtod.proc.pid) - start, time.monotonic() - wall
    last = vth.events("media")[-1]
    vth.send("hangup")
    vth.event("bye", call=call)
    deadline = time.monotonic() + 5
    while harness.http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["panel"]["state"] != "idle":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(0.5)
    return 100.0 * used / wall, last


def srtp_cost(a, tmp):
    data = os.path.join(tmp, "srtp")
    harness.vtoctl(data, "room", "add", "401", "--password", PASSWORD)
    harness.vtoctl(data, "room", "add", "402", "--password", PASSWORD)
    vtod = harness.Vtod(data, log_level="warn", extra=("--button", "401,402"))
    plain = secure = None
    try:
        plain = harness.Vth(vtod.sip, "401#0", PASSWORD, extra=("--audio-codecs", "PCMU"))
        secure = harness.Vth(vtod.sip_tls, "402#0", PASSWORD, transport="tls",
                             extra=("--audio-codecs", "PCMU", "--ca", vtod.certificate,
                                    "--srtp", "required"))
        for vth in (plain, secure):
            assert vth.event("registered")["status"] == 200
        # Room 401 (button 1) has the plain monitor, room 402 (button 2) the encrypted one.
        results = {"plain": [], "srtp": []}
        for _ in range(a.rounds):
            for name, vth, button in (("plain", plain, "button1"), ("srtp", secure, "button2")):
                cpu, media = call_cpu(vtod, vth, button, a.seconds)
                assert media.get("srtp", False) == (name == "srtp"), media
                results[name].append(cpu)
                print(f"  {name}: vtod {cpu:.2f} % of a core "
                      f"({media.get('video_width')}x{media.get('video_height')}, "
                      f"{media.get('audio_codec')}, srtp={media.get('srtp')})", flush=True)
    finally:
        for p in (plain, secure):
            if p:
                p.stop()
        vtod.stop()
    p, s = statistics.median(results["plain"]), statistics.median(results["srtp"])
    print(f"srtp: vtod CPU in a 640x480 H.264 + PCMU call, median of {a.rounds}: "
          f"plain {p:.2f} %, SRTP {s:.2f} % of a core")
    print(f"SUMMARY srtp-call-cpu-ratio {s / p:.2f} (SRTP {s:.2f} % / plain {p:.2f} %; goal < 1.1)")


# ---- REGISTER with digest over UDP and TLS ----

def digest_answer(challenge, user, uri):
    realm = re.search(r'realm="([^"]*)"', challenge).group(1)
    nonce = re.search(r'nonce="([^"]*)"', challenge).group(1)
    qop = "auth" if "qop" in challenge else None
    ha1 = hashlib.md5(f"{user}:{realm}:{PASSWORD}".encode()).hexdigest()
    ha2 = hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
    if qop:
        nc, cnonce = "00000001", os.urandom(6).hex()
        response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        extra = ""
    opaque = re.search(r'opaque="([^"]*)"', challenge)
    if opaque:
        extra += f', opaque="{opaque.group(1)}"'
    return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm=MD5{extra}')


def register(transport, local, server, user, seq, call_id, auth=None):
    escaped = user.replace("#", "%23")
    uri = f"sip:{server}"
    lines = [f"REGISTER {uri} SIP/2.0",
             f"Via: SIP/2.0/{transport} {local};branch=z9hG4bK{os.urandom(6).hex()};rport",
             "Max-Forwards: 70",
             f"From: <sip:{escaped}@{server}>;tag={call_id[:8]}",
             f"To: <sip:{escaped}@{server}>",
             f"Call-ID: {call_id}",
             f"CSeq: {seq} REGISTER",
             f"Contact: <sip:{escaped}@{local}{';transport=tls' if transport == 'TLS' else ''}>",
             "Expires: 600"]
    if auth:
        lines.append(f"Authorization: {auth}")
    return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()


class Udp(asyncio.DatagramProtocol):
    def __init__(self):
        self.queue = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.queue.put_nowait(data)


async def register_loop(transport, local, server, user, stop, counts, send, receive):
    """REGISTERs `user` (401, then 200 with digest) until `stop`, counting the answers."""
    seq = 0
    while time.monotonic() < stop:
        call_id = os.urandom(8).hex()
        seq += 1
        send(register(transport, local, server, user, seq, call_id))
        challenge = await asyncio.wait_for(receive(), 2)
        header = re.search(r"WWW-Authenticate: (.*)\r\n", challenge).group(1)
        seq += 1
        send(register(transport, local, server, user, seq, call_id,
                      digest_answer(header, user, f"sip:{server}")))
        answer = await asyncio.wait_for(receive(), 2)
        ok = answer.startswith("SIP/2.0 200")
        counts["ok" if ok else "failed"] += 1
        if not ok:
            counts.setdefault("first", answer[:600])


async def udp_worker(server, user, stop, counts):
    loop = asyncio.get_running_loop()
    host, port = server.split(":")
    transport, proto = await loop.create_datagram_endpoint(Udp, local_addr=("127.0.0.1", 0),
                                                           remote_addr=(host, int(port)))
    local = f"127.0.0.1:{transport.get_extra_info('sockname')[1]}"

    async def receive():
        return (await proto.queue.get()).decode(errors="replace")
    try:
        await register_loop("UDP", local, server, user, stop, counts, transport.sendto, receive)
    finally:
        transport.close()


async def read_message(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
    if length:
        await reader.readexactly(length)
    return head.decode()


async def tls_worker(server, user, stop, counts, context):
    host, port = server.split(":")
    reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
    local = f"127.0.0.1:{writer.get_extra_info('sockname')[1]}"
    try:
        await register_loop("TLS", local, server, user, stop, counts, writer.write,
                            lambda: read_message(reader))
    finally:
        writer.close()


async def register_load(kind, server, workers, seconds, context=None):
    counts = {"ok": 0, "failed": 0}
    stop = time.monotonic() + seconds
    users = [f"{601 + i // 4}#{i % 4}" for i in range(workers)]  # rooms take 10 monitors
    if kind == "udp":
        jobs = [udp_worker(server, u, stop, counts) for u in users]
    else:
        jobs = [tls_worker(server, u, stop, counts, context) for u in users]
    started = time.monotonic()
    await asyncio.gather(*jobs)
    return counts, time.monotonic() - started


def tls_cost(a, tmp):
    data = os.path.join(tmp, "tls")
    for room in range(601, 601 + (a.workers + 3) // 4):
        harness.vtoctl(data, "room", "add", str(room), "--password", PASSWORD)
    vtod = harness.Vtod(data, log_level="warn")
    context = ssl.create_default_context(cafile=vtod.certificate)
    context.check_hostname = False  # the station's certificate names 127.0.0.1 as an IP
    figures = {}
    try:
        for kind, server in (("udp", vtod.sip), ("tls", vtod.sip_tls)):
            before = cpu_seconds(vtod.proc.pid)
            counts, wall = asyncio.run(register_load(kind, server, a.workers, a.seconds,
                                                     context if kind == "tls" else None))
            used = cpu_seconds(vtod.proc.pid) - before
            rate = counts["ok"] / wall
            per = used / max(counts["ok"], 1) * 1e6
            figures[kind] = (rate, per, counts["failed"])
            print(f"  {kind}: {counts['ok']} registrations in {wall:.1f} s = {rate:.0f}/s, "
                  f"{counts['failed']} failed; vtod {used:.2f} s CPU = {per:.0f} us each",
                  flush=True)
            if counts["failed"]:
                print("    first failure: " + counts["first"].split("\r\n")[0], flush=True)
                print("    " + " | ".join(counts["first"].split("\r\n")[1:8]), flush=True)
    finally:
        vtod.stop()
    (ur, up, _), (tr, tp, _) = figures["udp"], figures["tls"]
    print(f"tls: REGISTER with digest, {a.workers} clients: UDP {ur:.0f}/s at {up:.0f} us of "
          f"vtod CPU each, TLS {tr:.0f}/s at {tp:.0f} us each")
    print(f"SUMMARY tls-register-rate {tr:.0f}/s vs UDP {ur:.0f}/s ({tr / ur:.2f}x, same clients)")
    print(f"SUMMARY tls-register-cpu {tp:.0f} us vs UDP {up:.0f} us per registration "
          f"({tp / up:.2f}x)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.environ.get("VTO_BUILD_DIR", os.path.join(HERE, "..", "build")))
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--only", choices=("srtp", "tls"))
    a = p.parse_args()
    harness.BIN = os.path.join(os.path.abspath(a.build), "bin")
    with tempfile.TemporaryDirectory() as tmp:
        if a.only != "tls":
            srtp_cost(a, tmp)
        if a.only != "srtp":
            tls_cost(a, tmp)


if __name__ == "__main__":
    main()
