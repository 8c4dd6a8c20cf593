"""The web interface's API as a browser and a script use it, against the real vtod over
HTTPS: initialization, login sessions with their cookie and CSRF token, the account lock,
roles, API tokens, the audit log, and the household and local settings."""
import json
import time

import pytest

from harness import ADMIN_PASSWORD, Vtod, http, http_raw, vtoctl

ROOM_PASSWORD = "Room-pass1"


@pytest.fixture
def fresh(tmp_path, processes):
    """A vtod on a device nobody has initialized."""
    d = Vtod(str(tmp_path / "data"), initialize=False)
    processes.append(d)
    return d


def post(port, path, body, cookie=None, csrf=None, headers=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if csrf:
        h["X-CSRF-Token"] = csrf
    return http_raw(port, "POST", path, body, headers=h, token="")


def login(port, user, password):
    status, headers, body = post(port, "/api/v1/auth/login", {"user": user, "password": password})
    assert status == 200, body
    cookie = headers["set-cookie"].split(";")[0]
    return cookie, body["csrf"]


def test_http_only_redirects_and_a_fresh_device_asks_for_initialization(fresh):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", fresh.redirect_port, timeout=5)
    conn.request("GET", "/api/v1/health", headers={"Host": "door.example:80"})
    r = conn.getresponse()
    assert r.status == 308
    assert r.getheader("Location") == f"https://door.example:{fresh.http_port}/api/v1/health"
    conn.close()

    status, _, body = http_raw(fresh.http_port, "GET", "/api/v1/auth/status", token="")
    # Nothing but that, and the station's time zone (for showing times): no session.
    assert status == 200 and body["initialized"] is False, body
    assert set(body) == {"initialized", "time_zone"}, body
    status, _, body = http_raw(fresh.http_port, "GET", "/api/v1/rooms", token="")
    assert status == 401 and body["initialized"] is False
    # The page itself is served, with a policy that forbids anything not from the device.
    status, headers, text = http_raw(fresh.http_port, "GET", "/", token="", raw=True)
    assert status == 200 and "<title>OpenVTO" in text
    assert "script-src 'self'" in headers["content-security-policy"]


def test_initialization_names_the_broken_rule_and_happens_once(fresh):
    port = fresh.http_port
    for password, rule in [("short1A", "length"), ("abcdefghij", "classes"), ("Admin-1234", "sequence"),
                           ("nimda", "length"), ("Paaass-word1", "repeat")]:
        status, _, body = post(port, "/api/v1/auth/init", {"password": password})
        assert status == 400 and body["field"] == "password" and body["rule"] == rule, (password, body)
    status, _, body = post(port, "/api/v1/auth/init", {"password": "Door-Test-2468", "email": "nope"})
    assert status == 400 and body["field"] == "email", body
    status, _, body = post(port, "/api/v1/auth/init", {"password": "Door-Test-2468"},
                           headers={"Content-Type": "text/plain"})
    assert status == 415
    status, _, body = post(port, "/api/v1/auth/init",
                           {"password": "Door-Test-2468", "email": "it@example.org"})
    assert status == 201 and body == {"user": "admin"}
    status, _, body = post(port, "/api/v1/auth/init", {"password": "Other-Pass-975"})
    assert status == 409
    # Local access says the same.
    r = vtoctl(fresh.data_dir, "init", "--password", "Other-Pass-975", check=False)
    assert r.returncode == 1 and "already initialized" in r.stderr


def test_login_session_cookie_csrf_and_logout(fresh):
    port = fresh.http_port
    assert post(port, "/api/v1/auth/init", {"password": ADMIN_PASSWORD})[0] == 201
    status, headers, body = post(port, "/api/v1/auth/login", {"user": "admin", "password": ADMIN_PASSWORD})
    assert status == 200 and body["role"] == "admin"
    flags = [f.strip() for f in headers["set-cookie"].split(";")]
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} <= set(flags)
    cookie, csrf = headers["set-cookie"].split(";")[0], body["csrf"]

    status, _, me = http_raw(port, "GET", "/api/v1/auth/status", headers={"Cookie": cookie}, token="")
    assert me["user"] == "admin" and me["csrf"] == csrf
    # A change without the CSRF token, or from another site, is refused and applies nothing.
    room = {"number": "101", "password": ROOM_PASSWORD}
    assert post(port, "/api/v1/rooms", room, cookie=cookie)[0] == 403
    assert post(port, "/api/v1/rooms", room, cookie=cookie, csrf="x" * 43)[0] == 403
    status, _, _ = post(port, "/api/v1/rooms", room, cookie=cookie, csrf=csrf,
                        headers={"Origin": "https://evil.example"})
    assert status == 403
    status, _, rooms = http_raw(port, "GET", "/api/v1/rooms", headers={"Cookie": cookie}, token="")
    assert rooms == {"rooms": [], "total": 0}
    assert post(port, "/api/v1/rooms", room, cookie=cookie, csrf=csrf)[0] == 201

    status, headers, _ = post(port, "/api/v1/auth/logout", {}, cookie=cookie, csrf=csrf)
    assert status == 200 and "Max-Age=0" in headers["set-cookie"]
    status, _, _ = http_raw(port, "GET", "/api/v1/rooms", headers={"Cookie": cookie}, token="")
    assert status == 401


def test_five_failures_lock_the_account_from_that_address_and_the_lock_is_logged(vtod):
    port = vtod.http_port
    for _ in range(5):
        status, _, body = post(port, "/api/v1/auth/login", {"user": "admin", "password": "Wrong-pass-1"})
        assert status == 401 and body["error"] == "wrong user name or password"
    status, headers, body = post(port, "/api/v1/auth/login", {"user": "admin", "password": ADMIN_PASSWORD})
    assert status == 429 and "locked" in body["error"]
    assert 290 <= int(headers["retry-after"]) <= 301
    # An unknown account answers like a wrong password, not "no such user".
    status, _, body = post(port, "/api/v1/auth/login", {"user": "ghost", "password": "Wrong-pass-1"})
    assert status == 401 and body["error"] == "wrong user name or password"
    status, log = http(port, "GET", "/api/v1/audit?action=login_locked")
    assert status == 200 and log["total"] == 1
    entry = log["entries"][0]
    assert entry["user"] == "admin" and entry["address"] == "127.0.0.1"
    status, log = http(port, "GET", "/api/v1/audit?action=login_failed")
    assert log["total"] == 6


def test_the_login_rules_are_settings_that_hold_at_once_and_after_a_restart(tmp_path, processes):
    data = str(tmp_path / "data")
    vtod = Vtod(data)
    processes.append(vtod)
    rules = {"max_failures": 3, "lock_minutes": 2, "idle_minutes": 30}
    status, body = http(vtod.http_port, "PUT", "/api/v1/security/login", rules)
    assert status == 200 and body["login"] == rules
    status, body = http(vtod.http_port, "PUT", "/api/v1/security/login", {**rules, "lock_minutes": 0})
    assert status == 400 and body["field"] == "lock_minutes"
    vtod.stop()
    processes.remove(vtod)

    vtod = Vtod(data)
    processes.append(vtod)
    port = vtod.http_port
    assert http(port, "GET", "/api/v1/security")[1]["login"] == rules
    for _ in range(3):
        status, _, body = post(port, "/api/v1/auth/login", {"user": "admin", "password": "Wrong-pass-1"})
        assert status == 401, body
    status, headers, body = post(port, "/api/v1/auth/login", {"user": "admin", "password": ADMIN_PASSWORD})
    assert status == 429 and "locked" in body["error"]
    assert 110 <= int(headers["retry-after"]) <= 121


def test_roles_give_least_privilege(vtod):
    port = vtod.http_port
    for name, role in [("watcher", "viewer"), ("guard", "operator")]:
        status, body = http(port, "POST", "/api/v1/users",
                            {"name": name, "role": role, "password": "Strong-pass-97"})
        assert status == 201, body
    status, body = http(port, "POST", "/api/v1/users", {"name": "weak", "role": "viewer", "password": "weak"})
    assert status == 400 and body["field"] == "password" and body["rule"] == "length"
    status, body = http(port, "POST", "/api/v1/users", {"name": "x", "role": "boss", "password": "Strong-pass-97"})
    assert status == 400 and body["field"] == "role"

    cookie, csrf = login(port, "watcher", "Strong-pass-97")
    get = lambda path: http_raw(port, "GET", path, headers={"Cookie": cookie}, token="")[0]
    assert get("/api/v1/rooms") == 200 and get("/api/v1/records/calls") == 200
    assert get("/api/v1/users") == 403 and get("/api/v1/audit") == 403
    status, _, body = post(port, "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD},
                           cookie=cookie, csrf=csrf)
    assert status == 403 and "admin" in body["error"]
    assert post(port, "/api/v1/sim/press", {"key": "1"}, cookie=cookie, csrf=csrf)[0] == 403
    # Nor may a viewer make a module look missing.
    assert post(port, "/api/v1/sim/module", {"position": 3, "present": False},
                cookie=cookie, csrf=csrf)[0] == 403

    cookie, csrf = login(port, "guard", "Strong-pass-97")
    assert post(port, "/api/v1/sim/press", {"key": "1"}, cookie=cookie, csrf=csrf)[0] == 200
    assert post(port, "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD},
                cookie=cookie, csrf=csrf)[0] == 403

    # The admin sees who is online, and removes an account, which ends its sessions.
    status, online = http(port, "GET", "/api/v1/users/online")
    assert sorted(s["user"] for s in online["online"]) == ["guard", "watcher"]
    assert http(port, "DELETE", "/api/v1/users/guard")[0] == 200
    assert post(port, "/api/v1/sim/press", {"key": "1"}, cookie=cookie, csrf=csrf)[0] == 401
    assert http(port, "DELETE", "/api/v1/users/admin")[0] == 409  # the last admin stays


def test_password_change_ends_other_sessions_and_reset_needs_local_access(vtod):
    port = vtod.http_port
    first, _ = login(port, "admin", ADMIN_PASSWORD)
    second, csrf = login(port, "admin", ADMIN_PASSWORD)
    status, _, body = post(port, "/api/v1/auth/password",
                           {"old_password": "Wrong-pass-1", "new_password": "Better-pass-86"},
                           cookie=second, csrf=csrf)
    assert status == 400 and body["field"] == "old_password"
    status, _, body = post(port, "/api/v1/auth/password",
                           {"old_password": ADMIN_PASSWORD, "new_password": "nimda"},
                           cookie=second, csrf=csrf)
    assert status == 400 and body["field"] == "new_password"
    # The current password again is no change.
    status, _, body = post(port, "/api/v1/auth/password",
                           {"old_password": ADMIN_PASSWORD, "new_password": ADMIN_PASSWORD},
                           cookie=second, csrf=csrf)
    assert status == 400 and body["field"] == "new_password" and body["rule"] == "same", body
    status, _, body = post(port, "/api/v1/auth/password",
                           {"old_password": ADMIN_PASSWORD, "new_password": "Better-pass-86"},
                           cookie=second, csrf=csrf)
    assert status == 200, body
    get = lambda c: http_raw(port, "GET", "/api/v1/users", headers={"Cookie": c}, token="")[0]
    assert get(second) == 200 and get(first) == 401
    login(port, "admin", "Better-pass-86")

    r = vtoctl(vtod.data_dir, "reset", "--password", "admin1234", check=False)
    assert r.returncode == 1 and "sequence" in r.stderr
    vtoctl(vtod.data_dir, "reset", "--password", "Reset-pass-53")
    login(port, "admin", "Reset-pass-53")
    status, log = http(port, "GET", "/api/v1/audit?action=password_reset")
    assert log["total"] == 1 and log["entries"][0]["user"] == "vtoctl"


def test_api_tokens_are_made_used_and_revoked(vtod):
    port = vtod.http_port
    status, made = http(port, "POST", "/api/v1/tokens", {"name": "lift controller", "role": "viewer"})
    assert status == 201 and made["token"].startswith("vto_")
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert http_raw(port, "GET", "/api/v1/rooms", headers=bearer, token="")[0] == 200
    # A token is not a cookie: no CSRF token needed, but its role still holds.
    assert http_raw(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD},
                    headers=bearer, token="")[0] == 403
    status, listed = http(port, "GET", "/api/v1/tokens")
    assert "token" not in listed["tokens"][0] and {t["name"] for t in listed["tokens"]} >= {"lift controller"}
    assert http(port, "DELETE", f"/api/v1/tokens/{made['id']}")[0] == 200
    assert http_raw(port, "GET", "/api/v1/rooms", headers=bearer, token="")[0] == 401
    assert http_raw(port, "GET", "/api/v1/rooms", headers={"Authorization": "Bearer vto_nonsense"},
                    token="")[0] == 401


def login_from(port, source, user, password):
    """A login sent from loopback address `source`: (status, parsed body, cookie or None)."""
    import http.client
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=ctx,
                                       source_address=(source, 0))
    conn.request("POST", "/api/v1/auth/login", body=json.dumps({"user": user, "password": password}),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    body = json.loads(r.read() or b"{}")
    cookie = (r.getheader("Set-Cookie") or "").split(";")[0] or None
    conn.close()
    return r.status, body, cookie


def test_a_source_guessing_many_accounts_is_refused_and_an_account_under_attack_keeps_its_owner(vtod):
    """Per-account locks alone let one address try every account, and many addresses try one
    account: failures also count per source over every account (4x the Security page's figure)
    and per account over every source (2x); the owner's own address still gets in."""
    port = vtod.http_port
    assert http_raw(port, "PUT", "/api/v1/security/login",
                    {"max_failures": 3, "lock_minutes": 5, "idle_minutes": 15})[0] == 200
    assert login_from(port, "127.0.0.1", "admin", ADMIN_PASSWORD)[0] == 200  # the owner's place
    # One address, twelve accounts: no account is locked, the address is.
    for i in range(12):
        status, body, _ = login_from(port, "127.0.0.2", f"user{i}", "Wrong-pass-1")
        assert status == 401, body
    status, body, _ = login_from(port, "127.0.0.2", "admin", ADMIN_PASSWORD)
    assert status == 429 and "no login from this address" in body["error"], body
    # Six addresses, one wrong password each for admin: no pair is locked, the account is
    # braked for new addresses...
    for i in range(3, 9):
        status, body, _ = login_from(port, f"127.0.0.{i}", "admin", "Wrong-pass-1")
        assert status == 401, body
    status, body, _ = login_from(port, "127.0.0.20", "admin", ADMIN_PASSWORD)
    assert status == 429 and "from a new address" in body["error"], body
    # ...but not for the address its owner logged in from.
    status, body, cookie = login_from(port, "127.0.0.1", "admin", ADMIN_PASSWORD)
    assert status == 200 and cookie, body
    for action in ("login_source_blocked", "login_account_braked"):
        status, log = http(port, "GET", f"/api/v1/audit?action={action}")
        assert log["total"] == 1, (action, log)


def test_one_account_cannot_fill_the_session_table(vtod):
    port = vtod.http_port
    cookies = [login(port, "admin", ADMIN_PASSWORD)[0] for _ in range(9)]
    me = lambda c: http_raw(port, "GET", "/api/v1/auth/status", headers={"Cookie": c}, token="")[2]
    assert "user" not in me(cookies[0])  # its own oldest session made room
    assert all(me(c).get("user") == "admin" for c in cookies[1:])


def test_tokens_expire_and_go_with_the_account_that_made_them(vtod):
    port = vtod.http_port
    status, body = http(port, "POST", "/api/v1/tokens", {"name": "x", "role": "viewer", "days": 0})
    assert status == 400 and body["field"] == "days", body
    status, body = http(port, "POST", "/api/v1/tokens", {"name": "x", "role": "viewer", "days": 366})
    assert status == 400 and body["field"] == "days", body
    status, body = http(port, "POST", "/api/v1/tokens", {"name": "month", "role": "viewer", "days": 30})
    assert status == 201, body
    assert abs(body["expires_ms"] - (time.time() + 30 * 86400) * 1000) < 60000, body
    status, listed = http(port, "GET", "/api/v1/tokens")
    assert next(t for t in listed["tokens"] if t["name"] == "month")["expires_ms"] == body["expires_ms"]
    # An installer's token goes with the installer's account.
    assert http(port, "POST", "/api/v1/users",
                {"name": "installer", "role": "admin", "password": "Install-pass-8642"})[0] == 201
    cookie, csrf = login(port, "installer", "Install-pass-8642")
    status, _, made = post(port, "/api/v1/tokens", {"name": "installer's script", "role": "admin"},
                           cookie=cookie, csrf=csrf)
    assert status == 201, made
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert http_raw(port, "GET", "/api/v1/rooms", headers=bearer, token="")[0] == 200
    # A token made with that token is the installer's too: no way to outlive the account.
    status, _, child = http_raw(port, "POST", "/api/v1/tokens", {"name": "child", "role": "viewer"},
                                token=made["token"])
    assert status == 201, child
    child_bearer = {"Authorization": f"Bearer {child['token']}"}
    assert http_raw(port, "GET", "/api/v1/rooms", headers=child_bearer, token="")[0] == 200
    assert http(port, "DELETE", "/api/v1/users/installer")[0] == 200
    assert http_raw(port, "GET", "/api/v1/rooms", headers=bearer, token="")[0] == 401
    assert http_raw(port, "GET", "/api/v1/rooms", headers=child_bearer, token="")[0] == 401
    status, listed = http(port, "GET", "/api/v1/tokens")
    assert all(t["created_by"] != "installer" for t in listed["tokens"]), listed


def test_https_answers_say_stay_on_https(vtod):
    status, headers, _ = http_raw(vtod.http_port, "GET", "/api/v1/health")
    assert headers.get("strict-transport-security") == "max-age=31536000", headers


def test_rooms_are_searched_sorted_and_paged_and_a_batch_previews_and_skips_existing(vtod):
    port = vtod.http_port
    batch = {"floors": 20, "rooms_per_floor": 10, "first_floor_first_room": 101,
             "second_floor_first_room": 201}
    status, body = http(port, "POST", "/api/v1/rooms", {"number": "1507", "password": ROOM_PASSWORD,
                                                        "last_name": "Zeller"})
    assert status == 201, body
    # The preview writes nothing and says which numbers exist.
    status, body = http(port, "POST", "/api/v1/rooms/batch", dict(batch, preview=True))
    assert status == 200 and len(body["new"]) == 199 and body["existing"] == ["1507"], body
    assert http(port, "GET", "/api/v1/rooms")[1]["total"] == 1
    # Without skip_existing the batch is refused whole; with it, the others are added.
    status, body = http(port, "POST", "/api/v1/rooms/batch", batch)
    assert status == 409 and "1507" in body["error"], body
    status, body = http(port, "POST", "/api/v1/rooms/batch", dict(batch, skip_existing=True))
    assert status == 201 and len(body["added"]) == 199 and body["skipped"] == 1, body
    assert "1507" not in body["added"]
    # Paging with the total, a search by number or name, sorting.
    status, page = http(port, "GET", "/api/v1/rooms?offset=25&limit=25")
    assert status == 200 and page["total"] == 200 and len(page["rooms"]) == 25
    assert page["rooms"][0]["number"] == "306"
    status, found = http(port, "GET", "/api/v1/rooms?q=1507")
    assert [r["number"] for r in found["rooms"]] == ["1507"] and found["total"] == 1
    status, found = http(port, "GET", "/api/v1/rooms?q=zell")
    assert [r["number"] for r in found["rooms"]] == ["1507"]
    status, last = http(port, "GET", "/api/v1/rooms?order=desc&limit=1")
    assert last["rooms"][0]["number"] == "2010" and last["total"] == 200
    status, by_name = http(port, "GET", "/api/v1/rooms?sort=name&order=desc&limit=1")
    assert by_name["rooms"][0]["number"] == "1507"
    for query, name in (("limit=0", "limit"), ("limit=1001", "limit"), ("sort=colour", "sort"),
                        ("order=up", "order"), ("offset=-1", "offset"), ("q=" + "x" * 65, "q")):
        status, body = http(port, "GET", "/api/v1/rooms?" + query)
        assert status == 400 and name in body["error"], (query, body)
    status, vtos = http(port, "GET", "/api/v1/vtos?q=8001&limit=5")
    assert status == 200 and vtos["total"] == len(vtos["vtos"]) >= 1


def test_rooms_batch_edit_delete_clear_with_named_fields(vtod):
    port = vtod.http_port
    batch = {"floors": 3, "rooms_per_floor": 2, "first_floor_first_room": 101,
             "second_floor_first_room": 201}
    status, body = http(port, "POST", "/api/v1/rooms/batch", batch)
    assert status == 201 and body["added"] == ["101", "102", "201", "202", "301", "302"]
    # Each room its own random password, shown this once.
    passwords = {r["number"]: r["password"] for r in body["rooms"]}
    assert list(passwords) == body["added"] and len(set(passwords.values())) == 6
    status, body = http(port, "POST", "/api/v1/rooms/batch", dict(batch, second_floor_first_room=102))
    assert status == 400 and body["field"] == "second_floor_first_room", body
    status, body = http(port, "POST", "/api/v1/rooms/batch", dict(batch, first_floor_first_room=401, second_floor_first_room=501, password="x"))
    assert status == 400 and body["field"] == "password", body
    status, body = http(port, "POST", "/api/v1/rooms", {"number": "1234567", "password": ROOM_PASSWORD})
    assert status == 400 and body["field"] == "number", body
    status, body = http(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD})
    assert status == 409
    status, body = http(port, "PUT", "/api/v1/rooms/101", {"first_name": "Ada", "last_name": "Lovelace"})
    assert status == 200 and body["first_name"] == "Ada"
    status, rooms = http(port, "GET", "/api/v1/rooms")
    assert [r["number"] for r in rooms["rooms"]] == ["101", "102", "201", "202", "301", "302"]
    assert rooms["rooms"][0]["last_name"] == "Lovelace" and "password" not in rooms["rooms"][0]
    # The first facade maps its buttons to 101 and 102 (vtod's --button default): unmap them.
    assert http(port, "DELETE", "/api/v1/rooms/102")[0] == 409
    status, body = http(port, "PUT", "/api/v1/facade", {"modules": [{"kind": "buttons", "buttons": 2}],
                                                       "buttons": ["", ""]})
    assert status == 200, body
    assert http(port, "DELETE", "/api/v1/rooms/102")[0] == 200
    assert http(port, "DELETE", "/api/v1/rooms/102")[0] == 404
    assert http(port, "DELETE", "/api/v1/rooms")[0] == 200
    assert http(port, "GET", "/api/v1/rooms")[1] == {"rooms": [], "total": 0}


def test_room_online_status_follows_registration(vtod, start_vth):
    port = vtod.http_port
    assert http(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD})[0] == 201
    monitor = start_vth("101#0", ROOM_PASSWORD)
    monitor.event("registered")
    status, rooms = http(port, "GET", "/api/v1/rooms")
    assert rooms["rooms"][0]["online"] == ["101#0"]


def test_vto_number_changes_live_for_new_calls(vtod, start_vth):
    port = vtod.http_port
    assert http(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD})[0] == 201
    status, local = http(port, "GET", "/api/v1/settings/local")
    assert status == 200 and local["vto_number"] == "8001" and local["sip_server_mode"] == "this"
    for body, field in [({"vto_number": "123456"}, "vto_number"), ({"building": "12a"}, "building"),
                        ({"system_type": "analogue"}, "system_type"),
                        ({"vto_number": "8002", "unit": "1234"}, "unit")]:
        status, answer = http(port, "PUT", "/api/v1/settings/local", body)
        assert status == 400 and answer["field"] == field, answer
    assert http(port, "GET", "/api/v1/settings/local")[1]["vto_number"] == "8001"  # nothing applied
    status, local = http(port, "PUT", "/api/v1/settings/local", {"vto_number": "8002"})
    assert status == 200 and local["vto_number"] == "8002"

    monitor = start_vth("101#0", ROOM_PASSWORD, auto_answer=100)
    monitor.event("registered")
    assert http(port, "POST", "/api/v1/calls", {"to": "101#0"})[0] == 202
    incoming = monitor.event("incoming_call")
    assert "8002" in incoming.get("peer", ""), incoming
    status, log = http(port, "GET", "/api/v1/audit?action=settings_changed")
    assert any("vto_number=8002" in e["detail"] for e in log["entries"])


def test_security_certificate_upload_allow_list_and_http_service(vtod, tmp_path):
    import hashlib
    import socket
    import ssl
    import subprocess
    port = vtod.http_port

    def served_fingerprint():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with ctx.wrap_socket(raw) as tls:
                der = tls.getpeercert(binary_form=True)
        return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())

    status, sec = http(port, "GET", "/api/v1/security")
    assert status == 200 and sec["certificate"]["self_signed"] is True
    assert sec["certificate"]["sha256_fingerprint"] == served_fingerprint()

    # An installer's own certificate (made here with openssl) replaces it for new connections.
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "30",
                    "-subj", "/CN=door.example"], check=True, capture_output=True)
    other_key = tmp_path / "other.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(other_key)], check=True, capture_output=True)
    status, body = http(port, "PUT", "/api/v1/security/certificate",
                        {"certificate_pem": cert.read_text(), "private_key_pem": other_key.read_text()})
    assert status == 400 and body["field"] == "private_key_pem", body
    assert "PRIVATE KEY" not in json_text(body)
    status, body = http(port, "PUT", "/api/v1/security/certificate",
                        {"certificate_pem": "not a certificate", "private_key_pem": key.read_text()})
    assert status == 400 and body["field"] == "certificate_pem", body
    status, body = http(port, "PUT", "/api/v1/security/certificate",
                        {"certificate_pem": cert.read_text(), "private_key_pem": key.read_text()})
    assert status == 200 and body["certificate"]["subject"] == "CN=door.example", body
    assert served_fingerprint() == body["certificate"]["sha256_fingerprint"]

    # The allow-list is checked entry by entry; loopback stays allowed.
    status, body = http(port, "PUT", "/api/v1/security/allow-list", {"allow_list": ["10.0.0.0/8", "300.1.2.3"]})
    assert status == 400 and body["field"].startswith("allow_list"), body
    status, body = http(port, "PUT", "/api/v1/security/allow-list", {"allow_list": ["10.0.0.0/8"]})
    assert status == 200 and body["allow_list"] == ["10.0.0.0/8"]
    assert http(port, "GET", "/api/v1/health")[0] == 200

    # The plain-HTTP port can be switched off and on again.
    from http.client import HTTPConnection

    def redirect_status():
        conn = HTTPConnection("127.0.0.1", vtod.redirect_port, timeout=3)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status
        finally:
            conn.close()
    assert redirect_status() == 308
    assert http(port, "PUT", "/api/v1/security/services", {"http": False})[0] == 200
    with pytest.raises(OSError):
        redirect_status()
    assert http(port, "PUT", "/api/v1/security/services", {"http": True})[0] == 200
    assert redirect_status() == 308
    status, log = http(port, "GET", "/api/v1/audit?action=settings_changed")
    assert log["total"] >= 4


def json_text(body):
    import json
    return json.dumps(body)


def test_numbers_in_use_are_protected_and_guessing_the_password_locks(vtod):
    port = vtod.http_port
    assert http(port, "POST", "/api/v1/rooms", {"number": "101", "password": ROOM_PASSWORD})[0] == 201
    # The VTO's own number and a room number never meet.
    status, body = http(port, "POST", "/api/v1/rooms", {"number": "8001", "password": ROOM_PASSWORD})
    assert status == 400 and body["field"] == "number", body
    status, body = http(port, "PUT", "/api/v1/settings/local", {"vto_number": "101"})
    assert status == 400 and body["field"] == "vto_number", body
    # A room on a call button is not deleted from under it.
    status, body = http(port, "PUT", "/api/v1/facade",
                        {"modules": [{"kind": "buttons", "buttons": 1}], "buttons": ["101"]})
    assert status == 200, body
    status, body = http(port, "DELETE", "/api/v1/rooms/101")
    assert status == 409 and "call button 1" in body["error"]
    assert http(port, "DELETE", "/api/v1/rooms")[0] == 409
    assert http(port, "GET", "/api/v1/rooms")[1]["rooms"][0]["number"] == "101"

    # A token is revoked, not logged out.
    status, body = http(port, "POST", "/api/v1/auth/logout", {})
    assert status == 400 and "revoked" in body["error"]

    # Guessing the current password through a session counts like failed logins.
    cookie, csrf = login(port, "admin", ADMIN_PASSWORD)
    for _ in range(5):
        status, _, body = post(port, "/api/v1/auth/password",
                               {"old_password": "Wrong-pass-1", "new_password": "Better-pass-86"},
                               cookie=cookie, csrf=csrf)
        assert status == 400 and body["field"] == "old_password"
    status, _, body = post(port, "/api/v1/auth/password",
                           {"old_password": ADMIN_PASSWORD, "new_password": "Better-pass-86"},
                           cookie=cookie, csrf=csrf)
    assert status == 429, body
    status, log = http(port, "GET", "/api/v1/audit?action=password_change_failed")
    assert log["total"] == 5


def test_the_csv_export_without_a_limit_holds_every_record(vtod):
    import os
    import sqlite3
    port = vtod.http_port
    # 600 finished calls, written beside the running vtod as another process would (the
    # store is a shared SQLite file); more than one page of 500.
    db = sqlite3.connect(os.path.join(vtod.data_dir, "openvto.db"), timeout=10)
    now = int(time.time() * 1000)
    db.executemany("INSERT INTO call_records (started_ms, ended_ms, caller, called, result) "
                   "VALUES (?, ?, '8001', '101', 'failed')", [(now - i, now - i + 1) for i in range(600)])
    db.commit()
    db.close()
    status, _, text = http_raw(port, "GET", "/api/v1/records/calls.csv", raw=True)
    assert status == 200 and len(text.strip().splitlines()) == 601  # header + 600
    status, _, text = http_raw(port, "GET", "/api/v1/records/calls.csv?limit=10", raw=True)
    assert len(text.strip().splitlines()) == 11


def test_the_vto_list_holds_this_vto_and_keeps_passwords_write_only(vtod):
    port = vtod.http_port
    status, body = http(port, "GET", "/api/v1/vtos")
    assert [v["number"] for v in body["vtos"]] == ["8001"]
    status, body = http(port, "DELETE", "/api/v1/vtos/8001")
    assert status == 409 and "this VTO" in body["error"]
    vto = {"number": "8002", "password": "Vto-pass-12", "building": "1", "unit": "2", "ip": "192.168.1.20",
           "web_user": "installer", "web_password": "Web-pass-34"}
    status, body = http(port, "POST", "/api/v1/vtos", vto)
    assert status == 201 and body["web_password_set"] is True and "web_password" not in body
    status, body = http(port, "POST", "/api/v1/vtos", dict(vto, number="8003", web_user="bad user"))
    assert status == 400 and body["field"] == "web_user", body
    status, body = http(port, "PUT", "/api/v1/vtos/8002", {"ip": "192.168.1.21", "password": "", "web_password": ""})
    assert status == 200 and body["ip"] == "192.168.1.21" and body["web_password_set"] is True
    # Another VTO's number cannot become this one's; a free one moves this VTO's entry.
    status, body = http(port, "PUT", "/api/v1/settings/local", {"vto_number": "8002"})
    assert status == 400 and body["field"] == "vto_number", body
    assert http(port, "PUT", "/api/v1/settings/local", {"vto_number": "8005"})[0] == 200
    status, body = http(port, "GET", "/api/v1/vtos")
    assert sorted(v["number"] for v in body["vtos"]) == ["8002", "8005"]


def test_vtoctl_manages_rooms_through_the_api(vtod):
    port = vtod.http_port
    api = ("--api", f"https://127.0.0.1:{port}", "--token", vtod.token)
    r = vtoctl(vtod.data_dir, *api, "room", "add-batch", "--floors", "2", "--rooms-per-floor", "2",
               "--first-floor", "101", "--second-floor", "201")
    assert "4 rooms added: 101 102 201 202" in r.stdout
    lines = r.stdout.splitlines()
    assert lines[0] == "room,password" and [l.split(",")[0] for l in lines[1:5]] == ["101", "102", "201", "202"]
    r = vtoctl(vtod.data_dir, *api, "room", "add", "8001", "--password", ROOM_PASSWORD, check=False)
    assert r.returncode == 1 and "own number" in r.stderr
    r = vtoctl(vtod.data_dir, *api, "room", "list", "--json")
    assert [x["number"] for x in json.loads(r.stdout)] == ["101", "102", "201", "202"]
    # The station's certificate is checked (DATA/tls/cert.pem by default).
    r = vtoctl(vtod.data_dir, *api, "--cacert", "/etc/ssl/certs/ca-certificates.crt", "room", "list",
               check=False)
    assert r.returncode == 1 and "certificate verify failed" in r.stderr
    # The change is in the audit log like one made in the web interface.
    status, log = http(port, "GET", "/api/v1/audit?action=settings_changed")
    assert any("4 rooms added" in e["detail"] and e["user"] == "token:system-test" for e in log["entries"])
