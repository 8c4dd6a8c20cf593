import pytest

from harness import Vtod, Vth


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
