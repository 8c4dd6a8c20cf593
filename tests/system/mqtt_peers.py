"""A real Mosquitto broker on loopback (a password file, an ACL, persistence) and a paho
subscriber that records what it hears, for the MQTT system tests and the benchmark."""
import json
import os
import queue
import re
import subprocess
import threading
import time

import paho.mqtt.client as paho

from harness import Process, free_port, which

DOOR_USER, DOOR_PASSWORD = "door", "Door-mqtt-1"
HA_USER, HA_PASSWORD = "hass", "Hass-mqtt-1"

KEYS_FILE = os.path.join(os.path.dirname(__file__), "..", "data", "ha-mqtt", "discovery-keys-2025.1.4.json")


def make_ca_and_server_cert(directory, name):
    """A CA of the test's own and a certificate it signed for 127.0.0.1 (IP and DNS name):
    returns (ca.pem, cert.pem, key.pem) paths."""
    ca_key, ca = os.path.join(directory, f"{name}-ca.key"), os.path.join(directory, f"{name}-ca.pem")
    key, csr, cert = (os.path.join(directory, f"{name}-server.{x}") for x in ("key", "csr", "pem"))
    openssl = which("openssl")
    run = lambda *a: subprocess.run([openssl, *a], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", f"/CN={name} test CA", "-keyout", ca_key, "-out", ca)
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", key, "-out", csr)
    ext = os.path.join(directory, f"{name}-ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
        "-extfile", ext, "-out", cert)
    return ca, cert, key


class Broker:
    """mosquitto on 127.0.0.1: the door may write openvto/# and homeassistant/#; Home
    Assistant reads both and may write commands and its own status. With `tls`, a second
    listener (tls_port) speaks TLS with a certificate of the test's own CA (ca_pem)."""

    def __init__(self, directory, tls=False):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.port = free_port(kind=__import__("socket").SOCK_STREAM)
        passwords = os.path.join(directory, "passwords")
        open(passwords, "w").close()
        for user, password in ((DOOR_USER, DOOR_PASSWORD), (HA_USER, HA_PASSWORD)):
            subprocess.run([which("mosquitto_passwd"), "-b", passwords, user, password], check=True,
                           capture_output=True)
        acl = os.path.join(directory, "acl")
        with open(acl, "w") as f:
            f.write(f"user {DOOR_USER}\ntopic readwrite openvto/#\ntopic readwrite homeassistant/#\n\n"
                    f"user {HA_USER}\ntopic read openvto/#\ntopic read homeassistant/#\n"
                    "topic write openvto/+/command/#\ntopic write homeassistant/status\n")
        self.conf = os.path.join(directory, "mosquitto.conf")
        self.tls_port, self.ca_pem = 0, None
        with open(self.conf, "w") as f:
            f.write("per_listener_settings false\n")
            if tls:
                ca, cert, key = make_ca_and_server_cert(directory, "broker")
                self.tls_port = free_port(kind=__import__("socket").SOCK_STREAM)
                self.ca_pem = open(ca).read()
                f.write(f"listener {self.tls_port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\n"
                        f"keyfile {key}\n")
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous false\n"
                    f"password_file {passwords}\nacl_file {acl}\n"
                    f"persistence true\npersistence_location {directory}/\n"
                    "log_dest stderr\nlog_type all\nconnection_messages true\n")
            # As root, mosquitto would become user "mosquitto", who cannot read the test's
            # directory.
            if os.geteuid() == 0:
                f.write("user root\n")
        self.proc = None
        self.start()

    def start(self):
        self.proc = Process("mosquitto", [which("mosquitto"), "-c", self.conf], merge_stderr=True)
        self.proc.wait_line(lambda l: "running" in l, timeout=10, what="mosquitto running")

    def stop(self, sig=15):
        if self.proc:
            self.proc.stop(sig=sig)
            self.proc = None

    def url(self, user=DOOR_USER, password=DOOR_PASSWORD):
        return f"mqtt://{user}:{password}@127.0.0.1:{self.port}"


class Subscriber:
    """A paho client (Home Assistant's account) recording every message: (topic, payload
    bytes, retained, monotonic time)."""

    def __init__(self, broker, topics=("openvto/#", "homeassistant/#"), client_id=None,
                 clean_session=True, qos=1):
        self.messages = []
        self._new = threading.Condition()
        self.client = paho.Client(client_id=client_id or "", clean_session=clean_session)
        self.client.username_pw_set(HA_USER, HA_PASSWORD)
        self.topics = topics
        self.qos = qos
        self.connected = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.connect("127.0.0.1", broker.port, keepalive=10)
        self.client.loop_start()
        assert self.connected.wait(10), "the subscriber could not connect"

    def _on_connect(self, client, userdata, flags, rc):
        assert rc == 0, f"subscriber refused: {rc}"
        for t in self.topics:
            client.subscribe(t, qos=self.qos)
        self.connected.set()

    def _on_message(self, client, userdata, msg):
        with self._new:
            self.messages.append((msg.topic, msg.payload, bool(msg.retain), time.monotonic()))
            self._new.notify_all()

    def wait(self, predicate, what, timeout=10, start=0):
        """The first message from index `start` on with predicate(topic, payload, retained)."""
        deadline = time.monotonic() + timeout
        with self._new:
            while True:
                for i in range(start, len(self.messages)):
                    t, p, r, _ = self.messages[i]
                    if predicate(t, p, r):
                        return i, (t, p, r)
                left = deadline - time.monotonic()
                assert left > 0, f"no {what} within {timeout}s; heard: " + "\n".join(
                    f"{t} {p[:120]!r} retained={r}" for t, p, r, _ in self.messages[-40:])
                self._new.wait(min(left, 0.2))

    def on(self, topic, what=None, timeout=10, start=0, payload=None):
        return self.wait(lambda t, p, r: t == topic and (payload is None or p == payload),
                         what or f"{topic} {payload!r}", timeout=timeout, start=start)

    def publish(self, topic, payload, retain=False, qos=1):
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish()

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


def ha_rules():
    with open(KEYS_FILE) as f:
        return json.load(f)


def check_discovery(topic, payload, rules):
    """Fails unless the config is one Home Assistant (the release the key lists are from)
    accepts whole: every key known at every level, the required ones there, the exclusive
    ones alone, the values of the enumerated fields allowed. Returns (component, config)."""
    m = re.fullmatch(r"homeassistant/([a-z_]+)/(?:([a-zA-Z0-9_-]+)/)?([a-zA-Z0-9_-]+)/config", topic)
    assert m, f"not a discovery topic HA reads: {topic}"
    component = m.group(1)
    assert component in rules["components"], f"{topic}: component {component} not checked"
    rule = rules["components"][component]
    config = json.loads(payload)
    assert isinstance(config, dict), topic
    abbreviations = rules["abbreviations"]
    config = {abbreviations.get(k, k): v for k, v in config.items()}
    unknown = set(config) - set(rule["keys"])
    assert not unknown, f"{topic}: keys HA {rules['ha_version']} does not know: {sorted(unknown)}"
    for key in rule.get("required", []):
        assert key in config, f"{topic}: required key {key} missing"
    if "required_one_of" in rule:
        assert sum(k in config for k in rule["required_one_of"]) == 1, topic
    for group in rules["exclusive"]:
        assert sum(k in config for k in group) <= 1, f"{topic}: {group} together"
    if "device_class" in config and "device_class" in rule:
        assert config["device_class"] in rule["device_class"], f"{topic}: {config['device_class']}"
    device = {rules["device_abbreviations"].get(k, k): v for k, v in config["device"].items()}
    assert not set(device) - set(rules["device_keys"]), f"{topic}: device {sorted(device)}"
    assert device.get("identifiers") or device.get("connections"), f"{topic}: device without id"
    if "origin" in config:
        origin = {rules["origin_abbreviations"].get(k, k): v for k, v in config["origin"].items()}
        assert not set(origin) - set(rules["origin_keys"]), f"{topic}: origin {sorted(origin)}"
        assert "name" in origin, topic
    if "configuration_url" in device:
        assert re.match(r"https?://", device["configuration_url"]), device
    return component, config
