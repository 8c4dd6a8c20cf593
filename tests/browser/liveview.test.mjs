// The Live view page: the camera moves in the browser (two screenshots of the picture
// differ), the page counts itself in the six video streams and names the RTSP addresses,
// and an admin chooses who may watch.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, until, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;

describe("the Live view page", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

  it("shows a moving picture and counts in the six streams", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("live-view");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/live`);
    const picture = page.locator("#live-camera");
    await page.waitForFunction(() => {
      const img = document.querySelector("#live-camera");
      return Number(img?.dataset.frames || 0) >= 5 && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 15000 });
    // The clock on the picture moves on: a later screenshot differs (frames may stall for
    // a while on a loaded machine, so for up to 10 s).
    const first = await picture.screenshot();
    await until(async () => !(await picture.screenshot()).equals(first), "change of the picture", 10000);
    const size = await picture.evaluate(async (img) => {
      await img.decode().catch(() => {});  // the frame being swapped in, if any
      return [img.naturalWidth, img.naturalHeight];
    });
    assert.deepEqual(size, [640, 480]);
    await page.locator("#live-streams").filter({ hasText: "1 of 6" }).waitFor();
    await page.locator("#live-rtsp code").first().filter({ hasText: "/cam/realmonitor?channel=1&subtype=0" }).waitFor();
    const status = await env.vtod.api("GET", "/api/v1/live/status");
    assert.equal(status.data.streams.browser, 1);
    await screenshot(page, FILE, "live");

    // Leaving the page gives the stream back.
    await page.goto(`${env.vtod.url}/#/home`);
    for (let i = 0; i < 50; i++) {
      if ((await env.vtod.api("GET", "/api/v1/live/status")).data.streams.browser === 0) break;
      await page.waitForTimeout(100);
    }
    assert.equal((await env.vtod.api("GET", "/api/v1/live/status")).data.streams.browser, 0);
    con.assertClean();
  });

  it("lets an admin choose who may watch", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("live-settings");
    con.allow(/status of 400 .*\/api\/v1\/settings\/live/);  // the server refuses 5 s: on purpose
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/live`);
    await page.locator("#live-role-viewer").uncheck();
    await page.locator("#live-settings-monitor_seconds").fill("5");
    await page.locator("#live-settings button[type=submit]").click();
    await page.locator("#live-settings-monitor_seconds-error").filter({ hasText: "10 to 600" }).waitFor();
    await page.locator("#live-settings-monitor_seconds").fill("90");
    await page.locator("#live-settings button[type=submit]").click();
    await page.locator("#toast").filter({ hasText: "Saved" }).waitFor();
    const saved = await env.vtod.api("GET", "/api/v1/settings/live");
    assert.deepEqual(saved.data, { watch_roles: ["admin", "operator"], monitor_seconds: 90 });
    await screenshot(page, FILE, "settings");
    con.assertClean();
  });
});
