#!/usr/bin/env node
// Cold page load of the web interface's main pages: for each page, a new browser context
// (empty cache, no cookies but the session's) loads https://127.0.0.1:PORT/#/PAGE and the
// time from navigation start to "interactive" is taken: the page's h1 is drawn and no API
// request is still in flight. A real vtod on loopback, Debian's chromium. Prints p50 and max
// per page over RUNS loads and one SUMMARY line with the worst p50 (goal: under 300 ms).
// Usage: node bench/page_load.mjs [--runs 10]
import { setUp, login, newContext, ADMIN_PASSWORD } from "../tests/browser/lib/vtod.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 10;
const PAGES = [["login", "Log in"], ["home", "Door station"], ["panel", "Virtual panel"],
               ["rooms", "Household Setting › Room No. Management"], ["facade", "Local Setting › Façade Layout"],
               ["calls", "Call records"], ["users", "Users"]];

const env = await setUp();
try {
  // One login; its cookie is copied into each fresh context.
  const { page: first, context: firstContext } = await env.open("bench-login");
  await login(first, env.vtod, "admin", ADMIN_PASSWORD);
  const cookies = await firstContext.cookies();
  let worst = 0;
  for (const [id, title] of PAGES) {
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
      await page.getByRole("heading", { level: 1, name: title, exact: true }).waitFor();
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 2));
      const ms = Date.now() - start;
      times.push(ms);
      await context.close();
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length / 2)];
    worst = Math.max(worst, p50);
    console.log(`page ${id}: p50 ${p50} ms, max ${times[times.length - 1]} ms over ${runs} cold loads`);
  }
  console.log(`SUMMARY page-interactive-worst-p50-ms ${worst} (goal < 300)`);
} finally {
  await env.close();
}
