"""Monitor > Door from an indoor monitor: vth lists the building's doors (asked
of the SIP server), calls one, and the door answers by itself with video and audio. The door's
speaker stays silent until the resident talks (the talk key), the unlock code opens the lock,
the session ends after the monitor time, and monitors count in the six video streams."""
import time

import pytest

from harness import Vtod, http, vtoctl, wait_for
from harness import sim_state as state, wait_sim_state as wait_state

PASSWORD = "Room-pass1"
UNLOCK = "1234"
HEARD_DB = -30


@pytest.fixture
def vtod(tmp_path, processes):
    data = str(tmp_path / "data")
    for room in ("101", "102"):
        vtoctl(data, "room", "add", room, "--password", PASSWORD)
    d = Vtod(data, extra=("--button", "101", "--unlock-code", UNLOCK, "--unlock-hold", "2"))
    processes.append(d)
    return d


def wait_media(vth, predicate, timeout=8):
    deadline = time.monotonic() + timeout
    while True:
        media = vth.event("media", timeout=max(0.5, deadline - time.monotonic()))
        if predicate(media):
            return media
        assert time.monotonic() < deadline, media


def test_a_monitor_lists_the_doors_watches_talks_and_opens(vtod, start_vth):
    vtoctl(vtod.data_dir, "vto", "add", "8002", "--password", "Vto-pass12")
    resident = start_vth("101#0", PASSWORD)
    resident.event("registered")

    resident.send("doors")
    doors = resident.event("doors")
    assert doors["status"] == 200, doors
    numbers = {d["number"]: d for d in doors["doors"]}
    assert numbers["8001"]["online"] and numbers["8001"].get("this"), doors
    assert not numbers["8002"]["online"]

    resident.send("monitor 8001")
    resident.event("answered", timeout=5)
    # The door shows its camera and the monitor hears the door's microphone at once...
    media = wait_media(resident, lambda m: m["video_frames"] >= 10 and
                       m.get("audio_level_db", -127) > HEARD_DB)
    assert (media["video_width"], media["video_height"]) == (640, 480)
    # ...but the door's speaker plays nothing of the monitor until the resident talks.
    time.sleep(1)
    s = state(vtod)
    assert s["audio"] and s["audio"][0]["packets_received"] > 0, s["audio"]
    assert s["audio"][0]["level_db"] < -60, s["audio"]
    status, live = http(vtod.http_port, "GET", "/api/v1/live/status")
    assert live["streams"]["monitors"] == 1, live

    resident.send("talk")
    wait_state(vtod, lambda s: s["audio"] and s["audio"][0]["level_db"] > HEARD_DB, timeout=4,
               what="the resident heard at the door")

    # The unlock code opens the door, as in a call.
    resident.send(f"dtmf {UNLOCK}")
    wait_state(vtod, lambda s: s["lock"]["open"], what="lock open")
    # The record is written by its own thread, a moment after the lock opened.
    wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/records/unlocks?method=monitor")[1]["total"] >= 1,
             "the unlock recorded")

    resident.send("hangup")
    resident.event("bye")
    wait_state(vtod, lambda s: not s["audio"], what="the session's audio released")
    status, live = http(vtod.http_port, "GET", "/api/v1/live/status")
    assert live["streams"]["in_use"] == 0, live


def test_a_monitor_session_ends_after_the_monitor_time(vtod, start_vth):
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/live", {"monitor_seconds": 10})
    assert status == 200, body
    resident = start_vth("102#0", PASSWORD)
    resident.event("registered")
    started = time.monotonic()
    resident.send("monitor 8001")
    resident.event("answered", timeout=5)
    resident.event("bye", timeout=15)
    took = time.monotonic() - started
    assert 9 < took < 12, took


def test_the_seventh_monitor_is_busy_and_a_visitor_still_gets_through(vtod, start_vth):
    monitors = []
    for i in range(7):
        m = start_vth(f"102#{i}", PASSWORD)
        m.event("registered")
        monitors.append(m)
    for m in monitors[:6]:
        m.send("monitor 8001")
        m.event("answered", timeout=5)
    monitors[6].send("monitor 8001")
    assert monitors[6].event("rejected", timeout=5)["status"] == 486
    for m in monitors[:6]:
        wait_media(m, lambda media: media["video_frames"] >= 5)

    # A visitor calls flat 101: its monitor gets the video; the oldest session makes room.
    resident = start_vth("101#0", PASSWORD)
    resident.event("registered")
    status, body = http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    assert status == 200, body
    resident.event("incoming_call")
    resident.send("answer")
    wait_media(resident, lambda media: media["video_frames"] >= 10)
    monitors[0].event("bye", timeout=5)
    status, live = http(vtod.http_port, "GET", "/api/v1/live/status")
    assert live["streams"] == {"in_use": 6, "limit": 6, "calls": 1, "monitors": 5, "rtsp": 0,
                               "browser": 0}, live
