"""An ONVIF client for the tests, sending SOAP 1.2 requests the way Home Assistant's library
(python-zeep) does: an action in the Content-Type, WS-Addressing headers, and a WS-Security
UsernameToken with PasswordDigest = Base64(SHA-1(nonce + created + password)) and Created
like "2025-06-01T12:34:56+00:00" (go2rtc's "...56.123456789Z" with style="go2rtc")."""
import base64
import datetime
import hashlib
import http.client
import os
import re
import ssl
import uuid
import xml.etree.ElementTree as ET

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
          "#PasswordDigest")


def created_now(style="zeep", shift_s=0):
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=shift_s)
    if style == "go2rtc":
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}123".rstrip("0") + "Z"
    return now.replace(microsecond=0).isoformat()


def token(user, password, nonce=None, created=None, password_type=DIGEST):
    nonce = nonce if nonce is not None else os.urandom(16)
    created = created or created_now()
    if password_type == DIGEST:
        secret = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    else:
        secret = password
    return (f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username>'
            f'<wsse:Password Type="{password_type}">{secret}</wsse:Password>'
            f'<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">'
            f'{base64.b64encode(nonce).decode()}</wsse:Nonce>'
            f'<wsu:Created xmlns:wsu="{WSU}">{created}</wsu:Created></wsse:UsernameToken></wsse:Security>')


def envelope(service_ns, operation, params="", security=""):
    return (f"<?xml version='1.0' encoding='utf-8'?>\n"
            f'<soap-env:Envelope xmlns:soap-env="{NS["s"]}"><soap-env:Header>'
            f'<wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">{service_ns}/{operation}</wsa:Action>'
            f'<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:{uuid.uuid4()}</wsa:MessageID>'
            f'{security}</soap-env:Header><soap-env:Body>'
            f'<ns0:{operation} xmlns:ns0="{service_ns}">{params}</ns0:{operation}>'
            f'</soap-env:Body></soap-env:Envelope>')


def post(port, path, body, host=None, secure=False):
    """POST body to http(s)://127.0.0.1:port/path: (status, parsed XML root or None, raw text)."""
    if secure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, body=body.encode() if isinstance(body, str) else body,
                 headers={"Content-Type": 'application/soap+xml; charset=utf-8; action="x"',
                          "Host": host or f"127.0.0.1:{port}"})
    r = conn.getresponse()
    raw = r.read().decode(errors="replace")
    conn.close()
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        root = None
    return r.status, root, raw


class Onvif:
    def __init__(self, port, user=None, password=None, style="zeep", secure=False):
        self.port, self.user, self.password, self.style = port, user, password, style
        self.secure = secure

    def call(self, service, operation, params="", path=None, security=None):
        ns = NS["tds"] if service == "device" else NS["trt"]
        if security is None and self.user is not None:
            security = token(self.user, self.password, created=created_now(self.style))
        body = envelope(ns, operation, params, security or "")
        return post(self.port, path or f"/onvif/{service}_service", body, secure=self.secure)

    def ok(self, service, operation, params=""):
        status, root, raw = self.call(service, operation, params)
        assert status == 200, raw
        return root.find("s:Body", NS)[0]


def fault_subcode(root):
    return root.find("s:Body/s:Fault/s:Code/s:Subcode/s:Value", NS).text


def profile_tokens(raw):
    """The tokens as go2rtc finds them: a regex on each line of GetProfiles' answer."""
    return re.findall(r'Profiles.+?token="([^"]+)', raw)
