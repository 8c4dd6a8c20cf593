"""vtod under a service manager (systemd's notification protocol, as a board's unit with
Type=notify and WatchdogSec= runs it): READY=1 once it serves, WATCHDOG=1 pings at half the
watchdog period while its core thread runs, none once it hangs, STOPPING=1 at a stop."""
import os
import signal
import socket
import time

from harness import Vtod, http


def datagrams(sock, seconds):
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            out.append(sock.recv(256).decode())
        except socket.timeout:
            break
    return out


def test_vtod_says_ready_pings_the_watchdog_while_it_runs_and_says_stopping(tmp_path, processes):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")  # pings every 0.2 s
    v = Vtod(str(tmp_path / "data"), env=env)
    processes.append(v)
    got = datagrams(sock, 1.2)
    assert got.count("READY=1") == 1, got
    assert 3 <= got.count("WATCHDOG=1") <= 8, got
    # The process hangs (stopped): no pings, so systemd would kill and restart it.
    os.kill(v.proc.pid, signal.SIGSTOP)
    datagrams(sock, 0.3)  # a ping may be on its way
    assert datagrams(sock, 1.0) == []
    os.kill(v.proc.pid, signal.SIGCONT)
    assert "WATCHDOG=1" in datagrams(sock, 1.0)
    status, _ = http(v.http_port, "GET", "/api/v1/health")
    v.stop()
    assert "STOPPING=1" in datagrams(sock, 0.5)
