"""SIP over TLS and SRTP with real phones on 127.0.0.1: baresip registers to vtod's TLS port
and talks with SRTP, and an eavesdropper on the interface (a capture on lo) neither hears
the call nor reads its keys."""
import glob
import hashlib
import os
import socket
import ssl
import subprocess
import time

from harness import Vth, Vtod, free_port, http, vtoctl, wait_for, wait_sim_state
import peers
import wire

PASSWORD = "Room-pass1"


def start(processes, p):
    processes.append(p)
    return p


def wait(vtod, predicate, what, timeout=8):
    return wait_sim_state(vtod, predicate, timeout=timeout, what=what)


def door(tmp_path, processes, *extra):
    data = str(tmp_path / "data")
    vtoctl(data, "room", "add", "101", "--password", PASSWORD)
    return start(processes, Vtod(data, extra=("--button", "101", "--unlock-code", "1234",
                                              "--unlock-hold", "2", *extra)))


def baresip_tls(tmp_path, vtod, user, **kw):
    """baresip on vtod's TLS port with its own certificate (baresip's TLS listener needs
    one) and the station's as the CA file."""
    pem = tmp_path / f"baresip-{user.replace('#', '-')}.pem"
    if not pem.exists():
        crt = tmp_path / (pem.name + ".crt")
        peers.self_signed(pem, crt, "baresip")
        with open(pem, "a") as f:
            f.write(crt.read_text())
    return peers.Baresip(str(tmp_path), vtod.sip_tls, user, PASSWORD, transport="tls",
                         certificate=str(pem), cafile=vtod.certificate, **kw)


def test_baresip_over_tls_talks_with_srtp_opens_the_door_and_the_wire_gives_nothing_away(
        tmp_path, processes):
    vtod = door(tmp_path, processes)
    assert vtod.sip_tls_port != 0
    baresip = start(processes, baresip_tls(tmp_path, vtod, "101#0", tone_hz=1000,
                                           mediaenc="srtp-mand"))
    assert baresip.registered() == 200

    capture = wire.LoopbackCapture()
    status, _ = http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    assert status == 200
    baresip.event("CALL_ESTABLISHED")
    menc = baresip.event("CALL_MENC")  # baresip says its audio is SRTP
    assert "AES_CM_128_HMAC_SHA1_80" in menc.get("param", ""), menc
    s = wait(vtod, lambda s: s["audio"] and s["audio"][0]["level_db"] > -30,
             "baresip's tone at the door")
    assert s["audio"][0]["encrypted"] is True
    time.sleep(1.5)  # what an eavesdropper records of the call
    datagrams = capture.stop()

    # Both sides hear the other's tone, and the payload on the wire is not that tone.
    streams = wire.pcmu_streams(datagrams, baresip.rtp_ports)
    assert len(streams) >= 2, f"expected RTP both ways, saw {len(streams)} streams"
    for ssrc, payload in streams.items():
        for hz in (440, 1000):
            share = wire.tone_share(payload, hz)
            assert share < 0.05, f"stream {ssrc:08x} decodes to {hz} Hz ({share:.2f})"
    # Nor is any SIP readable: every message to the phone went over TLS.
    assert not [t for t in wire.sip_texts(datagrams, vtod.sip_port) if "101" in t]

    baresip.command("sndcode", "1234")
    s = wait(vtod, lambda s: s["lock"]["open"], "lock open by baresip's DTMF over SRTP")
    assert s["audio"][0]["dtmf_received"] >= 4
    baresip.command("hangup")
    baresip.event("CALL_CLOSED")
    wait(vtod, lambda s: s["panel"]["state"] == "idle" and not s["audio"], "idle")
    time.sleep(0.3)
    heard = glob.glob(os.path.join(baresip.recordings, "*-dec.wav"))
    assert heard, f"baresip wrote no recording: {os.listdir(baresip.recordings)}"
    assert peers.wav_level_db(heard[0]) > -35, "baresip did not hear the door"

    status, body = http(vtod.http_port, "GET", "/api/v1/records/calls")
    assert status == 200 and body["total"] == 1
    assert body["records"][0]["encrypted"] is True


def test_the_same_call_in_plain_rtp_is_heard_on_the_wire(tmp_path, processes):
    """The eavesdropper's check is real: over UDP without SRTP it hears both tones."""
    vtod = door(tmp_path, processes)
    baresip = start(processes, peers.Baresip(str(tmp_path), vtod.sip, "101#0", PASSWORD,
                                             tone_hz=1000))
    assert baresip.registered() == 200
    capture = wire.LoopbackCapture()
    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    baresip.event("CALL_ESTABLISHED")
    s = wait(vtod, lambda s: s["audio"] and s["audio"][0]["level_db"] > -30, "tone at the door")
    assert s["audio"][0]["encrypted"] is False
    time.sleep(1.5)
    streams = wire.pcmu_streams(capture.stop(), baresip.rtp_ports)
    shares = sorted(max(wire.tone_share(p, 440), wire.tone_share(p, 1000))
                    for p in streams.values())
    assert shares and shares[-1] > 0.5, f"no tone found in plain RTP: {shares}"
    baresip.command("hangup")
    status, body = http(vtod.http_port, "GET", "/api/v1/records/calls")
    assert body["records"][0]["encrypted"] is False


def test_a_monitor_on_udp_never_sees_the_keys_of_a_group_call(tmp_path, processes):
    """Room 101 has a monitor on TLS and one on UDP. The door's offer reaches the UDP one
    without keys (SRTP preferred), and no packet on the interface carries a=crypto."""
    vtod = door(tmp_path, processes)
    tls = start(processes, baresip_tls(tmp_path, vtod, "101#0", mediaenc="srtp-mand"))
    plain = start(processes, peers.Baresip(str(tmp_path), vtod.sip, "101#1", PASSWORD,
                                           auto_answer=False))
    assert tls.registered() == 200 and plain.registered() == 200
    capture = wire.LoopbackCapture()
    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    plain.event("CALL_INCOMING")  # it rings, with a plain offer
    tls.event("CALL_ESTABLISHED")  # the TLS monitor answers with SRTP
    tls.event("CALL_MENC")
    time.sleep(0.5)
    datagrams = capture.stop()
    texts = wire.sip_texts(datagrams, vtod.sip_port)
    assert any(t.startswith("INVITE ") for t in texts), "the UDP monitor's INVITE was seen"
    leaked = [t for t in texts if "a=crypto" in t]
    assert not leaked, f"SRTP keys in clear: {leaked[0][:400]}"
    tls.command("hangup")


def test_baresip_and_linphone_ring_over_tls_and_linphone_talks_with_srtp_and_opens_the_door(
        tmp_path, processes):
    """The group call of room 101 over TLS: both phones ring, Linphone (SRTP mandatory,
    the station's certificate as its root CA) answers, baresip stops ringing, and
    Linphone's DTMF over SRTP opens the door."""
    vtod = door(tmp_path, processes)
    vtoctl(vtod.data_dir, "room", "add", "102", "--password", PASSWORD)
    baresip = start(processes, baresip_tls(tmp_path, vtod, "101#0", auto_answer=False,
                                           mediaenc="srtp-mand"))
    linphone = start(processes, peers.Linphone(str(tmp_path), vtod.sip_tls, "101#1", PASSWORD,
                                               transport="tls", root_ca=vtod.certificate,
                                               srtp="mandatory"))
    assert baresip.registered() == 200
    linphone.registered()
    status, body = http(vtod.http_port, "GET", "/api/v1/registrations?aor=101")
    assert status == 200
    assert sorted(r["transport"] for r in body["registrations"]) == ["TLS", "TLS"], body
    status, rooms = http(vtod.http_port, "GET", "/api/v1/rooms")
    room = next(r for r in rooms["rooms"] if r["number"] == "101")
    assert sorted(room["online_tls"]) == ["101#0", "101#1"]

    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    baresip.event("CALL_INCOMING")
    linphone.wait_for(lambda a: a.get("State") == "LinphoneCallStreamsRunning", 15,
                      "Linphone talking")
    baresip.event("CALL_CLOSED")  # answered elsewhere: it stops ringing
    s = wait(vtod, lambda s: s["panel"]["state"] == "talking" and s["audio"], "talking")
    assert s["audio"][0]["encrypted"] is True
    assert linphone.negotiated_srtp()
    for key in "1234":
        linphone.command(f"dtmf {key}")
        time.sleep(0.25)
    s = wait(vtod, lambda s: s["lock"]["open"], "lock open by Linphone's DTMF over SRTP")
    linphone.command("terminate")
    wait(vtod, lambda s: s["panel"]["state"] == "idle", "idle")


def test_a_phone_that_does_not_trust_the_certificate_cannot_register(tmp_path, processes):
    vtod = door(tmp_path, processes)
    stranger = tmp_path / "other.crt"
    peers.self_signed(tmp_path / "o.key", stranger, "someone else", ip=None)
    linphone = start(processes, peers.Linphone(str(tmp_path), vtod.sip_tls, "101#1", PASSWORD,
                                               transport="tls", root_ca=str(stranger)))
    linphone.registration_failed()
    status, body = http(vtod.http_port, "GET", "/api/v1/registrations?aor=101")
    assert body["registrations"] == []
    # vtod saw the handshake refused (its log).
    wait_for(lambda: any("TLS handshake with 127.0.0.1" in l and "unknown ca" in l
                         for l in vtod.stderr_lines), "the refused handshake in vtod's log")


def test_vtod_registers_to_kamailio_over_tls_and_calls_go_both_ways_with_srtp(
        tmp_path, processes):
    """Platform mode over TLS: vtod verifies Kamailio with its pinned certificate, and its
    own connection is the proof of who calls it. A baresip monitor on Kamailio's TLS port
    and the door call each other, encrypted end to end (SRTP keys only ever over TLS)."""
    kamailio = start(processes, peers.Kamailio(str(tmp_path), free_port(), password=PASSWORD,
                                               tls_port=free_port()))
    monitor = start(processes, peers.Baresip(str(tmp_path), kamailio.sip_tls, "101#0", PASSWORD,
                                             transport="tls", mediaenc="srtp-mand",
                                             tone_hz=1000))
    assert monitor.registered() == 200
    vtod = start(processes, Vtod(str(tmp_path / "vto"), extra=(
        "--platform", kamailio.sip_tls, "--platform-user", "8001",
        "--platform-password", PASSWORD, "--platform-domain", "127.0.0.1",
        "--platform-certificate", kamailio.certificate)))
    deadline = time.monotonic() + 10
    while not http(vtod.http_port, "GET", "/api/v1/health")[1]["registered"]:
        assert time.monotonic() < deadline, "vtod never registered to Kamailio over TLS"
        time.sleep(0.1)
    status, sip = http(vtod.http_port, "GET", "/api/v1/settings/sip")
    assert sip["transport"] == "tls" and sip["status"]["registered"]

    # The door calls the monitor.
    status, call = http(vtod.http_port, "POST", "/api/v1/calls", {"to": "101#0"})
    assert status == 202
    monitor.event("CALL_ESTABLISHED")
    assert "AES_CM_128_HMAC_SHA1_80" in monitor.event("CALL_MENC").get("param", "")
    s = wait(vtod, lambda s: s["audio"] and s["audio"][0]["level_db"] > -30, "the monitor's tone")
    assert s["audio"][0]["encrypted"] is True
    http(vtod.http_port, "DELETE", f"/api/v1/calls/{call['call']}")
    monitor.event("CALL_CLOSED")
    wait(vtod, lambda s: not s["audio"], "the call's end")

    # The monitor calls the door (to watch it): it comes over vtod's own TLS connection.
    monitor.command("dial", f"sip:8001@{kamailio.sip_tls}")
    monitor.event("CALL_ESTABLISHED", timeout=15)
    assert "AES_CM_128_HMAC_SHA1_80" in monitor.event("CALL_MENC").get("param", "")
    s = wait(vtod, lambda s: s["audio"] and s["audio"][0]["encrypted"], "an encrypted session")
    monitor.command("hangup")
    # Kamailio never had to open a connection to the door (it trusts no door certificate).
    assert not any("certificate verify failed" in l for l in kamailio.lines), kamailio.dump()


def test_vth_over_tls_watches_the_door_with_srtp_video_and_audio(tmp_path, processes):
    """OpenVTO's own monitor over TLS with SRTP required: the door's H.264 and its
    microphone arrive encrypted and decode; with a certificate it does not trust, vth
    cannot register."""
    vtod = door(tmp_path, processes)
    vth = start(processes, Vth(vtod.sip_tls, "101#0", PASSWORD, transport="tls",
                               extra=("--ca", vtod.certificate, "--srtp", "required")))
    assert vth.event("registered")["status"] == 200
    status, body = http(vtod.http_port, "GET", "/api/v1/registrations?aor=101")
    assert [r["transport"] for r in body["registrations"]] == ["TLS"]
    vth.send("monitor 8001")
    vth.event("answered")
    media = vth.event("media", timeout=10)
    deadline = time.monotonic() + 10
    while not (media.get("video_frames", 0) > 10 and media.get("audio_level_db", -127) > -30):
        assert time.monotonic() < deadline, f"no decoded video and audio: {media}"
        media = vth.event("media", timeout=5)
    assert media["srtp"] is True
    vth.send("hangup")

    # A vth that trusts another certificate gets no connection at all.
    other = tmp_path / "other.pem"
    peers.self_signed(tmp_path / "other.key", other, "other", ip=None)
    wary = start(processes, Vth(vtod.sip_tls, "101#1", PASSWORD, transport="tls",
                                extra=("--ca", str(other))))
    failed = wary.event("registration_failed", timeout=40)
    assert failed, failed


def test_an_uploaded_certificate_is_shown_on_the_sip_tls_port_too(tmp_path, processes):
    """The Security page's certificate is SIP over TLS's too, from the next connection on."""
    def served_fingerprint():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", vtod.sip_tls_port), timeout=3) as raw:
            with context.wrap_socket(raw) as s:
                return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()

    vtod = door(tmp_path, processes)
    key, crt = tmp_path / "door.key", tmp_path / "door.crt"
    peers.self_signed(key, crt, "door.example.org", days=30)
    before = served_fingerprint()
    status, body = http(vtod.http_port, "PUT", "/api/v1/security/certificate",
                        {"certificate_pem": crt.read_text(), "private_key_pem": key.read_text()})
    assert status == 200, body
    after = served_fingerprint()
    der = subprocess.run(["openssl", "x509", "-in", str(crt), "-outform", "DER"],
                         capture_output=True, check=True).stdout
    assert after == hashlib.sha256(der).hexdigest() != before
