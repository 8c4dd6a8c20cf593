"""Network Setting > Basic on a board: with `--network-interface`, the page's IP address,
mask and gateway are the interface's, and its DNS servers are written to `--resolv-conf`,
at once and again at every start.

The test process moves into a network namespace of its own (see harness), where a veth
pair stands for the board's Ethernet port: vtod configures `vto0`, its peer `vto1` is left
alone. Nothing leaves the namespace."""
import os
import subprocess

import pytest

from harness import BIN, Vtod, enter_own_network_namespace, http

IFACE = "vto0"


@pytest.fixture(scope="module", autouse=True)
def own_network_namespace():
    enter_own_network_namespace([["link", "add", IFACE, "type", "veth", "peer", "name", "vto1"],
                                 ["link", "set", "vto1", "up"]])


def ip(*args):
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True,
                          timeout=10).stdout


def addresses():
    """The interface's IPv4 addresses, as "A.B.C.D/N"."""
    return [line.split()[3] for line in ip("-4", "-o", "addr", "show", "dev", IFACE).splitlines()]


def default_route():
    return ip("-4", "route", "show", "default").strip()


def start(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"), extra=("--network-interface", IFACE,
                                               "--resolv-conf", str(tmp_path / "resolv.conf")))
    processes.append(vtod)
    return vtod


def test_the_addresses_are_the_interfaces(tmp_path, processes):
    vtod = start(tmp_path, processes)
    status, page = http(vtod.http_port, "GET", "/api/v1/settings/network")
    assert status == 200 and page["interface"] == IFACE
    change = {"ip": "192.168.50.108", "mask": "255.255.255.0", "gateway": "192.168.50.1",
              "dns1": "192.168.50.53", "dns2": "9.9.9.9"}
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/network", change)
    assert status == 200, page
    assert addresses() == ["192.168.50.108/24"]
    assert default_route().startswith(f"default via 192.168.50.1 dev {IFACE}")
    resolv = (tmp_path / "resolv.conf").read_text()
    assert resolv.splitlines()[1:] == ["nameserver 192.168.50.53", "nameserver 9.9.9.9"]

    # A new address replaces the old one; no gateway leaves no default route.
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/network",
                        {"ip": "10.20.0.7", "mask": "255.255.0.0", "gateway": "", "dns1": "",
                         "dns2": ""})
    assert status == 200, page
    assert addresses() == ["10.20.0.7/16"]
    assert default_route() == ""
    assert "nameserver" not in (tmp_path / "resolv.conf").read_text()

    # A gateway outside the network is refused, and nothing changes.
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/network",
                        {"ip": "10.20.0.8", "gateway": "10.21.0.1"})
    assert status == 400 and page["field"] == "gateway", page
    assert addresses() == ["10.20.0.7/16"]

    # At the next start the saved addresses are applied again (here: after a reset by hand).
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/network",
                        {"gateway": "10.20.0.1"})
    assert status == 200, page
    vtod.stop()
    processes.remove(vtod)
    ip("-4", "addr", "flush", "dev", IFACE)
    assert addresses() == []
    vtod = start(tmp_path, processes)
    assert addresses() == ["10.20.0.7/16"]
    assert default_route().startswith(f"default via 10.20.0.1 dev {IFACE}")


def test_without_an_interface_the_addresses_are_kept_only(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "plain"))
    processes.append(vtod)
    status, page = http(vtod.http_port, "GET", "/api/v1/settings/network")
    assert status == 200 and page["interface"] is None
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/network",
                        {"ip": "192.168.60.5", "mask": "255.255.255.0", "gateway": "192.168.60.1"})
    assert status == 200, page
    assert "192.168.60.5" not in ip("-4", "-o", "addr", "show")
    # DHCP is a board's: here the computer's own network settings give the addresses.
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/network", {"dhcp": True})
    assert status == 409 and page["field"] == "dhcp", page
    assert "--network-interface" in page["error"]


@pytest.mark.parametrize("args, message", [
    (("--network-interface", "eth0;reboot"), "letters, digits"),
    (("--resolv-conf", "/tmp/x"), "--resolv-conf needs --network-interface"),
])
def test_bad_interface_options_stop_vtod(tmp_path, args, message):
    r = subprocess.run([os.path.join(BIN, "vtod"), "--data", str(tmp_path / "d"), *args],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 2 and message in r.stderr, r.stderr
