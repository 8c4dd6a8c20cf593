"""What crosses the loopback interface, as an eavesdropper on the building's network would
see it: a packet capture on `lo` (AF_PACKET, needs CAP_NET_RAW as the tests' root has), and
checks of what the captured RTP payloads and SIP texts give away."""
import audioop
import math
import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003


class LoopbackCapture:
    """Captures IPv4 UDP datagrams on `lo` in a thread until stop(); keeps at most
    `limit` of them, as (source port, destination port, payload)."""

    def __init__(self, limit=20000):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.2)
        self.limit = limit
        self.datagrams = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set() and len(self.datagrams) < self.limit:
            try:
                frame, address = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            if address[2] == socket.PACKET_OUTGOING:
                continue  # on lo every packet is seen twice: keep the incoming copy
            ip = frame[14:]  # Ethernet header (zeros on lo)
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            header = (ip[0] & 0x0F) * 4
            sport, dport, length = struct.unpack("!HHH", ip[header:header + 6])
            self.datagrams.append((sport, dport, ip[header + 8:header + length]))

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
        return self.datagrams


def pcmu_streams(datagrams, ports):
    """The payloads of RTP packets with payload type 0 (PCMU) to or from one of `ports` (a
    phone's RTP ports: other tests may be talking on lo at the same time), joined per SSRC.
    The bytes of an SRTP authentication tag are not known here, so a packet's payload is
    taken as 160 bytes after the 12-byte header (20 ms of 8 kHz audio), whatever follows."""
    streams = {}
    for sport, dport, p in datagrams:
        if sport not in ports and dport not in ports:
            continue
        if len(p) < 12 + 160 or p[0] >> 6 != 2 or (p[1] & 0x7F) != 0:
            continue
        ssrc = struct.unpack("!I", p[8:12])[0]
        streams.setdefault(ssrc, bytearray()).extend(p[12:12 + 160])
    return streams


def tone_share(pcmu, hz, rate=8000):
    """How much of the decoded signal's power is at `hz` (0..1): near 1 for a pure tone,
    near 0 for noise."""
    samples = audioop.ulaw2lin(bytes(pcmu), 2)
    n = len(samples) // 2
    if n < 800:
        return 0.0
    values = struct.unpack(f"<{n}h", samples[:2 * n])
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in values:
        s1, s2 = v + coeff * s1 - s2, s1
    power_at = (s1 * s1 + s2 * s2 - coeff * s1 * s2) * 2 / n
    total = sum(v * v for v in values)
    return power_at / total if total > 0 else 0.0


def sip_texts(datagrams, station_port):
    """The SIP messages seen in clear in UDP datagrams to or from the station's SIP port,
    but for those it sends itself (its own user agent and its server share that port: the
    hop never leaves the device, on loopback here as on a board)."""
    out = []
    for sport, dport, p in datagrams:
        if (sport == station_port) == (dport == station_port):
            continue  # another program's traffic, or the station talking to itself
        text = p.decode("utf-8", "replace")
        if "SIP/2.0" in text.split("\r\n", 1)[0]:
            out.append(text)
    return out


def capture_while(seconds):
    cap = LoopbackCapture()
    time.sleep(seconds)
    return cap.stop()
