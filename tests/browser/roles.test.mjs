// Roles: an administrator adds a viewer in the Users page; the viewer sees no admin pages
// and the API refuses what needs an administrator.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD, pageFetch } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const VIEWER = { name: "visitor-view", password: "Look-Only-7394" };

describe("roles", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

  it("an administrator adds a viewer in the Users page", { timeout: 60000 }, async () => {
    const { page, console: con, net } = await env.open("admin");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.locator("#nav a", { hasText: "Users" }).click();
    await page.waitForURL(/#\/users$/);
    await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
    await net.settle();
    await page.locator("#add-user-name").fill(VIEWER.name);
    await page.locator("#add-user-role").selectOption("viewer");
    await page.locator("#add-user-password").fill(VIEWER.password);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/v1/users") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Add user" }).click(),
    ]);
    assert.equal(res.status(), 201, await res.text());
    await page.locator("#toast", { hasText: `${VIEWER.name} added` }).waitFor();
    const row = page.locator("#main tbody tr", { hasText: VIEWER.name });
    await row.waitFor();
    assert.equal(await row.locator('td[data-label="Role"]').textContent(), "viewer");
    assert.equal(await page.locator("#add-user-name").inputValue(), "", "the form is cleared");
    const digest = row.locator('td[data-label="Player digest (MD5)"]');
    assert.match(await digest.textContent(), /^Off/);
    await net.settle();
    await screenshot(page, FILE, "viewer-added");

    // Players and NVRs need the MD5 key: made from the account's password, checked first.
    con.allow(/Failed to load resource: the server responded with a status of 400\b.*legacy-digest/);
    await digest.getByRole("button", { name: "Turn on…" }).click();
    await digest.getByLabel(`Password of ${VIEWER.name}`).fill("Not-Its-Password-1");
    await digest.getByRole("button", { name: "Turn on", exact: true }).click();
    await page.locator("#toast", { hasText: "not the account's password" }).waitFor();
    await digest.getByLabel(`Password of ${VIEWER.name}`).fill(VIEWER.password);
    await digest.getByRole("button", { name: "Turn on", exact: true }).click();
    await page.locator("#toast", { hasText: `Player digest of ${VIEWER.name} on` }).waitFor();
    await page.locator("#main tbody tr", { hasText: VIEWER.name })
      .locator('td[data-label="Player digest (MD5)"]', { hasText: /^On/ }).waitFor();
    const users = (await env.vtod.api("GET", "/api/v1/users")).data.users;
    const viewer = users.find((u) => u.name === VIEWER.name);
    assert.ok(viewer.legacy_digest && viewer.legacy_digest_ready, JSON.stringify(viewer));
    await net.settle();
    await screenshot(page, FILE, "viewer-player-digest-on");
    con.assertClean();
  });

  it("the viewer sees no Users page and cannot add a room", { timeout: 60000 }, async () => {
    const { page, console: con, net } = await env.open("viewer");
    const csrf = await login(page, env.vtod, VIEWER.name, VIEWER.password);
    assert.ok(csrf, "the login answer carries a CSRF token");
    assert.match(await page.locator("#who").textContent(), new RegExp(`${VIEWER.name} · viewer`));
    const links = (await page.locator("#nav a").allTextContents()).map((s) => s.trim());
    assert.ok(!links.includes("Users"), `nav: ${links}`);
    assert.ok(!links.includes("Audit log"), `nav: ${links}`);
    assert.ok(links.includes("Call records"), `nav: ${links}`);
    assert.equal(await page.locator("#main ul.cards a", { hasText: "Users" }).count(), 0);
    await screenshot(page, FILE, "viewer-home");

    // Typing the address of the Users page shows the role it needs, not the page.
    await page.goto(`${env.vtod.url}/#/users`);
    await page.locator("#main .form-error", { hasText: "needs the admin role" }).waitFor();
    assert.equal(await page.locator("#add-user-name").count(), 0);
    await net.settle();
    await screenshot(page, FILE, "viewer-users-refused");

    // The API refuses the viewer a room, though the CSRF token is right.
    con.allow(/Failed to load resource: the server responded with a status of 403\b.*\/api\/v1\/rooms/);
    const room = { number: "101", first_name: "", last_name: "", nick_name: "", register_type: "public", password: "" };
    const refused = await pageFetch(page, "POST", "/api/v1/rooms", { body: room, csrf });
    assert.equal(refused.status, 403, JSON.stringify(refused.data));
    assert.match(refused.data.error, /needs the admin role/, "refused for the role, not the CSRF token");
    const rooms = await env.vtod.api("GET", "/api/v1/rooms");
    assert.equal(rooms.status, 200, JSON.stringify(rooms.data));
    assert.ok(!rooms.data.rooms.some((r) => r.number === "101"), "no room was added");
    con.assertClean();
  });
});
