// Five wrong passwords in the login form lock the account from this address: the sixth
// attempt, even with the right password, shows the lock, and the audit log records it.
// The lock's figures are settings of the Security page.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const AUDITOR = { name: "auditor", password: "Audit-Door-5731" };

describe("login lockout", () => {
  let env;
  before(async () => {
    env = await setUp();
    // A second administrator, to read the audit log while "admin" is locked.
    const res = await env.vtod.api("POST", "/api/v1/users",
                                   { body: { name: AUDITOR.name, role: "admin", password: AUDITOR.password, email: "" } });
    assert.equal(res.status, 201, JSON.stringify(res.data));
  });
  after(async () => { await env?.close(); });

  it("locks after five wrong passwords and says so", { timeout: 90000 }, async () => {
    const { page, console: con } = await env.open("lockout");
    // The refused logins are the point here: their 401/429 are expected in the console.
    con.allow(/Failed to load resource: the server responded with a status of (401|429)\b.*\/api\/v1\/auth\/login/);
    await page.goto(`${env.vtod.url}/`);
    await page.waitForURL(/#\/login$/);
    await page.locator("#login-user").fill("admin");
    const formError = page.locator("#login .form-error");

    const attempt = async (password) => {
      await page.locator("#login-password").fill(password);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login")),
        page.getByRole("button", { name: "Log in" }).click(),
      ]);
      await page.getByRole("button", { name: "Log in" }).and(page.locator(":enabled")).waitFor();
      return { status: res.status(), shown: (await formError.textContent()).trim() };
    };

    for (let i = 1; i <= 5; i++) {
      const { status, shown } = await attempt(`Wrong-Guess-${i}x`);
      assert.equal(status, 401, `attempt ${i}`);
      assert.match(shown, /wrong user name or password/, `attempt ${i}`);
      assert.match(page.url(), /#\/login$/);
    }
    const sixth = await attempt(ADMIN_PASSWORD);
    assert.equal(sixth.status, 429);
    assert.match(sixth.shown, /locked/);
    assert.match(page.url(), /#\/login$/);
    assert.equal(await page.locator("#nav").isVisible(), false);
    await screenshot(page, FILE, "locked");
    con.assertClean();

    // The audit log as a script reads it (an API token from vtoctl).
    const audit = await env.vtod.api("GET", "/api/v1/audit?action=login_locked");
    assert.equal(audit.status, 200, JSON.stringify(audit.data));
    const locked = audit.data.entries.filter((e) => e.action === "login_locked" && e.user === "admin");
    assert.equal(locked.length, 1, JSON.stringify(audit.data));
    assert.equal(locked[0].address, "127.0.0.1");
    const failed = await env.vtod.api("GET", "/api/v1/audit?action=login_failed");
    assert.ok(failed.data.entries.filter((e) => e.user === "admin").length >= 5, JSON.stringify(failed.data));
  });

  it("the lock is per account: another administrator logs in and sees it in the audit log", { timeout: 60000 }, async () => {
    const { page, console: con, net } = await env.open("auditor");
    await login(page, env.vtod, AUDITOR.name, AUDITOR.password);
    await page.locator("#nav a", { hasText: "Audit log" }).click();
    await page.waitForURL(/#\/audit$/);
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    await page.locator("#audit-action").selectOption("login_locked");
    const row = page.locator("#main tbody tr", { hasText: "login_locked" });
    await row.first().waitFor();
    await net.settle();
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('td[data-label="User"]').textContent(), "admin");
    assert.equal(await row.locator('td[data-label="Address"]').textContent(), "127.0.0.1");
    assert.match(await row.locator('td[data-label="Detail"]').textContent(), /locked/);
    await screenshot(page, FILE, "audit-login-locked");
    con.assertClean();
  });

  it("the lock's figures are settings on the Security page", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("login-rules");
    con.allow(/Failed to load resource: the server responded with a status of 400\b.*\/api\/v1\/security\/login/);
    await login(page, env.vtod, AUDITOR.name, AUDITOR.password);
    await page.goto(`${env.vtod.url}/#/security`);
    await page.locator("#login-rules-max_failures").waitFor();
    assert.equal(await page.locator("#login-rules-max_failures").inputValue(), "5");
    // Out of range: refused in the page, beside the field.
    await page.locator("#login-rules-max_failures").fill("2");
    await page.locator("#login-rules button[type=submit]").click();
    await page.locator("#login-rules-max_failures-error", { hasText: "from 3 to 10" }).waitFor();
    await page.locator("#login-rules-max_failures").fill("3");
    await page.locator("#login-rules-lock_minutes").fill("10");
    await page.locator("#login-rules-idle_minutes").fill("30");
    await page.locator("#login-rules button[type=submit]").click();
    await page.locator("#toast", { hasText: "Login rules saved" }).waitFor();
    await screenshot(page, FILE, "login-rules");
    const res = await env.vtod.api("GET", "/api/v1/security");
    assert.deepEqual(res.data.login, { max_failures: 3, lock_minutes: 10, idle_minutes: 30 });
    con.assertClean();
  });
});
