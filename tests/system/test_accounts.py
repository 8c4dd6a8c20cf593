"""The device's first admin account, made with local access (`vtoctl init`): no default
password exists, the web interface's password rules apply and name the broken one, the
password is stored only as an Argon2id hash, and initialization happens once."""
import os
import sqlite3

from harness import vtoctl


def test_init_refuses_weak_passwords_naming_the_rule_then_initializes_once(tmp_path):
    data = str(tmp_path / "data")
    vtoctl(data, "room", "list")  # a fresh device: the database exists, no account does
    for weak, rule in (("Ab1", "length"), ("abcdefgh", "classes"), ("Door-1234x", "sequence"),
                       ("Doooor-7kq", "repeat"), ("admin", "length")):
        r = vtoctl(data, "init", "--password", weak, check=False)
        assert r.returncode == 1, (weak, r.stdout, r.stderr)
        assert f"rule {rule}" in r.stderr, (weak, r.stderr)

    r = vtoctl(data, "init", "--password", "Door-7kq2Lm", "--email", "it@example.org")
    assert "initialized" in r.stdout
    again = vtoctl(data, "init", "--password", "Other-7kq2Lm", check=False)
    assert again.returncode == 1 and "already initialized" in again.stderr

    with sqlite3.connect(os.path.join(data, "openvto.db")) as db:
        rows = db.execute("SELECT name, role, password_hash, email FROM users").fetchall()
    assert len(rows) == 1
    name, role, password_hash, email = rows[0]
    assert (name, role, email) == ("admin", "admin", "it@example.org")
    assert password_hash.startswith("$argon2id$") and "Door-7kq2Lm" not in password_hash
    # Nothing else in the data directory holds the password either.
    for root, _, files in os.walk(data):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                assert b"Door-7kq2Lm" not in fh.read(), f


def test_init_reads_the_password_from_stdin(tmp_path):
    import subprocess
    import harness
    data = str(tmp_path / "data")
    r = subprocess.run([os.path.join(harness.BIN, "vtoctl"), "--data", data, "init",
                        "--password-stdin"], input="Door-7kq2Lm\n", capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
