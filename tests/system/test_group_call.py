"""The building's SIP server with real vtod and vth processes on loopback."""
import time

from harness import Vth, http, vtoctl


def add_room(vtod, room, password="Room-pass1"):
    vtoctl(vtod.data_dir, "room", "add", room, "--password", password)


def test_room_call_rings_every_monitor_first_answer_wins(vtod, start_vth):
    add_room(vtod, "101")
    add_room(vtod, "102")
    master = start_vth("101#0", "Room-pass1")
    extension = start_vth("101#1", "Room-pass1")
    caller = start_vth("102#0", "Room-pass1")
    for v in (master, extension, caller):
        assert v.event("registered")["status"] == 200

    caller.send("call 101")
    m = master.event("incoming_call")
    e = extension.event("incoming_call")
    assert "102" in m["peer"] and "102" in e["peer"]
    caller.event("ringing")

    extension.send("answer")
    caller.event("answered")
    cancelled = master.event("cancelled")
    assert "Call completed elsewhere" in cancelled["reason"]
    assert "cause=200" in cancelled["reason"]

    # In-dialog requests follow the Record-Route through vtod to the answering monitor.
    caller.send("info 1")
    info = extension.event("info")
    assert "Signal=1" in info["body"]
    caller.send("hangup")
    extension.event("bye")
    assert not master.events("answered")


def test_wrong_password_and_unknown_user_look_the_same(vtod, start_vth):
    add_room(vtod, "101")
    wrong = start_vth("101#0", "not-the-password")
    unknown = start_vth("999#0", "Room-pass1")
    a = wrong.event("registration_failed")
    b = unknown.event("registration_failed")
    assert a["status"] == b["status"] == 403
    assert a["reason"] == b["reason"]


def test_vtoctl_changes_are_seen_at_once_by_the_running_daemon(vtod, start_vth):
    first = start_vth("201#0", "Room-pass1")
    assert first.event("registration_failed")["status"] == 403
    add_room(vtod, "201")
    later = start_vth("201#0", "Room-pass1")
    assert later.event("registered")["status"] == 200
    status, body = http(vtod.http_port, "GET", "/api/v1/registrations")
    assert status == 200
    assert any(r["aor"] == "201#0" for r in body["registrations"])


def test_call_to_room_without_monitors_and_to_unknown_number(vtod, start_vth):
    add_room(vtod, "101")
    add_room(vtod, "102")
    caller = start_vth("102#0", "Room-pass1")
    caller.event("registered")
    caller.send("call 101")
    assert caller.event("rejected")["status"] == 480
    caller.send("call 555")
    assert caller.event("rejected")["status"] == 404


def test_eleven_monitors_ring_and_the_eleventh_extension_is_refused(vtod, start_vth):
    add_room(vtod, "301")
    add_room(vtod, "302")
    monitors = [start_vth(f"301#{i}", "Room-pass1") for i in range(11)]  # master + 10 extensions
    for m in monitors:
        assert m.event("registered")["status"] == 200
    extra = start_vth("301#11", "Room-pass1")
    assert extra.event("registration_failed")["status"] == 403

    caller = start_vth("302#0", "Room-pass1")
    caller.event("registered")
    caller.send("call 301")
    for m in monitors:
        m.event("incoming_call")
    monitors[5].send("answer")
    caller.event("answered")
    for i, m in enumerate(monitors):
        if i != 5:
            assert "Call completed elsewhere" in m.event("cancelled")["reason"]
    caller.send("hangup")
    monitors[5].event("bye")


def test_vto_places_a_call_through_the_api(vtod, start_vth):
    add_room(vtod, "101")
    master = start_vth("101#0", "Room-pass1", auto_answer=100)
    master.event("registered")
    status, body = http(vtod.http_port, "POST", "/api/v1/calls", {"to": "101"})
    assert status == 202
    master.event("incoming_call")
    master.event("answered")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _, events = http(vtod.http_port, "GET", "/api/v1/calls/events")
        if any(e["event"] == "answered" for e in events["events"]):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"vtod never saw the answer: {events}")
    status, _ = http(vtod.http_port, "DELETE", f"/api/v1/calls/{body['call']}")
    assert status == 200
    master.event("bye")


def test_bad_api_input_gets_a_clear_error(vtod):
    status, body = http(vtod.http_port, "POST", "/api/v1/calls", {"to": "1; rm -rf /"})
    assert status == 400 and "error" in body
    status, body = http(vtod.http_port, "GET", "/api/v1/nothing")
    assert status == 404


def test_monitors_on_tcp_and_udp_ring_together(vtod, start_vth):
    add_room(vtod, "101")
    add_room(vtod, "102")
    on_tcp = start_vth("101#0", "Room-pass1", transport="tcp")
    on_udp = start_vth("101#1", "Room-pass1")
    caller = start_vth("102#0", "Room-pass1", transport="tcp")
    for v in (on_tcp, on_udp, caller):
        assert v.event("registered")["status"] == 200
    status, body = http(vtod.http_port, "GET", "/api/v1/registrations?aor=101%230")
    assert body["registrations"][0]["contact"].endswith(";transport=tcp")

    caller.send("call 101")
    on_tcp.event("incoming_call")
    on_udp.event("incoming_call")
    on_tcp.send("answer")
    caller.event("answered")
    assert "Call completed elsewhere" in on_udp.event("cancelled")["reason"]
    caller.send("info 9")
    assert "Signal=9" in on_tcp.event("info")["body"]
    on_tcp.send("hangup")
    caller.event("bye")


def test_strangers_cannot_ring_a_flat(vtod, start_vth):
    import socket
    add_room(vtod, "101")
    master = start_vth("101#0", "Room-pass1")
    master.event("registered")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(3)
        me = s.getsockname()[1]
        invite = (f"INVITE sip:101@{vtod.sip} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKstranger1;rport\r\n"
                  "Max-Forwards: 70\r\n"
                  f"From: <sip:101%230@{vtod.sip}>;tag=x\r\n"  # even posing as a monitor
                  f"To: <sip:101@{vtod.sip}>\r\n"
                  "Call-ID: stranger-1\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:x@127.0.0.1:{me}>\r\nContent-Length: 0\r\n\r\n")
        s.sendto(invite.encode(), ("127.0.0.1", vtod.sip_port))
        answers = []
        while True:
            data = s.recv(65535).decode()
            answers.append(data.split("\r\n")[0])
            if not data.startswith("SIP/2.0 1"):
                break
    assert answers[-1] == "SIP/2.0 407 Proxy Authentication Required", answers
    time.sleep(0.3)
    assert not master.events("incoming_call")
