// Local Setting › Façade Layout shows which modules the board finds: on the simulated board
// the virtual panel's bus unplugs the keypad (as a board's USB keypad can be), the page
// says "Missing" beside it without a reload, and "Found" once it is back. On a Linux board
// the same comes from its devices (tests/board).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;

describe("façade presence", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

  it("shows a module unplugged and plugged in again", { timeout: 90000 }, async () => {
    const { page, console: con } = await env.open("facade-presence");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/facade`);
    const facade = await env.vtod.api("GET", "/api/v1/facade");
    assert.equal(facade.status, 200);
    assert.equal(facade.data.simulated, true);
    const keypad = facade.data.presence.find((p) => p.kind === "keypad").position;
    const badge = page.locator(`#module-${keypad}-presence`);
    await badge.waitFor();
    assert.equal((await badge.textContent()).trim(), "Found");
    assert.equal((await page.locator("#module-0-presence").textContent()).trim(), "Found");

    const out = await env.vtod.api("POST", "/api/v1/sim/module", { body: { position: keypad, present: false } });
    assert.equal(out.status, 200, JSON.stringify(out.data));
    await page.locator(`#module-${keypad}-presence.bad`).waitFor({ timeout: 15000 });
    assert.match(await badge.textContent(), /Missing/);
    await screenshot(page, FILE, "keypad-missing");

    const back = await env.vtod.api("POST", "/api/v1/sim/module", { body: { position: keypad, present: true } });
    assert.equal(back.status, 200);
    await page.locator(`#module-${keypad}-presence.ok`).waitFor({ timeout: 15000 });
    // The camera module never goes.
    const camera = await env.vtod.api("POST", "/api/v1/sim/module", { body: { position: 0, present: false } });
    assert.equal(camera.status, 400);
    con.assertClean();
  });
});
