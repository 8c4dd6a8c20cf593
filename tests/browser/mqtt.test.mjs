// Network Setting › MQTT: an admin points the door at a broker (a real Mosquitto on
// loopback with a password file) and the page says it is connected and where its topics
// are; a wrong password is told on the page, the saved password is never shown, and the
// broker's CA field shows only with TLS. Network Setting › Webhooks: an admin adds a
// receiver, sends it a test event, and the page counts the delivery.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const USER = "door";
const PASSWORD = "Door-mqtt-1";

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once("error", reject);
  s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// mosquitto on 127.0.0.1, one account.
async function startBroker() {
  const dir = mkdtempSync(path.join(tmpdir(), "vto-mqtt-"));
  const port = await freePort();
  const passwords = path.join(dir, "passwords");
  writeFileSync(passwords, "");
  execFileSync("/usr/bin/mosquitto_passwd", ["-b", passwords, USER, PASSWORD]);
  const conf = path.join(dir, "mosquitto.conf");
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\n` +
                      `log_dest stderr\n${process.getuid?.() === 0 ? "user root\n" : ""}`);
  const proc = spawn("/usr/sbin/mosquitto", ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start:\n${output}`)), 10000);
    proc.stderr.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
      if (output.includes("running")) { clearTimeout(timer); resolve(); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`mosquitto exited (${code}):\n${output}`)); });
  });
  return { port, stop() { proc.kill("SIGTERM"); rmSync(dir, { recursive: true, force: true }); } };
}

describe("network mqtt", () => {
  let env;
  let broker;
  before(async () => { broker = await startBroker(); env = await setUp(); });
  after(async () => { broker?.stop(); await env?.close(); });

  it("connects the door to a broker", { timeout: 90000 }, async () => {
    const { page, console: con } = await env.open("mqtt");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/mqtt`);
    await page.locator("#mqtt-status", { hasText: "MQTT is off." }).waitFor();
    // The CA is asked for only with TLS.
    assert.equal(await page.locator("#mqtt-ca_pem").isVisible(), false);
    await page.locator("#mqtt-tls").selectOption("on");
    assert.equal(await page.locator("#mqtt-ca_pem").isVisible(), true);
    await page.locator("#mqtt-tls").selectOption("off");

    await page.locator("#mqtt-enabled").selectOption("on");
    await page.locator("#mqtt-host").fill("127.0.0.1");
    await page.locator("#mqtt-port").fill(String(broker.port));
    await page.locator("#mqtt-username").fill(USER);
    await page.locator("#mqtt-password").fill("not-the-password");
    await page.locator("#mqtt button[type=submit]").click();
    await page.locator("#mqtt-status", { hasText: "not authorised" }).waitFor({ timeout: 15000 });
    await screenshot(page, FILE, "mqtt-refused");

    await page.locator("#mqtt-password").fill(PASSWORD);
    await page.locator("#mqtt button[type=submit]").click();
    await page.locator("#mqtt-status[data-connected=true]").waitFor({ timeout: 15000 });
    assert.match(await page.locator("#mqtt-status").textContent(),
                 new RegExp(`^Connected to 127\\.0\\.0\\.1:${broker.port} as openvto-ov[0-9a-f]+; topics under openvto/ov[0-9a-f]+/\\.$`));
    assert.equal(await page.locator("#mqtt-password").inputValue(), "");
    const now = await env.vtod.api("GET", "/api/v1/settings/mqtt");
    assert.equal(now.data.password_set, true);
    assert.ok(!JSON.stringify(now.data).includes(PASSWORD));

    // A port that is not a number is refused beside the field.
    await page.locator("#mqtt-port").fill("18x3");
    await page.locator("#mqtt button[type=submit]").click();
    await page.locator("#mqtt-port-error", { hasText: "1 to 65535" }).waitFor();

    await page.reload();
    await page.locator("#mqtt-status[data-connected=true]").waitFor();
    assert.equal(await page.locator("#mqtt-host").inputValue(), "127.0.0.1");
    await screenshot(page, FILE, "mqtt-connected");
    con.assertClean();
  });

  it("adds a webhook and sends it a test event", { timeout: 90000 }, async () => {
    const received = [];
    const receiver = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c) => { body += c; });
      req.on("end", () => { received.push({ headers: req.headers, body }); res.end(); });
    });
    await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    try {
      const { page, console: con } = await env.open("webhooks");
      await login(page, env.vtod, "admin", ADMIN_PASSWORD);
      await page.goto(`${env.vtod.url}/#/webhooks`);
      await page.locator("#webhooks-list", { hasText: "No webhooks yet." }).waitFor();
      await page.locator("#webhook-add-url").fill(url);
      await page.locator("#webhook-add button[type=submit]").click();
      await page.locator("#webhooks-list code", { hasText: url }).waitFor();
      const secret = (await page.locator(".webhook-secret").textContent()).trim();
      assert.match(secret, /^[0-9a-f]{32}$/);
      await page.locator("#webhook-test").click();
      await page.locator(".webhook-status", { hasText: "1 delivered" }).waitFor({ timeout: 15000 });
      assert.equal(received.length, 1);
      assert.equal(JSON.parse(received[0].body).event, "test");
      assert.match(received[0].headers["x-openvto-signature"], /^sha256=[0-9a-f]{64}$/);
      await screenshot(page, FILE, "webhooks");

      // Two changes in a row keep both, even when the first is answered late: the first
      // webhook turned off, then a second one removed before that answer came.
      const second = `${url}2`;
      await page.locator("#webhook-add-url").fill(second);
      await page.locator("#webhook-add button[type=submit]").click();
      await page.locator("#webhooks-list code", { hasText: second }).waitFor();
      let held = 0;
      await page.route("**/api/v1/settings/webhooks", async (route) => {
        if (route.request().method() === "PUT" && held++ === 0) await new Promise((r) => setTimeout(r, 1000));
        await route.continue();
      });
      const rowOf = (u) => page.locator("#webhooks-list tbody tr").filter({ has: page.locator("code", { hasText: new RegExp(`^${u}$`) }) });
      await rowOf(url).getByRole("button", { name: "On", exact: true }).click();
      await rowOf(second).getByRole("button", { name: "Remove" }).click();
      await page.locator("#webhooks-list code", { hasText: second }).waitFor({ state: "detached" });
      await rowOf(url).getByRole("button", { name: "Off", exact: true }).waitFor();
      await page.unrouteAll();
      const saved = (await env.vtod.api("GET", "/api/v1/settings/webhooks")).data.endpoints;
      assert.deepEqual(saved.map((e) => [e.url, e.enabled]), [[url, false]]);
      con.assertClean();
    } finally {
      receiver.close();
    }
  });
});
