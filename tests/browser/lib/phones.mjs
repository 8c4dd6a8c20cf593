// Indoor monitors for the browser tests: vth (the software monitor, SIP over UDP) and
// TlsPhone, a small SIP user agent in this process that registers over TLS and answers a
// call with SRTP keys (SDES), as a monitor whose signalling is encrypted does.
import { spawn } from "node:child_process";
import { randomBytes, createHash } from "node:crypto";
import dgram from "node:dgram";
import path from "node:path";
import tls from "node:tls";
import { BIN } from "./vtod.mjs";

// vth, the software indoor monitor: JSON events on stdout, commands on stdin.
export function startMonitor(sipPort, user, password) {
  const proc = spawn(path.join(BIN, "vth"), ["--server", `127.0.0.1:${sipPort}`, "--user", user,
    "--password", password, "--listen", "127.0.0.1:0"], { stdio: ["pipe", "pipe", "pipe"] });
  const events = [];
  const waiters = [];
  let buffer = "";
  let output = "";
  const onData = (chunk) => {
    output += chunk;
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let e;
      try { e = JSON.parse(line); } catch { continue; }
      events.push(e);
      for (const w of [...waiters]) if (w.match(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
    }
  };
  proc.stdout.setEncoding("utf8").on("data", onData);
  proc.stderr.setEncoding("utf8").on("data", (c) => { output += c; });
  return {
    events,
    // The first `name` event seen after the `after`-th event (0: since the start).
    event(name, timeoutMs = 10000, after = 0) {
      const found = events.slice(after).find((e) => e.event === name);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match: (e) => e.event === name, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`vth ${user}: no ${name} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      });
    },
    send(cmd) { proc.stdin.write(cmd + "\n"); },
    stop() { try { proc.stdin.end("quit\n"); } catch { /* gone */ } setTimeout(() => proc.kill("SIGKILL"), 3000).unref(); },
  };
}

// Compact header names (RFC 3261 §7.3.3) as their full lowercase names.
const COMPACT = { v: "via", f: "from", t: "to", i: "call-id", m: "contact", l: "content-length", c: "content-type" };

/**
 * One SIP message: { startLine, headers: [[lowercase name, value]], body }.
 * @param {string} head
 * @param {string} body
 */
function parseMessage(head, body) {
  const lines = head.split("\r\n");
  const headers = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && headers.length) { headers[headers.length - 1][1] += " " + line.trim(); continue; }
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] || name, line.slice(colon + 1).trim()]);
  }
  const msg = { startLine: lines[0], headers, body };
  msg.all = (name) => headers.filter(([n]) => n === name).map(([, v]) => v);
  msg.get = (name) => msg.all(name)[0];
  const request = lines[0].match(/^([A-Z]+) (\S+) SIP\/2\.0$/);
  if (request) { msg.method = request[1]; msg.uri = request[2]; }
  const status = lines[0].match(/^SIP\/2\.0 (\d{3})/);
  if (status) msg.status = Number(status[1]);
  return msg;
}

// The parameters of a Digest challenge: { realm, nonce, algorithm, qop, opaque }.
function challengeParams(value) {
  const params = {};
  for (const m of value.replace(/^Digest\s+/i, "").matchAll(/([a-zA-Z-]+)\s*=\s*("([^"]*)"|[^,\s]+)/g)) {
    params[m[1].toLowerCase()] = m[3] ?? m[2];
  }
  return params;
}

const rand = (n = 8) => randomBytes(n).toString("hex");

/**
 * The SDP answer to `offer`: audio on `rtpPort` with the offer's first PCMU/PCMA format and,
 * when the offer has keys (a=crypto) for AES_CM_128_HMAC_SHA1_80, keys of our own under the
 * same tag; other media refused (port 0).
 */
function sdpAnswer(offer, rtpPort) {
  const sections = offer.split(/\r?\n(?=m=)/);
  const out = ["v=0", `o=- ${Date.now()} 1 IN IP4 127.0.0.1`, "s=-", "c=IN IP4 127.0.0.1", "t=0 0"];
  let keyed = false;
  for (const section of sections.slice(1)) {
    const lines = section.split(/\r?\n/).filter(Boolean);
    const [media, , proto, ...fmts] = lines[0].slice(2).split(" ");
    if (media !== "audio") { out.push(`m=${media} 0 ${proto} ${fmts[0]}`); continue; }
    const pt = fmts.find((f) => f === "0" || f === "8") ?? fmts[0];
    out.push(`m=audio ${rtpPort} ${proto} ${pt}`);
    const rtpmap = lines.find((l) => l.startsWith(`a=rtpmap:${pt} `));
    out.push(rtpmap || `a=rtpmap:${pt} ${pt === "8" ? "PCMA" : "PCMU"}/8000`);
    const crypto = lines.map((l) => l.match(/^a=crypto:(\d+) (AES_CM_128_HMAC_SHA1_80) /)).find(Boolean);
    if (crypto) {
      out.push(`a=crypto:${crypto[1]} ${crypto[2]} inline:${randomBytes(30).toString("base64")}`);
      keyed = true;
    }
    out.push("a=sendrecv");
  }
  return { sdp: out.join("\r\n") + "\r\n", keyed };
}

// A monitor registered over TLS: it answers INVITEs (SRTP keys when offered) on its own
// connection, the way phones behind TLS are reached, and hangs up with BYE.
export class TlsPhone {
  /**
   * @param {object} options
   * @param {number} options.port vtod's SIP over TLS port on 127.0.0.1
   * @param {string} options.user e.g. "101#1"
   * @param {string} options.password the room's register password
   * @param {string | Buffer} [options.ca] vtod's certificate (PEM), to verify it with
   * @param {boolean} [options.autoAnswer] answer every INVITE at once
   */
  static async connect({ port, user, password, ca, autoAnswer = true }) {
    const p = new TlsPhone();
    Object.assign(p, { port, user, password, autoAnswer });
    p.log = [];
    p.waiters = [];
    p.calls = [];
    p.cseq = 1;
    p.rtp = dgram.createSocket("udp4");  // takes the call's media, if any
    await new Promise((resolve) => p.rtp.bind(0, "127.0.0.1", resolve));
    p.rtp.on("message", () => {});
    p.socket = tls.connect({ host: "127.0.0.1", port, ca, rejectUnauthorized: !!ca,
                             checkServerIdentity: () => undefined });  // the chain, not the name
    await new Promise((resolve, reject) => {
      p.socket.once("secureConnect", resolve);
      p.socket.once("error", reject);
    });
    p.socket.on("error", (e) => p.log.push(`socket error: ${e.message}`));
    p.localPort = p.socket.localPort;
    p.escaped = user.replaceAll("#", "%23");
    p.contact = `<sip:${p.escaped}@127.0.0.1:${p.localPort};transport=tls>`;
    p.buffer = Buffer.alloc(0);
    p.socket.on("data", (chunk) => p.onData(chunk));
    return p;
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      while (this.buffer.length >= 2 && this.buffer[0] === 13 && this.buffer[1] === 10) this.buffer = this.buffer.subarray(2);
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString("utf8");
      const length = Number((head.match(/^(?:content-length|l)\s*:\s*(\d+)/im) || [])[1] || 0);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
      this.buffer = this.buffer.subarray(end + 4 + length);
      const msg = parseMessage(head, body);
      this.log.push(`< ${msg.startLine}`);
      for (const w of [...this.waiters]) if (w.match(msg)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(msg); }
      if (msg.method) this.onRequest(msg);
    }
  }

  send(lines, body = "") {
    const text = [...lines, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
    this.log.push(`> ${lines[0]}`);
    this.socket.write(text);
  }

  // The next message that `match` accepts.
  next(match, what, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        if (!this.waiters.includes(w)) return;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`TLS phone ${this.user}: no ${what} within ${timeoutMs} ms:\n  ${this.log.join("\n  ")}`));
      }, timeoutMs);
    });
  }

  // A response to `req` with the headers it must copy (To with our tag for dialogs).
  respond(req, status, reason, extra = [], body = "") {
    const to = req.get("to");
    const lines = [`SIP/2.0 ${status} ${reason}`, ...req.all("via").map((v) => `Via: ${v}`),
                   ...(status > 100 && status < 300 ? req.all("record-route").map((r) => `Record-Route: ${r}`) : []),
                   `From: ${req.get("from")}`, `To: ${/;\s*tag=/i.test(to) || status === 100 ? to : `${to};tag=${this.tag(req)}`}`,
                   `Call-ID: ${req.get("call-id")}`, `CSeq: ${req.get("cseq")}`, ...extra];
    this.send(lines, body);
  }

  tag(req) {
    const call = this.calls.find((c) => c.callId === req.get("call-id"));
    return call ? call.tag : "t" + rand(4);
  }

  onRequest(req) {
    if (req.method === "INVITE") {
      let call = this.calls.find((c) => c.callId === req.get("call-id"));
      if (!call) {
        call = { callId: req.get("call-id"), tag: "t" + rand(4), invite: req, state: "ringing", keyed: false };
        this.calls.push(call);
      }
      this.respond(req, 180, "Ringing", [`Contact: ${this.contact}`]);
      if (this.autoAnswer) this.answer(call);
    } else if (req.method === "ACK") {
      // nothing to answer
    } else if (req.method === "CANCEL") {
      this.respond(req, 200, "OK");
      const call = this.calls.find((c) => c.callId === req.get("call-id"));
      if (call && call.state === "ringing") {
        call.state = "cancelled";
        this.respond(call.invite, 487, "Request Terminated");
      }
    } else if (req.method === "BYE") {
      const call = this.calls.find((c) => c.callId === req.get("call-id"));
      if (call) call.state = "ended";
      this.respond(req, 200, "OK");
    } else {
      this.respond(req, 200, "OK");
    }
  }

  // Answers a ringing call: 200 with SDP (SRTP keys when the offer had them).
  answer(call) {
    const { sdp, keyed } = sdpAnswer(call.invite.body, this.rtp.address().port);
    call.keyed = keyed;
    call.state = "answered";
    this.respond(call.invite, 200, "OK", [`Contact: ${this.contact}`, "Content-Type: application/sdp"], sdp);
  }

  // The first INVITE received (or the next one), as the call this phone holds.
  async call(timeoutMs = 10000) {
    const ringing = this.calls.find((c) => c.state !== "ended" && c.state !== "cancelled");
    if (ringing) return ringing;
    await this.next((m) => m.method === "INVITE", "INVITE", timeoutMs);
    return this.calls[this.calls.length - 1];
  }

  // Ends an answered call with BYE (along the INVITE's Record-Route) and waits for its 200.
  async hangup(call) {
    const inv = call.invite;
    const target = (inv.get("contact") || "").match(/<([^>]+)>/)?.[1] || inv.get("contact");
    const branch = "z9hG4bK" + rand();
    this.send([`BYE ${target} SIP/2.0`, `Via: SIP/2.0/TLS 127.0.0.1:${this.localPort};branch=${branch};rport`,
               ...inv.all("record-route").map((r) => `Route: ${r}`), "Max-Forwards: 70",
               `From: ${inv.get("to")};tag=${call.tag}`, `To: ${inv.get("from")}`,
               `Call-ID: ${call.callId}`, `CSeq: ${this.cseq++} BYE`]);
    const ok = await this.next((m) => m.status && m.get("cseq")?.endsWith("BYE") && m.get("call-id") === call.callId, "200 to BYE");
    call.state = "ended";
    return ok.status;
  }

  // REGISTER with digest authentication (MD5 or SHA-256, qop=auth); the final status.
  async register(expires = 600) {
    const uri = `sip:127.0.0.1:${this.port};transport=tls`;
    const aor = `<sip:${this.escaped}@127.0.0.1>`;
    const callId = rand(12);
    const fromTag = "f" + rand(4);
    const request = (authorization) => {
      const branch = "z9hG4bK" + rand();
      const cseq = this.cseq++;
      this.send([`REGISTER ${uri} SIP/2.0`, `Via: SIP/2.0/TLS 127.0.0.1:${this.localPort};branch=${branch};rport`,
                 "Max-Forwards: 70", `From: ${aor};tag=${fromTag}`, `To: ${aor}`, `Call-ID: ${callId}`,
                 `CSeq: ${cseq} REGISTER`, `Contact: ${this.contact}`, `Expires: ${expires}`,
                 "User-Agent: OpenVTO-browser-test", ...(authorization ? [`Authorization: ${authorization}`] : [])]);
      return this.next((m) => m.status >= 200 && m.get("cseq") === `${cseq} REGISTER`, `answer to REGISTER ${cseq}`);
    };
    let res = await request();
    if (res.status === 401) {
      const challenges = res.all("www-authenticate").map(challengeParams);
      const c = challenges.find((x) => (x.algorithm || "MD5").toUpperCase() === "MD5") ||
                challenges.find((x) => (x.algorithm || "").toUpperCase() === "SHA-256");
      if (!c) throw new Error(`TLS phone ${this.user}: no MD5 or SHA-256 challenge: ${res.all("www-authenticate")}`);
      const algorithm = (c.algorithm || "MD5").toUpperCase();
      const hash = (s) => createHash(algorithm === "MD5" ? "md5" : "sha256").update(s).digest("hex");
      const cnonce = rand(8);
      const nc = "00000001";
      const ha1 = hash(`${this.user}:${c.realm}:${this.password}`);
      const ha2 = hash(`REGISTER:${uri}`);
      const response = hash(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
      res = await request(`Digest username="${this.user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", ` +
                          `response="${response}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"` +
                          (c.opaque !== undefined ? `, opaque="${c.opaque}"` : ""));
    }
    return res.status;
  }

  close() {
    this.socket?.destroy();
    try { this.rtp?.close(); } catch { /* closed */ }
  }
}
