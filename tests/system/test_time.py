"""System › Maintenance's date and time: the station's time zone, and NTP against a time
server the test owns (an SNTP server on 127.0.0.1 whose clock runs an hour ahead). vtod runs
without --set-clock here: it measures and shows the offset and never touches the host's
clock, and it says that setting the clock by hand is not its to do."""
import socket
import struct
import threading
import time

import pytest

from harness import Vtod, http, wait_for

NTP_EPOCH = 2208988800


def ntp_time(t):
    return struct.pack("!II", int(t) + NTP_EPOCH, int((t % 1) * 2**32))


class TimeServer:
    """An SNTP server: answers each request with its clock (the host's + `ahead` seconds),
    echoing the request's transmit timestamp as the originate one unless `echo` is False."""

    def __init__(self, ahead=3600.0, echo=True):
        self.ahead, self.echo, self.asked = ahead, echo, 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            received = time.time() + self.ahead
            if len(data) < 48:
                continue
            self.asked += 1
            originate = data[40:48] if self.echo else b"\x01" * 8
            answer = (bytes([0x24, 2, 6, 0xE9]) + b"\0" * 8 + b"TEST" + ntp_time(received - 60)
                      + originate + ntp_time(received) + ntp_time(time.time() + self.ahead))
            self.sock.sendto(answer, peer)

    def stop(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def servers():
    started = []
    yield lambda **kw: started.append(TimeServer(**kw)) or started[-1]
    for s in started:
        s.stop()


def time_page(vtod):
    status, body = http(vtod.http_port, "GET", "/api/v1/system/time")
    assert status == 200, body
    return body


def test_ntp_measures_the_offset_and_leaves_the_clock_alone(tmp_path, processes, servers):
    server = servers()
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    page = time_page(vtod)
    assert page["ntp"] is False and page["status"]["state"] == "off"
    assert page["can_set_clock"] is False

    status, body = http(vtod.http_port, "PUT", "/api/v1/system/time",
                        {"ntp": True, "ntp_servers": [f"127.0.0.1:{server.port}"]})
    assert status == 200, body
    st = wait_for(lambda: time_page(vtod)["status"]["state"] == "ok" and time_page(vtod)["status"],
                  "an NTP answer", 10)
    assert abs(st["offset_ms"] - 3_600_000) < 1000, st
    assert 0 <= st["delay_ms"] < 1000 and st["stratum"] == 2
    assert st["server"] == f"127.0.0.1:{server.port}" and st["clock"] == ""
    # The clock was only measured: the host's is where it was.
    assert abs(time_page(vtod)["time_ms"] / 1000 - time.time()) < 5

    # Setting the clock by hand is refused, saying why.
    status, body = http(vtod.http_port, "PUT", "/api/v1/system/time",
                        {"ntp": False, "time_ms": int(time.time() * 1000) + 86_400_000})
    assert status == 409 and body["field"] == "time_ms" and "--set-clock" in body["error"], body
    assert abs(time_page(vtod)["time_ms"] / 1000 - time.time()) < 5


def test_an_answer_to_another_question_is_not_taken(tmp_path, processes, servers):
    """A server (or a stranger) whose answer does not echo vtod's random transmit timestamp
    is passed over for the next server on the list."""
    liar, honest = servers(ahead=-7200.0, echo=False), servers(ahead=120.0)
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    status, body = http(vtod.http_port, "PUT", "/api/v1/system/time",
                        {"ntp": True, "ntp_servers": [f"127.0.0.1:{liar.port}"]})
    assert status == 200, body
    st = wait_for(lambda: time_page(vtod)["status"]["state"] == "failed" and time_page(vtod)["status"],
                  "NTP to fail", 10)
    assert "not to this question" in st["error"] and "offset_ms" not in st, st
    assert liar.asked >= 1

    status, body = http(vtod.http_port, "PUT", "/api/v1/system/time",
                        {"ntp_servers": [f"127.0.0.1:{liar.port}", f"127.0.0.1:{honest.port}"]})
    assert status == 200, body
    st = wait_for(lambda: time_page(vtod)["status"]["state"] == "ok" and time_page(vtod)["status"],
                  "the honest server's answer", 10)
    assert st["server"] == f"127.0.0.1:{honest.port}" and abs(st["offset_ms"] - 120_000) < 1000


def test_the_time_zone_is_the_stations_and_survives_a_restart(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/Berlin;reboot", "/etc/localtime"):
        status, body = http(vtod.http_port, "PUT", "/api/v1/system/time", {"time_zone": bad})
        assert status == 400 and body["field"] == "time_zone", (bad, body)
    for bad in (["a b"], ["x"] * 5, "pool.ntp.org"):
        status, body = http(vtod.http_port, "PUT", "/api/v1/system/time", {"ntp_servers": bad})
        assert status == 400 and body["field"] == "ntp_servers", (bad, body)

    status, body = http(vtod.http_port, "PUT", "/api/v1/system/time", {"time_zone": "Asia/Tokyo"})
    assert status == 200 and body["zone"] == "Asia/Tokyo", body
    status, info = http(vtod.http_port, "GET", "/api/v1/system/info")
    assert info["time_zone"] == "Asia/Tokyo"
    status, auth = http(vtod.http_port, "GET", "/api/v1/auth/status")
    assert auth["time_zone"] == "Asia/Tokyo"

    vtod.stop()
    processes.remove(vtod)
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    assert time_page(vtod)["zone"] == "Asia/Tokyo"
    # Empty: the system's zone again.
    status, body = http(vtod.http_port, "PUT", "/api/v1/system/time", {"time_zone": ""})
    assert status == 200 and body["zone"] == body["system_time_zone"], body
