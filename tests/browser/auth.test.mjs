// A fresh door station in the browser: the page asks for initialization by itself, refuses
// a weak password naming the broken rule, initializes, logs in and out.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
// Breaks exactly one rule: "sequence" (the run 123).
const WEAK = "Passw0rd123";

describe("initialization and login", () => {
  let env;
  before(async () => { env = await setUp({ initialize: false }); });
  after(async () => { await env?.close(); });

  it("the server refuses the weak password naming the rule", async () => {
    const res = await env.vtod.api("POST", "/api/v1/auth/init", { body: { password: WEAK, email: "" } });
    assert.equal(res.status, 400);
    assert.equal(res.data.rule, "sequence");
    assert.equal(res.data.field, "password");
  });

  it("initializes a fresh device, logs in and out", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("auth");
    await page.goto(`${env.vtod.url}/`);
    await page.waitForURL(/#\/init$/);
    await assert.doesNotReject(page.getByRole("heading", { level: 1, name: "Device initialization" }).waitFor());
    assert.equal(await page.locator("#init-user").inputValue(), "admin");

    // The checklist follows the typing: only "sequence" is unmet.
    await page.locator("#init-password").fill(WEAK);
    const items = page.locator("ul.rules li[data-rule]");
    const ruleIds = await items.evaluateAll((lis) => lis.map((li) => li.dataset.rule));
    assert.ok(ruleIds.includes("sequence"), `rules shown: ${ruleIds}`);
    for (const id of ruleIds) {
      const cls = await page.locator(`ul.rules li[data-rule="${id}"]`).getAttribute("class");
      assert.equal(cls, id === "sequence" ? "unmet" : "met", `rule ${id} with ${WEAK}`);
    }
    await page.locator("#init-confirm").fill(WEAK);
    await page.getByRole("button", { name: "Initialize" }).click();
    const fieldError = page.locator("#init-password-error");
    await fieldError.filter({ hasText: /\S/ }).waitFor();
    const ruleText = (await page.locator('ul.rules li[data-rule="sequence"]').textContent()).trim();
    assert.match(await fieldError.textContent(), new RegExp(ruleText.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.equal(await page.locator("#init-password").getAttribute("aria-invalid"), "true");
    assert.match(page.url(), /#\/init$/);
    await screenshot(page, FILE, "init-refused");

    // A good password, but the confirmation differs.
    await page.locator("#init-password").fill(ADMIN_PASSWORD);
    for (const id of ruleIds) {
      assert.equal(await page.locator(`ul.rules li[data-rule="${id}"]`).getAttribute("class"), "met", `rule ${id}`);
    }
    await page.locator("#init-confirm").fill(ADMIN_PASSWORD + "x");
    await page.getByRole("button", { name: "Initialize" }).click();
    await page.locator("#init-confirm-error").filter({ hasText: "differ" }).waitFor();
    assert.equal(await fieldError.textContent(), "");

    // The same good password twice: initialized, off to the login page.
    await page.locator("#init-confirm").fill(ADMIN_PASSWORD);
    await page.locator("#init-email").fill("admin@example.org");
    await page.getByRole("button", { name: "Initialize" }).click();
    await page.waitForURL(/#\/login$/);
    await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
    await page.locator("#toast").filter({ hasText: "initialized" }).waitFor();
    assert.equal(await page.locator("#nav").isVisible(), false);

    // Log in: the nav and the user's name appear.
    assert.equal(await page.locator("#login-user").inputValue(), "admin");
    await page.locator("#login-password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("#nav").waitFor({ state: "visible" });
    await page.waitForURL(/#\/home$/);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    assert.match(await page.locator("#who").textContent(), /admin · admin/);
    const navLinks = await page.locator("#nav a").allTextContents();
    assert.ok(navLinks.includes("Users"), `nav: ${navLinks}`);
    assert.equal(await page.locator(".form-error:not(:empty)").count(), 0);
    await screenshot(page, FILE, "logged-in");

    // Log out: back to the login page, and a reload does not bring the session back.
    await page.locator("#logout").click();
    await page.waitForURL(/#\/login$/);
    await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
    assert.equal(await page.locator("#nav").isVisible(), false);
    assert.equal(await page.locator("#logout").count(), 0);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
    assert.equal(await page.locator("#nav").isVisible(), false);
    await screenshot(page, FILE, "logged-out");
    con.assertClean();
  });
});
