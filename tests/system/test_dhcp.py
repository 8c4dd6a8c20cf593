"""DHCP on a board: with `--network-interface` and Network Setting > Basic set to DHCP, vtod
takes its address, mask, gateway and DNS servers from the network's DHCP server, renews the
lease, keeps DHCP across a restart, and gives the lease back when it is turned off.

The test process moves into a network namespace of its own (see harness), where a veth pair
stands for the board's Ethernet port: vtod manages `vto0`; its peer `vto1` is moved into a
second namespace, the "LAN", where Debian's dnsmasq is the DHCP server (10.77.0.1). Nothing
leaves the two namespaces."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from harness import Vtod, enter_own_network_namespace, http, wait_for

IFACE = "vto0"
SERVER = "10.77.0.1"
RANGE = ("10.77.0.50", "10.77.0.60")
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


class Lan:
    """The second namespace: vto1 with 10.77.0.1/24, and a dnsmasq when asked for."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.holder = subprocess.Popen(["unshare", "-n", "sleep", "3600"])
        time.sleep(0.2)
        self.pid = str(self.holder.pid)
        subprocess.run(["ip", "link", "set", "vto1", "netns", self.pid], check=True, timeout=10)
        for args in (["addr", "add", SERVER + "/24", "dev", "vto1"], ["link", "set", "vto1", "up"],
                     ["link", "set", "lo", "up"]):
            self.run("ip", *args)
        self.dnsmasq = None
        self.log = os.path.join(tmp, "dnsmasq.log")

    def run(self, *argv, **kw):
        return subprocess.run(["nsenter", "-t", self.pid, "-n", *argv], check=True,
                              capture_output=True, text=True, timeout=20, **kw)

    def start_dnsmasq(self):
        # A 2-minute lease (dnsmasq's shortest) renewed after 3 s, rebound after 100 s.
        self.dnsmasq = subprocess.Popen(
            ["nsenter", "-t", self.pid, "-n", DNSMASQ, "--no-daemon", "--conf-file=/dev/null",
             "--port=0", "--interface=vto1", "--bind-interfaces",
             f"--dhcp-range={RANGE[0]},{RANGE[1]},255.255.255.0,2m",
             f"--dhcp-option=option:router,{SERVER}", "--dhcp-option=option:dns-server,10.77.0.53",
             "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,100",
             f"--dhcp-leasefile={os.path.join(self.tmp, 'leases')}",
             f"--pid-file={os.path.join(self.tmp, 'dnsmasq.pid')}", "--log-dhcp",
             f"--log-facility={self.log}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: os.path.exists(self.log) and "DHCP, sockets bound" in self.logged(),
                   "dnsmasq listening", 10)

    def logged(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        for p in (self.dnsmasq, self.holder):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=10)


@pytest.fixture(scope="module", autouse=True)
def own_network_namespace():
    if not os.path.exists(DNSMASQ):
        pytest.fail("dnsmasq is missing: scripts/install-deps.sh installs dnsmasq-base")
    enter_own_network_namespace([["link", "add", IFACE, "type", "veth", "peer", "name", "vto1"]])


@pytest.fixture
def lan(tmp_path):
    lan = Lan(str(tmp_path))
    yield lan
    lan.stop()
    subprocess.run(["ip", "link", "del", IFACE], capture_output=True, timeout=10)
    subprocess.run(["ip", "link", "add", IFACE, "type", "veth", "peer", "name", "vto1"],
                   check=True, timeout=10)


def ip(*args):
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True,
                          timeout=10).stdout


def addresses():
    return [line.split()[3] for line in ip("-4", "-o", "addr", "show", "dev", IFACE).splitlines()]


def start(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"), extra=("--network-interface", IFACE,
                                               "--resolv-conf", str(tmp_path / "resolv.conf")))
    processes.append(vtod)
    return vtod


def page(vtod):
    status, body = http(vtod.http_port, "GET", "/api/v1/settings/network")
    assert status == 200, body
    return body


def bound(vtod):
    lease = page(vtod)["lease"]
    return lease if lease and lease["state"] == "bound" else None


def test_dhcp_gives_the_interface_its_addresses_and_renews_them(tmp_path, processes, lan):
    lan.start_dnsmasq()
    vtod = start(tmp_path, processes)
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/network", {"dhcp": True})
    assert status == 200 and body["dhcp"] is True, body

    lease = wait_for(lambda: bound(vtod), "a lease", 15)
    assert RANGE[0] <= lease["ip"] <= RANGE[1] and lease["mask"] == "255.255.255.0", lease
    assert lease["gateway"] == SERVER and lease["server"] == SERVER
    assert lease["dns1"] == "10.77.0.53" and lease["lease_s"] == 120
    wait_for(lambda: addresses() == [lease["ip"] + "/24"], "the leased address on vto0", 10)
    # vtod sets the address, then the route, then resolv.conf, one after the other.
    wait_for(lambda: ip("-4", "route", "show", "default").startswith(
        f"default via {SERVER} dev {IFACE}"), "the default route through the lease's gateway", 10)
    resolv = tmp_path / "resolv.conf"
    wait_for(lambda: resolv.exists() and "nameserver 10.77.0.53" in resolv.read_text(),
             "the lease's DNS server in resolv.conf", 10)
    # The page keeps the static fields for when DHCP is turned off.
    assert page(vtod)["ip"] != lease["ip"]

    # T1 is 3 s: the lease is renewed with the server (a unicast REQUEST naming the address).
    wait_for(lambda: page(vtod)["lease"]["obtained_ms"] > lease["obtained_ms"], "a renewal", 15)
    assert lan.logged().count(f"DHCPACK(vto1) {lease['ip']}") >= 2
    assert addresses() == [lease["ip"] + "/24"]

    # After a restart, DHCP goes on (the same address: the server remembers this MAC).
    vtod.stop()
    processes.remove(vtod)
    ip("-4", "addr", "flush", "dev", IFACE)
    vtod = start(tmp_path, processes)
    again = wait_for(lambda: bound(vtod), "a lease after the restart", 15)
    assert again["ip"] == lease["ip"]
    wait_for(lambda: addresses() == [lease["ip"] + "/24"], "the address again", 10)

    # Turned off: the lease is given back, and the static addresses are the interface's.
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/network",
                        {"dhcp": False, "ip": "10.77.0.9", "mask": "255.255.255.0",
                         "gateway": SERVER})
    assert status == 200 and body["dhcp"] is False and body["lease"] is None, body
    assert addresses() == ["10.77.0.9/24"]
    wait_for(lambda: f"DHCPRELEASE(vto1) {lease['ip']}" in lan.logged(), "the release", 10)


def forged(kind, xid, mac, yiaddr="10.77.0.99"):
    """An OFFER (2) or ACK (5) a stranger on the LAN could send: right shape and server, but
    a transaction id vtod did not choose."""
    out = bytearray(236)
    out[0:3] = b"\x02\x01\x06"
    out[4:8] = xid.to_bytes(4, "big")
    out[16:20] = socket.inet_aton(yiaddr)
    out[28:34] = mac
    out += bytes([99, 130, 83, 99, 53, 1, kind, 54, 4]) + socket.inet_aton(SERVER)
    out += bytes([51, 4, 0, 0, 14, 16, 1, 4, 255, 255, 255, 0, 255])
    return bytes(out)


def test_answers_not_to_vtods_own_request_are_ignored(tmp_path, processes, lan):
    """A stranger's OFFERs and ACKs broadcast on the LAN, for vtod's MAC but with transaction
    ids vtod did not choose, do not give vtod an address; the real server's do."""
    vtod = start(tmp_path, processes)
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/network", {"dhcp": True})
    assert status == 200, body
    assert page(vtod)["lease"]["state"] == "selecting"
    mac = bytes.fromhex(ip("-o", "link", "show", IFACE).split("link/ether ")[1].split()[0]
                        .replace(":", ""))
    sender = ("import socket, sys\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)\n"
              f"s.bind(('{SERVER}', 67))\n"
              "for line in sys.stdin:\n"
              "    s.sendto(bytes.fromhex(line.strip()), ('255.255.255.255', 68))\n")
    stranger = [forged(kind, x, mac) for x in range(0, 2**32, 2**32 // 50) for kind in (2, 5)]
    lan.run("python3", "-c", sender, input="\n".join(m.hex() for m in stranger))
    time.sleep(1)
    lease = page(vtod)["lease"]
    assert lease["state"] == "selecting" and "ip" not in lease, lease
    assert addresses() == []

    lan.start_dnsmasq()
    lease = wait_for(lambda: bound(vtod), "a lease from the real server", 15)
    assert RANGE[0] <= lease["ip"] <= RANGE[1]
