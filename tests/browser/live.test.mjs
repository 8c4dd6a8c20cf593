// The virtual panel's live updates: state changes reach the page over the WebSocket, and
// the socket is closed once the session that opened it ends (here: a logout elsewhere).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;

describe("the virtual panel's live updates", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

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
