// @ts-check
// System › Maintenance (admin): the station's date and time (time zone, NTP, the clock where
// vtod may set it), configuration backup and restore (with
// a preview of what changes), restart, and factory reset. The API is /api/v1/system/*.
import { h, toast, fmtTime, setTimeZone } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { table } from "../lib/table.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/session.js").Session} Session */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} RestorePreview
 * @property {number} created_ms
 * @property {Record<string, { now: number, backup: number }>} counts
 * @property {string[]} settings_changed
 */

// What each kind of a backup is called on the page.
/** @type {Record<string, string>} */
const KINDS = {
  settings: "Settings", rooms: "Rooms", vtos: "VTOs", users: "Web accounts", api_tokens: "API tokens",
  cards: "Cards", fingerprints: "Fingerprints", keypad_codes: "Keypad passwords",
};

/**
 * While vtod restarts: says so in `status`, then goes on once the station answers again
 * (the sessions ended with the restart: the login, or the initialization after a reset).
 * Until then this is the page's only request, and nothing else opens the login: the
 * station would not answer it.
 * @param {Session} session
 * @param {HTMLElement} status
 * @param {string} text
 */
async function waitForRestart(session, status, text) {
  session.restarting = true;
  status.textContent = `${text} The station is restarting…`;
  await new Promise((r) => setTimeout(r, 1500));
  for (let i = 0; i < 60; i++) {
    try {
      const res = await fetch("/api/v1/auth/status", { cache: "no-store" });
      if (res.ok) {
        status.textContent = `${text} The station is back.`;
        location.reload();  // the login (or the initialization), then back to this page
        return;
      }
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 1000));
  }
  status.textContent = `${text} The station did not come back within a minute: check that it runs.`;
}

/**
 * GET /api/v1/system/time.
 * @typedef {object} TimeSettings
 * @property {string} time_zone the saved one; "" for the system's
 * @property {string} zone the one in use
 * @property {string} system_time_zone
 * @property {boolean} ntp
 * @property {string[]} ntp_servers
 * @property {number} time_ms
 * @property {boolean} can_set_clock vtod --set-clock
 * @property {NtpStatus} status
 */

/**
 * @typedef {object} NtpStatus
 * @property {"off" | "checking" | "ok" | "failed"} state
 * @property {string} server the one that answered
 * @property {string} error
 * @property {string} clock "", "stepped", "slewed", or why the clock could not be set
 * @property {number | null} checked_ms
 * @property {number} [offset_ms] the server's clock less this one's
 * @property {number} [delay_ms]
 * @property {number} [stratum]
 */

/**
 * One line on NTP's last check.
 * @param {TimeSettings} t
 * @returns {string}
 */
export function ntpText(t) {
  const st = t.status;
  if (st.state === "off") return "NTP is off: the clock is not checked.";
  if (st.state === "checking") return "Asking the time server…";
  if (st.state === "failed") return `No time server gave the time (${fmtTime(st.checked_ms)}): ${st.error}.`;
  const off = st.offset_ms ?? 0;
  const size = Math.abs(off) < 1000 ? `${Math.round(Math.abs(off))} ms` : `${(Math.abs(off) / 1000).toFixed(1)} s`;
  const way = Math.abs(off) < 1 ? "on time" : `${size} ${off > 0 ? "behind" : "ahead of"} it`;
  const clock = !t.can_set_clock
    ? " The clock was left as it is."
    : st.clock === "stepped" ? " The clock was set." : st.clock === "slewed" ? " The clock is being adjusted." : st.clock ? ` ${st.clock}.` : "";
  return `Checked ${fmtTime(st.checked_ms)} with ${st.server} (stratum ${st.stratum}): this clock is ${way}.${clock}`;
}

/**
 * The date and time section: the clock, the time zone, NTP and (where vtod may) the clock
 * set by hand.
 * @param {PageContext["api"]} api
 * @param {TimeSettings} t
 * @returns {{ section: HTMLElement, refresh: () => Promise<void> }}
 */
function dateAndTime(api, t) {
  const clock = h("p", { id: "system-time" });
  const ntpLine = h("p", { class: "hint", id: "ntp-status", role: "status" });
  const draw = () => {
    clock.textContent = `${fmtTime(t.time_ms)} (${t.zone})`;
    ntpLine.textContent = ntpText(t);
  };
  const f = form({
    id: "time", submit: "Save",
    fields: [
      { name: "time_zone", label: "Time zone", value: t.time_zone, placeholder: `${t.system_time_zone} (the system's)`,
        hint: "A name like Europe/Berlin; empty for the system's. Every page shows times in it; records are kept in UTC." },
      { name: "ntp", label: "NTP", type: "select", value: t.ntp ? "on" : "off",
        options: [{ value: "off", label: "Off" }, { value: "on", label: "On: check the clock with a time server" }] },
      { name: "ntp_servers", label: "Time servers", type: "textarea", rows: 3, value: t.ntp_servers.join("\n"),
        hint: "One per line, a name or IPv4 address, with :port if not 123; asked in order, at most 4." },
      ...(t.can_set_clock ? [{ name: "time_ms", label: "Set the clock to", type: "datetime-local", value: "",
                               hint: "In your browser's time zone; with NTP off. Leave empty to keep the clock." }] : []),
    ],
    onSubmit: async (v, fm) => {
      /** @type {Record<string, unknown>} */
      const body = { time_zone: v.time_zone.trim(), ntp: v.ntp === "on",
                     ntp_servers: v.ntp_servers.split("\n").map((x) => x.trim()).filter(Boolean) };
      if (v.time_ms) body.time_ms = new Date(v.time_ms).getTime();
      /** @type {ApiResult<TimeSettings>} */
      const r = await api("PUT", "/api/v1/system/time", body);
      if (!r.ok) return fm.showApiError(r);
      Object.assign(t, r.data);
      setTimeZone(t.zone);
      draw();
      toast("Date and time saved");
    },
  });
  f.inputs.time_zone.setAttribute("list", "time-zones");
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const list = h("datalist", { id: "time-zones" }, zones.map((z) => h("option", { value: z })));
  draw();
  const section = h("section", { id: "system-clock" }, h("h2", {}, "Date and time"), clock, ntpLine,
    t.can_set_clock ? null
      : h("p", { class: "hint", id: "clock-note" }, "The clock itself is the system's: this station checks it with NTP and shows how far off it is, but sets it only when vtod is started with --set-clock (a board's service)."),
    f, list);
  return {
    section,
    refresh: async () => {
      /** @type {ApiResult<TimeSettings>} */
      const now = await api("GET", "/api/v1/system/time");
      if (!now.ok) return;
      t.time_ms = now.data.time_ms;
      t.status = now.data.status;
      draw();
    },
  };
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, show }) {
  /** @type {ApiResult<TimeSettings>} */
  const time = await api("GET", "/api/v1/system/time");
  const clock = time.ok ? dateAndTime(api, time.data)
    : { section: h("section", { id: "system-clock" }, h("p", { class: "form-error" }, time.data.error)), refresh: async () => {} };

  // Backup: a passphrase twice, then the file.
  const backup = form({
    id: "backup", submit: "Download backup",
    fields: [
      { name: "passphrase", label: "Passphrase", type: "password", autocomplete: "new-password",
        hint: "10 characters at least. Keep it apart from the file: without it the backup cannot be restored, with it anyone can read the accounts and passwords in it." },
      { name: "confirm", label: "Passphrase again", type: "password", autocomplete: "new-password" },
    ],
    onSubmit: async (v, fm) => {
      if (v.passphrase.length < 10) return fm.fieldError("passphrase", "passphrase: 10 to 256 characters");
      if (v.passphrase !== v.confirm) return fm.fieldError("confirm", "The two passphrases differ.");
      const res = await fetch("/api/v1/system/backup", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf || "" },
        body: JSON.stringify({ passphrase: v.passphrase }),
      });
      if (!res.ok) {
        const data = await res.json().catch(() => ({ error: `error ${res.status}` }));
        return fm.showApiError({ ok: false, status: res.status, data });
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || "openvto-backup.json";
      const link = h("a", { href: URL.createObjectURL(await res.blob()), download: name, id: "backup-file" }, name);
      backupOut.replaceChildren("Backup ready: ", link);
      link.click();
      fm.reset();
      toast("Backup made");
    },
  });
  const backupOut = h("p", { id: "backup-out", "aria-live": "polite" });

  // Restore: the file and its passphrase, a preview, then the restore itself.
  const file = h("input", { type: "file", id: "restore-file", accept: ".json,application/json", "aria-label": "Backup file" });
  const passphrase = h("input", { type: "password", id: "restore-passphrase", autocomplete: "off", "aria-label": "The backup's passphrase" });
  const restoreStatus = h("div", { id: "restore-status", "aria-live": "polite" });
  /**
   * @param {boolean} preview
   * @returns {Promise<ApiResult<RestorePreview & { restored?: boolean }>>}
   */
  const send = async (preview) => {
    const f = file.files && file.files[0];
    if (!f) return { ok: false, status: 0, data: { error: "Choose a backup file first." } };
    if (!passphrase.value) return { ok: false, status: 0, data: { error: "Give the backup's passphrase." } };
    const res = await fetch(`/api/v1/system/restore${preview ? "?preview=1" : ""}`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf || "", "X-Backup-Passphrase": passphrase.value },
      body: await f.text(),
    });
    const data = await res.json().catch(() => ({ error: `error ${res.status}` }));
    return res.ok ? { ok: true, status: res.status, data } : { ok: false, status: res.status, data };
  };
  const previewButton = h("button", { type: "button", id: "restore-preview", onclick: async () => {
    previewButton.disabled = true;
    const r = await send(true);
    previewButton.disabled = false;
    if (!r.ok) return restoreStatus.replaceChildren(h("p", { class: "form-error" }, r.data.error));
    const d = r.data;
    const restore = h("button", { type: "button", id: "restore-apply", class: "danger", onclick: async () => {
      if (!confirm("Replace this station's configuration by the backup's? Every session ends.")) return;
      restore.disabled = true;
      session.restarting = true;  // the accounts change with the answer: no login before the restart
      const done = await send(false);
      if (!done.ok) {
        session.restarting = false;
        restore.disabled = false;
        return restoreStatus.replaceChildren(h("p", { class: "form-error" }, done.data.error));
      }
      waitForRestart(session, restoreStatus, "Configuration restored.");
    } }, "Restore this backup");
    restoreStatus.replaceChildren(
      h("p", {}, `A backup of ${fmtTime(d.created_ms)}. Restoring it replaces:`),
      table([{ label: "What", cell: (/** @type {[string, { now: number, backup: number }]} */ e) => KINDS[e[0]] || e[0] },
             { label: "Now", cell: (e) => String(e[1].now) }, { label: "In the backup", cell: (e) => String(e[1].backup) }],
            Object.entries(d.counts)),
      h("p", { id: "restore-settings" }, d.settings_changed.length
        ? `${d.settings_changed.length} setting${d.settings_changed.length === 1 ? "" : "s"} change: ${d.settings_changed.join(", ")}`
        : "No setting changes."),
      h("div", { class: "toolbar" }, restore));
  } }, "Preview");

  // Restart and factory reset.
  const restartStatus = h("p", { id: "restart-status", "aria-live": "polite" });
  const restart = h("button", { type: "button", id: "system-restart", onclick: async () => {
    if (!confirm("Restart the station? Calls in progress end; every session ends.")) return;
    const r = await api("POST", "/api/v1/system/restart", {});
    if (!r.ok) return toast(r.data.error, "bad");
    waitForRestart(session, restartStatus, "");
  } }, "Restart");
  const resetStatus = h("p", { id: "reset-status", "aria-live": "polite" });
  const reset = form({
    id: "reset", submit: "Erase everything",
    fields: [{ name: "password", label: "Your password", type: "password", autocomplete: "current-password",
               hint: "A factory reset keeps nothing: settings, rooms, cards, accounts, records and the certificate go, and the station asks to be initialized again." }],
    onSubmit: async (v, fm) => {
      if (!confirm("Erase every setting, account and record of this station?")) return;
      const r = await api("POST", "/api/v1/system/factory-reset", { password: v.password });
      if (!r.ok) return fm.showApiError(r);
      waitForRestart(session, resetStatus, "Everything erased.");
    },
  });

  show("System › Maintenance",
       clock.section,
       h("section", { id: "system-backup" }, h("h2", {}, "Configuration backup"),
         h("p", { class: "hint" }, "One file with the settings, rooms, VTOs, cards, fingerprints, keypad passwords and accounts, sealed with your passphrase. Records are not in it."),
         backup, backupOut),
       h("section", { id: "system-restore" }, h("h2", {}, "Restore a backup"),
         h("p", { class: "hint" }, "Onto this station or a new one: the preview says what changes before anything does."),
         h("div", { class: "toolbar" }, file, passphrase, previewButton), restoreStatus),
       h("section", { id: "system-restart-section" }, h("h2", {}, "Restart"),
         h("p", { class: "hint" }, "Starts the door station service again, with its saved settings."),
         h("div", { class: "toolbar" }, restart), restartStatus),
       h("section", { id: "system-reset", class: "danger-zone" }, h("h2", {}, "Factory reset"), reset, resetStatus));
  // The clock and NTP's state, again every 5 s while shown (not while the station restarts).
  const timer = setInterval(() => { if (!session.restarting) clock.refresh(); }, 5000);
  return { dispose() { clearInterval(timer); } };
}
