"""Players and NVRs watch the door over RTSP (ffprobe and ffmpeg are the players): the main and
sub-streams with audio, over TCP and UDP, digest authentication with the web accounts, and the
six video streams: the seventh viewer is refused while the six go on, and a visitor's call
still reaches the flat (the oldest viewer makes room)."""
import json
import re
import subprocess
import time

import pytest

from harness import ADMIN_PASSWORD, Process, Vtod, free_port, http, vtoctl

ROOM_PASSWORD = "Room-pass1"


@pytest.fixture
def vtod(tmp_path, processes):
    data = str(tmp_path / "data")
    vtoctl(data, "room", "add", "101", "--password", ROOM_PASSWORD)
    d = Vtod(data, extra=("--button", "101"))
    processes.append(d)
    return d


def url(vtod, subtype=0, user="admin", password=ADMIN_PASSWORD):
    auth = f"{user}:{password}@" if user else ""
    return f"rtsp://{auth}127.0.0.1:{vtod.rtsp_port}/cam/realmonitor?channel=1&subtype={subtype}"


def probe(stream_url, transport="tcp"):
    r = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", transport, "-show_entries",
                        "stream=codec_name,codec_type,width,height,sample_rate", "-of", "json",
                        stream_url], capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


class Player(Process):
    """ffmpeg decoding a stream to nothing, reporting its frame count twice a second."""

    def __init__(self, stream_url, transport="tcp"):
        super().__init__("ffmpeg", ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport",
                                    transport, "-i", stream_url, "-map", "0:v", "-f", "null", "-",
                                    "-progress", "pipe:1", "-stats_period", "0.5"],
                         stdin=subprocess.DEVNULL)

    def frames(self):
        for line in reversed(self.lines):
            if line.startswith("frame="):
                return int(line.split("=", 1)[1])
        return 0

    def wait_frames(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while self.frames() < count:
            assert self.proc.poll() is None, f"ffmpeg ended: {self.dump()}"
            assert time.monotonic() < deadline, f"{self.frames()} frames: {self.dump()}"
            time.sleep(0.1)


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_the_main_and_the_sub_stream_are_h264_with_audio(vtod, transport):
    for subtype, size in ((0, (640, 480)), (1, (320, 240))):
        code, out, err = probe(url(vtod, subtype), transport)
        assert code == 0, err
        streams = json.loads(out)["streams"]
        video = [s for s in streams if s["codec_type"] == "video"]
        audio = [s for s in streams if s["codec_type"] == "audio"]
        assert len(video) == 1 and video[0]["codec_name"] == "h264", streams
        assert (video[0]["width"], video[0]["height"]) == size
        assert len(audio) == 1 and audio[0]["codec_name"] == "pcm_alaw", streams


def test_wrong_or_missing_credentials_get_401(vtod):
    for stream_url in (url(vtod, password="Wrong-pass1"), url(vtod, user="nobody"),
                       url(vtod, user=None)):
        code, _, err = probe(stream_url)
        assert code != 0 and "401" in err, err
    # An unknown path is 404, whoever asks.
    code, _, err = probe(f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{vtod.rtsp_port}/other")
    assert code != 0 and "404" in err, err


def test_six_viewers_watch_and_a_seventh_is_refused(vtod, processes):
    players = []
    for i in range(6):
        p = Player(url(vtod, subtype=i % 2), transport="tcp" if i < 3 else "udp")
        processes.append(p)
        players.append(p)
    for p in players:
        p.wait_frames(10)
    status, body = http(vtod.http_port, "GET", "/api/v1/live/status")
    assert status == 200 and body["streams"]["in_use"] == 6, body
    assert body["streams"]["rtsp"] == 6

    code, _, err = probe(url(vtod))
    assert code != 0 and "453" in err, err

    # The six go on, undisturbed.
    before = [p.frames() for p in players]
    time.sleep(2)
    for p, n in zip(players, before):
        assert p.proc.poll() is None
        assert p.frames() >= n + 10, f"{p.frames()} after {n}"

    # One leaves: the next viewer gets in.
    players[0].stop()
    deadline = time.monotonic() + 5
    while True:
        code, out, err = probe(url(vtod))
        if code == 0:
            break
        assert time.monotonic() < deadline, err
        time.sleep(0.3)


def test_a_viewer_who_joins_does_not_disturb_those_watching(vtod, processes):
    # A player's PLAY asks for the stream "from 0"; on a shared live stream that must not
    # rewind the stream the others watch (their recordings would go back in time).
    first = Player(url(vtod))
    processes.append(first)
    first.wait_frames(10)
    for _ in range(3):
        p = Player(url(vtod))
        processes.append(p)
        p.wait_frames(5)
    before = first.frames()
    time.sleep(1)
    assert first.proc.poll() is None and first.frames() >= before + 5
    # ffmpeg reports a frame that does not come after the one before as "dts ...: A >= B";
    # two frames stamped in the same tick (A == B) are jitter, B < A is the stream going back.
    rewinds = [l for l in first.stderr_lines
               if (m := re.search(r"non monotonically increasing dts.*: (\d+) >= (\d+)", l))
               and int(m.group(2)) < int(m.group(1))]
    assert not rewinds, rewinds[:3]


def test_a_visitors_call_reaches_the_flat_with_six_viewers(vtod, start_vth, processes):
    monitor = start_vth("101#0", ROOM_PASSWORD)
    monitor.event("registered")
    players = []
    for i in range(6):  # one after the other: players[0] is the oldest viewer
        p = Player(url(vtod))
        processes.append(p)
        players.append(p)
        p.wait_frames(1)

    status, body = http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    assert status == 200, body
    monitor.event("incoming_call")
    monitor.send("answer")
    media = monitor.event("media", timeout=5)
    while media["video_frames"] < 10:
        media = monitor.event("media", timeout=5)
    # The oldest viewer made room; the other five still watch.
    deadline = time.monotonic() + 5
    while players[0].proc.poll() is None:
        assert time.monotonic() < deadline, "the oldest viewer was not ended"
        time.sleep(0.1)
    status, body = http(vtod.http_port, "GET", "/api/v1/live/status")
    assert body["streams"]["in_use"] == 6 and body["streams"]["calls"] == 1, body
    before = [p.frames() for p in players[1:]]
    time.sleep(1.5)
    for p, n in zip(players[1:], before):
        assert p.proc.poll() is None and p.frames() > n
    monitor.send("hangup")


def test_the_rtsp_port_is_a_setting_applied_at_once(vtod):
    new_port = free_port()
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/network", {"rtsp_port": new_port})
    assert status == 200 and body["rtsp_port"] == new_port, body
    moved = f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{new_port}/cam/realmonitor?channel=1&subtype=1"
    code, out, err = probe(moved)
    assert code == 0 and "h264" in out, err
    code, _, err = probe(url(vtod, 1))  # the old port is closed
    assert code != 0
    status, body = http(vtod.http_port, "GET", "/api/v1/live/status")
    assert body["rtsp"]["port"] == new_port, body


def test_a_dead_camera_is_a_quick_503_not_a_hang(tmp_path, processes):
    d = Vtod(str(tmp_path / "dead"), extra=("--camera", "/dev/video-missing"))
    processes.append(d)
    for _ in range(2):  # and again: nothing stays stuck
        started = time.monotonic()
        code, _, err = probe(url(d))
        assert code != 0 and "503" in err, err
        assert time.monotonic() - started < 5
    status, body = http(d.http_port, "GET", "/api/v1/live/status")
    assert status == 200 and body["streams"]["in_use"] == 0, body
