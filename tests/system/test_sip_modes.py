"""Network Setting > SIP Server and Basic, applied live: a VTO switches from being the SIP
server to registering at another VTO (a second vtod) and back, fails over to a platform's
alternate server while the main one refuses it, and moves its SIP and HTTPS ports."""
import time

import pytest

from harness import ROOM_PASSWORD, VTO_PASSWORD, Vtod, Vth, http, vtoctl, wait_for


def sip_status(vtod):
    status, body = http(vtod.http_port, "GET", "/api/v1/settings/sip")
    assert status == 200
    return body["status"]


def test_a_vto_registers_at_another_vto_and_calls_through_it_then_serves_again(
        tmp_path, processes, building):
    a = Vtod(str(tmp_path / "a"), vto_number="8002", extra=("--button", "101"))
    processes.append(a)
    monitor = Vth(building.sip, "101#0", ROOM_PASSWORD, auto_answer=100)
    processes.append(monitor)
    monitor.event("registered")

    status, body = http(a.http_port, "PUT", "/api/v1/settings/sip", {"mode": "vto", "server_ip": "not an ip"})
    assert status == 400 and body["field"] == "server_ip"
    setting = {"mode": "vto", "server_ip": "127.0.0.1", "server_port": building.sip_port,
               "domain": "VDP", "user": "8002", "password": VTO_PASSWORD}
    status, body = http(a.http_port, "PUT", "/api/v1/settings/sip", setting)
    assert status == 200 and body["mode"] == "vto" and body["password_set"] is True
    assert "password" not in body
    wait_for(lambda: sip_status(a)["registered"], "registration at the other VTO")
    assert http(a.http_port, "GET", "/api/v1/health")[1]["mode"] == "vto"
    _, regs = http(building.http_port, "GET", "/api/v1/registrations?aor=8002")
    assert [r["aor"] for r in regs["registrations"]] == ["8002"]

    # The panel of A calls room 101 through B.
    assert http(a.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})[0] == 200
    incoming = monitor.event("incoming_call")
    assert "8002" in incoming["peer"]
    monitor.event("answered")
    monitor.send("hangup")
    wait_for(lambda: http(a.http_port, "GET", "/api/v1/sim/state")[1]["panel"]["state"] == "idle", "idle")

    # Back to serving the building itself: it unregisters from B.
    status, body = http(a.http_port, "PUT", "/api/v1/settings/sip", {"mode": "this"})
    assert status == 200 and body["status"]["serving"] is True
    wait_for(lambda: not http(building.http_port, "GET", "/api/v1/registrations?aor=8002")[1]["registrations"],
             "unregistration at B")
    assert http(a.http_port, "GET", "/api/v1/health")[1]["mode"] == "sip-server"


def test_the_platform_alternate_takes_over_while_the_main_server_refuses(tmp_path, processes, building):
    a = Vtod(str(tmp_path / "a"), vto_number="8002")
    processes.append(a)
    # The main server refuses this account (B does not know it); the alternate account works.
    setting = {"mode": "platform", "server_ip": "127.0.0.1", "server_port": building.sip_port, "domain": "VDP",
               "user": "7777", "password": "Wrong-pass-1", "alternate_ip": "127.0.0.1",
               "alternate_user": "8002", "alternate_password": VTO_PASSWORD}
    status, body = http(a.http_port, "PUT", "/api/v1/settings/sip", setting)
    assert status == 200, body
    st = wait_for(lambda: (lambda s: s if s["registered"] else None)(sip_status(a)), "registration at the alternate")
    assert st["active"] == "alternate"
    status, log = http(a.http_port, "GET", "/api/v1/audit?action=settings_changed")
    assert "mode platform" in log["entries"][0]["detail"]


def test_ports_move_live_and_a_taken_port_changes_nothing(tmp_path, processes, building):
    import socket
    a = Vtod(str(tmp_path / "a"), vto_number="8002")
    processes.append(a)
    status, net = http(a.http_port, "GET", "/api/v1/settings/network")
    assert status == 200 and net["https_port"] == a.http_port and net["sip_port"] == a.sip_port
    # A port another program holds: refused, and nothing moved.
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    status, body = http(a.http_port, "PUT", "/api/v1/settings/network", dict(net, https_port=taken))
    assert status == 409 and "cannot listen" in body["error"]
    holder.close()
    status, body = http(a.http_port, "PUT", "/api/v1/settings/network", dict(net, sip_port=net["https_port"]))
    assert status == 400 and body["field"] == "sip_port"
    status, body = http(a.http_port, "PUT", "/api/v1/settings/network", dict(net, mask="255.0.255.0"))
    assert status == 400 and body["field"] == "mask"

    free = []
    for _ in range(2):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        free.append(s.getsockname()[1])
        s.close()
    new_https, new_sip = free
    status, body = http(a.http_port, "PUT", "/api/v1/settings/network",
                        dict(net, https_port=new_https, sip_port=new_sip, ip="192.168.1.108"))
    assert status == 200 and body["https_port"] == new_https
    # The API answers on the new port only; a monitor registers on the new SIP port.
    from harness import TOKENS
    TOKENS[new_https] = TOKENS[a.http_port]
    status, net2 = http(new_https, "GET", "/api/v1/settings/network")
    assert status == 200 and net2["sip_port"] == new_sip and net2["ip"] == "192.168.1.108"
    with pytest.raises(OSError):
        http(a.http_port, "GET", "/api/v1/settings/network")
    vtoctl(a.data_dir, "room", "add", "101", "--password", ROOM_PASSWORD)
    monitor = Vth(f"127.0.0.1:{new_sip}", "101#0", ROOM_PASSWORD)
    processes.append(monitor)
    monitor.event("registered")


def test_a_saved_port_taken_at_start_falls_back_to_the_command_line(tmp_path, processes):
    import socket
    data = str(tmp_path / "a")
    a = Vtod(data, vto_number="8002")
    processes.append(a)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    saved = s.getsockname()[1]
    s.close()
    status, net = http(a.http_port, "GET", "/api/v1/settings/network")
    status, body = http(a.http_port, "PUT", "/api/v1/settings/network", dict(net, https_port=saved))
    assert status == 200
    a.stop()
    processes.remove(a)
    # Another program takes the saved port while the station is off.
    holder = socket.socket()
    holder.bind(("127.0.0.1", saved))
    holder.listen()
    try:
        b = Vtod(data, vto_number="8002")
        processes.append(b)
        assert b.http_port != saved
        # The log line goes to stderr, read on its own thread: it may lag the ready line.
        wait_for(lambda: any("saved HTTPS port" in l for l in b.stderr_lines), "the log line")
        status, net = http(b.http_port, "GET", "/api/v1/settings/network")
        assert status == 200 and net["https_port"] == b.http_port
    finally:
        holder.close()


def test_the_exit_button_opens_the_door(tmp_path, processes):
    a = Vtod(str(tmp_path / "a"), extra=("--unlock-hold", "1"))
    processes.append(a)
    assert http(a.http_port, "POST", "/api/v1/sim/press", {"key": "exit"})[0] == 200
    wait_for(lambda: http(a.http_port, "GET", "/api/v1/sim/state")[1]["lock"]["open"], "the lock open")
    wait_for(lambda: not http(a.http_port, "GET", "/api/v1/sim/state")[1]["lock"]["open"], "the lock closed",
             timeout=5)
