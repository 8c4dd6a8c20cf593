"""The SIP side as an attacker on the building's network tries it (docs/security.md): vtod
relays nothing for strangers, blocks an address that guesses passwords while the real
monitor keeps registering, and a door registered to another server answers no stranger's
call. Every attack comes from its own loopback address (127.0.0.66)."""
import socket
import time

import pytest

from harness import Vth, Vtod, http, vtoctl, wait_for
from sip_client import SipClient, parse_challenge, digest_answer

ROOM_PASSWORD = "Room-pass1"
VTO_PASSWORD = "Vto-pass-12"
ATTACKER = "127.0.0.66"


@pytest.fixture
def building(tmp_path, processes):
    data = str(tmp_path / "b")
    vtoctl(data, "room", "add", "101", "--password", ROOM_PASSWORD)
    vtoctl(data, "vto", "add", "8002", "--password", VTO_PASSWORD)
    b = Vtod(data, vto_number="8001")
    processes.append(b)
    return b


class ThirdParty:
    """A UDP socket and a TCP listener on 127.0.0.3 that must hear nothing."""

    def __init__(self):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.3", 0))
        self.port = self.udp.getsockname()[1]
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.3", self.port))
        self.tcp.listen()

    def heard(self, wait=1.0):
        self.udp.settimeout(wait)
        self.tcp.settimeout(0.1)
        got = []
        try:
            got.append(self.udp.recvfrom(65536)[0])
        except socket.timeout:
            pass
        try:
            conn, _ = self.tcp.accept()
            got.append(b"TCP connection")
            conn.close()
        except socket.timeout:
            pass
        return got

    def close(self):
        self.udp.close()
        self.tcp.close()


def audit(vtod, action):
    status, body = http(vtod.http_port, "GET", f"/api/v1/audit?action={action}")
    assert status == 200
    return body["entries"]


def test_relay_attempts_reach_no_third_party(building, processes):
    monitor = Vth(building.sip, "101#0", ROOM_PASSWORD, auto_answer=100)
    processes.append(monitor)
    monitor.event("registered")
    third = ThirdParty()
    attacker = SipClient(building.sip_port, ip=ATTACKER)
    me = f"127.0.0.1:{building.sip_port}"
    there = f"127.0.0.3:{third.port}"
    try:
        answers = []
        # A Route set of someone else's on a new call to a flat.
        answers += attacker.send(attacker.request("INVITE", f"sip:101@{me}",
                                                  headers=(f"Route: <sip:{there};lr>",)))
        # A To tag and a Request-URI elsewhere, over UDP and TCP.
        answers += attacker.send(attacker.request("INVITE", f"sip:x@{there}", to_tag="t1"))
        answers += attacker.send(attacker.request("MESSAGE", f"sip:x@{there};transport=tcp",
                                                  to_tag="t2", headers=(f"Route: <sip:{me};lr>",)))
        # vtod's own Route entry with a made-up dialog token.
        answers += attacker.send(attacker.request(
            "BYE", f"sip:x@{there}", to_tag="t3",
            headers=(f"Route: <sip:{me};ovt=0123456789abcdef01234567;lr>",)))
        # Stray ACKs, with and without a Route.
        answers += attacker.send(attacker.request("ACK", f"sip:x@{there}", to_tag="t4",
                                                  headers=(f"Route: <sip:{me};lr>",)))
        answers += attacker.send(attacker.request("ACK", f"sip:x@{me}", to_tag="t5",
                                                  headers=(f"Route: <sip:{there};lr>",)))
        # Out of dialog with vtod's Route and a foreign Request-URI.
        answers += attacker.send(attacker.request("OPTIONS", f"sip:x@{there};transport=tcp",
                                                  headers=(f"Route: <sip:{me};lr>",)))
        assert third.heard() == []
        assert not monitor.events("incoming_call")
        statuses = sorted({r.status for r in answers if r.status >= 200})
        assert set(statuses) <= {403, 407}, statuses
        assert all(r.status < 200 or r.status >= 300 for r in answers)
    finally:
        attacker.close()
        third.close()


def test_500_guesses_end_with_the_address_blocked_while_the_real_monitor_registers(building,
                                                                                  processes):
    attacker = SipClient(building.sip_port, ip=ATTACKER)
    answered = 0
    blocked_at = None
    try:
        for i in range(500):
            wait = 1.0 if blocked_at is None else 0.01
            final, _ = attacker.register("101#0", f"guess-{i}", wait=wait)
            if final is None:
                blocked_at = blocked_at or i
                continue
            assert final.status == 403
            answered += 1
        assert blocked_at is not None and blocked_at <= 5, blocked_at
        assert answered == 5
        # The right password from the blocked address gets no answer either.
        final, _ = attacker.register("101#0", ROOM_PASSWORD, wait=1.0)
        assert final is None
    finally:
        attacker.close()
    # The real monitor, from another address, registers at once.
    started = time.monotonic()
    monitor = Vth(building.sip, "101#0", ROOM_PASSWORD, listen="127.0.0.2:0")
    processes.append(monitor)
    assert monitor.event("registered")["status"] == 200
    assert time.monotonic() - started < 5
    failed = audit(building, "sip_auth_failed")
    assert len(failed) == 5 and all(e["address"].startswith(ATTACKER) for e in failed)
    assert "101#0" in failed[0]["detail"]
    blocks = audit(building, "sip_source_blocked")
    assert len(blocks) == 1 and blocks[0]["address"] == ATTACKER


def test_unknown_users_and_wrong_passwords_look_the_same(building):
    attacker = SipClient(building.sip_port, ip="127.0.0.67")
    try:
        wrong, c1 = attacker.register("101#0", "not-it")
        unknown, c2 = attacker.register("999#0", "not-it")
        assert wrong.status == unknown.status == 403
        assert wrong.text.split("\r\n")[0] == unknown.text.split("\r\n")[0]
        assert c1.keys() == c2.keys()
    finally:
        attacker.close()


def test_a_door_registered_to_another_server_answers_no_strangers_call(tmp_path, processes,
                                                                      building):
    door = Vtod(str(tmp_path / "a"), vto_number="8002")
    processes.append(door)
    setting = {"mode": "vto", "server_ip": "127.0.0.1", "server_port": building.sip_port,
               "domain": "VDP", "user": "8002", "password": VTO_PASSWORD}
    assert http(door.http_port, "PUT", "/api/v1/settings/sip", setting)[0] == 200
    wait_for(lambda: http(door.http_port, "GET", "/api/v1/settings/sip")[1]["status"]["registered"],
             "registration at the building's server")

    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind((ATTACKER, 0))
    rtp_port = rtp.getsockname()[1]
    sdp = (f"v=0\r\no=- 1 1 IN IP4 {ATTACKER}\r\ns=-\r\nc=IN IP4 {ATTACKER}\r\nt=0 0\r\n"
           f"m=audio {rtp_port} RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
           f"m=video {rtp_port + 2} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=sendrecv\r\n")
    stranger = SipClient(door.sip_port, ip=ATTACKER)
    try:
        ruri = f"sip:8002@127.0.0.1:{door.sip_port}"
        got = stranger.send(stranger.request("INVITE", ruri, from_user="8001", body=sdp), wait=1.5)
        assert [r.status for r in got] == [401]  # one stateless challenge, nothing else
        # Made-up credentials of the door's account: refused.
        challenge = parse_challenge(got[0].header("WWW-Authenticate"))
        auth = digest_answer(challenge, "8002", "a-guess", "INVITE", ruri)
        got = stranger.send(stranger.request("INVITE", ruri, from_user="8001", body=sdp,
                                             headers=(f"Authorization: {auth}",)), wait=1.5)
        assert not any(200 <= r.status < 300 for r in got)
        assert 403 in [r.status for r in got]
        rtp.settimeout(3.0)
        with pytest.raises(socket.timeout):
            rtp.recvfrom(2048)
    finally:
        stranger.close()
        rtp.close()

    # The building's own monitor still watches this door, through the server.
    monitor = Vth(building.sip, "101#0", ROOM_PASSWORD)
    processes.append(monitor)
    monitor.event("registered")
    monitor.send("monitor 8002")
    monitor.event("answered", timeout=10)
    monitor.send("hangup")
