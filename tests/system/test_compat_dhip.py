"""The device family's event protocol on port 5000 ("DHIP") as home automation clients use it:
the login challenge and its hash, keep-alive, the facts and tables they ask for, events pushed
with the attach request's id while a visitor rings, a card opens the door and tamper is raised,
opening the door and hanging up with the right role, and framing that the clients' fragile
readers take: compact ASCII JSON ending in "\\n" counted in the length, never a '{' right after
a 0x00 in a header. Failed logins count in the same lock-out as the web."""
import json
import socket
import struct

import pytest

from family_clients import DHIP_MAGIC, Dhip, md5, messages_by_newline, messages_by_zero
from harness import ADMIN_PASSWORD, ROOM_PASSWORD, Vtod, http, vtoctl, wait_for


@pytest.fixture
def vtod(compat_vtod):
    return compat_vtod


def audit(vtod, action):
    return http(vtod.http_port, "GET", f"/api/v1/audit?action={action}&limit=100")[1]["entries"]


def check_framing(raw):
    """Every message as the length-reading client, the newline-splitting client and the
    zero-splitting client read it: the same objects, all of them."""
    by_length = []
    pos = 0
    while pos + 32 <= len(raw):
        header = raw[pos:pos + 32]
        assert header[:8] == DHIP_MAGIC, header
        length, length2 = struct.unpack("<QQ", header[16:32])
        assert length == length2
        assert b"\x00{" not in header, header  # the body's own '{' follows byte 31
        body = raw[pos + 32:pos + 32 + length]
        assert body.endswith(b"\n") and b"\n" not in body[:-1].rstrip(b" "), body
        assert all(32 <= c < 127 for c in body[:-1]), body
        assert b"\\" not in body and b"'" not in body, body
        by_length.append(json.loads(body))
        pos += 32 + length
    assert pos == len(raw)
    assert messages_by_newline(raw) == by_length
    assert messages_by_zero(raw) == by_length
    return by_length


def test_login_challenge_hash_and_keepalive(vtod):
    c = Dhip(vtod.dhip_port)
    # A first login without a user name (one client's way) is challenged as well.
    c.send({"id": 1, "method": "global.login",
            "params": {"clientType": "", "ipAddr": "(null)", "loginType": "Direct"}, "session": 0})
    header, body, challenge = c.read()
    assert challenge["error"] == {"code": 268632079, "message": "Component error: login challenge!"}
    assert challenge["result"] is False and challenge["id"] == 1
    assert challenge["session"] != 0 and struct.unpack("<I", header[8:12])[0] == challenge["session"]
    params = challenge["params"]
    assert params["encryption"] == "Default" and params["realm"] and params["random"], params
    assert "," not in params["realm"]
    c.session = challenge["session"]
    ha1 = md5(f"admin:{params['realm']}:{ADMIN_PASSWORD}").upper()
    c.send({"id": 2, "method": "global.login", "session": c.session,
            "params": {"userName": "admin", "password": md5(f"admin:{params['random']}:{ha1}").upper(),
                       "clientType": "", "ipAddr": "(null)", "loginType": "Direct"}})
    _, _, ok = c.read()
    assert ok["result"] is True and "error" not in ok and ok["id"] == 2, ok
    assert ok["params"]["keepAliveInterval"] > 5
    reply = c.call("global.keepAlive", {"timeout": 60, "action": True})
    assert reply["result"] is True and reply["params"] is not None
    check_framing(c.raw)
    c.close()


def test_wrong_logins_count_lock_and_close(vtod):
    c = Dhip(vtod.dhip_port)
    reply = c.login("guest", "Wrong-pass-1")
    assert reply["result"] is False and reply["error"]["code"] != 268632079, reply
    assert reply["params"] is not None
    c.login("guest", "Wrong-pass-2")
    c.login("guest", "Wrong-pass-3")
    with pytest.raises((ConnectionError, OSError, AssertionError)):  # three on one connection
        c.login("guest", "Wrong-pass-4")
    failed = [e for e in audit(vtod, "digest_failed") if e["user"] == "guest"]
    assert len(failed) >= 3 and "port 5000" in failed[0]["detail"], failed
    for n in range(2):
        c = Dhip(vtod.dhip_port)
        c.login("guest", f"Wrong-pass-{5 + n}")
        c.close()
    # Locked now: even the right password is refused, here and over HTTP digest.
    c = Dhip(vtod.dhip_port)
    assert c.login("guest", "Guest-pass-42")["result"] is False
    assert audit(vtod, "digest_locked")


def test_what_the_integration_asks_and_the_events_it_gets(vtod):
    c = Dhip(vtod.dhip_port)
    c.next_id = 2
    assert c.login("guest", "Guest-pass-42")["result"] is True
    access = c.call("configManager.getConfig", {"name": "AccessControl"})
    local = [t for t in access["params"]["table"] if t["AccessProtocol"] == "Local"]
    assert access["result"] is True and local and local[0]["UnlockReloadInterval"] > 0, access
    version = c.call("magicBox.getSoftwareVersion")
    assert version["params"]["version"]["Version"] and version["params"]["version"]["BuildDate"]
    t2u = c.call("configManager.getConfig", {"name": "T2UServer"})
    assert isinstance(t2u["params"]["table"], dict) and t2u["params"]["table"]["UUID"], t2u
    assert c.call("magicBox.getDeviceType")["params"]["type"].startswith("VTO")
    attach = c.call("eventManager.attach", {"codes": ["All"]})
    assert attach["id"] == 8 and attach["result"] is True and "error" not in attach, attach
    info = c.call("magicBox.getSystemInfo")["params"]
    assert info["deviceType"].startswith("VTO") and info["serialNumber"], info
    assert "error" not in c.call("configManager.attach", {"name": "CommGlobal"})

    port = vtod.http_port
    http(port, "POST", "/api/v1/sim/press", {"key": "button1"})
    note, ring = c.event("BackKeyLight", State=1)
    assert note["id"] == 8 and note["method"] == "client.notifyEventStream", note
    assert note["session"] == c.session and note["params"]["SID"]
    assert "LocaleTime" in ring["Data"] and "UTC" in ring["Data"]
    c.event("Invite")
    c.event("BackKeyLight", State=0)  # nobody home: the call ends, the doorbell is idle again
    status, body = http(port, "POST", "/api/v1/access/cards",
                        {"number": "1a2b3c4d", "room": "101", "person": "Anna Berg"})
    assert status == 201, body
    http(port, "POST", "/api/v1/sim/card", {"number": "1A2B3C4D"})
    _, card = c.event("AccessControl")
    assert card["Data"]["Method"] == 1 and card["Data"]["Status"] == 1 and card["Data"]["UserID"] == "101"
    http(port, "POST", "/api/v1/sim/door", {"open": True})
    c.event("DoorStatus", Status="Open")
    http(port, "POST", "/api/v1/sim/door", {"open": False})
    c.event("DoorStatus", Status="Close")
    http(port, "POST", "/api/v1/sim/tamper", {"detached": True})
    _, alarm = c.event("AlarmLocal")
    assert alarm["Action"] == "Start" and alarm["Data"]["Name"] == "tamper"
    # A viewer may not open the door nor hang up; refusals are audited.
    obj = c.call("accessControl.factory.instance", {"channel": 0})["result"]
    refused = c.call("accessControl.openDoor", {"DoorIndex": 0, "ShortNumber": "HA"}, object=obj)
    assert refused["result"] is False, refused
    records = http(port, "GET", "/api/v1/records/unlocks")[1]["records"]
    assert not any("port 5000" in r["credential"] for r in records), records
    assert c.call("console.runCmd", {"command": "hc"})["result"] is False
    assert c.call("console.runCmd", {"command": "reboot"})["result"] is False
    assert len(audit(vtod, "dhip_refused")) >= 2
    messages = check_framing(c.raw)
    assert all(m.get("params") is not None for m in messages)
    c.close()


def test_an_operator_opens_the_door_and_hangs_up_a_ringing_call(vtod, start_vth):
    vth = start_vth("101#0", ROOM_PASSWORD)  # rings, never answers
    vth.event("registered")
    c = Dhip(vtod.dhip_port)
    assert c.login("ops", "Ops-pass-42", with_user_first=False)["result"] is True
    obj = c.call("accessControl.factory.instance", {"channel": 0})["result"]
    assert isinstance(obj, int) and obj > 0
    opened = c.call("accessControl.openDoor", {"DoorIndex": 0, "ShortNumber": "HA"}, object=obj)
    assert opened["result"] is True, opened
    assert http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["lock"]["open"]
    assert c.call("accessControl.destroy", object=obj)["result"] is True
    # The record is written by its own thread, a moment after the door opened.
    records = wait_for(lambda: (r := http(vtod.http_port, "GET", "/api/v1/records/unlocks")[1])["records"]
                       and "ops" in r["records"][0]["credential"] and r, "the unlock recorded")
    assert "ops" in records["records"][0]["credential"] and "port 5000" in records["records"][0]["credential"]
    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    vth.event("incoming_call")
    assert http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["panel"]["state"] == "calling"
    assert c.call("console.runCmd", {"command": "hc"})["result"] is True
    wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["panel"]["state"] == "idle",
             "the call hung up")
    c.close()


def test_strangers_bytes_limits_and_the_switch(vtod):
    # Not DHIP: closed.
    s = socket.create_connection(("127.0.0.1", vtod.dhip_port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"x" * 40)
    assert s.recv(100) == b""
    # Before a login nothing but the login is answered.
    c = Dhip(vtod.dhip_port)
    reply = c.call("magicBox.getSystemInfo")
    assert reply["result"] is False and "serialNumber" not in json.dumps(reply)
    c.close()
    # Four connections from one address at most.
    held = [Dhip(vtod.dhip_port) for _ in range(4)]
    for h in held:
        assert h.call("global.login", {})["error"]["code"] == 268632079
    extra = socket.create_connection(("127.0.0.1", vtod.dhip_port), timeout=5)
    assert extra.recv(100) == b""
    for h in held:
        h.close()
    # Switched off: nobody listens any more.
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/integrations", {"port5000": False})
    assert status == 200 and body["port5000"] is False, body
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", vtod.dhip_port), timeout=5)
