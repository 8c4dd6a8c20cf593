#!/usr/bin/env node
// Cold page load of the web interface's main pages: for each page, a new browser context
// (empty cache, no cookies but the session's) loads https://127.0.0.1:PORT/#/PAGE and the
// time from navigation start to "interactive" is taken: the page's h1 is drawn and no API
// request is still in flight. A real vtod on loopback, Debian's chromium. Prints p50 and max
// per page over RUNS loads and one SUMMARY line with the worst p50 (goal: under 300 ms), in a
// building of ROOMS rooms (default 1,000: the Rooms page's own SUMMARY line, goal < 300 ms).
// Usage: node bench/page_load.mjs [--runs 10] [--rooms 1000] [--only PAGE]
import { setUp, login, newContext, ADMIN_PASSWORD } from "../tests/browser/lib/vtod.mjs";

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const runs = arg("--runs", 10);
const rooms = arg("--rooms", 1000);
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : null;
const PAGES = [["login", "Log in"], ["home", "Overview"], ["panel", "Virtual panel"],
               ["rooms", "Household Setting › Room No. Management"], ["facade", "Local Setting › Façade Layout"],
               ["calls", "Call records"], ["users", "Users"]];

const env = await setUp();
try {
  // The building: floors of 100 rooms (and what is left on the last floor).
  for (let floor = 1, left = rooms; left > 0; floor++) {
    const per = Math.min(99, left);
    const r = await env.vtod.api("POST", "/api/v1/rooms/batch", { body: {
      floors: 1, rooms_per_floor: per, first_floor_first_room: floor * 100 + 1 } });
    if (r.status !== 201) throw new Error(`batch of floor ${floor}: ${JSON.stringify(r.data)}`);
    left -= per;
  }
  // One login; its cookie is copied into each fresh context.
  const { page: first, context: firstContext } = await env.open("bench-login");
  await login(first, env.vtod, "admin", ADMIN_PASSWORD);
  const cookies = await firstContext.cookies();
  let worst = 0;
  for (const [id, title] of PAGES) {
    if (only && id !== only) continue;
    const times = [];
    for (let i = 0; i < runs; i++) {
      const context = await newContext(env.browser);
      if (id !== "login") await context.addCookies(cookies);
      const page = await context.newPage();
      let inFlight = 0;
      page.on("request", (r) => { if (r.url().includes("/api/")) inFlight++; });
      const done = (r) => { if (r.url().includes("/api/")) inFlight--; };
      page.on("requestfinished", done);
      page.on("requestfailed", done);
      const start = Date.now();
      await page.goto(`${env.vtod.url}/#/${id}`, { waitUntil: "commit" });
      await page.locator("h1", { hasText: title }).waitFor();  // a CSS query: a role query walks the whole page
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 2));
      const ms = Date.now() - start;
      times.push(ms);
      await context.close();
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length / 2)];
    worst = Math.max(worst, p50);
    console.log(`page ${id}: p50 ${p50} ms, max ${times[times.length - 1]} ms over ${runs} cold loads`);
    if (id === "rooms") console.log(`SUMMARY rooms-page-${rooms}-rooms-p50-ms ${p50} (goal < 300)`);
  }
  console.log(`SUMMARY page-interactive-worst-p50-ms ${worst} (goal < 300)`);
} finally {
  await env.close();
}
