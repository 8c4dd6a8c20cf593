import pytest

from harness import ADMIN_PASSWORD, ROOM_PASSWORD, VTO_PASSWORD, Vtod, Vth, http, vtoctl


@pytest.fixture
def processes():
    """Everything a test starts is stopped afterwards, whatever happened."""
    started = []
    yield started
    for p in reversed(started):
        p.stop()


@pytest.fixture
def vtod(tmp_path, processes):
    d = Vtod(str(tmp_path / "data"))
    processes.append(d)
    return d


@pytest.fixture
def start_vth(vtod, processes):
    def start(user, password, **kw):
        v = Vth(vtod.sip, user, password, **kw)
        processes.append(v)
        return v
    return start


@pytest.fixture
def building(tmp_path, processes):
    """vtod B, the building's SIP server (VTO 8001), knowing room 101 and the VTO 8002."""
    data = str(tmp_path / "b")
    vtoctl(data, "room", "add", "101", "--password", ROOM_PASSWORD)
    vtoctl(data, "vto", "add", "8002", "--password", VTO_PASSWORD)
    b = Vtod(data, vto_number="8001")
    processes.append(b)
    return b


@pytest.fixture
def compat_vtod(tmp_path, processes):
    """vtod (simulated board: the device family's protocols on) knowing room 101, with two
    more accounts with legacy digest: "ops" (operator, Ops-pass-42) and "guest" (viewer,
    Guest-pass-42)."""
    data = str(tmp_path / "data")
    vtoctl(data, "init", "--password", ADMIN_PASSWORD, check=False)
    vtoctl(data, "room", "add", "101", "--password", ROOM_PASSWORD)
    v = Vtod(data)
    processes.append(v)
    for name, role in (("ops", "operator"), ("guest", "viewer")):
        status, body = http(v.http_port, "POST", "/api/v1/users",
                            {"name": name, "role": role, "password": f"{name.title()}-pass-42",
                             "legacy_digest": True})
        assert status == 201, body
    return v
