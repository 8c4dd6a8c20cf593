"""WS-Discovery as Home Assistant's ONVIF integration and NVRs search: in a network namespace
of the test's own (the machine's loopback has no multicast), vtod with discovery switched
on says Hello to 239.255.255.250:3702, answers a Probe for an ONVIF NetworkVideoTransmitter
(and for Home Assistant's Profile/Streaming scope) with a ProbeMatch sent to the prober,
whose XAddr is the device service that then answers, ignores a Probe for something else,
and says Bye when it stops. Off by default."""
import socket
import struct
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

from harness import Vtod, enter_own_network_namespace, http, wait_for
from onvif_client import NS, Onvif

GROUP, PORT = "239.255.255.250", 3702
A = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
D = "http://schemas.xmlsoap.org/ws/2005/04/discovery"


@pytest.fixture(scope="module", autouse=True)
def own_network_namespace():
    enter_own_network_namespace([["link", "set", "lo", "multicast", "on"],
                                 ["route", "add", "224.0.0.0/4", "dev", "lo"]])


def listener():
    """A socket in the group, as a client that waits for Hello and Bye."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", PORT))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton("127.0.0.1")))
    s.settimeout(0.5)
    return s


def wait_datagram(s, needle, timeout=8):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data, _ = s.recvfrom(65536)
        except socket.timeout:
            continue
        if needle in data:
            return ET.fromstring(data)
    raise AssertionError(f"no datagram with {needle!r} within {timeout}s")


def probe(types="", scopes=""):
    message_id = f"urn:uuid:{uuid.uuid4()}"
    body = (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{NS["s"]}" xmlns:a="{A}" xmlns:d="{D}" '
            f'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>'
            f'<a:Action>{D}/Probe</a:Action><a:MessageID>{message_id}</a:MessageID>'
            f'<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header><s:Body><d:Probe>'
            f'<d:Types>{types}</d:Types><d:Scopes>{scopes}</d:Scopes></d:Probe></s:Body></s:Envelope>')
    return message_id, body.encode()


def search(types="", scopes="", timeout=2):
    """Sends a Probe to the group from an ephemeral socket; the answers within `timeout`."""
    message_id, body = probe(types, scopes)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.bind(("127.0.0.1", 0))
    s.sendto(body, (GROUP, PORT))
    s.settimeout(0.2)
    answers = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data, _ = s.recvfrom(65536)
        except socket.timeout:
            continue
        answers.append(ET.fromstring(data))
    s.close()
    return message_id, answers


def test_probe_hello_and_bye(tmp_path, processes):
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    # Off by default: nobody answers.
    assert http(vtod.http_port, "GET", "/api/v1/settings/integrations")[1]["onvif_discovery"] is False
    assert search(scopes="onvif://www.onvif.org/Profile/Streaming", timeout=1)[1] == []

    group = listener()
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/integrations", {"onvif_discovery": True})
    assert status == 200 and body["discovery_listening"] == PORT, body
    hello = wait_datagram(group, b"/discovery/Hello")
    endpoint = hello.find(f"s:Body/{{{D}}}Hello/{{{A}}}EndpointReference/{{{A}}}Address", NS).text
    assert endpoint.startswith("urn:uuid:")

    # Home Assistant's search: its scope, no type.
    message_id, answers = search(scopes="onvif://www.onvif.org/Profile/Streaming")
    assert len(answers) == 1, answers
    m = answers[0]
    assert m.find(f"s:Header/{{{A}}}RelatesTo", NS).text == message_id
    assert m.find(f"s:Header/{{{A}}}Action", NS).text == f"{D}/ProbeMatches"
    match = m.find(f"s:Body/{{{D}}}ProbeMatches/{{{D}}}ProbeMatch", NS)
    assert match.find(f"{{{A}}}EndpointReference/{{{A}}}Address").text == endpoint
    xaddr = match.find(f"{{{D}}}XAddrs").text
    assert xaddr == f"http://127.0.0.1:{vtod.redirect_port}/onvif/device_service", xaddr
    scopes = match.find(f"{{{D}}}Scopes").text.split()
    mac = next(s.rsplit("/", 1)[1] for s in scopes if "/mac/" in s)
    # The XAddr answers, and the MAC is the one the device service says.
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/admin/onvif-password", {"password": "Onvif-pass-42"})
    assert status == 200, body
    ha = Onvif(vtod.redirect_port, "admin", "Onvif-pass-42")
    assert ha.ok("device", "GetNetworkInterfaces").find(
        "tds:NetworkInterfaces/tt:Info/tt:HwAddress", NS).text == mac

    # An NVR's search by type; a search for a printer gets nothing.
    assert len(search(types="dn:NetworkVideoTransmitter")[1]) == 1
    assert search(types="dn:Printer", timeout=1)[1] == []
    _, printers = search(scopes="onvif://www.onvif.org/type/printer", timeout=1)
    assert printers == []

    # Stopping says Bye.
    vtod.stop()
    bye = wait_datagram(group, b"/discovery/Bye")
    assert bye.find(f"s:Body/{{{D}}}Bye/{{{A}}}EndpointReference/{{{A}}}Address", NS).text == endpoint
    group.close()
