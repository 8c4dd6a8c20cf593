// A new installer's whole path on a phone, with nothing but the browser: initialization,
// 200 rooms by batch, room 1507 found by search, a call button mapped to it, a call from the
// virtual panel answered by the monitor the station hosts, the door opened from that
// monitor, and the call record saying it was answered and the door opened.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, screenshot, initializeDevice, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

describe("a new installer's day on a phone", () => {
  let env;
  before(async () => { env = await setUp({ initialize: false, extraArgs: ["--unlock-code", "4711"] }); });
  after(async () => { await env?.close(); });

  it("sets up a building, calls room 1507, answers and opens from the hosted monitor", { timeout: 150000 }, async () => {
    const { page, console: con } = await env.open("phone-path", PHONE);
    await initializeDevice(page, env.vtod, ADMIN_PASSWORD);
    await page.locator("#login-password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();

    // 200 rooms: 20 floors of 10 from 101 and 201.
    const go = async (label) => {
      await page.locator("#menu-toggle").click();
      await page.locator("#nav").getByRole("link", { name: label }).click();
    };
    await go("Room No. Management");
    await page.locator("#batch-floors").fill("20");
    await page.locator("#batch-rooms_per_floor").fill("10");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.locator("#batch-preview-new", { hasText: "200 new rooms" }).waitFor();
    await page.getByRole("button", { name: "Add 200 rooms" }).click();
    await page.locator("#rooms-count", { hasText: "200 rooms" }).waitFor();
    await page.locator("#rooms-search").fill("1507");
    await page.locator("#rooms-count", { hasText: "1 room matches" }).waitFor();
    await page.locator("#rooms-list td", { hasText: /^1507$/ }).waitFor();
    // A search typed while the page's first list is still on its way is searched for.
    await page.route((u) => u.pathname === "/api/v1/rooms" && !u.searchParams.has("q"), async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.continue();
    });
    await page.reload();
    await page.locator("#rooms-search").fill("1507");
    await page.locator("#rooms-count", { hasText: "1 room matches" }).waitFor();
    await page.waitForTimeout(1200);  // the first list has come by now
    assert.equal(await page.locator("#rooms-count").innerText(), "1 room matches “1507”");
    await page.unrouteAll({ behavior: "wait" });

    // Call button 1 rings room 1507.
    await go("Façade Layout");
    await page.locator("#button-1").selectOption("1507");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#toast", { hasText: "Façade saved" }).waitFor();

    // The virtual panel: the monitor of 1507, hosted by the station, then the call.
    await go("Virtual panel");
    await page.locator("#panel-state[data-state=idle]").waitFor();
    await page.locator("#monitor-room").fill("1507");
    await page.locator("#monitor-start").click();
    await page.locator("#monitor-state[data-registered=true]").waitFor({ timeout: 15000 });
    await page.locator("#panel-button1", { hasText: "Room 1507" }).click();
    await page.locator("#monitor-state[data-call=ringing]").waitFor();
    await page.locator("#monitor-answer").click();
    await page.locator("#panel-state", { hasText: "answered by 1507#99" }).waitFor();
    await page.locator("#monitor-open").click();
    await page.locator("#panel-lock", { hasText: "open" }).waitFor();
    await screenshot(page, FILE, "talking");
    // A slow station: the monitor's state polls are answered 800 ms late, and Hang up is
    // pressed while one is on its way. The page goes on polling every 500 ms after each
    // answer, in one chain: in 4 s, at most 4 polls (two chains would send 6 or more).
    let polls = 0;
    await page.route((u) => u.pathname === "/api/v1/sim/monitor", async (route) => {
      if (route.request().method() !== "GET") return route.continue();
      polls++;
      const response = await route.fetch();
      await new Promise((r) => setTimeout(r, 800));
      await route.fulfill({ response });
    });
    await page.waitForRequest((r) => new URL(r.url()).pathname === "/api/v1/sim/monitor" && r.method() === "GET");
    await page.locator("#monitor-hangup").click();
    await page.locator("#panel-state[data-state=idle]").waitFor();
    await page.locator("#monitor-state[data-call=idle]").waitFor();
    polls = 0;
    await page.waitForTimeout(4000);
    assert.ok(polls >= 1 && polls <= 4, `${polls} polls of the monitor's state in 4 s`);
    await page.unrouteAll({ behavior: "wait" });

    // The call record: answered, the door opened.
    await go("Call records");
    const row = page.locator("#main tbody tr", { hasText: "1507" }).first();
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /Answered/);
    assert.equal(await row.locator('td[data-label="Door opened"]').innerText(), "Yes");
    assert.match(text, /1507#99/);
    await screenshot(page, FILE, "record");
    con.assertClean();
  });
});
