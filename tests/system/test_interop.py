"""Interoperability with independent SIP implementations from Debian packages, all on
127.0.0.1: baresip and Linphone register to vtod with digest auth and take part in a
forked group call next to a vth; Kamailio serves as a platform that vtod registers to.
"""
import os
import time

import pytest

from harness import Vtod, Vth, free_port, http, vtoctl, wait_for
import peers

PASSWORD = "Room-pass1"


@pytest.fixture
def room_101(vtod):
    vtoctl(vtod.data_dir, "room", "add", "101", "--password", PASSWORD)
    vtoctl(vtod.data_dir, "room", "add", "102", "--password", PASSWORD)
    return vtod


def start(processes, p):
    processes.append(p)
    return p


def linphone_event(linphone, name, timeout=10):
    return linphone.wait_line(lambda l: l.strip() == f"Event: {name}", timeout, what=name)


def test_baresip_and_linphone_ring_with_a_vth_and_stop_when_the_vth_answers(
        room_101, start_vth, processes, tmp_path):
    master = start_vth("101#0", PASSWORD)
    baresip = start(processes, peers.Baresip(str(tmp_path), room_101.sip, "101#1", PASSWORD,
                                             auto_answer=False))
    linphone = start(processes, peers.Linphone(str(tmp_path), room_101.sip, "101#2", PASSWORD,
                                               auto_answer=False))
    caller = start_vth("102#0", PASSWORD)
    assert master.event("registered")["status"] == 200
    assert caller.event("registered")["status"] == 200
    assert baresip.registered() == 200
    linphone.registered()
    _, regs = http(room_101.http_port, "GET", "/api/v1/registrations?aor=101%23")
    assert sorted(r["aor"] for r in regs["registrations"]) == ["101#0", "101#1", "101#2"]

    caller.send("call 101")
    master.event("incoming_call")
    baresip.event("CALL_INCOMING")
    linphone_event(linphone, "LinphoneCallIncomingReceived")

    master.send("answer")
    caller.event("answered")
    # The real phones stop ringing: vtod cancelled their branches.
    baresip.event("CALL_CLOSED")
    assert not any(e.get("type") == "CALL_ESTABLISHED" for e in baresip.events)
    linphone_event(linphone, "LinphoneCallEnd")
    assert not any("LinphoneCallConnected" in line for line in linphone.lines)

    caller.send("hangup")
    master.event("bye")


def test_baresip_answers_first_and_the_others_are_cancelled(room_101, start_vth, processes,
                                                            tmp_path):
    master = start_vth("101#0", PASSWORD)
    linphone = start(processes, peers.Linphone(str(tmp_path), room_101.sip, "101#2", PASSWORD,
                                               auto_answer=False))
    caller = start_vth("102#0", PASSWORD)
    master.event("registered")
    caller.event("registered")
    linphone.registered()
    baresip = start(processes, peers.Baresip(str(tmp_path), room_101.sip, "101#1", PASSWORD,
                                             auto_answer=True))
    assert baresip.registered() == 200

    caller.send("call 101")
    master.event("incoming_call")
    baresip.event("CALL_ESTABLISHED")
    caller.event("answered")
    cancelled = master.event("cancelled")
    assert 'text="Call completed elsewhere"' in cancelled["reason"]
    linphone_event(linphone, "LinphoneCallEnd")

    # The dialog runs through vtod (Record-Route) to baresip: DTMF INFO and BYE reach it.
    caller.send("info 5")
    time.sleep(0.3)
    caller.send("hangup")
    baresip.event("CALL_CLOSED")
    assert not caller.events("error")


def test_linphone_answers_first_and_hangs_up_itself(room_101, start_vth, processes, tmp_path):
    master = start_vth("101#0", PASSWORD)
    caller = start_vth("102#0", PASSWORD)
    master.event("registered")
    caller.event("registered")
    linphone = start(processes, peers.Linphone(str(tmp_path), room_101.sip, "101#2", PASSWORD,
                                               auto_answer=True))
    linphone.registered()

    caller.send("call 101")
    master.event("incoming_call")
    caller.event("answered")
    assert "Call completed elsewhere" in master.event("cancelled")["reason"]
    linphone_event(linphone, "LinphoneCallStreamsRunning")
    linphone.command("terminate")
    caller.event("bye")


def test_linphone_calls_into_the_building(room_101, start_vth, processes, tmp_path):
    master = start_vth("101#0", PASSWORD, auto_answer=200)
    master.event("registered")
    linphone = start(processes, peers.Linphone(str(tmp_path), room_101.sip, "102#1", PASSWORD,
                                               auto_answer=False))
    linphone.registered()
    linphone.command(f"call sip:101@{room_101.sip}")
    master.event("incoming_call")
    master.event("answered")
    linphone_event(linphone, "LinphoneCallStreamsRunning")
    master.send("hangup")
    linphone_event(linphone, "LinphoneCallEnd")


def test_wrong_password_is_refused_for_real_phones(room_101, processes, tmp_path):
    baresip = start(processes, peers.Baresip(str(tmp_path), room_101.sip, "101#1", "Wrong-pass9"))
    assert baresip.registered() == 403


def test_vtod_registers_to_kamailio_and_calls_a_monitor_there(tmp_path, processes):
    kamailio = start(processes, peers.Kamailio(str(tmp_path), free_port(), password=PASSWORD))
    monitor = start(processes, Vth(kamailio.sip, "101#0", PASSWORD, auto_answer=100,
                                   domain="127.0.0.1"))
    assert monitor.event("registered")["status"] == 200
    vtod = start(processes, Vtod(str(tmp_path / "vto"), extra=(
        "--platform", kamailio.sip, "--platform-user", "8001",
        "--platform-password", PASSWORD, "--platform-domain", "127.0.0.1")))
    deadline = time.monotonic() + 10
    while True:
        _, health = http(vtod.http_port, "GET", "/api/v1/health")
        if health["registered"]:
            break
        assert time.monotonic() < deadline, f"vtod never registered to Kamailio: {health}"
        time.sleep(0.1)
    assert health["mode"] == "platform"

    status, call = http(vtod.http_port, "POST", "/api/v1/calls", {"to": "101#0"})
    assert status == 202
    incoming = monitor.event("incoming_call")
    assert "8001" in incoming["peer"]
    monitor.event("answered")
    deadline = time.monotonic() + 5
    while True:
        _, events = http(vtod.http_port, "GET", "/api/v1/calls/events")
        if any(e["event"] == "answered" for e in events["events"]):
            break
        assert time.monotonic() < deadline, f"vtod never saw the answer: {events}"
        time.sleep(0.1)
    status, _ = http(vtod.http_port, "DELETE", f"/api/v1/calls/{call['call']}")
    assert status == 200
    monitor.event("bye")


@pytest.mark.parametrize("answers", [True, False], ids=["uac_auth", "wrong_password"])
def test_a_door_registered_to_kamailio_takes_calls_over_udp_only_when_kamailio_answers_its_challenge(
        tmp_path, processes, answers):
    """A door registered to a platform takes calls over its own TCP connection to it, or from
    anywhere after the digest challenge it sends is answered with its own account: Kamailio's
    uac_auth does that. An address alone is not enough (UDP sources can be forged), nor an
    answer with another password."""
    credential = f"8001:127.0.0.1:{PASSWORD if answers else 'Not-the-door-9'}"
    kamailio = start(processes, peers.Kamailio(str(tmp_path), free_port(), password=PASSWORD,
                                               udp_to_doors=True, uac_credential=credential))
    vtod = start(processes, Vtod(str(tmp_path / "vto"), extra=(
        "--platform", kamailio.sip, "--platform-user", "8001",
        "--platform-password", PASSWORD, "--platform-domain", "127.0.0.1")))
    deadline = time.monotonic() + 10
    while not http(vtod.http_port, "GET", "/api/v1/health")[1]["registered"]:
        assert time.monotonic() < deadline, "vtod never registered to Kamailio"
        time.sleep(0.1)
    monitor = start(processes, Vth(kamailio.sip, "101#0", PASSWORD, domain="127.0.0.1"))
    assert monitor.event("registered")["status"] == 200
    monitor.send("monitor 8001")
    if answers:
        monitor.event("answered", timeout=10)
        # It went the long way: over UDP, challenged by the door, answered by Kamailio (whose
        # log is read by its own thread, a moment behind).
        wait_for(lambda: any("callee challenged: 401" in line for line in kamailio.lines),
                 "the door's challenge in Kamailio's log")
        wait_for(lambda: any("challenge answered with uac_auth" in line for line in kamailio.lines),
                 "Kamailio's answer to the challenge in its log")
        monitor.send("hangup")
    else:
        # Answered with a wrong password: refused, and the door's video never flows.
        rejected = monitor.event("rejected", timeout=10)
        assert rejected["status"] == 403, rejected
        wait_for(lambda: any("callee challenged: 401" in line for line in kamailio.lines),
                 "the door's challenge in Kamailio's log")
        assert not monitor.events("answered")


def test_sha256_digest_with_linphone_and_vth(tmp_path, processes):
    """With SHA-256 offered first (RFC 8760), Linphone and vth authenticate with it."""
    vtod = start(processes, Vtod(str(tmp_path / "data"), extra=("--sip-digest", "SHA-256,MD5"),
                                 log_level="debug"))
    vtoctl(vtod.data_dir, "room", "add", "101", "--password", PASSWORD)
    monitor = start(processes, Vth(vtod.sip, "101#0", PASSWORD))
    assert monitor.event("registered")["status"] == 200
    linphone = start(processes, peers.Linphone(str(tmp_path), vtod.sip, "101#2", PASSWORD))
    linphone.registered()
    wrong = start(processes, Vth(vtod.sip, "101#1", "Wrong-pass9"))
    assert wrong.event("registration_failed")["status"] == 403
    for user in ("101#0", "101#2"):
        wait_for(lambda: any(f"{user} registration updated" in line and "(digest SHA-256)" in line
                             for line in vtod.stderr_lines), f"{user} registered with SHA-256")


def test_baresip_as_the_monitor_talks_with_the_door_and_opens_it(tmp_path, processes):
    """The panel scenario with baresip answering: audio both ways in G.711, its RFC 4733
    DTMF opens the door, and the call is on record."""
    data = str(tmp_path / "data")
    vtoctl(data, "room", "add", "101", "--password", PASSWORD)
    vtod = start(processes, Vtod(data, extra=("--button", "101", "--unlock-code", "1234",
                                              "--unlock-hold", "2")))
    baresip = start(processes, peers.Baresip(str(tmp_path), vtod.sip, "101#0", PASSWORD,
                                             tone_hz=1000))
    assert baresip.registered() == 200

    def sim_state():
        status, body = http(vtod.http_port, "GET", "/api/v1/sim/state")
        assert status == 200
        return body

    def wait(predicate, what, timeout=8):
        deadline = time.monotonic() + timeout
        while True:
            s = sim_state()
            if predicate(s):
                return s
            assert time.monotonic() < deadline, f"no {what} within {timeout}s: {s}"
            time.sleep(0.05)

    status, _ = http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    assert status == 200
    baresip.event("CALL_ESTABLISHED")  # auto-answer
    wait(lambda s: s["panel"]["state"] == "talking", "talking")
    # The door hears baresip's 1 kHz tone.
    s = wait(lambda s: s["audio"] and s["audio"][0]["level_db"] > -30, "baresip's tone at the door")
    assert s["audio"][0]["codec"] in ("PCMU", "PCMA")
    # baresip sends the code as RFC 4733 events; the door opens for the hold time.
    baresip.command("sndcode", "1234")
    s = wait(lambda s: s["lock"]["open"], "lock open by baresip's DTMF")
    assert s["indicators"]["unlock"] and s["audio"][0]["dtmf_received"] >= 4
    wait(lambda s: not s["lock"]["open"], "lock closed again", timeout=5)

    baresip.command("hangup")
    baresip.event("CALL_CLOSED")
    wait(lambda s: s["panel"]["state"] == "idle" and not s["audio"], "idle")
    # baresip heard the door's microphone (the simulated 440 Hz tone): its recording says so.
    time.sleep(0.3)
    import glob
    heard = glob.glob(os.path.join(baresip.recordings, "*-dec.wav"))
    assert heard, f"baresip wrote no recording: {os.listdir(baresip.recordings)}"
    level = peers.wav_level_db(heard[0])
    assert level > -35, f"baresip heard only {level:.1f} dBFS"
    # The visitor's picture is linked to the record once written (its own thread).
    body = wait_for(lambda: (b := http(vtod.http_port, "GET", "/api/v1/records/calls")[1])["total"] == 1
                    and b["records"][0]["snapshot_path"] and b, "the call recorded with its picture")
    record = body["records"][0]
    assert record["result"] == "answered" and "101#0" in record["answered_by"]
