// The browser tests' harness: the real vtod on loopback in a temporary data directory,
// Debian's chromium driven by playwright-core, and the checks every test shares (no
// console errors, no sanitizer report). Like tests/system/harness.py, VTO_BUILD_DIR
// selects the build (default: build/ in the repository).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// playwright-core comes from the repository's package-lock.json (npm ci); say so when missing.
let playwright;
try {
  playwright = await import("playwright-core");
} catch (e) {
  throw new Error(`playwright-core is missing (${e.code || e.message}): run scripts/install-deps.sh, ` +
                  "which runs `npm ci` in the repository root");
}
const { chromium, request } = playwright;

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const BUILD_DIR = path.resolve(REPO, process.env.VTO_BUILD_DIR || "build");
export const BIN = path.join(BUILD_DIR, "bin");
export const ARTIFACTS = path.resolve(REPO, process.env.VTO_ARTIFACTS || path.join("build", "test-artifacts", "browser"));
export const CHROMIUM = process.env.VTO_CHROMIUM || "/usr/bin/chromium";
export const ADMIN_PASSWORD = "Door-Test-2468";

const SANITIZER_MARKERS = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"];

export function vtoctl(dataDir, ...args) {
  try {
    return execFileSync(path.join(BIN, "vtoctl"), ["--data", dataDir, ...args],
                        { encoding: "utf8", timeout: 30000, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`vtoctl ${args.join(" ")} failed (${e.status}): ${e.stdout || ""}${e.stderr || ""}`);
  }
}

// A running vtod. `initialize`: first run `vtoctl init` (admin / ADMIN_PASSWORD) and create
// an admin API token (`vtod.token`), as harness.py does; false leaves a fresh device.
export class Vtod {
  static async start({ initialize = true, logLevel = "info", extraArgs = [] } = {}) {
    const v = new Vtod();
    v.dataDir = mkdtempSync(path.join(tmpdir(), "vto-browser-"));
    v.token = null;
    if (initialize) {
      try {
        vtoctl(v.dataDir, "init", "--password", ADMIN_PASSWORD);
        v.token = vtoctl(v.dataDir, "token", "create", "--role", "admin", "--name", "browser-test").trim();
      } catch (e) {
        rmSync(v.dataDir, { recursive: true, force: true });
        throw e;
      }
    }
    const args = ["--data", v.dataDir, "--sip-listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0",
                  "--http-listen", "127.0.0.1:0", "--rtsp-listen", "127.0.0.1:0", "--dhip-listen", "127.0.0.1:0", "--vto-number", "8001",
                  "--log-level", logLevel, ...extraArgs];
    // While the web interface is being changed: VTO_UI_DIR=web/ui serves it from the tree.
    if (process.env.VTO_UI_DIR) args.push("--ui-dir", path.resolve(process.env.VTO_UI_DIR));
    v.output = "";
    // Its own process group, so that stop() reaches anything it starts.
    v.proc = spawn(path.join(BIN, "vtod"), args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    v.exited = new Promise((resolve) => {
      v.proc.on("exit", (code, signal) => resolve({ code, signal }));
      v.proc.on("error", (error) => resolve({ code: null, signal: null, error }));  // did not start
    });
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vtod: no ready line within 15 s:\n${v.output}`)), 15000);
      const onData = (chunk) => {
        v.output += chunk;
        const m = v.output.match(/vtod ready sip=(\d+) https=(\d+) http=(\d+)/);
        if (m) { clearTimeout(timer); resolve(m); }
      };
      v.proc.stdout.setEncoding("utf8").on("data", onData);
      v.proc.stderr.setEncoding("utf8").on("data", onData);
      v.proc.on("error", (e) => { clearTimeout(timer); reject(e); });
      v.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`vtod exited (${code ?? signal}) before it was ready:\n${v.output}`));
      });
    });
    try {
      const m = await ready;
      v.sipPort = Number(m[1]);
      v.httpsPort = Number(m[2]);
      v.httpPort = Number(m[3]);
      v.url = `https://127.0.0.1:${v.httpsPort}`;
    } catch (e) {
      await v.stop().catch(() => {});
      throw e;
    }
    return v;
  }

  // The JSON API as a script sees it (playwright's request context; the admin token by default).
  async api(method, apiPath, { body, token = this.token } = {}) {
    if (!this.request) {
      this.request = await request.newContext({ baseURL: this.url, ignoreHTTPSErrors: true });
    }
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await this.request.fetch(apiPath, { method, headers, data: body, failOnStatusCode: false });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = { raw: text }; }
    return { status: res.status(), data };
  }

  // Stops vtod (SIGTERM to its group, SIGKILL after 5 s), removes its data directory, and
  // throws if its output holds a sanitizer report.
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.request) await this.request.dispose().catch(() => {});
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const kill = (sig) => { try { process.kill(-this.proc.pid, sig); } catch { /* gone */ } };
      kill("SIGTERM");
      const timeout = new Promise((r) => setTimeout(() => r("timeout"), 5000));
      if (await Promise.race([this.exited, timeout]) === "timeout") {
        kill("SIGKILL");
        await this.exited;
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    const marker = SANITIZER_MARKERS.find((m) => this.output.includes(m));
    if (marker) throw new Error(`vtod: sanitizer report (${marker}):\n${this.output.slice(-8000)}`);
  }
}

// chromium with a fresh profile. Each test file makes its contexts from it.
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps.sh`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// A browser context (its own cookies) on vtod's self-signed certificate.
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 },
                                             ...options });
  context.setDefaultTimeout(10000);
  return context;
}

// Console errors and uncaught exceptions of a page. `allow(regex)` declares errors a test
// provokes on purpose (e.g. the "Failed to load resource: ... 403" of a refused request),
// `assertClean()` fails the test on any other.
export function watch(page, name) {
  const errors = [];
  const allowed = [];
  let reported = 0;  // errors already failed a test: not failed again at close()
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console.error: ${msg.text()} (${msg.location()?.url || "?"})`);
  });
  page.on("pageerror", (err) => errors.push(`page error: ${err.stack || err.message}`));
  page.on("crash", () => errors.push("page crashed"));
  return {
    name,
    errors,
    allow(re) { allowed.push(re); },
    unexpected() { return errors.slice(reported).filter((e) => !allowed.some((re) => re.test(e))); },
    assertClean() {
      const bad = this.unexpected();
      reported = errors.length;
      if (bad.length) throw new Error(`${name}: ${bad.length} console error(s):\n  ${bad.join("\n  ")}`);
    },
  };
}

// A PNG of the whole page in ARTIFACTS, named after the test file (path or URL) and `name`.
export async function screenshot(page, file, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.mouse.move(0, 0);  // no hover highlight where the last click was
  await page.evaluate(() => window.scrollTo(0, 0));  // the sticky header at the top, not mid-page
  const out = path.join(ARTIFACTS, `${path.basename(file).replace(/\.test\.mjs$/, "")}-${name}.png`);
  await page.screenshot({ path: out, fullPage: true });
  return out;
}

// Requests in flight of a page, to wait for its data rather than for a fixed time.
export function trackRequests(page) {
  let inflight = 0;
  page.on("request", () => inflight++);
  const done = () => { inflight = Math.max(0, inflight - 1); };
  page.on("requestfinished", done);
  page.on("requestfailed", done);
  return {
    get inflight() { return inflight; },
    // Resolves once no request has been in flight for `quietMs` (polling, bounded).
    async settle({ quietMs = 150, timeoutMs = 10000 } = {}) {
      const end = Date.now() + timeoutMs;
      let quietSince = inflight === 0 ? Date.now() : null;
      while (Date.now() < end) {
        if (inflight === 0) {
          quietSince ??= Date.now();
          if (Date.now() - quietSince >= quietMs) return;
        } else {
          quietSince = null;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`requests still in flight after ${timeoutMs} ms`);
    },
  };
}

// Polls `check` (async) every 100 ms until it returns something truthy, and returns that;
// fails naming `what` after `ms`. For what vtod writes after it has answered (records go
// through their own writer thread) or applies after it says so.
export async function until(check, what, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${what} within ${ms} ms`);
}

// fetch() from the page, as the page's own code would send it (its cookie; the CSRF token
// only when given): { status, data }.
export const pageFetch = (page, method, path, { body, csrf } = {}) => page.evaluate(async ({ method, path, body, csrf }) => {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, { method, headers, credentials: "same-origin",
                                  body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = JSON.parse(text); } catch { data = { raw: text }; }
  return { status: res.status, data };
}, { method, path, body, csrf });

// A fresh device initialized through its own page (#/init) with `password`; the page is then
// at the login.
export async function initializeDevice(page, vtod, password) {
  await page.goto(`${vtod.url}/`);
  await page.waitForURL(/#\/init$/);
  await page.locator("#init-password").fill(password);
  await page.locator("#init-confirm").fill(password);
  await page.getByRole("button", { name: "Initialize" }).click();
  await page.waitForURL(/#\/login$/);
}

// Logs in through the login form and waits for the nav. Returns the CSRF token the page got.
export async function login(page, vtod, user, password) {
  await page.goto(`${vtod.url}/#/login`);
  await page.locator("#login-user").fill(user);
  await page.locator("#login-password").fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login")),
    page.getByRole("button", { name: "Log in" }).click(),
  ]);
  if (res.status() !== 200) throw new Error(`login of ${user}: HTTP ${res.status()} ${await res.text()}`);
  await page.locator("#nav a").first().waitFor();
  return (await res.json()).csrf;
}

// The usual frame of a test file: vtod, chromium, and pages whose console errors are
// checked. `close()` stops everything and fails on leftovers (console errors, sanitizer).
export async function setUp({ initialize = true, extraArgs = [] } = {}) {
  const vtod = await Vtod.start({ initialize, extraArgs });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await vtod.stop().catch(() => {});
    throw e;
  }
  const watchers = [];
  const contexts = [];
  return {
    vtod,
    browser,
    // A page in a new context (own cookies); returns { page, context, console, net }.
    async open(name, contextOptions = {}) {
      const context = await newContext(browser, contextOptions);
      contexts.push(context);
      const page = await context.newPage();
      const w = watch(page, name);
      watchers.push(w);
      return { page, context, console: w, net: trackRequests(page) };
    },
    async close() {
      const problems = [];
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch((e) => problems.push(`chromium: ${e.message}`));
      try { await vtod.stop(); } catch (e) { problems.push(e.message); }
      for (const w of watchers) {
        const bad = w.unexpected();
        if (bad.length) problems.push(`${w.name}: console errors:\n  ${bad.join("\n  ")}`);
      }
      if (problems.length) throw new Error(problems.join("\n"));
    },
  };
}
