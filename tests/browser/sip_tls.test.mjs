// SIP over TLS and SRTP in the web interface, against the real vtod: Network Setting › Basic
// shows and saves the SIP TLS port; SIP Server saves transport TLS with the server's
// certificate and SRTP required, and shows the server's error when the certificate is
// missing; the rooms and the management centre mark the devices registered over TLS; and
// the call records say which call's media was encrypted (vth over TLS answering with SRTP
// keys) and which was not (vth over UDP).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { setUp, login, screenshot, until, ADMIN_PASSWORD } from "./lib/vtod.mjs";
import { startMonitor } from "./lib/phones.mjs";

const FILE = import.meta.url;
const ROOM_PASSWORD = "Room-pass1";
const CENTRE_PASSWORD = "Centre-pass1";
const CSV_HEADER = "id,started_ms,ended_ms,caller,called,answered_by,result,duration_s,snapshot_path,encrypted,door_opened";

// A TCP port on 127.0.0.1 that nothing listens on (now).
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Saves the form by its "Save" button; the answer of `method apiPath` it sent. A saved form
// is drawn again with what was saved: this returns once it says so (its toast), so that the
// next step acts on the new form.
async function save(page, apiPath, method = "PUT") {
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === apiPath && r.request().method() === method),
    page.getByRole("button", { name: "Save", exact: true }).click(),
  ]);
  if (res.ok()) await page.locator("#toast", { hasText: "Saved and applied" }).waitFor();
  return res;
}

describe("SIP over TLS and SRTP in the web interface", () => {
  let env, monitor, phone, centre;
  before(async () => {
    env = await setUp();
    const room = await env.vtod.api("POST", "/api/v1/rooms", { body: { number: "101", password: ROOM_PASSWORD } });
    assert.equal(room.status, 201, JSON.stringify(room.data));
    // Call button 1 calls room 101.
    const facade = await env.vtod.api("PUT", "/api/v1/facade", {
      body: { modules: [{ kind: "indicators" }, { kind: "buttons", buttons: 2 }], buttons: ["101"] } });
    assert.equal(facade.status, 200, JSON.stringify(facade.data));
  });
  after(async () => {
    await Promise.all([phone?.stop(), centre?.stop(), monitor?.stop()]);
    await env?.close();
  });

  it("Network › Basic shows the SIP TLS port and saves a new one", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("network");
    // The refusal this test provokes on purpose: the TLS port on the SIP port.
    con.allow(/status of 400 .*\/api\/v1\/settings\/network/);
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    const before = (await env.vtod.api("GET", "/api/v1/settings/network")).data;
    assert.ok(before.sip_tls_port > 0, JSON.stringify(before));

    await page.locator('#nav a[href="#/network"]').click();
    await page.getByRole("heading", { name: "Network Setting › Basic" }).waitFor();
    const field = page.getByLabel("SIP TLS port");
    assert.equal(await field.inputValue(), String(before.sip_tls_port));
    assert.equal(await field.getAttribute("readonly"), null, "editable while SIP over TLS is on");

    // Every port differs: the server's error lands beside the field.
    await field.fill(String(before.sip_port));
    assert.equal((await save(page, "/api/v1/settings/network")).status(), 400);
    await page.locator("#network-sip_tls_port-error").filter({ hasText: "already used" }).waitFor();
    assert.equal(await field.getAttribute("aria-invalid"), "true");

    // A free port: saved and applied, and a TLS connection reaches it.
    const port = await freePort();
    await field.fill(String(port));
    assert.equal((await save(page, "/api/v1/settings/network")).status(), 200);
    await page.locator("#toast").filter({ hasText: "Saved and applied" }).waitFor();
    assert.equal(await page.locator("#network-sip_tls_port-error").textContent(), "");
    const saved = (await env.vtod.api("GET", "/api/v1/settings/network")).data;
    assert.equal(saved.sip_tls_port, port);
    assert.equal(saved.sip_port, before.sip_port);
    await page.reload();
    await page.getByRole("heading", { name: "Network Setting › Basic" }).waitFor();
    assert.equal(await page.getByLabel("SIP TLS port").inputValue(), String(port));
    await screenshot(page, FILE, "network-basic");
    con.assertClean();
  });

  it("SIP Server: TLS needs the server's certificate; saved with it and SRTP required", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("sip");
    con.allow(/status of 400 .*\/api\/v1\/settings\/sip/);
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.locator('#nav a[href="#/sip"]').click();
    await page.getByRole("heading", { name: "Network Setting › SIP Server" }).waitFor();
    // This VTO is the server: SRTP only, no transport to a server.
    assert.equal(await page.locator("#sip-mode").inputValue(), "this");
    assert.equal(await page.locator("#sip-transport").count(), 0);
    assert.equal(await page.getByLabel("SRTP").inputValue(), "preferred");
    await page.getByText("keys are only exchanged over TLS").waitFor();

    // Another VTO is the server, over TLS: the certificate field shows with TLS only.
    await page.locator("#sip-mode").selectOption("vto");
    await page.locator("#sip-server_ip").fill("127.0.0.1");
    await page.locator("#sip-server_port").fill(String(await freePort()));
    await page.locator("#sip-user").fill("8002");
    const transport = page.getByLabel("Transport");
    const certificate = page.getByLabel("Server certificate (PEM)");
    assert.equal(await transport.inputValue(), "tcp");
    assert.equal(await certificate.isVisible(), false, "no certificate field over TCP");
    await transport.selectOption("tls");
    await certificate.waitFor({ state: "visible" });
    await page.getByLabel("SRTP").selectOption("required");

    // Without the certificate: the server's error beside the field; nothing saved.
    assert.equal((await save(page, "/api/v1/settings/sip")).status(), 400);
    await page.locator("#sip-server_certificate-error").filter({ hasText: "required over TLS" }).waitFor();
    assert.equal(await certificate.getAttribute("aria-invalid"), "true");
    assert.equal((await env.vtod.api("GET", "/api/v1/settings/sip")).data.mode, "this");

    // With the certificate (the station's own here): saved and applied.
    const pem = fs.readFileSync(path.join(env.vtod.dataDir, "tls", "cert.pem"), "utf8");
    await certificate.fill(pem);
    const res = await save(page, "/api/v1/settings/sip");
    assert.equal(res.status(), 200, await res.text());
    await page.locator("#toast").filter({ hasText: "Saved and applied" }).waitFor();
    const saved = (await env.vtod.api("GET", "/api/v1/settings/sip")).data;
    assert.equal(saved.mode, "vto");
    assert.equal(saved.transport, "tls");
    assert.equal(saved.srtp, "required");
    assert.equal(saved.server_certificate, pem);
    // The page is drawn again from the answer: TLS, its certificate, SRTP required.
    assert.equal(await page.locator("#sip-transport").inputValue(), "tls");
    assert.equal(await page.locator("#sip-server_certificate").inputValue(), pem);
    assert.ok(await page.locator("#sip-server_certificate").isVisible());
    assert.equal(await page.locator("#sip-srtp").inputValue(), "required");
    await screenshot(page, FILE, "sip-server-tls");

    // Back to TCP: the certificate field goes away and is not sent (the saved one stays).
    await page.locator("#sip-transport").selectOption("tcp");
    assert.equal(await page.locator("#sip-server_certificate").isVisible(), false);
    const [put] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith("/api/v1/settings/sip") && r.method() === "PUT"),
      save(page, "/api/v1/settings/sip"),
    ]);
    assert.equal(put.postDataJSON().server_certificate, undefined);
    assert.equal((await env.vtod.api("GET", "/api/v1/settings/sip")).data.transport, "tcp");

    // This VTO is the SIP server again, SRTP when offered: the next test's calls.
    await page.locator("#sip-mode").selectOption("this");
    await page.locator("#sip-srtp").selectOption("preferred");
    assert.equal((await save(page, "/api/v1/settings/sip")).status(), 200);
    const back = (await env.vtod.api("GET", "/api/v1/settings/sip")).data;
    assert.equal(back.mode, "this");
    assert.equal(back.srtp, "preferred");
    con.assertClean();
  });

  it("devices registered over TLS are marked; call records say which calls were encrypted", { timeout: 120000 }, async () => {
    const { page, console: con } = await env.open("tls-devices");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    const api = env.vtod.api.bind(env.vtod);
    const panelState = async () => (await api("GET", "/api/v1/sim/state")).data.panel.state;
    const records = async () => (await api("GET", "/api/v1/records/calls?order=oldest")).data.records;
    const ended = (n) => until(async () => {
      const r = await records();
      return r.length === n && r.every((x) => x.ended_ms > 0) && (await panelState()) === "idle" && r;
    }, `${n} ended call record(s)`);

    // A plain call: vth over UDP answers.
    monitor = startMonitor(env.vtod.sipPort, "101#0", ROOM_PASSWORD);
    await monitor.event("registered");
    assert.equal((await api("POST", "/api/v1/sim/press", { body: { key: "button1" } })).status, 200);
    await monitor.event("incoming_call");
    monitor.send("answer");
    await monitor.event("answered");
    await until(async () => (await panelState()) === "talking", "talking");
    monitor.send("hangup");
    await ended(1);

    // 101#1 registers over TLS (vth verifying the station's certificate), SRTP when the door
    // offers it, and so does the centre.
    const tlsPort = (await api("GET", "/api/v1/settings/network")).data.sip_tls_port;
    const tls = { transport: "tls", ca: path.join(env.vtod.dataDir, "tls", "cert.pem"), srtp: "preferred" };
    phone = startMonitor(tlsPort, "101#1", ROOM_PASSWORD, tls);
    assert.equal((await phone.event("registered")).status, 200);
    assert.equal((await api("PUT", "/api/v1/centre", { body: { password: CENTRE_PASSWORD } })).status, 200);
    centre = startMonitor(tlsPort, "888888", CENTRE_PASSWORD, tls);
    assert.equal((await centre.event("registered")).status, 200);
    const rooms = (await api("GET", "/api/v1/rooms")).data.rooms;
    assert.deepEqual(rooms[0].online.slice().sort(), ["101#0", "101#1"]);
    assert.deepEqual(rooms[0].online_tls, ["101#1"]);

    // Room No. Management: both online, the TLS one marked.
    await page.locator('#nav a[href="#/rooms"]').click();
    const online = page.locator('td[data-label="Monitors online"]').first();
    await online.filter({ hasText: "101#1" }).waitFor();
    assert.match(await online.innerText(), /101#0, 101#1\s*TLS/);
    const marks = online.locator("span.tls");
    assert.equal(await marks.count(), 1);
    assert.match(await marks.getAttribute("title"), /^101#1 registered over TLS/);
    await screenshot(page, FILE, "rooms-tls");

    // Management Centre: its device over TLS, marked.
    await page.locator('#nav a[href="#/centre"]').click();
    const status = page.locator("#centre-status");
    await status.filter({ hasText: "online:" }).waitFor();
    const centreData = (await api("GET", "/api/v1/centre")).data;
    assert.equal(centreData.online_tls.length, 1, JSON.stringify(centreData));
    assert.equal(await status.locator("span.tls").count(), 1);
    assert.match(await status.locator("span.tls").getAttribute("title"), /registered over TLS/);
    await screenshot(page, FILE, "centre-tls");

    // A call over TLS: keys offered to 101#1, which answers with its own (its media is SRTP);
    // then it hangs up.
    const seen = phone.events.length;
    assert.equal((await api("POST", "/api/v1/sim/press", { body: { key: "button1" } })).status, 200);
    await phone.event("incoming_call", 10000, seen);
    phone.send("answer");
    await phone.event("answered", 10000, seen);
    await until(async () => (await panelState()) === "talking", "talking over TLS");
    const media = await phone.event("media", 10000, seen, (e) => "srtp" in e);
    assert.equal(media.srtp, true, `the call over TLS is not SRTP: ${JSON.stringify(media)}`);
    phone.send("hangup");
    await phone.event("bye", 10000, seen);
    const both = await ended(2);
    assert.deepEqual(both.map((r) => [r.answered_by, r.encrypted]), [["101#0", false], ["101#1", true]]);

    // Call records: the Encrypted column.
    await page.locator('#nav a[href="#/calls"]').click();
    await page.getByRole("heading", { level: 1, name: "Call records" }).waitFor();
    await page.getByRole("columnheader", { name: "Encrypted" }).waitFor();
    const rows = page.locator("#main tbody tr");
    await until(async () => (await rows.count()) === 2, "2 rows");
    const byAnswer = {};
    for (let i = 0; i < 2; i++) {
      const row = rows.nth(i);
      byAnswer[(await row.locator('td[data-label="Answered by"]').innerText()).trim()] =
        (await row.locator('td[data-label="Encrypted"]').innerText()).trim();
    }
    assert.deepEqual(byAnswer, { "101#0": "No", "101#1": "Yes" });
    await screenshot(page, FILE, "calls-encrypted");

    // The CSV export's "encrypted" column (the last but one, before "door_opened").
    const csv = await api("GET", "/api/v1/records/calls.csv?order=oldest");
    assert.equal(csv.status, 200);
    const lines = csv.data.raw.trim().split(/\r?\n/);
    assert.equal(lines[0], CSV_HEADER);
    assert.deepEqual(lines.slice(1).map((l) => l.split(",").at(-2)), ["0", "1"]);
    con.assertClean();
  });
});
