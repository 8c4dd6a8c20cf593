"""Access control end to end through vtod's API and its simulated readers and keypad: each
unlock method opens the lock and leaves its record; refused cards say why; the keypad locks
after too many wrong passwords; the duress password opens as usual; cards go out and come
back as CSV; the lock settings (relay type, unlock time, interval) hold at once."""
import threading
import time

import pytest

from harness import Vtod, http, http_raw, vtoctl
from harness import wait_for as wait_until
from harness import sim_state as state, wait_sim_state

LAYOUT = {"modules": [{"kind": "buttons", "buttons": 2}, {"kind": "keypad"}, {"kind": "display"},
                      {"kind": "card_reader"}, {"kind": "fingerprint"}],
          "buttons": ["101", "102"]}


@pytest.fixture
def vtod(tmp_path, processes):
    data = str(tmp_path / "data")
    for room in ("101", "102"):
        vtoctl(data, "room", "add", room, "--password", "Room-pass1")
    d = Vtod(data, extra=("--unlock-hold", "1"))
    processes.append(d)
    status, body = http(d.http_port, "PUT", "/api/v1/facade", LAYOUT)
    assert status == 200, body
    return d


def wait_for(vtod, predicate, what, timeout=5):
    return wait_sim_state(vtod, predicate, timeout=timeout, what=what)


def display(vtod):
    return state(vtod)["display"]["lines"]


def wait_closed(vtod):
    wait_for(vtod, lambda s: not s["lock"]["open"], "lock closed again")


def keys(vtod, text):
    for k in text:
        status, body = http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": k})
        assert status == 200, body


def card(vtod, number):
    status, body = http(vtod.http_port, "POST", "/api/v1/sim/card", {"number": number})
    assert status == 200, body


def finger(vtod, name):
    status, body = http(vtod.http_port, "POST", "/api/v1/sim/finger", {"finger": name})
    assert status == 200, body


def unlocks(vtod, query=""):
    status, body = http(vtod.http_port, "GET", "/api/v1/records/unlocks?order=oldest" + query)
    assert status == 200, body
    return body


def test_each_unlock_method_opens_and_is_recorded(vtod):
    port = vtod.http_port
    # A card of room 101.
    status, body = http(port, "POST", "/api/v1/access/cards",
                        {"number": "1a2b3c4d", "room": "101", "person": "Anna Berg"})
    assert status == 201 and body["number"] == "1A2B3C4D", body
    card(vtod, "1A2B3C4D")
    assert display(vtod) == ["Door open"]
    assert state(vtod)["lock"]["open"]
    wait_closed(vtod)

    # The public password on the keypad: '#' + password + '#'.
    status, body = http(port, "PUT", "/api/v1/access/passwords/public", {"password": "123456"})
    assert status == 200, body
    keys(vtod, "#1234")
    assert display(vtod) == ["Password: ****"]
    keys(vtod, "56#")
    wait_for(vtod, lambda s: s["lock"]["open"], "the password to open the lock")
    wait_closed(vtod)

    # A fingerprint enrolled through the module: the next finger laid on it.
    enrolled = {}

    def enrol():
        enrolled["answer"] = http(port, "POST", "/api/v1/access/fingerprints",
                                  {"room": "101", "person": "Anna Berg", "finger": "right index"})

    t = threading.Thread(target=enrol)
    t.start()
    time.sleep(0.3)
    finger(vtod, "Anna, right index")
    t.join(10)
    status, body = enrolled["answer"]
    assert status == 201 and body["finger"] == "right index", body
    # Listed by the label of its record; laid by that label or by the name it was laid with.
    assert state(vtod)["fingers"] == [f"print {body['id']}: Anna Berg, room 101, right index"]
    assert not state(vtod)["lock"]["open"]  # enrolling does not open
    finger(vtod, "Anna, right index")
    assert display(vtod) == ["Door open"]
    wait_closed(vtod)

    # The exit button inside, and the API.
    keys_status, _ = http(port, "POST", "/api/v1/sim/press", {"key": "exit"})
    assert keys_status == 200
    wait_closed(vtod)
    status, body = http(port, "POST", "/api/v1/door/unlock", {})
    assert status == 200 and body["opened"], body
    wait_closed(vtod)

    records = unlocks(vtod)["records"]
    assert [(r["method"], r["result"]) for r in records] == [
        ("card", "granted"), ("password", "granted"), ("fingerprint", "granted"),
        ("exit_button", "granted"), ("remote", "granted")]
    assert records[0]["credential"] == "****3C4D" and records[0]["person"] == "Anna Berg"
    assert records[0]["room"] == "101"
    assert records[1]["credential"] == "public password"
    assert records[2]["credential"] == "right index"
    assert records[4]["credential"] == "token:system-test"


def test_refused_cards_say_why(vtod):
    port = vtod.http_port
    now_ms = int(time.time() * 1000)
    for number, extra in (("AAAA", {"status": "frozen"}), ("BBBB", {"status": "lost"}),
                          ("CCCC", {"valid_to_ms": now_ms - 60000}),
                          ("DDDD", {"valid_from_ms": now_ms + 3600000})):
        status, body = http(port, "POST", "/api/v1/access/cards", {"number": number, "room": "102", **extra})
        assert status == 201, body
    shown = []
    for number in ("AAAA", "BBBB", "CCCC", "DDDD", "EEEE"):
        card(vtod, number)
        shown.append(display(vtod)[0])
    assert shown == ["Card frozen", "Card not valid", "Card expired", "Card not valid yet",
                     "Card not valid"]
    assert not state(vtod)["lock"]["open"]
    # Records are written by their own thread, a moment after the panel shows the refusal.
    refused = wait_until(lambda: (r := unlocks(vtod, "&result=refused"))["total"] >= 5 and r,
                         "the 5 refusals recorded")
    assert refused["total"] == 5
    assert [r["reason"] for r in refused["records"]] == [
        "card frozen", "card lost", "card expired", "card not valid yet", "unknown card"]
    assert unlocks(vtod, "&room=102&result=refused")["total"] == 4


def test_wrong_passwords_lock_the_keypad_and_duress_opens(vtod):
    port = vtod.http_port
    assert http(port, "PUT", "/api/v1/access/passwords/public", {"password": "2468"})[0] == 200
    assert http(port, "PUT", "/api/v1/access/passwords/duress", {"password": "9110"})[0] == 200
    status, body = http(port, "PUT", "/api/v1/access/passwords/rooms/101", {"password": "2468"})
    assert status == 409 and "already used" in body["error"], body
    status, body = http(port, "PUT", "/api/v1/access/passwords/rooms/101", {"password": "12a4"})
    assert status == 400 and body["field"] == "password", body

    keys(vtod, "#9110#")
    wait_for(vtod, lambda s: s["display"]["lines"] == ["Door open"], "duress to open")
    wait_closed(vtod)
    for i in range(5):
        keys(vtod, "#0000#")
        want = "Keypad locked" if i == 4 else "Wrong password"
        wait_for(vtod, lambda s: s["display"]["lines"] == [want], want)
        keys(vtod, "1")  # any key clears the message
        keys(vtod, "*")
    keys(vtod, "#2468#")
    wait_for(vtod, lambda s: s["display"]["lines"] == ["Keypad locked"], "the lock-out")
    assert not state(vtod)["lock"]["open"]
    lock = http(port, "GET", "/api/v1/access/lock")[1]
    assert 50 <= lock["keypad_locked_seconds"] <= 60
    records = wait_until(lambda: len(r := unlocks(vtod, "&method=password")["records"]) >= 7 and r,
                         "the keypad's 7 attempts recorded")
    assert records[0]["credential"] == "duress password" and records[0]["result"] == "granted"
    assert records[5]["reason"] == "wrong password; keypad locked"
    assert records[6]["reason"] == "keypad locked"
    status, body = http(port, "GET", "/api/v1/access/passwords")
    assert body["public"] and body["duress"] and body["rooms"] == [], body
    assert "2468" not in str(body)


def test_cards_round_trip_as_csv_and_are_read_from_the_reader(vtod):
    port = vtod.http_port
    csv = ("number,room,person,valid_from,valid_to,status\r\n"
           "00AA,101,\"Berg, Anna\",2026-01-01,2030-12-31,normal\r\n"
           "00BB,102,,,,frozen\r\n"
           "00CC,,Guard,,,lost\r\n")
    status, _, body = http_raw(port, "POST", "/api/v1/access/cards.csv", csv.encode(),
                               headers={"Content-Type": "text/csv"})
    assert status == 200 and body["imported"] == 3, body
    status, _, exported = http_raw(port, "GET", "/api/v1/access/cards.csv", raw=True)
    assert status == 200
    assert exported.splitlines()[1] == (
        "00AA,101,\"Berg, Anna\",2026-01-01T00:00:00.000Z,2030-12-31T23:59:59.999Z,normal")
    status, _, body = http_raw(port, "POST", "/api/v1/access/cards.csv", exported.encode(),
                               headers={"Content-Type": "text/csv"})
    assert status == 200 and body["imported"] == 3
    assert http(port, "GET", "/api/v1/access/cards?status=frozen")[1]["total"] == 1

    # A bad line names itself, and nothing of that file is added.
    status, _, body = http_raw(port, "POST", "/api/v1/access/cards.csv",
                               b"number,room\r\n00DD,101\r\n00EE,999\r\n",
                               headers={"Content-Type": "text/csv"})
    assert status == 400 and body["error"] == "line 3: room: room 999 does not exist", body
    assert http(port, "GET", "/api/v1/access/cards")[1]["total"] == 3

    # The next card held to the reader is read, not used.
    got = {}
    t = threading.Thread(target=lambda: got.update(
        answer=http(port, "POST", "/api/v1/access/cards/read", {})))
    t.start()
    time.sleep(0.3)
    card(vtod, "0123abcd")
    t.join(10)
    assert got["answer"] == (200, {"number": "0123ABCD"})
    assert display(vtod) == ["Card read"]
    assert not state(vtod)["lock"]["open"]


def test_lock_settings_hold_at_once(vtod):
    port = vtod.http_port
    settings = {"relay": "normally_closed", "unlock_seconds": 2, "interval_seconds": 10,
                "door_sensor": True, "held_open_seconds": 60, "keypad_max_failures": 5,
                "keypad_lock_seconds": 60}
    status, body = http(port, "PUT", "/api/v1/access/lock", settings)
    assert status == 200 and body["relay"] == "normally_closed", body
    s = state(vtod)
    assert s["lock"] == {"open": False, "line": True}  # NC: the line holds the door locked
    status, body = http(port, "POST", "/api/v1/door/unlock", {})
    assert status == 200
    s = state(vtod)
    assert s["lock"] == {"open": True, "line": False}
    time.sleep(1.2)
    assert state(vtod)["lock"]["open"]  # 2 s now, not the 1 s of --unlock-hold
    wait_closed(vtod)
    status, body = http(port, "POST", "/api/v1/door/unlock", {})
    assert status == 409 and body["text"] == "Please wait", body
    bad = dict(settings, unlock_seconds=0)
    status, body = http(port, "PUT", "/api/v1/access/lock", bad)
    assert status == 400 and body["field"] == "unlock_seconds", body
    assert http(port, "GET", "/api/v1/access/lock")[1]["unlock_seconds"] == 2
