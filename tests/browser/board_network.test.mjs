// Network Setting › Basic on a board, in the browser: DHCP chosen on the page gives the
// board's interface an address from the network's DHCP server, which the page shows with its
// lease; back to static, the lease is given up and the fields are editable again.
//
// The file runs itself once more in a network namespace of its own (unshare, a user
// namespace too so that no root is needed), where a veth pair stands for the board's port:
// vtod manages vto0, and vto1 sits in a second namespace (the LAN) with Debian's dnsmasq as
// the DHCP server. Chromium, vtod and dnsmasq all talk on loopback or that veth pair only.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setUp, login, screenshot, until, ADMIN_PASSWORD } from "./lib/vtod.mjs";

const FILE = import.meta.url;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const IFACE = "vto0";
const SERVER = "10.77.0.1";

/** @param {string[]} args */
function ip(...args) {
  return execFileSync("ip", args, { encoding: "utf8", timeout: 10000 });
}

function addresses() {
  return ip("-4", "-o", "addr", "show", "dev", IFACE).split("\n").filter(Boolean).map((l) => l.split(/\s+/)[3]);
}

if (process.env.VTO_OWN_NETNS !== "1") {
  it("runs in a network namespace of its own", { timeout: 280000 }, () => {
    // A test run of its own, not a child of this one (which node:test would skip).
    const childEnv = { ...process.env, VTO_OWN_NETNS: "1" };
    delete childEnv.NODE_TEST_CONTEXT;
    const r = spawnSync("unshare", ["--user", "--map-root-user", "--net", process.execPath,
                                    "--test", "--test-reporter=spec", fileURLToPath(FILE)],
                        { stdio: ["ignore", "pipe", "inherit"], env: childEnv, timeout: 270000, encoding: "utf8" });
    process.stdout.write(r.stdout.replace(/^/gm, "  "));
    assert.equal(r.status, 0, r.error ? r.error.message : `exit ${r.status}`);
    assert.match(r.stdout, /\bpass 2\b/, "both tests ran and passed");
  });
} else {
  describe("a board's network in the browser", () => {
    let env, holder, dnsmasq, dir;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "vto-board-network-"));
      ip("link", "set", "lo", "up");
      ip("link", "add", IFACE, "type", "veth", "peer", "name", "vto1");
      holder = spawn("unshare", ["--net", "sleep", "3600"], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 200));
      ip("link", "set", "vto1", "netns", String(holder.pid));
      const lan = (/** @type {string[]} */ ...args) =>
        execFileSync("nsenter", ["-t", String(holder.pid), "-n", ...args], { timeout: 10000 });
      lan("ip", "addr", "add", `${SERVER}/24`, "dev", "vto1");
      lan("ip", "link", "set", "vto1", "up");
      const log = path.join(dir, "dnsmasq.log");
      dnsmasq = spawn("nsenter", ["-t", String(holder.pid), "-n", "/usr/sbin/dnsmasq", "--no-daemon",
        "--conf-file=/dev/null", "--port=0", "--interface=vto1", "--bind-interfaces",
        "--dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m", `--dhcp-option=option:router,${SERVER}`,
        "--dhcp-option=option:dns-server,10.77.0.53", `--dhcp-leasefile=${path.join(dir, "leases")}`,
        `--pid-file=${path.join(dir, "dnsmasq.pid")}`, "--log-dhcp", `--log-facility=${log}`], { stdio: "ignore" });
      for (let i = 0; i < 100 && !(fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("sockets bound")); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      env = await setUp({ extraArgs: ["--network-interface", IFACE, "--resolv-conf", path.join(dir, "resolv.conf")] });
    });
    after(async () => {
      await env?.close();
      dnsmasq?.kill();
      holder?.kill();
    });

    for (const [device, options] of [["desktop", {}], ["phone", PHONE]]) {
      it(`takes the address by DHCP and shows the lease, then goes back to static (${device})`, { timeout: 90000 }, async () => {
        const { page, console: con } = await env.open(`dhcp-${device}`, options);
        await login(page, env.vtod, "admin", ADMIN_PASSWORD);
        await page.goto(`${env.vtod.url}/#/network`);
        await page.locator("#network-applied", { hasText: `applied to ${IFACE}` }).waitFor();
        assert.equal(await page.locator("#network-dhcp").isDisabled(), false);
        assert.equal(await page.locator("#network-lease").isVisible(), false);

        await page.locator("#network-dhcp").selectOption("on");
        await page.locator("#network-lease", { hasText: "Save to ask the network for an address" }).waitFor();
        assert.equal(await page.locator("#network-ip").getAttribute("readonly"), "");
        await page.locator("#network button[type=submit]").click();
        const lease = page.locator("#network-lease", { hasText: /Address 10\.77\.0\.(5\d|60) \(mask 255\.255\.255\.0\) from the DHCP server 10\.77\.0\.1, renews at \d{4}-/ });
        await lease.waitFor({ timeout: 20000 });
        const leased = /Address (\S+)/.exec(await lease.textContent())[1];
        // The lease shows once it is bound; the address is set on the interface just after.
        await until(() => addresses().join(" ") === `${leased}/24`, `${leased}/24 on ${IFACE} (has ${addresses().join(" ")})`);
        await screenshot(page, FILE, `dhcp-${device}`);
        // After a reload the page says the same.
        await page.reload();
        await lease.waitFor();
        assert.equal(await page.locator("#network-dhcp").inputValue(), "on");

        // Back to static: the fields are editable, the lease line goes, the address is the static one.
        await page.locator("#network-dhcp").selectOption("off");
        assert.equal(await page.locator("#network-ip").getAttribute("readonly"), null);
        assert.equal(await page.locator("#network-lease").isVisible(), false);
        await page.locator("#network-ip").fill(device === "phone" ? "10.77.0.8" : "10.77.0.9");
        await page.locator("#network-mask").fill("255.255.255.0");
        await page.locator("#network-gateway").fill(SERVER);
        await page.locator("#network button[type=submit]").click();
        await page.getByText("Saved and applied").waitFor();
        assert.deepEqual(addresses(), [device === "phone" ? "10.77.0.8/24" : "10.77.0.9/24"]);
        con.assertClean();
      });
    }
  });
}
