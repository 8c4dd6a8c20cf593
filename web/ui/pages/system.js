// @ts-check
// System › Maintenance (admin): the station's clock, configuration backup and restore (with
// a preview of what changes), restart, and factory reset. The API is /api/v1/system/*.
import { h, toast, fmtTime } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { table } from "../lib/table.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
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
 * @param {HTMLElement} status
 * @param {string} text
 */
async function waitForRestart(status, text) {
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
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, show }) {
  /** @type {ApiResult<{ time_ms: number, time_zone: string }>} */
  const info = await api("GET", "/api/v1/system/info");
  const clock = h("p", { id: "system-time" }, info.ok ? `${fmtTime(info.data.time_ms)} (${info.data.time_zone})` : info.data.error);

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
      const done = await send(false);
      if (!done.ok) { restore.disabled = false; return restoreStatus.replaceChildren(h("p", { class: "form-error" }, done.data.error)); }
      waitForRestart(restoreStatus, "Configuration restored.");
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
    waitForRestart(restartStatus, "");
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
      waitForRestart(resetStatus, "Everything erased.");
    },
  });

  show("System › Maintenance",
       h("section", { id: "system-clock" }, h("h2", {}, "Date and time"), clock,
         h("p", { class: "hint" }, "The station's clock and time zone are the system's it runs on (kept by its time service, NTP included). This page shows them; set them on the system (for example with timedatectl on a board).")),
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
  return { dispose() {} };
}
