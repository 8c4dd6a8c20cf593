"""RTSP two-way audio as go2rtc (and Frigate, scrypted's ONVIF mode) use it with this device
family: a DESCRIBE with "Require: www.onvif.org/ver20/backchannel" gets an a=sendonly PCMA track,
what is sent on it plays on the door's speaker (the simulated board's level meter), one talker at
a time, a visitor's call wins, viewers may watch but not talk, and the switch turns it off."""
import time

import pytest

from family_clients import Go2rtcBackchannel, cgi, key_values
from harness import ADMIN_PASSWORD, ROOM_PASSWORD, Vtod, http, vtoctl, wait_for


@pytest.fixture
def vtod(compat_vtod):
    return compat_vtod


def talk(vtod):
    return http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["talk"]


def test_a_go2rtc_backchannel_plays_on_the_speaker(vtod):
    status, body, _ = cgi(vtod.redirect_port, "/cgi-bin/devAudioOutput.cgi?action=getCollect",
                          "admin", ADMIN_PASSWORD)
    assert (status, body) == (200, "result=1\r\n")
    client = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
    assert client.status == 200, client.headers
    medias = client.medias()
    back = [m for m in medias if m[0] == "audio" and m[2] == "sendonly"]
    assert len(back) == 1 and any("PCMA/8000" in r for r in back[0][3]), medias
    assert any(m[0] == "video" and m[2] == "recvonly" for m in medias), medias
    # The door's own audio offers PCMA too (a WebRTC bridge takes it without transcoding).
    assert any(m[0] == "audio" and m[2] == "recvonly" and any("PCMA" in r for r in m[3])
               for m in medias), medias
    client.setup_and_play()
    assert talk(vtod)["bytes_played"] == 0
    client.send_pcma(1.5)
    state = wait_for(lambda: (lambda t: t if t["bytes_played"] >= 8000 else None)(talk(vtod)),
                     "the speaker playing the backchannel")
    assert state["peak_level_db"] > -20, state
    assert client.received > 10  # the door's video and audio kept coming meanwhile
    client.close()


def test_one_talker_at_a_time_and_a_call_wins(vtod, start_vth):
    first = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
    first.setup_and_play()
    second = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
    second.setup_and_play()
    first.send_pcma(0.6)  # 4,800 bytes; the last of them may still be on its way
    played = wait_for(lambda: (b := talk(vtod)["bytes_played"]) >= 4800 and b,
                      "the first talker's 0.6 s played")
    second.send_pcma(0.4)  # the first one spoke less than a second ago: not heard
    state = talk(vtod)
    assert state["bytes_played"] == played and state["bytes_dropped"] > 0, state
    time.sleep(1.2)
    second.send_pcma(0.4)  # the speaker is free again
    assert talk(vtod)["bytes_played"] > played
    # A visitor's call: the flat answers, and the call has the speaker.
    vth = start_vth("101#0", ROOM_PASSWORD, auto_answer=0)
    vth.event("registered")
    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    wait_for(lambda: http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["panel"]["state"] == "talking",
             "the call answered")
    before = talk(vtod)
    first.send_pcma(0.5)
    during = talk(vtod)
    assert during["bytes_played"] == before["bytes_played"], (before, during)
    assert during["bytes_dropped"] > before["bytes_dropped"]
    audio = wait_for(lambda: [a for a in http(vtod.http_port, "GET", "/api/v1/sim/state")[1]["audio"]
                              if a["packets_received"] > 10] or None, "the call's audio")
    assert audio[0]["packets_sent"] > 10
    first.close()
    second.close()


def test_the_next_talker_is_heard_after_the_first_leaves(vtod):
    # The first talker shares the stream's media with the viewers; when it leaves, the
    # next one takes its place (and is heard), while a plain viewer keeps watching.
    viewer = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD, backchannel=False)
    viewer.setup_and_play()
    for _ in range(2):
        before = talk(vtod)["bytes_played"]
        client = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
        client.setup_and_play()
        client.send_pcma(0.6)
        wait_for(lambda: talk(vtod)["bytes_played"] >= before + 4000, "the talker heard")
        client.close()
        time.sleep(1.2)  # the speaker is free again
    viewer.drain(0.5)
    assert viewer.received > 10
    viewer.close()


def test_the_stream_restarts_whole_with_a_talker_each_time(vtod):
    # The shared media (with its backchannel) is made again for each round: every time the
    # viewer gets video and audio, and the talker is heard (a media whose audio was timed
    # before it played once held every viewer for hours).
    for _ in range(5):
        viewer = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD, backchannel=False)
        viewer.setup_and_play()
        before = talk(vtod)["bytes_played"]
        talker = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
        talker.setup_and_play()
        talker.send_pcma(0.3)
        wait_for(lambda: talk(vtod)["bytes_played"] > before, "the talker heard")
        deadline = time.monotonic() + 3
        while viewer.received < 40 and time.monotonic() < deadline:
            viewer.drain(0.1)
        assert viewer.received >= 40, viewer.received  # 15 frames and 25 audio packets a second
        talker.close()
        viewer.close()
        time.sleep(1.2)  # the media goes, the speaker is free


def hidden_backchannel_setup(vtod, user, password, backchannel, transport):
    """DESCRIBEs (with or without two-way audio), then SETUPs the backchannel's track
    (stream=2 of the main stream's media) with `transport`; returns the SETUP's status."""
    client = Go2rtcBackchannel(vtod.rtsp_port, user, password, backchannel=backchannel)
    assert client.status == 200, client.headers
    base = client.headers.get("content-base", client.url).rstrip("/")
    status, _, _ = client.request("SETUP", base + "/stream=2", {"Transport": transport})
    client.close()
    return status


def test_nobody_talks_through_a_track_they_were_not_offered(vtod):
    tcp = "RTP/AVP/TCP;unicast;interleaved=4-5"
    # The shared media (a viewer keeps it playing) has the backchannel, but a player that
    # did not ask for it cannot set it up, whoever it is; an operator who asked may, over the
    # RTSP connection only (RTP over UDP would come from anyone who guesses the port).
    viewer = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD, backchannel=False)
    viewer.setup_and_play()
    assert hidden_backchannel_setup(vtod, "admin", ADMIN_PASSWORD, False, tcp) == 403
    assert hidden_backchannel_setup(vtod, "guest", "Guest-pass-42", False, tcp) == 403
    udp = "RTP/AVP;unicast;client_port=40000-40001"
    assert hidden_backchannel_setup(vtod, "admin", ADMIN_PASSWORD, True, udp) == 461
    assert hidden_backchannel_setup(vtod, "admin", ADMIN_PASSWORD, True, tcp) == 200
    # While one talker holds the shared backchannel, another player still cannot take it.
    holder = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
    holder.setup_and_play()
    assert hidden_backchannel_setup(vtod, "admin", ADMIN_PASSWORD, False, tcp) == 403
    holder.close()
    viewer.close()
    refused = http(vtod.http_port, "GET", "/api/v1/audit?action=rtsp_refused&limit=100")[1]["entries"]
    assert len(refused) >= 4 and all("two-way audio" in e["detail"] for e in refused), refused
    # None of it was a wrong password: no lock-out counted.
    assert http(vtod.http_port, "GET", "/api/v1/audit?action=digest_failed&limit=100")[1]["entries"] == []


def test_viewers_may_not_talk_and_the_switch_turns_it_off(vtod):
    client = Go2rtcBackchannel(vtod.rtsp_port, "guest", "Guest-pass-42")
    assert client.status == 403
    client.close()
    # A viewer still watches without two-way audio.
    client = Go2rtcBackchannel(vtod.rtsp_port, "guest", "Guest-pass-42", backchannel=False)
    assert client.status == 200 and "sendonly" not in client.sdp
    client.close()
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/integrations",
                        {"rtsp_backchannel": False})
    assert status == 200 and body["rtsp_backchannel"] is False, body
    status, body, _ = cgi(vtod.redirect_port, "/cgi-bin/devAudioOutput.cgi?action=getCollect",
                          "admin", ADMIN_PASSWORD)
    assert key_values(body)["result"] == "0"
    client = Go2rtcBackchannel(vtod.rtsp_port, "admin", ADMIN_PASSWORD)
    assert client.status != 200 or "sendonly" not in client.sdp, client.sdp
    client.close()


def post_audio(port, user, password, seconds, content_type="Audio/G.711A"):
    """scrypted's two-way audio: POST audio.cgi with a fake Content-Length, G.711 streamed in
    1024-byte pieces in real time, then the connection dropped. Returns the first status."""
    import audioop
    import math
    import socket
    import struct
    from family_clients import digest_header, parse_challenge
    path = "/cgi-bin/audio.cgi?action=postAudio&httptype=singlepart&channel=1"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            "Content-Length: 9999999\r\n")
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((head + "\r\n").encode())
    answer = s.recv(4096).decode()
    s.close()
    assert answer.startswith("HTTP/1.1 401"), answer
    challenge = next(l.split(":", 1)[1].strip() for l in answer.split("\r\n")
                     if l.lower().startswith("www-authenticate:"))
    auth = digest_header("POST", path, user, password, parse_challenge(challenge))
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((head + f"Authorization: {auth}\r\n\r\n").encode())
    pcm = b"".join(struct.pack("<h", int(16000 * math.sin(2 * math.pi * 440 * n / 8000)))
                   for n in range(int(8000 * seconds)))
    data = audioop.lin2alaw(pcm, 2) if content_type.endswith("A") else audioop.lin2ulaw(pcm, 2)
    start = time.monotonic()
    s.setblocking(False)
    refused = b""
    for offset in range(0, len(data), 1024):
        try:
            s.sendall(data[offset:offset + 1024])
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):  # refused and closed: read the answer
            s.settimeout(5)
            try:
                refused += s.recv(4096)
            except OSError:
                pass
            break
        try:
            refused += s.recv(4096)
        except BlockingIOError:
            pass
        if refused:
            break
        time.sleep(max(0, start + (offset + 1024) / 8000 - time.monotonic()))
    s.close()
    return refused.decode(errors="replace")


def test_audio_cgi_streams_g711_to_the_speaker_for_operators_only(vtod):
    before = talk(vtod)["bytes_played"]
    assert post_audio(vtod.redirect_port, "admin", ADMIN_PASSWORD, 1.0) == ""
    state = wait_for(lambda: (lambda t: t if t["bytes_played"] >= before + 7000 else None)(talk(vtod)),
                     "the speaker playing audio.cgi")
    assert state["peak_level_db"] > -20, state
    # µ-law too.
    before = talk(vtod)["bytes_played"]
    assert post_audio(vtod.redirect_port, "admin", ADMIN_PASSWORD, 0.5, "Audio/G.711Mu") == ""
    wait_for(lambda: talk(vtod)["bytes_played"] >= before + 3500, "µ-law played")
    # A viewer is refused at once, and nothing it sends is played.
    before = talk(vtod)["bytes_played"]
    answer = post_audio(vtod.redirect_port, "guest", "Guest-pass-42", 0.5)
    assert answer.startswith("HTTP/1.1 403"), answer
    assert talk(vtod)["bytes_played"] == before
    answer = post_audio(vtod.redirect_port, "admin", ADMIN_PASSWORD, 0.2, "Audio/AAC")
    assert answer.startswith("HTTP/1.1 415"), answer
