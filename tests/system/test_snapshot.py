"""Snapshots of the door: /api/v1/snapshot for the web interface and scripts, and the path NVRs
and home automation use with this device family, /cgi-bin/snapshot.cgi, with HTTP digest
authentication on the HTTPS port and on the plain HTTP port. A snapshot is a JPEG of the
configured size taken after the request (its capture stamp is fresh). Who may watch is a
setting: an account whose role may not gets 403, over RTSP too."""
import subprocess
import tempfile
import time

from harness import ADMIN_PASSWORD, http, http_bytes, http_raw, jpeg_size, vtoctl

STAMP_BLOCKS = 40
STAMP_HEIGHT = 16


def curl(url, user=None, password=None, digest=True):
    """(status, headers text, body bytes) of a GET with curl, digest credentials if given."""
    with tempfile.NamedTemporaryFile() as body, tempfile.NamedTemporaryFile() as head:
        args = ["curl", "-s", "-k", "-o", body.name, "-D", head.name, "-w", "%{http_code}",
                "--max-time", "10"]
        if user:
            args += ["--digest" if digest else "--basic", "-u", f"{user}:{password}"]
        r = subprocess.run(args + [url], capture_output=True, text=True, timeout=20)
        return int(r.stdout or 0), open(head.name).read(), open(body.name, "rb").read()


def capture_stamp_age_ms(jpeg, received):
    """How old the frame was at `received` (time.monotonic()), from the capture stamp the test
    pattern writes over its top rows (media/video_source.h): decoded here with ffmpeg to grey
    levels."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(jpeg)
        f.flush()
        width, height = jpeg_size(jpeg)
        grey = subprocess.run(["ffmpeg", "-v", "error", "-i", f.name, "-f", "rawvideo", "-pix_fmt",
                               "gray", "-"], capture_output=True, timeout=30).stdout
    now_us = int(received * 1e6) % (1 << 32)
    block = width // STAMP_BLOCKS
    bits = 0
    for i in range(STAMP_BLOCKS):
        values = [grey[y * width + i * block + x] for y in range(4, 12)
                  for x in range(block // 4, block - block // 4)]
        mean = sum(values) / len(values)
        assert not 88 <= mean <= 168, f"block {i} is neither black nor white ({mean})"
        bits = bits << 1 | (1 if mean > 128 else 0)
    stamp = bits >> 8
    age_us = (now_us - stamp) % (1 << 32)
    return age_us / 1000


def test_a_snapshot_is_a_fresh_jpeg_of_the_configured_size(vtod):
    status, content_type, jpeg = http_bytes(vtod.http_port, "/api/v1/snapshot")
    assert status == 200 and content_type == "image/jpeg"
    assert jpeg_size(jpeg) == (640, 480)
    # Taken after the request: younger than the request itself plus a frame (15 fps).
    asked = time.monotonic()
    status, _, jpeg = http_bytes(vtod.http_port, "/api/v1/snapshot")
    received = time.monotonic()
    took_ms = (received - asked) * 1000
    age_ms = capture_stamp_age_ms(jpeg, received)
    print(f"snapshot in {took_ms:.0f} ms, frame {age_ms:.0f} ms old")
    assert age_ms <= took_ms + 100, (age_ms, took_ms)


def test_snapshot_cgi_takes_digest_on_both_web_ports(vtod):
    for url in (f"https://127.0.0.1:{vtod.http_port}/cgi-bin/snapshot.cgi?channel=1",
                f"http://127.0.0.1:{vtod.redirect_port}/cgi-bin/snapshot.cgi?channel=1"):
        status, headers, _ = curl(url)
        assert status == 401, headers
        assert 'WWW-Authenticate: Digest realm="OpenVTO"' in headers, headers
        status, _, _ = curl(url, "admin", "Wrong-pass1")
        assert status == 401
        status, _, _ = curl(url, "admin", ADMIN_PASSWORD, digest=False)  # no Basic, ever
        assert status == 401
        status, headers, jpeg = curl(url, "admin", ADMIN_PASSWORD)
        assert status == 200, headers
        assert "Content-Type: image/jpeg" in headers
        assert jpeg_size(jpeg) == (640, 480)
    status, _, _ = curl(f"https://127.0.0.1:{vtod.http_port}/cgi-bin/snapshot.cgi?channel=2",
                        "admin", ADMIN_PASSWORD)
    assert status == 404
    # Everything else on the plain port still only redirects.
    status, headers, _ = curl(f"http://127.0.0.1:{vtod.redirect_port}/api/v1/snapshot")
    assert status == 308 and f":{vtod.http_port}/api/v1/snapshot" in headers


def test_a_role_that_may_not_watch_gets_403(vtod):
    status, body = http(vtod.http_port, "POST", "/api/v1/users",
                        {"name": "guard", "role": "viewer", "password": "Guard-pass1",
                         "legacy_digest": True})
    assert status == 201 and body["legacy_digest"] is True, body
    status, viewer = http(vtod.http_port, "POST", "/api/v1/tokens",
                          {"name": "guard's script", "role": "viewer"})
    assert status == 201, viewer
    cgi = f"https://127.0.0.1:{vtod.http_port}/cgi-bin/snapshot.cgi"
    rtsp = f"rtsp://guard:Guard-pass1@127.0.0.1:{vtod.rtsp_port}/cam/realmonitor?channel=1&subtype=1"
    assert curl(cgi, "guard", "Guard-pass1")[0] == 200
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/live",
                        {"watch_roles": ["admin", "operator"]})
    assert status == 200 and body["watch_roles"] == ["admin", "operator"], body
    assert curl(cgi, "guard", "Guard-pass1")[0] == 403
    # Every picture: the web interface's snapshot and the camera of the virtual panel too.
    for path in ("/api/v1/snapshot", "/api/v1/sim/camera.jpg"):
        status, _, data = http_bytes(vtod.http_port, path, token=viewer["token"])
        assert status == 403 and not data.startswith(b"\xff\xd8"), (path, status)
        assert http_bytes(vtod.http_port, path)[0] == 200, path
    r = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", rtsp],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "403" in r.stderr, r.stderr
    assert curl(cgi, "admin", ADMIN_PASSWORD)[0] == 200
    # Bad settings are refused, naming the field.
    status, _, body = http_raw(vtod.http_port, "PUT", "/api/v1/settings/live",
                               {"watch_roles": ["everyone"]})
    assert status == 400 and body["field"] == "watch_roles", body
    status, _, body = http_raw(vtod.http_port, "PUT", "/api/v1/settings/live",
                               {"monitor_seconds": 5})
    assert status == 400 and body["field"] == "monitor_seconds", body


def test_players_need_an_account_that_opted_in_to_legacy_digest(vtod):
    """MD5 digest keys are kept only for accounts that opt in; turning it on checks the
    account's password, and a wrong one counts and is audited like a failed login."""
    status, body = http(vtod.http_port, "POST", "/api/v1/users",
                        {"name": "nvr", "role": "viewer", "password": "Nvr-pass-917"})
    assert status == 201 and body["legacy_digest"] is False, body
    cgi = f"https://127.0.0.1:{vtod.http_port}/cgi-bin/snapshot.cgi?channel=1"
    assert curl(cgi, "nvr", "Nvr-pass-917")[0] == 401  # no MD5 key: the right password fails
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/nvr/legacy-digest",
                        {"on": True, "password": "Wrong-pass-917"})
    assert status == 400 and body["field"] == "password", body
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/nvr/legacy-digest", {"on": True})
    assert status == 400 and body["field"] == "password", body
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/nvr/legacy-digest",
                        {"on": True, "password": "Nvr-pass-917"})
    assert status == 200 and body["legacy_digest"] is True, body
    status, _, jpeg = curl(cgi, "nvr", "Nvr-pass-917")
    assert status == 200 and jpeg.startswith(b"\xff\xd8")
    status, body = http(vtod.http_port, "GET", "/api/v1/users")
    nvr = next(u for u in body["users"] if u["name"] == "nvr")
    assert nvr["legacy_digest"] and nvr["legacy_digest_ready"], nvr
    # Off: the key is dropped at once.
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/nvr/legacy-digest", {"on": False})
    assert status == 200 and body["legacy_digest"] is False, body
    assert curl(cgi, "nvr", "Nvr-pass-917")[0] == 401
    # vtoctl does the same with local access, checking the password.
    r = vtoctl(vtod.data_dir, "user", "legacy-digest", "nvr", "on", "--password", "Bad-pass-999",
               check=False)
    assert r.returncode != 0 and "not the account's password" in r.stderr, r.stderr
    r = vtoctl(vtod.data_dir, "user", "legacy-digest", "nvr", "off")
    assert "legacy digest of nvr: off" in r.stdout, r.stdout
    status, body = http(vtod.http_port, "GET", "/api/v1/audit?action=legacy_digest_failed")
    assert status == 200 and body["total"] >= 1, body


def test_wrong_digest_answers_follow_the_security_page_and_are_audited(vtod):
    """Players and NVRs guessing passwords: the Security page's figures lock them out, and
    every wrong answer and lock is in the audit log."""
    status, body = http(vtod.http_port, "GET", "/api/v1/security")
    assert status == 200, body
    login = dict(body["login"], max_failures=3)
    status, body = http(vtod.http_port, "PUT", "/api/v1/security/login", login)
    assert status == 200, body
    cgi = f"https://127.0.0.1:{vtod.http_port}/cgi-bin/snapshot.cgi?channel=1"
    for _ in range(3):
        assert curl(cgi, "admin", "Not-the-password-1")[0] == 401
    # Locked from here after three: the right password is refused too.
    assert curl(cgi, "admin", ADMIN_PASSWORD)[0] == 401
    deadline = time.monotonic() + 5
    while True:
        status, body = http(vtod.http_port, "GET", "/api/v1/audit?action=digest_locked")
        if body.get("total") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert body["total"] == 1 and body["entries"][0]["user"] == "admin", body
    status, body = http(vtod.http_port, "GET", "/api/v1/audit?action=digest_failed")
    assert body["total"] == 3, body
