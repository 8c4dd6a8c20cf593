"""The door as an ONVIF camera, as Home Assistant's ONVIF integration, go2rtc and NVRs use
it: GetSystemDateAndTime without a token; GetCapabilities, GetDeviceInformation,
GetNetworkInterfaces, GetProfiles (an H264 main and sub stream), GetStreamUri and
GetSnapshotUri with a UsernameToken (PasswordDigest, the account's ONVIF password); the RTSP
URI opened by ffprobe with the ONVIF credentials in it, as Home Assistant does. Refused with
a SOAP Fault (ter:NotAuthorized) and audited: a wrong password (counted in the lock-out), a
replayed nonce, a token out of the time window, a plain-text password, no token, a viewer
asking to reboot; an XXE document is refused without reading any file. The `onvif` package
from npm, a client NVR software is built on, connects and gets the URIs too."""
import json
import os
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from harness import ADMIN_PASSWORD, Vtod, http, jpeg_size, which
from onvif_client import NS, Onvif, created_now, envelope, fault_subcode, post, profile_tokens, token

ONVIF_PASSWORD = "Onvif-pass-42"


@pytest.fixture
def vtod(tmp_path, processes):
    d = Vtod(str(tmp_path / "data"))
    processes.append(d)
    status, body = http(d.http_port, "PUT", "/api/v1/users/admin/onvif-password",
                        {"password": ONVIF_PASSWORD})
    assert status == 200 and body["onvif"] is True, body
    return d


def audit(vtod, action):
    return http(vtod.http_port, "GET", f"/api/v1/audit?action={action}&limit=100")[1]["entries"]


def test_onvif_password_is_its_own_and_never_shown(vtod):
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/admin/onvif-password",
                        {"password": ADMIN_PASSWORD})
    assert status == 400 and body["field"] == "password", body  # not the web password
    status, body = http(vtod.http_port, "PUT", "/api/v1/users/admin/onvif-password", {"password": "short"})
    assert status == 400 and body["field"] == "password", body
    users = http(vtod.http_port, "GET", "/api/v1/users")[1]["users"]
    admin = next(u for u in users if u["name"] == "admin")
    assert admin["onvif"] is True and ONVIF_PASSWORD not in json.dumps(users)
    with open(os.path.join(vtod.data_dir, "openvto.db"), "rb") as f:
        assert ONVIF_PASSWORD.encode() not in f.read()
    assert [e for e in audit(vtod, "onvif_password") if e["detail"] == "admin: set"]


def test_home_assistant_adds_the_door_and_plays_its_stream(vtod):
    port = vtod.redirect_port  # plain HTTP, as ONVIF clients speak it
    anyone = Onvif(port)
    # The clock, to anyone.
    dt = anyone.ok("device", "GetSystemDateAndTime")
    utc = dt.find("tds:SystemDateAndTime/tt:UTCDateTime", NS)
    assert int(utc.find("tt:Date/tt:Year", NS).text) >= 2026
    # Anything else needs the token.
    status, root, raw = anyone.call("device", "GetCapabilities", "<ns0:Category>All</ns0:Category>")
    assert status == 400 and fault_subcode(root) == "ter:NotAuthorized", raw

    ha = Onvif(port, "admin", ONVIF_PASSWORD)
    caps = ha.ok("device", "GetCapabilities", "<ns0:Category>All</ns0:Category>")
    media = caps.find("tds:Capabilities/tt:Media/tt:XAddr", NS).text
    assert media == f"http://127.0.0.1:{port}/onvif/media_service", media
    info = ha.ok("device", "GetDeviceInformation")
    assert info.find("tds:Manufacturer", NS).text == "OpenVTO"
    assert info.find("tds:SerialNumber", NS).text.startswith("OV")
    interfaces = ha.ok("device", "GetNetworkInterfaces")
    mac = interfaces.find("tds:NetworkInterfaces/tt:Info/tt:HwAddress", NS).text
    assert len(mac) == 17 and mac.count(":") == 5, mac
    assert ha.ok("device", "GetNetworkInterfaces").find("tds:NetworkInterfaces/tt:Info/tt:HwAddress", NS).text == mac

    status, root, raw = ha.call("media", "GetProfiles")
    assert status == 200, raw
    assert profile_tokens(raw) == ["main", "sub"]  # as go2rtc reads them
    profiles = root.findall("s:Body/trt:GetProfilesResponse/trt:Profiles", NS)
    sizes = [(p.find("tt:VideoEncoderConfiguration/tt:Encoding", NS).text,
              int(p.find("tt:VideoEncoderConfiguration/tt:Resolution/tt:Width", NS).text),
              int(p.find("tt:VideoEncoderConfiguration/tt:Resolution/tt:Height", NS).text)) for p in profiles]
    assert sizes == [("H264", 640, 480), ("H264", 320, 240)], sizes

    uri = ha.ok("media", "GetStreamUri",
                "<ns0:StreamSetup><ns1:Stream xmlns:ns1=\"http://www.onvif.org/ver10/schema\">RTP-Unicast</ns1:Stream>"
                "<ns1:Transport xmlns:ns1=\"http://www.onvif.org/ver10/schema\"><ns1:Protocol>RTSP</ns1:Protocol>"
                "</ns1:Transport></ns0:StreamSetup><ns0:ProfileToken>main</ns0:ProfileToken>"
                ).find("trt:MediaUri/tt:Uri", NS).text
    assert uri == f"rtsp://127.0.0.1:{vtod.rtsp_port}/cam/realmonitor?channel=1&subtype=0", uri
    # Home Assistant puts the ONVIF user and password into the URI it was given.
    with_credentials = uri.replace("rtsp://", f"rtsp://admin:{ONVIF_PASSWORD}@")
    out = subprocess.run([which("ffprobe"), "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
                          "stream=codec_name,width,height", "-of", "json", with_credentials],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    streams = json.loads(out.stdout)["streams"]
    video = next(s for s in streams if s.get("codec_name") == "h264")
    assert (video["width"], video["height"]) == (640, 480)

    snapshot = ha.ok("media", "GetSnapshotUri", "<ns0:ProfileToken>main</ns0:ProfileToken>"
                     ).find("trt:MediaUri/tt:Uri", NS).text
    assert snapshot == f"http://127.0.0.1:{port}/cgi-bin/snapshot.cgi?channel=1", snapshot
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, snapshot, "admin", ONVIF_PASSWORD)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    jpeg = opener.open(snapshot, timeout=10).read()
    assert jpeg_size(jpeg) == (640, 480)

    # go2rtc's way: Created with nanoseconds and Z, GetSnapshotUri posted to the imaging
    # path.
    go2rtc = Onvif(port, "admin", ONVIF_PASSWORD, style="go2rtc")
    status, root, raw = go2rtc.call("media", "GetSnapshotUri", "<ns0:ProfileToken>sub</ns0:ProfileToken>",
                                    path="/onvif/imaging_service")
    assert status == 200 and "snapshot.cgi" in raw, raw
    # The HTTPS port serves the same, with https addresses.
    secure = Onvif(vtod.http_port, "admin", ONVIF_PASSWORD, secure=True)
    caps = secure.ok("device", "GetCapabilities", "<ns0:Category>All</ns0:Category>")
    assert caps.find("tds:Capabilities/tt:Media/tt:XAddr", NS).text == \
        f"https://127.0.0.1:{vtod.http_port}/onvif/media_service"
    # An operation not offered is a Fault, not a silence.
    status, root, raw = ha.call("media", "GetOSDs")
    assert status == 400 and fault_subcode(root) == "ter:ActionNotSupported", raw


def test_tokens_that_must_not_pass(vtod):
    port = vtod.redirect_port
    # A wrong password: NotAuthorized, counted and audited as a failed login.
    status, root, raw = Onvif(port, "admin", "Wrong-pass-42").call("media", "GetProfiles")
    assert status == 400 and fault_subcode(root) == "ter:NotAuthorized", raw
    assert [e for e in audit(vtod, "digest_failed") if "ONVIF" in e["detail"]]

    # The same request twice (a captured one replayed): the second is refused.
    body = envelope(NS["trt"], "GetProfiles", security=token("admin", ONVIF_PASSWORD))
    assert post(port, "/onvif/media_service", body)[0] == 200
    status, root, raw = post(port, "/onvif/media_service", body)
    assert status == 400 and fault_subcode(root) == "ter:NotAuthorized" and "replay" in raw, raw
    # Created 10 minutes ago, or in 10 minutes.
    for shift in (-600, 600):
        old = envelope(NS["trt"], "GetProfiles",
                       security=token("admin", ONVIF_PASSWORD, created=created_now(shift_s=shift)))
        status, root, raw = post(port, "/onvif/media_service", old)
        assert status == 400 and "within 5 minutes" in raw, raw
    # The password in clear text is not taken, even when right.
    clear = envelope(NS["trt"], "GetProfiles", security=token(
        "admin", ONVIF_PASSWORD,
        password_type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"))
    status, root, raw = post(port, "/onvif/media_service", clear)
    assert status == 400 and "PasswordDigest" in raw, raw
    refused = [e["detail"] for e in audit(vtod, "onvif_refused")]
    assert any("replay" in d for d in refused) and any("5 minutes" in d for d in refused), refused

    # XXE: an external entity is never read; the document is refused.
    xxe = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
           '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl">&x;</GetDeviceInformation>'
           '</s:Body></s:Envelope>')
    status, root, raw = post(port, "/onvif/device_service", xxe)
    assert status == 400 and "DOCTYPE" in raw and "root:" not in raw, raw

    # A viewer may look but not reboot.
    status, body = http(vtod.http_port, "POST", "/api/v1/users",
                        {"name": "nvr", "role": "viewer", "password": "Nvr-web-pass-42"})
    assert status == 201, body
    assert http(vtod.http_port, "PUT", "/api/v1/users/nvr/onvif-password", {"password": "Nvr-onvif-42"})[0] == 200
    nvr = Onvif(port, "nvr", "Nvr-onvif-42")
    assert nvr.call("media", "GetProfiles")[0] == 200
    status, root, raw = nvr.call("device", "SystemReboot")
    assert status == 400 and fault_subcode(root) == "ter:NotAuthorized" and "admin" in raw, raw

    # Five wrong passwords lock the account from this address: then even the right one fails.
    for _ in range(5):
        Onvif(port, "nvr", "Wrong-pass-42").call("media", "GetProfiles")
    status, root, raw = nvr.call("media", "GetProfiles")
    assert status == 400 and fault_subcode(root) == "ter:NotAuthorized", raw
    assert audit(vtod, "digest_locked")


def test_switched_off_there_is_no_onvif(vtod):
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/integrations", {"onvif": False})
    assert status == 200 and body["onvif"] is False, body
    status, _, _ = Onvif(vtod.redirect_port).call("device", "GetSystemDateAndTime")
    assert status == 404


def node_onvif(port, user, password):
    """What the npm `onvif` client gets (tests/system/onvif_node_client.mjs)."""
    out = subprocess.run([which("node"), os.path.join(os.path.dirname(__file__), "onvif_node_client.mjs"),
                          str(port), user, password], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_nvr_client_library_connects(vtod):
    got = node_onvif(vtod.redirect_port, "admin", ONVIF_PASSWORD)
    assert got.get("profiles") == [["main", "H264", 640, 480], ["sub", "H264", 320, 240]], got
    assert got["stream"] == f"rtsp://127.0.0.1:{vtod.rtsp_port}/cam/realmonitor?channel=1&subtype=0", got
    assert got["snapshot"].endswith("/cgi-bin/snapshot.cgi?channel=1"), got
    refused = node_onvif(vtod.redirect_port, "admin", "Wrong-pass-42")
    assert "not Authorized" in refused.get("error", ""), refused
