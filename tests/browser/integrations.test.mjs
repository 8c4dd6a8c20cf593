// Network Setting › Integrations: the device family's protocols (HTTP API, event protocol on
// port 5000, two-way audio over RTSP) are on by default on the simulated board; an admin
// switches the event protocol off, the page says nobody listens any more, and the setting
// holds after a reload. The port is edited with the other ports. ONVIF is on and its
// discovery off; an admin gives an account its ONVIF password on the Users page (never the
// web password).
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
    assert.equal(await page.locator("#integrations-onvif").inputValue(), "on");
    assert.equal(await page.locator("#integrations-onvif_discovery").inputValue(), "off");
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

  it("gives an account its ONVIF password on the Users page", { timeout: 90000 }, async () => {
    const { page, console: con } = await env.open("onvif-password");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/users`);
    const cell = page.locator('.onvif-password[data-user="admin"]');
    await cell.getByText("None").waitFor();
    // The web password is refused: the ONVIF one is kept retrievable.
    con.allow(/Failed to load resource: the server responded with a status of 400/);
    await cell.getByRole("button", { name: "Set…" }).click();
    await cell.getByLabel("ONVIF password of admin").fill(ADMIN_PASSWORD);
    await cell.getByRole("button", { name: "Save" }).click();
    await page.locator("#toast", { hasText: "web interface" }).waitFor();
    await cell.getByLabel("ONVIF password of admin").fill("Onvif-pass-42");
    await cell.getByRole("button", { name: "Save" }).click();
    await cell.getByText("Set").first().waitFor();
    const users = await env.vtod.api("GET", "/api/v1/users");
    assert.equal(users.data.users.find((u) => u.name === "admin").onvif, true);
    await screenshot(page, FILE, "users-onvif-password");
    con.assertClean();
  });
});
