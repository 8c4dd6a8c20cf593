"""Webhooks: the door's events POSTed to a local HTTPS receiver that checks the signature
(HMAC-SHA256 of the timestamp, '.', and the body, with the endpoint's secret): a press
delivered as call_started then call_ended, in order, even though the receiver failed the
first attempts (tried again with back-off); a test event from the page; a receiver whose
certificate the configured CA did not sign gets nothing, and the page says why."""
import hashlib
import hmac
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness import Vtod, http, wait_for
from mqtt_peers import make_ca_and_server_cert


class Receiver:
    """An HTTPS server on 127.0.0.1 recording each POST; the first `fail_first` get 503."""

    def __init__(self, directory, name, fail_first=0):
        self.ca, cert, key = make_ca_and_server_cert(directory, name)
        self.posts = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers), body, time.time()))
                status = 503 if len(receiver.posts) <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return f"https://127.0.0.1:{self.port}/hooks/door"

    def stop(self):
        self.server.shutdown()


def verified(post, secret):
    headers, body, _ = post
    expected = "sha256=" + hmac.new(secret.encode(), headers["X-OpenVTO-Timestamp"].encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-OpenVTO-Signature"], expected), headers
    assert abs(int(headers["X-OpenVTO-Timestamp"]) - time.time()) < 120
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)
    assert headers["X-OpenVTO-Event"] == event["event"]
    assert headers["X-OpenVTO-Delivery"] == str(event["id"])
    return event


@pytest.fixture
def receivers():
    started = []
    yield started
    for r in started:
        r.stop()


def test_events_reach_a_signed_https_receiver_in_order(tmp_path, processes, receivers):
    good = Receiver(str(tmp_path), "good", fail_first=2)
    stranger = Receiver(str(tmp_path), "stranger")  # its certificate: another CA's
    receivers.extend([good, stranger])
    vtod = Vtod(str(tmp_path / "data"))
    processes.append(vtod)
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/webhooks",
                        {"endpoints": [{"url": good.url()}, {"url": stranger.url()}],
                         "ca_pem": open(good.ca).read()})
    assert status == 200, page
    secret = page["endpoints"][0]["secret"]
    assert len(secret) == 32 and page["endpoints"][1]["secret"] != secret

    pressed = time.time()
    http(vtod.http_port, "POST", "/api/v1/sim/press", {"key": "button1"})
    # 503, 503, then delivered (after 1 s, then 2 s); the call's end follows it.
    wait_for(lambda: len(good.posts) >= 4, "the events delivered after two failures", timeout=15)
    events = [verified(p, secret) for p in good.posts]
    assert [e["event"] for e in events[:3]] == ["call_started"] * 3  # the same event, tried again
    assert events[0]["id"] == events[2]["id"]
    assert events[3]["event"] == "call_ended" and events[3]["id"] > events[0]["id"]
    assert events[0]["room"] == "101" and events[0]["button"] == 1 and events[0]["device"] == "8001"
    assert events[0]["time_ms"] >= pressed * 1000 - 1000
    gaps = [good.posts[i + 1][2] - good.posts[i][2] for i in range(2)]
    assert 0.8 <= gaps[0] < 1.8 and 1.8 <= gaps[1] < 3.5, gaps  # 1 s, then 2 s

    # A receiver the CA did not sign: nothing sent to it, the reason on the page. (The
    # receiver logs a post before it answers; vtod counts it delivered once answered.)
    endpoints = wait_for(lambda: (s := http(vtod.http_port, "GET", "/api/v1/settings/webhooks")[1]["status"])
                         [1]["last_error"] and s[0]["delivered"] >= 2 and s,
                         "the refused certificate on the page")
    assert "certificate verify failed" in endpoints[1]["last_error"], endpoints
    assert stranger.posts == []
    assert endpoints[0]["delivered"] >= 2 and endpoints[0]["last_status"] == 200, endpoints

    # The page's test event, to check a receiver and its secret.
    count = len(good.posts)
    status, _ = http(vtod.http_port, "POST", "/api/v1/settings/webhooks/test", {})
    assert status == 200
    wait_for(lambda: len(good.posts) > count, "the test event")
    assert verified(good.posts[-1], secret)["event"] == "test"

    # A wrong field is refused by name; the secret kept when the same URL comes back.
    status, body = http(vtod.http_port, "PUT", "/api/v1/settings/webhooks",
                        {"endpoints": [{"url": "ftp://x"}]})
    assert status == 400 and body["field"] == "endpoints[0].url", body
    status, page = http(vtod.http_port, "PUT", "/api/v1/settings/webhooks", {"endpoints": [{"url": good.url()}]})
    assert status == 200 and page["endpoints"][0]["secret"] == secret, page
