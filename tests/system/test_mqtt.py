"""The door on a real Mosquitto broker, as Home Assistant and other MQTT consumers see it:
discovery configs HA accepts (checked against the keys of HA's own schemas), a doorbell
event per button press with the visitor's picture, tamper as a binary sensor, the lock
opened by an MQTT command only once that is switched on (and audited), retained commands
never obeyed, events kept while the broker is away and sent in order with their own time
(a stale ring is not fired at HA), and the will saying offline when vtod is killed."""
import json
import os
import signal
import sqlite3
import time

import pytest

from harness import Vtod, http, jpeg_size, vtoctl, wait_for
from mqtt_peers import (DOOR_PASSWORD, DOOR_USER, Broker, Subscriber, check_discovery, ha_rules,
                        make_ca_and_server_cert)

LAYOUT = {"modules": [{"kind": "buttons", "buttons": 2}, {"kind": "keypad"}, {"kind": "display"}],
          "buttons": ["101", "102"]}


@pytest.fixture
def broker(tmp_path):
    b = Broker(str(tmp_path / "broker"))
    yield b
    b.stop()


@pytest.fixture
def subscribers():
    started = []
    yield started
    for s in started:
        s.stop()


def start_door(tmp_path, broker, processes, extra=()):
    data = str(tmp_path / "data")
    for room in ("101", "102"):
        vtoctl(data, "room", "add", room, "--password", "Room-pass-1", check=False)
    d = Vtod(data, extra=("--mqtt", broker.url(), "--unlock-hold", "1", *extra))
    processes.append(d)
    status, body = http(d.http_port, "PUT", "/api/v1/facade", LAYOUT)
    assert status == 200, body
    return d


def base_of(vtod):
    status, body = http(vtod.http_port, "GET", "/api/v1/settings/mqtt")
    assert status == 200, body
    return body["status"]["topic"]


def audit(vtod, action):
    return http(vtod.http_port, "GET", f"/api/v1/audit?action={action}&limit=100")[1]["entries"]


def test_home_assistant_sees_the_door_rings_tamper_and_opens_it(tmp_path, broker, processes,
                                                                 subscribers):
    vtod = start_door(tmp_path, broker, processes)
    ha = Subscriber(broker)
    subscribers.append(ha)
    base = wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]["connected"]
                    and base_of(vtod), "vtod connected to the broker")
    assert base.startswith("openvto/ov"), base
    ha.on(f"{base}/availability", payload=b"online")

    # The settings page never shows the password; a wrong field is refused by name.
    status, page = http(vtod.http_port, "GET", "/api/v1/settings/mqtt")
    assert page["password_set"] is True and "password" not in page
    assert page["host"] == "127.0.0.1" and page["port"] == broker.port and page["unlock"] is False
    status, refused = http(vtod.http_port, "PUT", "/api/v1/settings/mqtt", {"qos": 5})
    assert status == 400 and "qos" in json.dumps(refused), refused

    # Discovery: every component, each config one HA 2025.1.4 takes whole.
    rules = ha_rules()
    wanted = {"event", "button", "binary_sensor", "image", "sensor", "device_automation"}
    wait_for(lambda: wanted <= {t.split("/")[1] for t, p, r, _ in ha.messages
                                if t.startswith("homeassistant/") and p}, "discovery configs")
    configs = {}
    for t, p, r, _ in ha.messages:
        if t.startswith("homeassistant/") and t.endswith("/config") and p:
            assert r, f"{t} is not retained"
            component, config = check_discovery(t, p, rules)
            configs[t] = (component, config)
    kinds = sorted(c for c, _ in configs.values())
    assert kinds == ["binary_sensor", "binary_sensor", "binary_sensor", "button", "device_automation",
                     "event", "image", "sensor"], kinds  # no lock: unlock over MQTT is off
    event = next(c for k, c in configs.values() if k == "event")
    assert event["device_class"] == "doorbell" and event["state_topic"] == f"{base}/ring"
    tamper = next(c for k, c in configs.values() if c.get("device_class") == "tamper")
    trigger = next(c for k, c in configs.values() if k == "device_automation")
    assert trigger["topic"] == f"{base}/ring" and trigger["type"] == "doorbell_pressed"

    # A button press: the doorbell event (not retained), the raw event, the picture.
    mark = len(ha.messages)
    before_ms = time.time() * 1000
    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button2"})
    _, (_, ring, retained) = ha.on(f"{base}/ring", start=mark)
    ring = json.loads(ring)
    assert not retained
    assert ring["event_type"] == "ring_102" and ring["room"] == "102" and ring["button"] == 2, ring
    assert event["event_types"] == ["ring", "ring_101", "ring_102"], event
    _, (_, raw, _) = ha.on(f"{base}/event/call_started", start=mark)
    raw = json.loads(raw)
    assert raw["room"] == "102" and raw["device"] == "8001" and raw["time_ms"] >= before_ms - 1000
    _, (_, picture, _) = ha.on(f"{base}/snapshot", start=mark)
    assert jpeg_size(picture) == (640, 480)
    # Retained: HA started later still shows the last visitor.
    late = Subscriber(broker, topics=(f"{base}/snapshot",))
    subscribers.append(late)
    _, (_, kept, retained) = late.on(f"{base}/snapshot")
    assert retained and kept == picture
    ha.on(f"{base}/state/last_room", start=mark, payload=b"102")
    ha.on(f"{base}/state/call", start=mark, payload=b"ON")

    # Tamper: the binary sensor turns on.
    mark = len(ha.messages)
    http(vtod.http_port, "POST", "/api/v1/sim/tamper", {"detached": True})
    ha.on(tamper["state_topic"], start=mark, payload=b"ON")
    ha.on(f"{base}/event/alarm_started", start=mark)

    # Unlock over MQTT is off: the command is refused and audited, the lock stays.
    mark = len(ha.messages)
    ha.publish(f"{base}/command/unlock", "PRESS")
    wait_for(lambda: audit(vtod, "mqtt_refused"), "the refusal in the audit log")
    assert "off" in audit(vtod, "mqtt_refused")[0]["detail"]
    time.sleep(0.5)
    assert not [t for t, p, r, _ in ha.messages[mark:] if t == f"{base}/state/lock" and p != b"LOCKED"]

    # Switched on (the broker is on this host): HA gets a lock that can open, and opens it.
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/mqtt", {"unlock": True})
    assert status == 200 and page["unlock"] is True, page
    _, (lock_topic, lock_config, _) = ha.wait(
        lambda t, p, r: t.startswith("homeassistant/lock/") and p, "the lock's config")
    _, lock = check_discovery(lock_topic, lock_config, rules)
    assert lock["payload_open"] == "OPEN" and lock["state_topic"] == f"{base}/state/lock"
    ha.on(f"{base}/availability", payload=b"online", start=mark)
    mark = len(ha.messages)
    ha.publish(lock["command_topic"], "UNLOCK")
    ha.on(f"{base}/state/lock", start=mark, payload=b"UNLOCKED")
    ha.on(f"{base}/state/lock", start=mark, payload=b"LOCKED", timeout=5)  # relocked by itself
    _, (_, unlock, _) = ha.on(f"{base}/event/unlock", start=mark)
    unlock = json.loads(unlock)
    assert unlock["result"] == "granted" and "MQTT" in unlock["credential"] + unlock["method"] + unlock["person"], unlock
    opened = audit(vtod, "door_opened")
    assert opened and "client openvto-" in opened[0]["detail"] and opened[0]["user"] == "mqtt", opened

    # Home Assistant restarting says online: everything is published again.
    mark = len(ha.messages)
    ha.publish("homeassistant/status", "online", qos=0)
    ha.on(lock_topic, start=mark)
    ha.on(next(t for t, (k, _) in configs.items() if k == "event"), start=mark)


def test_events_wait_for_the_broker_and_the_will_says_offline(tmp_path, broker, processes,
                                                               subscribers):
    vtod = start_door(tmp_path, broker, processes)
    base = wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]["connected"]
                    and base_of(vtod), "vtod connected to the broker")
    # A consumer with a session the broker keeps (QoS 1): it misses nothing while away.
    sub = Subscriber(broker, topics=(f"{base}/#",), client_id="archive", clean_session=False)
    subscribers.append(sub)

    broker.stop()
    wait_for(lambda: not http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]["connected"],
             "vtod to see the broker gone")
    pressed_ms = time.time() * 1000
    for key in ("button1", "button2", "button1"):
        http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": key})
        time.sleep(0.3)
    status = wait_for(lambda: (s := http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"])
                      ["queued"] >= 6 and s, "events queued")
    assert not status["connected"] and status["error"], status

    broker.start()
    back_ms = time.time() * 1000
    rooms = []
    for _ in range(3):
        _, (_, raw, _) = sub.wait(lambda t, p, r: t == f"{base}/event/call_started"
                                  and json.loads(p)["id"] not in [x["id"] for x in rooms],
                                  "a queued call_started", timeout=40)
        rooms.append(json.loads(raw))
    assert [r["room"] for r in rooms] == ["101", "102", "101"], rooms
    assert all(pressed_ms - 1000 <= r["time_ms"] < back_ms for r in rooms), rooms  # their own time
    ids = [r["id"] for r in rooms]
    assert ids == sorted(ids)
    wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]["queued"] == 0,
             "the outbox emptied")

    # Killed: the broker publishes the will.
    mark = len(sub.messages)
    vtod.proc.send_signal(signal.SIGKILL)
    sub.on(f"{base}/availability", payload=b"offline", start=mark)


def test_after_a_restart_saved_events_go_a_stale_ring_does_not_and_retained_commands_are_ignored(
        tmp_path, broker, processes, subscribers):
    vtod = start_door(tmp_path, broker, processes)
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/mqtt", {"unlock": True})
    assert status == 200, page
    base = wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]["connected"]
                    and base_of(vtod), "vtod connected to the broker")
    vtod.stop()
    # What a run stopped with the broker away left in its outbox: a ring a minute old and
    # its raw event.
    old_ms = int(time.time() * 1000) - 60_000
    db = sqlite3.connect(os.path.join(vtod.data_dir, "openvto.db"))
    db.execute("INSERT INTO mqtt_outbox (id, at_ms, topic, payload, ring) VALUES (?, ?, ?, ?, 0)",
               (1000, old_ms, f"{base}/event/call_started",
                json.dumps({"event": "call_started", "time_ms": old_ms, "room": "101", "id": 1000})))
    db.execute("INSERT INTO mqtt_outbox (id, at_ms, topic, payload, ring) VALUES (?, ?, ?, ?, 1)",
               (1001, old_ms, f"{base}/ring",
                json.dumps({"event_type": "ring", "room": "101", "id": 1001})))
    db.commit()
    db.close()
    ha = Subscriber(broker)
    subscribers.append(ha)
    # Someone left an UNLOCK retained on the command topic: it must not open the door when
    # vtod subscribes.
    ha.publish(f"{base}/command/lock", "UNLOCK", retain=True)
    vtod2 = Vtod(vtod.data_dir, extra=("--unlock-hold", "1"))
    processes.append(vtod2)
    _, (_, raw, _) = ha.wait(lambda t, p, r: t == f"{base}/event/call_started" and json.loads(p)["id"] == 1000,
                             "the saved event")
    assert json.loads(raw)["time_ms"] == old_ms
    wait_for(lambda: any("retained" in e["detail"] for e in audit(vtod2, "mqtt_refused")),
             "the retained command refused")
    time.sleep(1)
    assert not [p for t, p, r, _ in ha.messages if t == f"{base}/ring"], "a stale ring was fired"
    assert not [p for t, p, r, _ in ha.messages if t == f"{base}/state/lock" and p == b"UNLOCKED"]
    status = http(vtod2.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]
    assert status["stale_rings"] == 1 and status["queued"] == 0, status
    ha.publish(f"{base}/command/lock", "", retain=True)  # cleared


def mqtt_status(vtod):
    return http(vtod.http_port, "GET", "/api/v1/settings/mqtt")[1]["status"]


def test_tls_broker_is_verified_and_a_wrong_password_or_ca_is_refused(tmp_path, processes,
                                                                       subscribers):
    broker = Broker(str(tmp_path / "broker"), tls=True)
    try:
        vtod = Vtod(str(tmp_path / "data"))
        processes.append(vtod)
        ha = Subscriber(broker)
        subscribers.append(ha)
        # A wrong password: the broker says no, the page says why.
        status, page = http(vtod.http_port, "PUT", "/api/v1/settings/mqtt",
                            {"enabled": True, "host": "127.0.0.1", "port": broker.port,
                             "username": DOOR_USER, "password": "not-the-password"})
        assert status == 200 and page["enabled"], page
        wait_for(lambda: "authori" in mqtt_status(vtod)["error"].lower(), "the broker's refusal")
        # TLS with a CA that did not sign the broker's certificate: refused by vtod.
        other_ca, _, _ = make_ca_and_server_cert(str(tmp_path), "other")
        status, page = http(vtod.http_port, "PUT", "/api/v1/settings/mqtt",
                            {"port": broker.tls_port, "tls": True, "password": DOOR_PASSWORD,
                             "ca_pem": open(other_ca).read()})
        assert status == 200, page
        wait_for(lambda: "certificate verify failed" in mqtt_status(vtod)["error"],
                 "the certificate refused")
        time.sleep(1)
        assert not mqtt_status(vtod)["connected"]
        assert not [t for t, p, r, _ in ha.messages if t.startswith("openvto/")]
        # The broker's own CA: connected over TLS, and a ring goes through.
        status, page = http(vtod.http_port, "PUT", "/api/v1/settings/mqtt", {"ca_pem": broker.ca_pem})
        assert status == 200, page
        wait_for(lambda: mqtt_status(vtod)["connected"], "connected over TLS")
        base = mqtt_status(vtod)["topic"]
        ha.on(f"{base}/availability", payload=b"online")
        http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
        _, (_, ring, _) = ha.on(f"{base}/ring")
        assert json.loads(ring)["room"] == "101"
    finally:
        broker.stop()
