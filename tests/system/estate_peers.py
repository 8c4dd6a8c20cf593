"""The estate platform (deploy/kamailio/estate.cfg) for the tests: one Kamailio node per
EstateNode, started headless with a per-node estate-local.cfg of its own.

Two nodes replicate registrations through DMQ, which tells nodes apart by their source
address: give them two addresses of their own (e.g. 10.99.0.2 and 10.99.0.3 on lo inside
the test's network namespace, harness.enter_own_network_namespace), not two ports of
127.0.0.1. The accounts come from `vtoctl estate export` (export_accounts below).
"""
import os
import re
import signal
import socket
import subprocess
import time

from harness import Process, vtoctl, which

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.normpath(os.path.join(HERE, "..", "..", "deploy", "kamailio"))
CONFIG = os.path.join(DEPLOY, "estate.cfg")
LOCAL_EXAMPLE = os.path.join(DEPLOY, "estate-local.cfg.example")


def export_accounts(data_dir, db_path, realm):
    """Writes the building's SIP accounts of vtod's data dir `data_dir` into the SQLite
    file `db_path` (Kamailio's subscriber table) for the estate realm `realm`."""
    return vtoctl(data_dir, "estate", "export", "--sqlite", db_path, "--domain", realm)


def options_ping(ip, port, timeout=0.3):
    """True when something answers an OPTIONS without user (the devices' keepalive) on
    ip:port over UDP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect((ip, port))
        here, me = s.getsockname()
        n = time.monotonic_ns()
        msg = (f"OPTIONS sip:{ip}:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {here}:{me};branch=z9hG4bKping{n};rport\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:ping@{here}:{me}>;tag=p{n}\r\n"
               f"To: <sip:{ip}:{port}>\r\n"
               f"Call-ID: ping-{n}@{here}\r\n"
               "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        try:
            s.send(msg.encode())
            data = s.recv(65535)
        except OSError:
            return False
        return data.startswith(b"SIP/2.0 200")


def local_cfg(values):
    """The example estate-local.cfg with the values of `values` (name without the ESTATE_
    prefix -> value) put in: every name must be one the example defines."""
    with open(LOCAL_EXAMPLE) as f:
        text = f.read()
    for name, value in values.items():
        pattern = re.compile(r'^#!substdef "!ESTATE_%s!.*!g"$' % re.escape(name), re.M)
        text, count = pattern.subn(f'#!substdef "!ESTATE_{name}!{value}!g"', text)
        if count != 1:
            raise AssertionError(f"{LOCAL_EXAMPLE} defines ESTATE_{name} {count} times")
    return text


class EstateNode(Process):
    """One node of the estate platform on ip:port, its peer on peer_ip:peer_port (the
    same port unless given). Its files (estate-local.cfg, the control socket, Kamailio's
    runtime directory) are in a directory of its own under `tmp`."""

    def __init__(self, tmp, ip, port, peer_ip, db_path, realm, peer_port=None,
                 pike_limit=8000, ban_after=5, ban_seconds=300, log_level=2, no_pike=False,
                 shm_mb=64):
        self.ip = ip
        self.port = port
        self.peer_ip = peer_ip
        self.peer_port = peer_port or port
        self.realm = realm
        self.dir = os.path.join(tmp, f"estate-{ip}-{port}")
        os.makedirs(self.dir, exist_ok=True)
        self.ctl = os.path.join(self.dir, "ctl.sock")
        text = local_cfg({
            "NODE_IP": ip, "SIP_PORT": port, "PEER_IP": peer_ip, "PEER_PORT": self.peer_port,
            "REALM": realm, "DB_FILE": os.path.abspath(db_path),
            "DB_URL": "sqlite://" + os.path.abspath(db_path), "CTL_SOCKET": self.ctl,
            "PIKE_LIMIT": pike_limit, "BAN_AFTER": ban_after, "BAN_SECONDS": ban_seconds,
            "LOG_LEVEL": log_level,
        })
        if no_pike:
            text = text.replace("\n# #!define ESTATE_NO_PIKE\n", "\n#!define ESTATE_NO_PIKE\n")
        # Kamailio looks for estate-local.cfg in its working directory first.
        with open(os.path.join(self.dir, "estate-local.cfg"), "w") as f:
            f.write(text)
        binary = which("kamailio")
        if not binary:
            raise AssertionError("kamailio is not installed (scripts/install-deps.sh)")
        self._args = [binary, "-f", CONFIG, "-DD", "-E", "-m", str(shm_mb), "-M", "8",
                      "-Y", self.dir]
        self.earlier_lines = []  # output of this node's earlier runs (restart)
        self._start()

    def _start(self):
        try:
            os.unlink(self.ctl)
        except FileNotFoundError:
            pass
        Process.__init__(self, f"kamailio {self.ip}:{self.port}", self._args, cwd=self.dir,
                         merge_stderr=True, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not options_ping(self.ip, self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not start:\n" + self.dump())
            time.sleep(0.1)
        # The answer must be this node's: another Kamailio left on the address would answer
        # too, while this one failed to bind.
        time.sleep(0.2)
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} ended at start:\n" + self.dump())

    @property
    def sip(self):
        return f"{self.ip}:{self.port}"

    def kill(self):
        """Ends the node at once (SIGKILL), as a crash or a power cut would."""
        self.stop(signal.SIGKILL)

    def restart(self, kill=False):
        """Stops the node (SIGKILL when `kill`) if it runs, and starts it again with the
        same files. It fetches the registrations from its peer as it starts."""
        if self.proc.poll() is None:
            self.stop(signal.SIGKILL if kill else signal.SIGTERM)
        self.earlier_lines += self.lines
        self._start()

    def rpc(self, *command, timeout=5):
        """One RPC command over the control socket (kamcmd, binrpc); its output. kamcmd
        sends an argument that looks like a number as one: prefix it with "s:" to send
        it as a string."""
        r = subprocess.run([which("kamcmd"), "-s", "unix:" + self.ctl, *command],
                           capture_output=True, text=True, timeout=timeout)
        # kamcmd exits 0 after an error answer too.
        if r.returncode != 0 or r.stdout.startswith("error:"):
            raise AssertionError(f"kamcmd {' '.join(command)} failed: {r.stdout}{r.stderr}")
        return r.stdout

    @staticmethod
    def _parse_contacts(text):
        out = {}
        aor = None
        contact = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("AoR:"):
                aor = line.split(":", 1)[1].strip()
                out.setdefault(aor, [])
            elif line.startswith("Contact: {"):
                contact = {}
                out[aor].append(contact)
            elif contact is not None and ":" in line:
                key, value = line.split(":", 1)
                contact[key.strip()] = value.strip()
        return out

    def contacts(self):
        """The registrations this node holds (its own and those replicated from its peer):
        {aor: [{"Address": ..., "Path": ..., "Received": ..., "Socket": ...}, ...]}, the
        AoR as stored ("101#0"). The whole table in one reply: for a few dozen devices
        (a binrpc reply holds 32 KB); count larger ones with contact_count()."""
        return self._parse_contacts(self.rpc("ul.dump"))

    def lookup(self, aor):
        """The contacts of one AoR ("101#0"), as in contacts(); [] when none."""
        # "s:": a string even when it looks like a number (a VTO's "8001").
        r = subprocess.run([which("kamcmd"), "-s", "unix:" + self.ctl, "ul.lookup", "location",
                            "s:" + aor], capture_output=True, text=True, timeout=5)
        if "AOR not found" in r.stdout:
            return []
        if r.returncode != 0 or r.stdout.startswith("error:"):
            raise AssertionError(f"kamcmd ul.lookup {aor} failed: {r.stdout}{r.stderr}")
        return self._parse_contacts(r.stdout).get(aor, [])

    def contact_count(self):
        """How many contacts this node holds (usrloc's statistic, any table size)."""
        text = self.rpc("stats.get_statistics", "location_contacts")
        m = re.search(r"usrloc:location_contacts = (\d+)", text)
        if not m:
            raise AssertionError(f"{self.name}: no contact statistic in {text!r}")
        return int(m.group(1))

    def banned(self):
        """The banned "source address:user" pairs this node knows of."""
        text = self.rpc("htable.dump", "authban")
        return re.findall(r"name: (\S+)", text)

    def dmq_nodes(self):
        """{host: status} of the DMQ nodes this node knows (itself included)."""
        text = self.rpc("dmq.list_nodes")
        hosts = re.findall(r"host: (\S+)", text)
        states = re.findall(r"status: (\S+)", text)
        return dict(zip(hosts, states))
