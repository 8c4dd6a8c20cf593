"""System maintenance through the API, on the real vtod: a configuration backup taken on one
device and restored onto a fresh data directory gives the same rooms, cards, VTOs and
settings (compared by API), a wrong passphrase restores nothing; a restart keeps the process
and the addresses; a factory reset wants the password again and leaves a fresh device."""
import json
import os
import time

from harness import ADMIN_PASSWORD, ROOM_PASSWORD, TOKENS, Vtod, http, http_raw, vtoctl

PASSPHRASE = "a long passphrase 42"


def login(port, user, password):
    status, headers, body = http_raw(port, "POST", "/api/v1/auth/login",
                                     {"user": user, "password": password}, token="")
    assert status == 200, body
    return headers["set-cookie"].split(";")[0], body["csrf"]


def as_session(port, method, path, body, cookie, csrf):
    return http_raw(port, method, path, body, headers={"Cookie": cookie, "X-CSRF-Token": csrf},
                    token="")


def wait_restarted(vtod):
    """The next ready line: the same process, on the same web port."""
    line = vtod.wait_line(lambda l: l.startswith("vtod ready"), timeout=20, what="ready line after restart")
    assert f"https={vtod.http_port} " in line, line
    assert vtod.proc.poll() is None


def configuration(port):
    """What a restore must carry over, as the API shows it."""
    rooms = http(port, "GET", "/api/v1/rooms")[1]
    cards = http(port, "GET", "/api/v1/access/cards")[1]
    vtos = http(port, "GET", "/api/v1/vtos")[1]
    local = http(port, "GET", "/api/v1/settings/local")[1]
    lock = http(port, "GET", "/api/v1/access/lock")[1]
    return {
        "rooms": [(r["number"], r["last_name"]) for r in rooms["rooms"]],
        "cards": [(c["number"], c["room"], c["person"]) for c in cards["cards"]],
        "vtos": sorted(v["number"] for v in vtos["vtos"]),
        "local": local,
        "unlock_seconds": lock["unlock_seconds"],
    }


def test_a_backup_restored_onto_a_fresh_device_gives_the_same_configuration(tmp_path, processes):
    first = Vtod(str(tmp_path / "first"), vto_number="6901")
    processes.append(first)
    port = first.http_port
    for n in ("101", "102", "1507"):
        status, body = http(port, "POST", "/api/v1/rooms", {"number": n, "password": ROOM_PASSWORD,
                                                            "last_name": f"Flat {n}"})
        assert status == 201, body
    assert http(port, "POST", "/api/v1/access/cards", {"number": "C0FFEE42", "room": "101",
                                                       "person": "Anna"})[0] == 201
    assert http(port, "POST", "/api/v1/vtos", {"number": "8002", "password": "Vto-pass-12"})[0] == 201
    lock = http(port, "GET", "/api/v1/access/lock")[1]
    assert http(port, "PUT", "/api/v1/access/lock", dict(lock, unlock_seconds=7))[0] == 200
    before = configuration(port)

    # A passphrase too short is refused; the backup is sealed: no room password readable.
    status, body = http(port, "POST", "/api/v1/system/backup", {"passphrase": "short"})
    assert status == 400 and body["field"] == "passphrase", body
    status, headers, backup = http_raw(port, "POST", "/api/v1/system/backup",
                                       {"passphrase": PASSPHRASE}, raw=True)
    assert status == 200, backup
    assert "openvto-backup-6901-" in headers["content-disposition"]
    assert headers["cache-control"] == "no-store"
    assert json.loads(backup)["format"] == "openvto-backup"
    assert ROOM_PASSWORD not in backup and "Flat 101" not in backup and "C0FFEE42" not in backup

    second = Vtod(str(tmp_path / "second"))
    processes.append(second)
    p2 = second.http_port
    restore = lambda query, passphrase: http_raw(  # noqa: E731
        p2, "POST", "/api/v1/system/restore" + query, backup,
        headers={"Content-Type": "application/json", "X-Backup-Passphrase": passphrase})
    # A wrong passphrase restores nothing, and so does a passphrase in the URL.
    status, _, body = restore("", "not the passphrase")
    assert status == 400 and body["field"] == "passphrase" and "wrong passphrase" in body["error"]
    status, _, body = restore("?passphrase=" + PASSPHRASE.replace(" ", "+"), PASSPHRASE)
    assert status == 400 and "never in the URL" in body["error"]
    assert http(p2, "GET", "/api/v1/rooms")[1]["total"] == 0
    audit = http(p2, "GET", "/api/v1/audit?action=restore_refused")[1]
    assert audit["total"] == 1
    # The preview says what would change and changes nothing.
    status, _, preview = restore("?preview=1", PASSPHRASE)
    assert status == 200, preview
    assert preview["counts"]["rooms"] == {"now": 0, "backup": 3}
    assert preview["counts"]["cards"] == {"now": 0, "backup": 1}
    assert "local.vto_number" in preview["settings_changed"] or any(
        k.startswith("local") for k in preview["settings_changed"]), preview
    assert http(p2, "GET", "/api/v1/rooms")[1]["total"] == 0

    status, _, body = restore("", PASSPHRASE)
    assert status == 200 and body["restored"] and body["restarting"], body
    wait_restarted(second)
    # The accounts and tokens are the backup's now: the first device's token works here.
    TOKENS[p2] = first.token
    assert configuration(p2) == before
    assert http_raw(p2, "GET", "/api/v1/rooms", token=second.token)[0] == 401
    # The device keeps its own serial number.
    assert http(p2, "GET", "/api/v1/system/info")[1]["serial"] != \
        http(port, "GET", "/api/v1/system/info")[1]["serial"]


def test_vtoctl_backs_up_and_restores_with_local_access(tmp_path):
    data = str(tmp_path / "a")
    vtoctl(data, "init", "--password", ADMIN_PASSWORD)
    vtoctl(data, "room", "add", "301", "--password", ROOM_PASSWORD)
    out = str(tmp_path / "backup.json")
    import subprocess
    from harness import BIN
    run = lambda *args: subprocess.run([os.path.join(BIN, "vtoctl"), *args], input=PASSPHRASE + "\n",  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    r = run("--data", data, "backup", "--out", out)
    assert r.returncode == 0, r.stderr
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    fresh = str(tmp_path / "b")
    vtoctl(fresh, "init", "--password", ADMIN_PASSWORD)
    r = run("--data", fresh, "restore", out, "--preview")
    assert r.returncode == 0 and "rooms: 0 now, 1 in the backup" in r.stdout, r.stdout + r.stderr
    assert "301" not in vtoctl(fresh, "room", "list").stdout
    r = subprocess.run([os.path.join(BIN, "vtoctl"), "--data", fresh, "restore", out],
                       input="wrong passphrase\n", capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "wrong passphrase" in r.stderr
    r = run("--data", fresh, "restore", out)
    assert r.returncode == 0, r.stderr
    assert "301" in vtoctl(fresh, "room", "list").stdout


def test_restart_keeps_the_process_and_a_factory_reset_leaves_a_fresh_device(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    port = vtod.http_port
    assert http(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD})[0] == 201
    pid = vtod.proc.pid
    status, body = http(port, "POST", "/api/v1/system/restart", {})
    assert status == 202 and body["restarting"], body
    wait_restarted(vtod)
    assert vtod.proc.pid == pid
    assert http(port, "GET", "/api/v1/rooms")[1]["total"] == 1  # nothing lost

    # A token may not reset the device: a person logged in, with the password again.
    status, body = http(port, "POST", "/api/v1/system/factory-reset", {"password": ADMIN_PASSWORD})
    assert status == 403, body
    cookie, csrf = login(port, "admin", ADMIN_PASSWORD)
    status, _, body = as_session(port, "POST", "/api/v1/system/factory-reset",
                                 {"password": "Wrong-pass-99"}, cookie, csrf)
    assert status == 400 and body["field"] == "password", body
    assert http(port, "GET", "/api/v1/rooms")[1]["total"] == 1
    status, _, body = as_session(port, "POST", "/api/v1/system/factory-reset",
                                 {"password": ADMIN_PASSWORD}, cookie, csrf)
    assert status == 202 and body["factory_reset"], body
    wait_restarted(vtod)
    status, _, body = http_raw(port, "GET", "/api/v1/auth/status", token="")
    assert status == 200 and body["initialized"] is False, body
    assert http_raw(port, "GET", "/api/v1/rooms", token=vtod.token)[0] == 401


def test_the_volumes_change_the_speaker_and_the_microphone_of_a_call(tmp_path, processes):
    import time
    from harness import Vth, wait_sim_state
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    port = vtod.http_port
    assert http(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD})[0] == 201
    assert http(port, "GET", "/api/v1/settings/sound")[1] == {"microphone": 100, "ring": 50, "talk": 100}
    for bad in ({"talk": 101}, {"ring": -1}, {"microphone": "loud"}):
        status, body = http(port, "PUT", "/api/v1/settings/sound", bad)
        assert status == 400 and body["field"] == next(iter(bad)), body
    monitor = Vth(vtod.sip, "101#0", ROOM_PASSWORD, auto_answer=0)
    processes.append(monitor)
    monitor.event("registered")
    assert http(port, "POST", "/api/v1/sim/press", {"key": "button1"})[0] == 200
    monitor.event("answered")

    def door_hears():  # the level of the monitor's tone at the door's speaker, settled
        time.sleep(0.6)
        return wait_sim_state(vtod, lambda s: s["audio"] and s["audio"][0]["packets_received"] > 20,
                              what="audio")["audio"][0]["level_db"]

    def monitor_hears():  # the level of the door's microphone at the monitor
        time.sleep(0.6)
        monitor.skip_unread()  # vth says it every 0.5 s: not what it heard before the change
        monitor.event("media")
        return monitor.event("media").get("audio_level_db", -127)

    loud_door, loud_monitor = door_hears(), monitor_hears()
    assert loud_door > -40 and loud_monitor > -40, (loud_door, loud_monitor)
    # 10 of 100 is a tenth of the amplitude: 20 dB less, in the call already running.
    status, body = http(port, "PUT", "/api/v1/settings/sound", {"talk": 10, "microphone": 10})
    assert status == 200 and body == {"microphone": 10, "ring": 50, "talk": 10}, body
    quiet_door, quiet_monitor = door_hears(), monitor_hears()
    assert 15 < loud_door - quiet_door < 25, (loud_door, quiet_door)
    assert 15 < loud_monitor - quiet_monitor < 25, (loud_monitor, quiet_monitor)
    monitor.send("hangup")


def test_the_new_routes_refuse_the_roles_below_theirs(tmp_path, processes):
    """A viewer may read the Overview and the volumes, not change them, nor back up, restore,
    restart, reset, acknowledge an alarm or drive the hosted monitor; an operator may do the
    last two, not the rest. Nothing of it changes anything."""
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    port = vtod.http_port
    tokens = {role: vtoctl(vtod.data_dir, "token", "create", "--role", role, "--name", role).stdout.strip()
              for role in ("viewer", "operator")}
    call = lambda role, method, path, body=None: http_raw(port, method, path, body, token=tokens[role])[0]  # noqa: E731
    assert call("viewer", "GET", "/api/v1/system/info") == 200
    assert call("viewer", "GET", "/api/v1/settings/sound") == 200
    assert call("viewer", "GET", "/api/v1/sim/monitor") == 200
    admin_only = [("POST", "/api/v1/system/backup", {"passphrase": "a long passphrase 42"}),
                  ("POST", "/api/v1/system/restore?preview=1", {}),
                  ("POST", "/api/v1/system/restart", {}),
                  ("POST", "/api/v1/system/factory-reset", {"password": ADMIN_PASSWORD}),
                  ("PUT", "/api/v1/settings/sound", {"talk": 1})]
    operator_too = [("POST", "/api/v1/records/alarms/1/acknowledge", {}),
                    ("POST", "/api/v1/sim/monitor", {"room": "101"}),
                    ("POST", "/api/v1/sim/monitor/answer", {})]
    for method, path, body in admin_only + operator_too:
        assert call("viewer", method, path, body) == 403, (method, path)
    for method, path, body in admin_only:
        assert call("operator", method, path, body) == 403, (method, path)
    # Nothing changed: the same process, the volumes as they were, no monitor running.
    assert vtod.proc.poll() is None
    assert http(port, "GET", "/api/v1/settings/sound")[1]["talk"] == 100
    assert http(port, "GET", "/api/v1/sim/monitor")[1]["running"] is False


def test_the_hosted_monitor_keeps_the_room_password_off_its_command_line(tmp_path, processes):
    """The virtual panel's hosted monitor (a vth child of vtod) registers as the room's
    extension with the room's password; any local user can list command lines (ps), so the
    password is not on it."""
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    port = vtod.http_port
    secret = "Room-secret-93"
    status, body = http(port, "POST", "/api/v1/rooms", {"number": "101", "password": secret})
    assert status == 201, body
    status, body = http(port, "POST", "/api/v1/sim/monitor", {"room": "101"})
    assert status == 200 and body["running"], body
    deadline = time.monotonic() + 10
    while not http(port, "GET", "/api/v1/sim/monitor")[1]["registered"]:
        assert time.monotonic() < deadline, "the hosted monitor did not register"
        time.sleep(0.1)
    children = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if int(fields[1]) == vtod.proc.pid and b"vth" in cmdline:
            children.append(cmdline)
    assert len(children) == 1, children
    assert secret.encode() not in children[0], children[0]
    assert b"101#99" in children[0]
