"""Alarms end to end: each alarm of the door station reaches the management centre (a vth
registered as 888888) as a SIP MESSAGE with a JSON body, is recorded, and is pushed on the
WebSocket event stream; the duress password opens the door with nothing shown at the door;
the tamper switch sounds the alarm tone for 15 s; an alarm the centre did not take is sent
again after vtod was killed and restarted."""
import base64
import json
import os
import signal
import socket
import ssl
import struct
import time

import pytest

from harness import Vth, Vtod, http, vtoctl

CENTRE_PASSWORD = "Centre-pass1"
LAYOUT = {"modules": [{"kind": "buttons", "buttons": 1}, {"kind": "keypad"}, {"kind": "display"}],
          "buttons": ["101"]}


def make_data(tmp_path):
    data = str(tmp_path / "data")
    vtoctl(data, "room", "add", "101", "--password", "Room-pass1")
    vtoctl(data, "centre", "set", "--password", CENTRE_PASSWORD)
    return data


def start_vtod(data, processes):
    d = Vtod(data, extra=("--unlock-hold", "1"))
    processes.append(d)
    status, body = http(d.http_port, "PUT", "/api/v1/facade", LAYOUT)
    assert status == 200, body
    return d


def start_centre(vtod, processes):
    centre = Vth(vtod.sip, "888888", CENTRE_PASSWORD)
    processes.append(centre)
    centre.event("registered")
    return centre


def alarm_message(centre, alarm_type, timeout=10):
    e = centre.event("message", timeout=timeout)
    assert e["content_type"] == "application/json", e
    body = json.loads(e["body"])
    assert body["type"] == alarm_type, body
    return body


def post(vtod, path, body):
    status, answer = http(vtod.http_port, "POST", path, body)
    assert status == 200, answer
    return answer


def state(vtod):
    return http(vtod.http_port, "GET", "/api/v1/sim/state")[1]


def wait_for(predicate, what, timeout=8):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"no {what} within {timeout}s"
        time.sleep(0.05)


def alarms(vtod, query=""):
    status, body = http(vtod.http_port, "GET", "/api/v1/records/alarms?order=oldest" + query)
    assert status == 200, body
    return body


class EventSocket:
    """A minimal WebSocket client (RFC 6455) for /api/v1/events: text frames only."""

    def __init__(self, vtod):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", vtod.http_port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\nAuthorization: Bearer {vtod.token}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.buffer = b""

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(4096)
            assert chunk, "the event stream closed"
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def next(self):
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack(">H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self._read(8))[0]
        payload = self._read(length)
        assert first & 0x0F == 1, f"not a text frame: {first:#x}"
        return json.loads(payload)

    def close(self):
        self.sock.close()


@pytest.fixture
def vtod(tmp_path, processes):
    return start_vtod(make_data(tmp_path), processes)


def test_duress_opens_silently_and_alarms_the_centre(vtod, processes):
    centre = start_centre(vtod, processes)
    events = EventSocket(vtod)
    assert events.next() == {"event": "hello"}
    assert http(vtod.http_port, "PUT", "/api/v1/access/passwords/duress",
                {"password": "9110"})[0] == 200
    for k in "#9110#":
        post(vtod, "/api/v1/sim/press", {"key": k})
    wait_for(lambda: state(vtod)["lock"]["open"], "the door to open")
    assert state(vtod)["display"]["lines"] == ["Door open"]  # nothing at the door says more
    body = alarm_message(centre, "duress")
    assert body["device"] == "8001" and body["source"] == "keypad"
    assert body["time"].endswith("Z") and body["time_ms"] > 0
    raised = events.next()
    assert raised["event"] == "alarm" and raised["type"] == "duress" and raised["state"] == "raised"
    assert events.next()["state"] == "delivered"
    events.close()
    wait_for(lambda: alarms(vtod, "&delivered=yes")["total"] == 1, "the delivery to be recorded")
    record = alarms(vtod)["records"][0]
    assert record["type"] == "duress" and record["delivered_ms"] >= record["started_ms"]


def test_door_alarms_forced_and_held_open(vtod, processes):
    centre = start_centre(vtod, processes)
    settings = http(vtod.http_port, "GET", "/api/v1/access/lock")[1]
    settings = {k: settings[k] for k in ("relay", "unlock_seconds", "interval_seconds",
                                         "door_sensor", "keypad_max_failures",
                                         "keypad_lock_seconds")}
    settings["held_open_seconds"] = 5
    assert http(vtod.http_port, "PUT", "/api/v1/access/lock", settings)[0] == 200
    post(vtod, "/api/v1/sim/door", {"open": True})  # no unlock: forced
    assert alarm_message(centre, "forced_open")["source"] == "door sensor"
    held = alarm_message(centre, "held_open", timeout=10)
    assert held["ended_ms"] == 0
    post(vtod, "/api/v1/sim/door", {"open": False})
    wait_for(lambda: alarms(vtod, "&type=held_open")["records"][0]["ended_ms"] > 0,
             "the held-open alarm to end")
    # Opened after an unlock: no alarm.
    post(vtod, "/api/v1/door/unlock", {})
    post(vtod, "/api/v1/sim/door", {"open": True})
    post(vtod, "/api/v1/sim/door", {"open": False})
    time.sleep(0.5)
    assert alarms(vtod)["total"] == 2


def test_tamper_sounds_the_alarm_tone_for_15_seconds(vtod, processes):
    centre = start_centre(vtod, processes)
    detached_at = time.monotonic()
    post(vtod, "/api/v1/sim/tamper", {"detached": True})
    assert alarm_message(centre, "tamper")["source"] == "tamper switch"
    assert state(vtod)["tone"]["playing"] == "alarm"
    post(vtod, "/api/v1/sim/press", {"key": "1"})  # a key click does not silence it
    time.sleep(max(0, 13.5 - (time.monotonic() - detached_at)))
    assert state(vtod)["tone"]["playing"] == "alarm"
    wait_for(lambda: state(vtod)["tone"]["playing"] == "", "the alarm tone to stop", timeout=4)
    assert time.monotonic() - detached_at >= 14.5
    post(vtod, "/api/v1/sim/tamper", {"detached": False})
    wait_for(lambda: alarms(vtod)["records"][0]["ended_ms"] > 0, "the tamper alarm to end")


def test_keypad_lock_out_alarms_the_centre(vtod, processes):
    centre = start_centre(vtod, processes)
    assert http(vtod.http_port, "PUT", "/api/v1/access/passwords/public",
                {"password": "2468"})[0] == 200
    for _ in range(5):
        for k in "#1111#":
            post(vtod, "/api/v1/sim/press", {"key": k})
        time.sleep(0.1)
    body = alarm_message(centre, "keypad_locked")
    assert "5 wrong passwords" in body["details"]


def test_an_undelivered_alarm_is_sent_after_a_restart(tmp_path, processes):
    data = make_data(tmp_path)
    vtod = start_vtod(data, processes)
    post(vtod, "/api/v1/sim/door", {"open": True})  # forced open; nobody is 888888 yet
    wait_for(lambda: alarms(vtod)["total"] == 1, "the alarm record")
    time.sleep(0.5)
    assert alarms(vtod, "&delivered=no")["total"] == 1
    vtod.stop(sig=signal.SIGKILL)
    processes.remove(vtod)

    vtod = Vtod(data, extra=("--unlock-hold", "1"))
    processes.append(vtod)
    centre = Vth(vtod.sip, "888888", CENTRE_PASSWORD)
    processes.append(centre)
    centre.event("registered")
    # Sent again with back-off: within a minute of the restart at the latest.
    body = alarm_message(centre, "forced_open", timeout=65)
    assert body["alarm"] == alarms(vtod)["records"][0]["id"]
    wait_for(lambda: alarms(vtod, "&delivered=yes")["total"] == 1, "the delivery")


def test_the_centre_account_is_set_through_the_api(vtod):
    status, body = http(vtod.http_port, "GET", "/api/v1/centre")
    assert status == 200 and body["password_set"] and body["online"] == [], body
    status, body = http(vtod.http_port, "PUT", "/api/v1/centre", {"password": "short"})
    assert status == 400, body
    status, body = http(vtod.http_port, "PUT", "/api/v1/centre", {"password": "Other-pass2"})
    assert status == 200 and body["password_set"], body
    status, body = http(vtod.http_port, "GET", "/api/v1/records/alarms?type=flood")
    assert status == 400 and body["field"] == "type", body


def test_how_many_records_are_kept_is_a_setting(vtod):
    status, body = http(vtod.http_port, "GET", "/api/v1/records/settings")
    assert body == {"calls": 100000, "unlocks": 100000, "alarms": 100000}
    status, body = http(vtod.http_port, "PUT", "/api/v1/records/settings",
                        {"calls": 1000, "unlocks": 5000, "alarms": 999})
    assert status == 400 and body["field"] == "alarms", body
    status, body = http(vtod.http_port, "PUT", "/api/v1/records/settings",
                        {"calls": 1000, "unlocks": 5000, "alarms": 2000})
    assert status == 200 and body["alarms"] == 2000, body
    assert http(vtod.http_port, "GET", "/api/v1/records/settings")[1]["unlocks"] == 5000
