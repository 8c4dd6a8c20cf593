// Access control in the browser: an installer enrols a card by holding it to the virtual
// panel's card reader, the card then opens the door on the virtual panel, and the unlock
// records page lists that, with filters and the CSV link following them; a keypad password
// set on its page opens the door too; the alarm records page shows a forced door.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { setUp, login, screenshot, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const LAYOUT = { modules: [{ kind: "buttons", buttons: 1 }, { kind: "keypad" }, { kind: "display" },
                           { kind: "card_reader" }, { kind: "fingerprint" }] };

describe("access control pages", () => {
  let env;
  before(async () => {
    env = await setUp();
    const room = await env.vtod.api("POST", "/api/v1/rooms", { body: { number: "101", password: "Room-pass1" } });
    assert.equal(room.status, 201, JSON.stringify(room.data));
    assert.equal((await env.vtod.api("PUT", "/api/v1/facade", { body: LAYOUT })).status, 200);
  });
  after(async () => { await env?.close(); });

  it("enrols a card from the reader, which then opens the door", { timeout: 90000 }, async () => {
    const { page, console: con } = await env.open("cards");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/cards`);
    await page.getByRole("heading", { level: 1, name: "Cards" }).waitFor();
    await page.locator("#main p.empty", { hasText: "No cards." }).waitFor();

    // "Read from the card reader", then a card is held to the (virtual) reader.
    await page.locator("#card-read").click();
    await page.locator("#card-read-status", { hasText: "Hold the card" }).waitFor();
    // The page says so as it asks; the card is held once the station waits for it.
    for (let i = 0; i < 100 && !(await env.vtod.api("GET", "/api/v1/sim/state")).data.reading_card; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const held = await env.vtod.api("POST", "/api/v1/sim/card", { body: { number: "c0ffee42" } });
    assert.equal(held.status, 200);
    await page.locator("#card-read-status", { hasText: "Card C0FFEE42 read." }).waitFor();
    assert.equal(await page.locator("#add-card-number").inputValue(), "C0FFEE42");
    await page.locator("#add-card-room").selectOption("101");
    await page.locator("#add-card-person").fill("Anna Berg");
    await page.locator("#add-card button[type=submit]").click();
    await page.locator("#toast", { hasText: "Card C0FFEE42 added" }).waitFor();
    await page.locator("#main td", { hasText: "Anna Berg" }).waitFor();
    await screenshot(page, FILE, "cards");

    // The card at the virtual panel's reader opens the door.
    await page.goto(`${env.vtod.url}/#/panel`);
    await page.locator("#panel-state[data-state=idle]").waitFor();
    await page.locator("#panel-card-number").fill("C0FFEE42");
    await page.locator("#panel-card").click();
    await page.locator("#panel-display", { hasText: "Door open" }).waitFor();
    await page.locator("#panel-lock", { hasText: "open" }).waitFor();
    // An unknown card is refused.
    await page.locator("#panel-card-number").fill("0BADCAFE");
    await page.locator("#panel-card").click();
    await page.locator("#panel-display", { hasText: "Card not valid" }).waitFor();
    con.assertClean();
  });

  it("sets a keypad password that opens the door", { timeout: 60000 }, async () => {
    const { page, console: con } = await env.open("passwords");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/passwords`);
    await page.getByRole("heading", { level: 1, name: "Unlock passwords" }).waitFor();
    await page.locator("#set-password-password").fill("12ab");
    await page.locator("#set-password button[type=submit]").click();
    await page.locator("#set-password-password-error", { hasText: "4 to 8 digits" }).waitFor();
    await page.locator("#set-password-password").fill("482619");
    await page.locator("#set-password button[type=submit]").click();
    await page.locator("#toast", { hasText: "Password set" }).waitFor();
    await page.locator("#main td", { hasText: /^yes, / }).first().waitFor();

    await page.goto(`${env.vtod.url}/#/panel`);
    await page.locator("#panel-state[data-state=idle]").waitFor();
    for (const k of "#482619#") await page.locator(`#panel-key-${k === "#" ? "\\#" : k}`).click();
    await page.locator("#panel-display", { hasText: "Door open" }).waitFor();
    con.assertClean();
  });

  it("lists the unlock records with filters and a CSV link", { timeout: 60000 }, async () => {
    const { page, console: con, net } = await env.open("unlocks");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/unlocks`);
    await page.getByRole("heading", { level: 1, name: "Unlock records" }).waitFor();
    const rows = page.locator("#main tbody tr");
    await rows.first().waitFor();
    await net.settle();
    assert.equal(await rows.count(), 3);  // card granted, card refused, password granted
    assert.equal(await rows.nth(0).locator('td[data-label="Method"]').textContent(), "password");
    assert.equal(await rows.nth(2).locator('td[data-label="Credential"]').textContent(), "****EE42");
    await page.locator("#unlocks-result").selectOption("refused");
    await page.locator("#main tbody tr td", { hasText: "unknown card" }).waitFor();
    await net.settle();
    assert.equal(await rows.count(), 1);
    assert.match(await page.locator("#unlocks-csv").getAttribute("href"), /unlocks\.csv\?result=refused$/);
    await screenshot(page, FILE, "unlock-records");
    const csv = await env.vtod.api("GET", "/api/v1/records/unlocks.csv?result=refused");
    assert.equal(csv.status, 200);
    assert.match(csv.data.raw, /^id,at_ms,time,method,credential,person,room,result,reason\r\n\d+,\d+,[0-9T:.Z-]+,card,\*\*\*\*CAFE,,,refused,unknown card\r\n$/);
    con.assertClean();
  });

  it("shows the alarms, and whether the centre has them", { timeout: 60000 }, async () => {
    // The door opened while locked: a forced-open alarm, with nobody registered as 888888.
    // (The tests before opened the lock: wait until it is shut again.)
    for (let i = 0; (await env.vtod.api("GET", "/api/v1/sim/state")).data.lock.open; i++) {
      assert.ok(i < 100, "the lock stays open");
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1200));  // past the moment after a lock closes
    assert.equal((await env.vtod.api("POST", "/api/v1/sim/door", { body: { open: true } })).status, 200);
    const { page, console: con, net } = await env.open("alarms");
    await login(page, env.vtod, "admin", ADMIN_PASSWORD);
    await page.goto(`${env.vtod.url}/#/alarms`);
    await page.getByRole("heading", { level: 1, name: "Alarm records" }).waitFor();
    const row = page.locator("#main tbody tr", { hasText: "forced open" });
    await row.waitFor();
    assert.equal(await row.locator('td[data-label="Source"]').textContent(), "door sensor");
    assert.equal(await row.locator('td[data-label="Centre"]').textContent(), "not yet");
    await page.locator("#alarms-delivered").selectOption("yes");
    await page.locator("#main p.empty", { hasText: "No alarms." }).waitFor();
    await net.settle();
    assert.match(await page.locator("#alarms-csv").getAttribute("href"), /alarms\.csv\?delivered=yes$/);
    await page.locator("#alarms-delivered").selectOption("");
    await row.waitFor();
    await screenshot(page, FILE, "alarm-records");
    con.assertClean();
  });
});
