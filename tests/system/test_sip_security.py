"""The SIP side as an attacker on the building's network tries it (docs/security.md): vtod
relays nothing for strangers, blocks an address that guesses passwords while the real
monitor keeps registering, and a door registered to another server answers no stranger's
call. Every attack comes from its own loopback address (127.0.0.66)."""
import socket
import time

import pytest

from harness import ROOM_PASSWORD, VTO_PASSWORD, Vth, Vtod, http, vtoctl, wait_for
from sip_client import SipClient, parse_challenge, digest_answer

ATTACKER = "127.0.0.66"


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


def de_bruijn(k, n):
    """The De Bruijn sequence B(k, n) as digits: every n-digit code appears once."""
    a = [0] * k * n
    seq = []

    def db(t, p):
        if t > n:
            if n % p == 0:
                seq.extend(a[1:p + 1])
        else:
            a[t] = a[t - p]
            db(t + 1, p)
            for j in range(a[t - p] + 1, k):
                a[t] = j
                db(t + 1, t)
    db(1, 1)
    return "".join(map(str, seq))


def test_a_swept_unlock_code_opens_nothing_and_ends_in_refused_records_and_an_alarm(tmp_path,
                                                                                     processes):
    data = str(tmp_path / "d")
    vtoctl(data, "room", "add", "101", "--password", ROOM_PASSWORD)
    door = Vtod(data, extra=("--unlock-code", "1234", "--unlock-hold", "1"))
    processes.append(door)
    monitor = Vth(door.sip, "101#0", ROOM_PASSWORD)
    processes.append(monitor)
    monitor.event("registered")

    def opened():
        return http(door.http_port, "GET", "/api/v1/sim/state")[1]["lock"]["open"]

    def refused():
        _, body = http(door.http_port, "GET", "/api/v1/records/unlocks?method=monitor&result=refused")
        return body["total"]

    def session(entries):
        monitor.send("monitor 8001")
        try:
            monitor.event("answered", timeout=10)
        except AssertionError:
            print(door.dump()[-6000:])
            raise
        for e in entries:
            monitor.send(f"infos {e}")
        time.sleep(0.5)

    def end_session():
        monitor.send("hangup")
        monitor.event("bye")

    # 1. Every four-digit code in one stream of 10,003 digits, 32 to an INFO.
    sweep = de_bruijn(10, 4)
    sweep += sweep[:3]
    assert len(sweep) == 10003
    session(sweep[i:i + 32] for i in range(0, len(sweep), 32))
    wait_for(lambda: refused() >= 1, "the sweep refused")
    assert not opened()
    end_session()
    http(door.http_port, "DELETE", "/api/v1/access/remote-locks/101%230")  # a clean count

    # 2. Whole entries: three wrong ones end this call's remote unlock, the right one too late.
    before = refused()
    session(["0000#", "0001#", "0002#", "1234#"])
    wait_for(lambda: refused() == before + 4, "four refused entries")
    assert not opened()
    _, body = http(door.http_port, "GET", "/api/v1/records/unlocks?method=monitor&result=refused")
    assert body["records"][0]["reason"] == "too many wrong codes in this call"
    assert body["records"][1]["reason"] == "wrong code"
    assert body["records"][0]["credential"] == "101#0"
    end_session()

    # 3. Five wrong within ten minutes lock the monitor's remote unlock, with an alarm.
    session(["0003#", "0004#", "1234#"])
    wait_for(lambda: refused() == before + 7, "three more refused entries")
    assert not opened()
    _, alarms = http(door.http_port, "GET", "/api/v1/records/alarms?type=remote_unlock_locked")
    assert alarms["total"] == 1 and alarms["records"][0]["source"] == "101#0", alarms
    _, lock = http(door.http_port, "GET", "/api/v1/access/lock")
    assert [l["device"] for l in lock["remote_locks"]] == ["101#0"]
    end_session()

    # 4. An administrator lifts the lock; the right code opens again.
    status, _ = http(door.http_port, "DELETE", "/api/v1/access/remote-locks/101%230")
    assert status == 200
    session(["1234#"])
    wait_for(opened, "the door open")
    end_session()


def run_tool(*args, timeout=60):
    import subprocess
    return subprocess.run(["timeout", str(timeout), *args], capture_output=True, text=True)


def test_svwar_learns_nothing_and_svcrack_is_blocked_before_the_right_password(tmp_path, building):
    # sipvicious 0.3.3 ignores its -b: its packets come from 127.0.0.1, vtod's other
    # clients in this test come from elsewhere.
    port = str(building.sip_port)
    domain = f"127.0.0.1:{port}"
    # svwar over 8000-8100: numbers that exist (8001, 8002) and numbers that don't get the
    # same answers, so it finds nothing, by REGISTER or by INVITE.
    for method in ("REGISTER", "INVITE"):
        r = run_tool("svwar", "--force", "-e", "8000-8100", "-m", method, "-p", port,
                     "--domain", domain, "--maximumtime", "3", "127.0.0.1")
        assert "reqauth" not in r.stdout and "noauth" not in r.stdout, r.stdout + r.stderr
        assert "| 8002" not in r.stdout

    # svcrack finds a password when nothing stops it first (the right one at entry 3)...
    short = tmp_path / "short.txt"
    short.write_text(f"guess-a\nguess-b\n{VTO_PASSWORD}\n")
    # (From port 5071: the 8002 it then registers is not the next run's address and port.)
    r = run_tool("svcrack", "-u", "8002", "-d", str(short), "-p", port, "--domain", domain,
                 "-P", "5071", "--maximumtime", "2", "127.0.0.1")
    assert "| 8002" in r.stdout and VTO_PASSWORD in r.stdout, r.stdout + r.stderr
    # ...but with it at entry 200 of its word list, the address is blocked long before.
    words = tmp_path / "words.txt"
    words.write_text("\n".join([f"guess-{i}" for i in range(199)] + [VTO_PASSWORD, "after"]) + "\n")
    r = run_tool("svcrack", "-u", "8002", "-d", str(words), "-p", port, "--domain", domain,
                 "-P", "5072", "--maximumtime", "2", "127.0.0.1")
    assert VTO_PASSWORD not in r.stdout, r.stdout
    blocks = audit(building, "sip_source_blocked")
    assert [b["address"] for b in blocks] == ["127.0.0.1"]
    assert len(audit(building, "sip_auth_failed")) == 5
    # The VTO 8002 itself, from another address, still registers.
    vto = SipClient(building.sip_port, ip="127.0.0.2")
    try:
        final, _ = vto.register("8002", VTO_PASSWORD)
        assert final is not None and final.status == 200
    finally:
        vto.close()
