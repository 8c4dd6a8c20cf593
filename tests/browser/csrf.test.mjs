// A request from the page's own origin with the session cookie but without the CSRF token
// is refused, and changes nothing.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, ADMIN_PASSWORD, pageFetch } from "./lib/vtod.mjs";

describe("CSRF token", () => {
  let env;
  before(async () => { env = await setUp(); });
  after(async () => { await env?.close(); });

  it("a POST without X-CSRF-Token is refused and adds no user", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("csrf");
    const csrf = await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    con.allow(/Failed to load resource: the server responded with a status of 403\b.*\/api\/v1\/users/);
    const user = (name) => ({ name, role: "admin", password: "Sneaky-Admin-8642", email: "" });
    const names = async () => (await env.vtod.api("GET", "/api/v1/users")).data.users.map((u) => u.name);

    const without = await pageFetch(page, "POST", "/api/v1/users", { body: user("mallory") });
    assert.equal(without.status, 403, JSON.stringify(without.data));
    assert.match(without.data.error, /CSRF/);
    const wrong = await pageFetch(page, "POST", "/api/v1/users", { body: user("mallory"), csrf: csrf.replace(/^./, (c) => (c === "A" ? "B" : "A")) });
    assert.equal(wrong.status, 403, JSON.stringify(wrong.data));
    assert.ok(!(await names()).includes("mallory"), "mallory was not created");

    // The session still works, and with the token the same request succeeds.
    const list = await pageFetch(page, "GET", "/api/v1/users");
    assert.equal(list.status, 200);
    assert.ok(!list.data.users.some((u) => u.name === "mallory"));
    const withToken = await pageFetch(page, "POST", "/api/v1/users", { body: user("trusted"), csrf });
    assert.equal(withToken.status, 201, JSON.stringify(withToken.data));
    assert.ok((await names()).includes("trusted"));
    con.assertClean();
  });
});
