// Every page of the nav, found at run time (so new pages are covered without touching
// this file), renders its heading without errors, on a desktop and on a phone; a page left
// for another is disposed (its sockets and timers end).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// Clicks the nav link `href` and waits until its page has drawn its heading and loaded its
// data. Returns the heading.
async function visit(page, net, href) {
  if (new URL(page.url()).hash === href) {  // already there: a click would not redraw it
    await page.locator("#main h1").waitFor();
    await net.settle();
    return (await page.locator("#main h1").textContent()).trim();
  }
  await page.evaluate(() => document.querySelector("#main h1")?.setAttribute("data-stale", ""));
  await page.locator(`#nav a[href="${href}"]`).click();
  await page.waitForURL((u) => u.hash === href);
  const h1 = page.locator("#main h1:not([data-stale])");
  await h1.waitFor();
  await net.settle();
  return (await h1.textContent()).trim();
}

// What any page must not show.
async function assertPageSane(page, href, heading) {
  assert.ok(heading && !/^(Not found|Unavailable)$/.test(heading), `${href}: heading "${heading}"`);
  const errors = (await page.locator("#main .form-error").allTextContents()).filter((t) => t.trim());
  assert.deepEqual(errors, [], `${href}: errors shown`);
  assert.equal(await page.locator("#main .loading").count(), 0, `${href}: still loading`);
  const current = page.locator(`#nav a[href="${href}"]`);
  const marked = (await current.getAttribute("aria-current")) === "page" || /\bcurrent\b/.test(await current.getAttribute("class") || "");
  assert.ok(marked, `${href}: the nav marks the current page`);
}

// Polls `check` (async) every 100 ms until it holds or 5 s have passed; returns its last answer.
async function until(check) {
  for (let i = 0; i < 50; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

const slug = (href) => href.replace(/^#\/?/, "") || "root";

describe("pages", () => {
  let env;
  before(async () => {
    env = await setUp();
    // Something in the tables: a second account and an API token.
    const u = await env.vtod.api("POST", "/api/v1/users",
                                 { body: { name: "operator1", role: "operator", password: "Door-Open-9157", email: "op@example.org" } });
    assert.equal(u.status, 201, JSON.stringify(u.data));
  });
  after(async () => { await env?.close(); });

  it("every nav page on a desktop", { timeout: 120000 }, async () => {
    const { page, console: con, net } = await env.open("desktop");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await net.settle();
    const hrefs = await page.locator("#nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(hrefs.length >= 4, `nav links: ${hrefs}`);
    assert.equal(new Set(hrefs).size, hrefs.length, `duplicate nav links: ${hrefs}`);
    const perPage = [];
    let seen = con.unexpected().length;
    for (const href of hrefs) {
      const heading = await visit(page, net, href);
      await assertPageSane(page, href, heading);
      // The page is reachable by its address too (reload keeps the session).
      await page.reload();
      await page.locator("#main h1", { hasText: heading }).waitFor();
      await net.settle();
      await screenshot(page, FILE, `desktop-${slug(href)}`);
      // Which page logged what; asserted after the walk, so that every page is still seen.
      const now = con.unexpected();
      perPage.push(...now.slice(seen).map((e) => `${href}: ${e}`));
      seen = now.length;
    }
    assert.deepEqual(perPage, [], "console errors by page");
    con.assertClean();
  });

  it("leaving a page disposes it: its sockets close and its timers stop", { timeout: 60000 }, async () => {
    const { page, console: con, net } = await env.open("dispose");
    // Every WebSocket the pages open (not the alarms bar's event stream, which every page
    // shares while someone is logged in), and the Live view's requests for the streams.
    const sockets = [];
    page.on("websocket", (ws) => { if (new URL(ws.url()).pathname !== "/api/v1/events") sockets.push(ws); });
    let statusAsked = 0;
    page.on("request", (r) => { if (new URL(r.url()).pathname === "/api/v1/live/status") statusAsked++; });
    const browserStreams = async () => (await env.vtod.api("GET", "/api/v1/live/status")).data.streams.browser;
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);

    // Live view: the picture's socket, one of the streams, and the streams asked again and again.
    await visit(page, net, "#/live");
    await page.waitForFunction(() => Number(document.querySelector("#live-camera")?.dataset.frames || 0) >= 1);
    assert.equal(await browserStreams(), 1);
    assert.deepEqual(sockets.map((ws) => new URL(ws.url()).pathname), ["/api/v1/live/video"]);

    // The virtual panel: the Live view's socket is closed, the panel opens its own two, and
    // its hosted monitor's state is asked once (again only while that monitor runs).
    await visit(page, net, "#/panel");
    await page.locator("#panel-state[data-state=idle]").waitFor();
    await until(() => sockets.length >= 3);
    assert.equal(sockets.length, 3, sockets.map((ws) => ws.url()).join(" "));
    assert.ok(await until(() => sockets[0].isClosed()), "the Live view's socket is closed once the panel shows");
    const askedOnLeaving = statusAsked;

    // The overview opens nothing: every socket is closed, the streams are given back, and
    // the Live view no longer asks for them (it did every 2 s).
    await visit(page, net, "#/home");
    await until(() => sockets.every((ws) => ws.isClosed()));
    assert.deepEqual(sockets.filter((ws) => !ws.isClosed()).map((ws) => ws.url()), [], "sockets still open");
    assert.ok(await until(async () => await browserStreams() === 0), "the video streams are given back");
    await page.waitForTimeout(2500);
    assert.equal(statusAsked, askedOnLeaving, "the Live view asks for the streams after it was left");
    con.assertClean();
  });

  it("the phone layout: the menu opens from the toggle, pages fit the width", { timeout: 120000 }, async () => {
    const { page, console: con, net } = await env.open("phone", PHONE);
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await net.settle();
    const nav = page.locator("#nav");
    const toggle = page.locator("#menu-toggle");
    const onScreen = () => nav.evaluate((n) => { const r = n.getBoundingClientRect(); return r.right > 0 && r.left >= 0; });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    await toggle.waitFor({ state: "visible" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await onScreen(), false, "the menu is folded away");
    await screenshot(page, FILE, "phone-home");
    assert.ok(await fits(), "the main page fits the phone's width");
    // The top bar's contents (menu button, name, user, "Log out") stay inside the bar.
    const outside = await page.evaluate(() => {
      const bar = document.querySelector("header.top").getBoundingClientRect();
      return [...document.querySelectorAll("header.top > *:not([hidden]), header.top button")]
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width && (r.top < bar.top || r.bottom > bar.bottom || r.left < bar.left || r.right > bar.right))
        .map(({ el, r }) => `${el.id || el.className || el.tagName} ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)} (bar ${Math.round(bar.width)}x${Math.round(bar.height)})`);
    });
    // Checked at the end, so that the rest of the phone run still happens.
    const layoutProblems = outside.map((o) => `top bar item sticking out of the bar: ${o}`);

    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await page.waitForFunction(() => { const r = document.querySelector("#nav").getBoundingClientRect(); return r.left >= 0; });
    await page.locator("#nav a", { hasText: "Users" }).waitFor({ state: "visible" });
    await page.waitForFunction(() => document.querySelector("#nav").getAnimations().length === 0);
    await screenshot(page, FILE, "phone-menu-open");

    // Every page from the menu: the menu folds away again and the page fits.
    const hrefs = await page.locator("#nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const href of hrefs) {
      if (new URL(page.url()).hash === href) continue;  // the page shown: seen above
      if (!(await onScreen())) {
        await toggle.click();
        await page.waitForFunction(() => document.querySelector("#nav").getBoundingClientRect().left >= 0);
      }
      const heading = await visit(page, net, href);
      await assertPageSane(page, href, heading);
      await page.waitForFunction(() => document.querySelector("#nav").getAnimations().length === 0);
      assert.equal(await onScreen(), false, `${href}: the menu closes after the choice`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${href}: the page is ${overflow}px wider than the phone`);
      await screenshot(page, FILE, `phone-${slug(href)}`);
    }
    assert.deepEqual(layoutProblems, [], "phone layout");
    con.assertClean();
  });
});
