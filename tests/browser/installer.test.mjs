// The installer's path through the guide's chapter 4, in the browser, from a fresh device
// to a call from the virtual panel: initialize, log in, set the VTO No., batch-add 3 floors
// x 2 rooms, add a 5-button module and map its button 1 to room 101, then press it on the
// virtual panel: the monitor registered as 101#0 rings, answers, and the panel says talking.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { setUp, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";
import { startMonitor } from "./lib/phones.mjs";

const FILE = import.meta.url;

describe("an installer follows chapter 4 from a fresh device to a call", () => {
  let env, monitor;
  before(async () => { env = await setUp({ initialize: false }); });
  after(async () => { monitor?.stop(); await env?.close(); });

  it("initializes, configures and calls from the virtual panel", { timeout: 120000 }, async () => {
    const { page, console: con } = await env.open("installer");
    // The one refusal this test provokes on purpose: the server's answer to a 6-digit VTO No.
    con.allow(/status of 400 .*\/api\/v1\/settings\/local/);
    await page.goto(`${env.vtod.url}/`);

    // 1. Initialization: a weak password is refused with its rule, then a good one twice.
    await page.waitForURL(/#\/init$/);
    await page.locator("#init-password").fill("door1234");
    await page.locator("#init-confirm").fill("door1234");
    await page.getByRole("button", { name: "Initialize" }).click();
    await page.locator("#init-password-error").filter({ hasText: "123" }).waitFor();
    await page.locator("#init-password").fill(ADMIN_PASSWORD);
    await page.locator("#init-confirm").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Initialize" }).click();

    // 2. Login.
    await page.waitForURL(/#\/login$/);
    await page.locator("#login-password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("#nav a[href=\"#/local\"]").click();

    // 3. Local Setting > Basic: the VTO No.
    await page.getByRole("heading", { name: "Local Setting › Basic" }).waitFor();
    await page.locator("#local-vto_number").fill("123456");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.locator("#local-vto_number-error").filter({ hasText: "digits" }).waitFor();
    await page.locator("#local-vto_number").fill("6901");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.locator("#toast").filter({ hasText: "Saved" }).waitFor();
    await screenshot(page, FILE, "local-basic");

    // 4. Room No. Management: 3 floors x 2 rooms from 101 and 201.
    await page.locator("#nav").getByRole("link", { name: "Room No. Management" }).click();
    await page.locator("#batch-floors").fill("3");
    await page.locator("#batch-rooms_per_floor").fill("2");
    await page.locator("#batch-first_floor_first_room").fill("101");
    await page.locator("#batch-second_floor_first_room").fill("201");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.locator("#batch-preview-new", { hasText: "6 new rooms: 101 102 201 202 301 302" }).waitFor();
    await page.getByRole("button", { name: "Add 6 rooms" }).click();
    await page.locator("#toast").filter({ hasText: "6 rooms added" }).waitFor();
    for (const room of ["101", "102", "201", "202", "301", "302"]) {
      await page.locator("td", { hasText: new RegExp(`^${room}$`) }).first().waitFor();
    }
    // Each room's own register password, shown once, with a CSV to hand them out.
    const shown = page.locator("#batch-passwords tbody tr");
    assert.equal(await shown.count(), 6);
    const passwords = new Map();
    for (let i = 0; i < 6; i++) {
      const cells = shown.nth(i).locator("td");
      passwords.set(await cells.nth(0).innerText(), await cells.nth(1).innerText());
    }
    assert.equal(new Set(passwords.values()).size, 6);
    const download = page.waitForEvent("download");
    await page.locator("#batch-passwords-csv").click();
    const csv = fs.readFileSync(await (await download).path(), "utf8");
    assert.ok(csv.startsWith("room,password\r\n101," + passwords.get("101") + "\r\n"), csv);
    await screenshot(page, FILE, "rooms");

    // 5. Façade Layout: add a 5-button module and map its button 1 to room 101.
    await page.locator("#nav").getByRole("link", { name: "Façade Layout" }).click();
    await page.getByRole("heading", { name: "Local Setting › Façade Layout" }).waitFor();
    // Start from the camera module alone, then add the lights and a 5-button module.
    while (await page.getByRole("button", { name: /^Remove module/ }).count() > 0) {
      await page.getByRole("button", { name: /^Remove module/ }).first().click();
    }
    await page.locator("#add-module-kind").selectOption("indicators");
    await page.getByRole("button", { name: "Add module" }).click();
    await page.locator("#add-module-kind").selectOption("buttons");
    await page.getByRole("button", { name: "Add module" }).click();
    assert.equal(await page.locator("#module-1-buttons").inputValue(), "5");
    await page.locator("#button-1").selectOption("101");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#toast").filter({ hasText: "Façade saved" }).waitFor();
    await screenshot(page, FILE, "facade");

    // 6. A monitor of room 101 registers; the room shows it online.
    monitor = startMonitor(env.vtod.sipPort, "101#0", passwords.get("101"));
    await monitor.event("registered");
    await page.locator("#nav").getByRole("link", { name: "Room No. Management" }).click();
    await page.locator("td", { hasText: "101#0" }).waitFor();

    // 7. Virtual panel: the facade as configured; button 1 rings 101#0, which answers.
    await page.locator("#nav").getByRole("link", { name: "Virtual panel" }).click();
    const button1 = page.locator("#panel-button1");
    await button1.filter({ hasText: "Room 101" }).waitFor();
    assert.equal(await page.locator(".call-button").count(), 5);
    await page.locator("#panel-state[data-state=idle]").waitFor();
    await button1.click();
    const incoming = await monitor.event("incoming_call");
    assert.match(incoming.peer, /6901/, "the call comes from the new VTO No.");
    await page.locator("#panel-state[data-state=calling]").waitFor();
    await page.locator("#light-call.lit").waitFor();
    monitor.send("answer");
    await monitor.event("answered");
    await page.locator("#panel-state[data-state=talking]").waitFor({ timeout: 10000 });
    await page.locator("#light-talk.lit").waitFor();
    // The camera picture is live on the page.
    await page.waitForFunction(() => {
      const img = document.querySelector("#panel-camera");
      return img && img.complete && img.naturalWidth > 0;
    });
    await screenshot(page, FILE, "panel-talking");
    monitor.send("hangup");
    await page.locator("#panel-state[data-state=idle]").waitFor({ timeout: 10000 });
  });
});
