"""The fingerprint module on a board: vtod --fingerprint libfprint drives a real libfprint
reader. Here it is libfprint's own virtual reader (driver virtual_device_storage, the
only one allowed), fed over its unix socket with the fingers "anna" and "zoe": a finger is
enrolled through the API, then opens the door, an unknown one does not, a bad scan is
asked again, and after a restart the template from the database still matches."""
import os
import socket
import threading
import time

import pytest

from harness import Vtod, http, vtoctl

LAYOUT = {"modules": [{"kind": "buttons", "buttons": 1}, {"kind": "display"},
                      {"kind": "fingerprint"}], "buttons": ["101"]}


def fp_cmd(path, cmd, timeout=5.0):
    """One command to the virtual reader: one connection, no newline; the reader closes
    the connection once it took the command (LIST answers first)."""
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            assert time.monotonic() < end, f"the virtual reader at {path} does not answer"
            time.sleep(0.05)
    with s:
        s.settimeout(timeout)
        s.sendall(cmd.encode())
        out = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
    return out.decode()


def start(data, sock, processes):
    env = dict(os.environ, FP_VIRTUAL_DEVICE_STORAGE=sock,
               FP_DRIVERS_WHITELIST="virtual_device_storage")
    d = Vtod(data, extra=("--fingerprint", "libfprint", "--unlock-hold", "1"), env=env)
    processes.append(d)
    status, body = http(d.http_port, "PUT", "/api/v1/facade", LAYOUT)
    assert status == 200, body
    assert fp_cmd(sock, "LIST") == ""  # the reader is open
    return d


def state(vtod):
    return http(vtod.http_port, "GET", "/api/v1/sim/state")[1]


def wait_for(predicate, what, timeout=8):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"no {what} within {timeout}s"
        time.sleep(0.05)


def touch(vtod, sock, finger):
    fp_cmd(sock, f"SCAN {finger}")
    wait_for(lambda: state(vtod)["display"]["lines"][0] in ("Door open", "Fingerprint not recognised"),
             f"an answer to {finger}")
    answer = state(vtod)["display"]["lines"][0]
    # The message stays 3 s; move on once it is gone so that the next answer is new.
    wait_for(lambda: state(vtod)["display"]["lines"][0] not in ("Door open",
                                                                "Fingerprint not recognised"),
             "the answer to clear")
    return answer


def test_a_libfprint_reader_enrols_and_identifies(tmp_path, processes):
    data = str(tmp_path / "data")
    sock = str(tmp_path / "fp.sock")
    vtoctl(data, "room", "add", "101", "--password", "Room-pass1")
    vtod = start(data, sock, processes)
    fp_cmd(sock, "SET_ENROLL_STAGES 1")

    enrolled = {}
    t = threading.Thread(target=lambda: enrolled.update(answer=http(
        vtod.http_port, "POST", "/api/v1/access/fingerprints",
        {"room": "101", "person": "Anna", "finger": "right index"})))
    t.start()
    wait_for(lambda: any("enrolment started" in l for l in vtod.stderr_lines),
             "the reader to start enrolling")
    fp_cmd(sock, "SCAN anna")
    t.join(10)
    status, body = enrolled["answer"]
    assert status == 201, body
    assert fp_cmd(sock, "LIST") == "anna\n"

    assert touch(vtod, sock, "anna") == "Door open"
    assert touch(vtod, sock, "zoe") == "Fingerprint not recognised"
    fp_cmd(sock, "RETRY 1")  # a bad scan: asked again, nothing decided
    assert touch(vtod, sock, "anna") == "Door open"
    status, body = http(vtod.http_port, "GET", "/api/v1/records/unlocks?method=fingerprint&order=oldest")
    assert [(r["result"], r["credential"]) for r in body["records"]] == [
        ("granted", "right index"), ("refused", ""), ("granted", "right index")]

    # After a restart the template comes from the database; the virtual reader has
    # forgotten its storage, so it is told again which finger it holds.
    vtod.stop()
    processes.remove(vtod)
    vtod = start(data, sock, processes)
    fp_cmd(sock, "INSERT anna")
    assert touch(vtod, sock, "anna") == "Door open"


def test_without_a_reader_vtod_runs_and_says_so(tmp_path, processes):
    data = str(tmp_path / "data")
    vtoctl(data, "room", "add", "101", "--password", "Room-pass1")
    env = dict(os.environ, FP_DRIVERS_WHITELIST="virtual_device_storage")  # and no socket
    env.pop("FP_VIRTUAL_DEVICE_STORAGE", None)
    vtod = Vtod(data, extra=("--fingerprint", "libfprint"), env=env)
    processes.append(vtod)
    assert http(vtod.http_port, "PUT", "/api/v1/facade", LAYOUT)[0] == 200
    status, body = http(vtod.http_port, "POST", "/api/v1/access/fingerprints",
                        {"room": "101", "finger": "right index"})
    assert status == 503 and body["error"] == "no fingerprint reader", body
    wait_for(lambda: any("finds no reader" in l for l in vtod.stderr_lines), "the log line")
