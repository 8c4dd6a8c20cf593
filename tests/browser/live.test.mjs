// The virtual panel: the card reader and fingerprint inputs answer on the panel's display,
// state changes reach the page over the WebSocket, and the socket is closed once the
// session that opened it ends (here: a logout elsewhere).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;

describe("the virtual panel", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

  it("card reader and fingerprint inputs reach the panel", { timeout: 60000 }, async () => {
    const layout = { modules: [{ kind: "buttons", buttons: 1 }, { kind: "keypad" }, { kind: "display" }, { kind: "card_reader" }, { kind: "fingerprint" }] };
    assert.equal((await env.vtod.api("PUT", "/api/v1/facade", { body: layout })).status, 200);
    const { page, console: con } = await env.open("readers");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/panel`);
    await page.locator("#panel-state[data-state=idle]").waitFor();

    // A malformed number is stopped in the page with the rule; a good one reaches the reader.
    await page.locator("#panel-card-number").fill("12G");
    await page.locator("#panel-card").click();
    await page.locator("#toast").filter({ hasText: "4 to 16 hexadecimal digits" }).waitFor();
    await page.locator("#panel-card-number").fill("1a2b3c4d");
    await page.locator("#panel-card-number").press("Enter");
    await page.locator("#panel-display").filter({ hasText: "Card not valid" }).waitFor();
    await screenshot(page, FILE, "card-refused");

    // No finger is enrolled yet: the only choice is a finger the module does not know.
    assert.deepEqual(await page.locator("#panel-finger option").allTextContents(), ["A finger that is not enrolled"]);
    await page.locator("#panel-finger-touch").click();
    await page.locator("#panel-display").filter({ hasText: "Fingerprint not recognised" }).waitFor();
    assert.equal((await env.vtod.api("GET", "/api/v1/sim/state")).data.lock.open, false);
    con.assertClean();
  });

  it("follow the panel and stop when the session ends", { timeout: 60000 }, async () => {
    const { page, context, console: con } = await env.open("live");
    // The camera picture refreshed just as the session ends is refused: provoked on purpose.
    con.allow(/status of 401 .*\/api\/v1\/sim\/camera\.jpg/);
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/panel`);
    await page.locator("#panel-state[data-state=idle]").waitFor();
    // A key typed through the API (not the page) shows up on the page: pushed, not polled.
    assert.equal((await env.vtod.api("POST", "/api/v1/sim/press", { body: { key: "1" } })).status, 200);
    await page.locator("#panel-state[data-state=dialling]").waitFor();
    await page.locator("#panel-display").filter({ hasText: "1" }).waitFor();

    // The same session logs out from a second tab: the first tab's socket is closed.
    const other = await context.newPage();
    await other.goto(`${env.vtod.url}/#/home`);
    await other.locator("#logout").click();
    await other.waitForURL(/#\/login$/);
    await page.locator("#panel-state", { hasText: "live updates stopped" }).waitFor({ timeout: 10000 });
    await screenshot(page, FILE, "after-logout");
  });
});
