// Network Setting › Integrations: the device family's protocols (HTTP API, event protocol on
// port 5000, two-way audio over RTSP) are on by default on the simulated board; an admin
// switches the event protocol off, the page says nobody listens any more, and the setting
// holds after a reload. The port is edited with the other ports.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;

describe("network integrations", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

  it("switches the event protocol off and keeps it off", { timeout: 90000 }, async () => {
    const { page, console: con } = await env.open("integrations");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/network`);
    await page.locator("#integrations-section").waitFor();
    assert.equal(await page.locator("#integrations-http_api").inputValue(), "on");
    assert.equal(await page.locator("#integrations-port5000").inputValue(), "on");
    assert.equal(await page.locator("#integrations-rtsp_backchannel").inputValue(), "on");
    assert.match(await page.locator("#integrations-state").textContent(), /listens on port \d+/);
    assert.match(await page.locator("#network-dhip_port").inputValue(), /^\d+$/);
    await screenshot(page, FILE, "integrations-on");

    await page.locator("#integrations-port5000").selectOption("off");
    await page.locator("#integrations button[type=submit]").click();
    await page.locator("#integrations-state", { hasText: "not listening" }).waitFor();
    const now = await env.vtod.api("GET", "/api/v1/settings/integrations");
    assert.equal(now.status, 200);
    assert.equal(now.data.port5000, false);
    assert.equal(now.data.port5000_listening, 0);
    assert.equal(now.data.http_api, true);

    await page.reload();
    await page.locator("#integrations-section").waitFor();
    assert.equal(await page.locator("#integrations-port5000").inputValue(), "off");
    await screenshot(page, FILE, "integrations-port5000-off");
    con.assertClean();
  });
});
