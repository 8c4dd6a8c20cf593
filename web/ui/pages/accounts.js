// @ts-check
// Accounts: the Users page (web accounts, who is online, API tokens), the own password,
// and the audit log. The API is /api/v1/users*, /api/v1/tokens*, /api/v1/auth/password
// and /api/v1/audit.
import { h, toast, fmtTime } from "../lib/dom.js";
import { newestOnly } from "../lib/api.js";
import { form } from "../lib/form.js";
import { brokenRule } from "../lib/rules.js";
import { STATIC_PAGE } from "../lib/router.js";
import { table, pager } from "../lib/table.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/api.js").Api} Api */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */
/** @typedef {import("../lib/session.js").Role} Role */

/**
 * @typedef {object} User
 * @property {string} name
 * @property {Role} role
 * @property {string} email
 * @property {number} sessions
 * @property {boolean} legacy_digest
 * @property {boolean} legacy_digest_ready
 * @property {boolean} onvif an ONVIF password is set
 */

/** @typedef {{ user: string, role: Role, address: string, logged_in_s: number, idle_s: number }} OnlineUser */

/**
 * @typedef {object} Token
 * @property {number} id
 * @property {string} name
 * @property {Role} role
 * @property {string} created_by
 * @property {number} created_ms
 * @property {number | null} last_used_ms
 * @property {number} expires_ms
 */

/** @typedef {{ at_ms: number, user: string, address: string, action: string, detail: string }} AuditEntry */

/**
 * "users", "password" or "audit".
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render(ctx) {
  if (ctx.view === "password") passwordPage(ctx);
  else if (ctx.view === "audit") await auditPage(ctx);
  else await usersPage(ctx);
  return STATIC_PAGE;
}

/** @param {PageContext} ctx */
function passwordPage({ api, session, show }) {
  const f = form({
    id: "password", submit: "Change password",
    fields: [
      { name: "old_password", label: "Current password", type: "password", autocomplete: "current-password" },
      { name: "new_password", label: "New password", type: "password", autocomplete: "new-password", rules: { user: () => session.user } },
      { name: "confirm", label: "Confirm new password", type: "password", autocomplete: "new-password" },
    ],
    onSubmit: async (v, fm) => {
      if (v.new_password !== "" && v.new_password === v.old_password) {
        return fm.fieldError("new_password", "new_password: the new password must differ from the current one");
      }
      const broken = brokenRule(v.new_password, session.user);
      if (broken) return fm.fieldError("new_password", `new_password: ${broken.text}`);
      if (v.new_password !== v.confirm) return fm.fieldError("confirm", "the two passwords differ");
      /** @type {ApiResult<{ csrf: string }>} */
      const res = await api("POST", "/api/v1/auth/password", { old_password: v.old_password, new_password: v.new_password });
      if (!res.ok) return fm.showApiError(res);
      session.csrf = res.data.csrf;
      fm.reset();
      toast("Password changed. Other sessions of this account were logged out.");
    },
  });
  show("Change password", f);
}

/**
 * An account's player digest (MD5) state, with the button that changes it: turning it on
 * asks for the account's password, from which the MD5 key is made (and checked).
 * @param {Api} api
 * @param {User} r
 * @param {() => void} refresh
 * @returns {HTMLElement}
 */
function legacyDigestCell(api, r, refresh) {
  const cell = h("span", { class: "legacy-digest", "data-user": r.name });
  const path = `/api/v1/users/${encodeURIComponent(r.name)}/legacy-digest`;
  const show = () => {
    if (r.legacy_digest) {
      cell.replaceChildren(h("span", {}, r.legacy_digest_ready ? "On " : "On (key made at the next login) "),
        h("button", { onclick: async () => {
          const res = await api("PUT", path, { on: false });
          res.ok ? toast(`Player digest of ${r.name} off`) : toast(res.data.error, "bad");
          refresh();
        } }, "Turn off"));
      return;
    }
    cell.replaceChildren(h("span", {}, "Off "), h("button", { onclick: ask }, "Turn on…"));
  };
  const ask = () => {
    const pw = h("input", { type: "password", autocomplete: "off", "aria-label": `Password of ${r.name}`, placeholder: `password of ${r.name}` });
    const go = h("button", { class: "primary", onclick: async () => {
      const res = await api("PUT", path, { on: true, password: pw.value });
      if (!res.ok) return toast(res.data.error, "bad");
      toast(`Player digest of ${r.name} on`);
      refresh();
    } }, "Turn on");
    cell.replaceChildren(pw, go, h("button", { onclick: show }, "Cancel"));
    pw.focus();
  };
  show();
  return cell;
}

/**
 * An account's ONVIF password: set or not, with the buttons that set (or replace) and remove
 * it. It is a password of its own, kept for ONVIF clients (NVRs, Home Assistant), never
 * shown again.
 * @param {Api} api
 * @param {User} r
 * @param {() => void} refresh
 * @returns {HTMLElement}
 */
function onvifCell(api, r, refresh) {
  const cell = h("span", { class: "onvif-password", "data-user": r.name });
  const path = `/api/v1/users/${encodeURIComponent(r.name)}/onvif-password`;
  const show = () => {
    const set = h("button", { onclick: ask }, r.onvif ? "Change…" : "Set…");
    if (!r.onvif) return cell.replaceChildren(h("span", {}, "None "), set);
    cell.replaceChildren(h("span", {}, "Set "), set, h("button", { onclick: async () => {
      const res = await api("PUT", path, { password: "" });
      res.ok ? toast(`ONVIF password of ${r.name} removed`) : toast(res.data.error, "bad");
      refresh();
    } }, "Remove"));
  };
  const ask = () => {
    const pw = h("input", { type: "password", autocomplete: "new-password", "aria-label": `ONVIF password of ${r.name}`,
                            placeholder: "not the web password" });
    const go = h("button", { class: "primary", onclick: async () => {
      const res = await api("PUT", path, { password: pw.value });
      if (!res.ok) return toast(res.data.error, "bad");
      toast(`ONVIF password of ${r.name} set`);
      refresh();
    } }, "Save");
    cell.replaceChildren(pw, go, h("button", { onclick: show }, "Cancel"));
    pw.focus();
  };
  show();
  return cell;
}

/** @param {PageContext} ctx */
async function usersPage({ api, session, show }) {
  const list = h("div");
  const online = h("div");
  const tokens = h("div");
  const roles = ["viewer", "operator", "admin"];
  const refresh = async () => {
    /** @type {[ApiResult<{ users: User[] }>, ApiResult<{ online: OnlineUser[] }>, ApiResult<{ tokens: Token[] }>]} */
    const [u, o, t] = await Promise.all([api("GET", "/api/v1/users"), api("GET", "/api/v1/users/online"), api("GET", "/api/v1/tokens")]);
    if (!u.ok) return list.replaceChildren(h("p", { class: "form-error" }, u.data.error));
    list.replaceChildren(table([
      { label: "User", cell: (r) => r.name },
      { label: "Role", cell: (r) => r.role },
      { label: "E-mail", cell: (r) => r.email || "—" },
      { label: "Sessions", cell: (r) => r.sessions },
      { label: "Player digest (MD5)", cell: (r) => legacyDigestCell(api, r, refresh) },
      { label: "ONVIF password", cell: (r) => onvifCell(api, r, refresh) },
      { label: "", cell: (r) => r.name === session.user ? "(you)" : h("button", { class: "danger", onclick: async () => {
          if (!confirm(`Remove the account ${r.name}?`)) return;
          const res = await api("DELETE", `/api/v1/users/${encodeURIComponent(r.name)}`);
          res.ok ? toast(`${r.name} removed`) : toast(res.data.error, "bad");
          refresh();
        } }, "Remove") },
    ], u.data.users));
    online.replaceChildren(table([
      { label: "User", cell: (r) => r.user }, { label: "Role", cell: (r) => r.role },
      { label: "Address", cell: (r) => r.address },
      { label: "Logged in", cell: (r) => `${Math.round(r.logged_in_s / 60)} min ago` },
      { label: "Idle", cell: (r) => `${r.idle_s} s` },
    ], o.ok ? o.data.online : [], "Nobody is logged in."));
    tokens.replaceChildren(table([
      { label: "Name", cell: (r) => r.name }, { label: "Role", cell: (r) => r.role },
      { label: "Created by", cell: (r) => r.created_by }, { label: "Created", cell: (r) => fmtTime(r.created_ms) },
      { label: "Last used", cell: (r) => fmtTime(r.last_used_ms) },
      { label: "Expires", cell: (r) => fmtTime(r.expires_ms) },
      { label: "", cell: (r) => h("button", { class: "danger", onclick: async () => {
          if (!confirm(`Revoke the token ${r.name}? Scripts using it will stop working.`)) return;
          const res = await api("DELETE", `/api/v1/tokens/${r.id}`);
          res.ok ? toast(`${r.name} revoked`) : toast(res.data.error, "bad");
          refresh();
        } }, "Revoke") },
    ], t.ok ? t.data.tokens : [], "No API tokens."));
  };
  let newUser = "";
  const add = form({
    id: "add-user", submit: "Add user",
    fields: [
      { name: "name", label: "User name", autocomplete: "off" },
      { name: "role", label: "Role", type: "select", options: roles, value: "viewer",
        hint: "viewer: sees; operator: also opens the door and answers; admin: also configures." },
      { name: "password", label: "Password", type: "password", autocomplete: "new-password", rules: { user: () => newUser } },
      { name: "email", label: "E-mail (optional)", type: "email" },
      { name: "legacy_digest", label: "Player digest (MD5)", type: "select", value: "off",
        options: [{ value: "off", label: "Off" }, { value: "on", label: "On" }],
        hint: "On only for an account that players or NVRs use (RTSP, snapshot.cgi): they speak MD5 digest, so an MD5 key of the password is kept." },
    ],
    onSubmit: async (v, fm) => {
      const res = await api("POST", "/api/v1/users", { ...v, legacy_digest: v.legacy_digest === "on" });
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      toast(`${v.name} added`);
      refresh();
    },
  });
  add.inputs.name.addEventListener("input", () => (newUser = add.inputs.name.value));
  const tokenOut = h("div", { class: "secret", role: "status" });
  const addToken = form({
    id: "add-token", submit: "Create token",
    fields: [
      { name: "name", label: "Token name", hint: "What uses it, e.g. \"lift controller\"." },
      { name: "role", label: "Role", type: "select", options: roles, value: "viewer" },
      { name: "days", label: "Valid for (days)", value: "90", inputmode: "numeric", hint: "1 to 365; then the token stops working." },
    ],
    onSubmit: async (v, fm) => {
      if (!/^\d{1,3}$/.test(v.days) || Number(v.days) < 1 || Number(v.days) > 365) return fm.fieldError("days", "days: a whole number from 1 to 365");
      /** @type {ApiResult<{ token: string }>} */
      const res = await api("POST", "/api/v1/tokens", { ...v, days: Number(v.days) });
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      tokenOut.replaceChildren(h("p", {}, "The token, shown only now — copy it:"), h("code", { id: "new-token" }, res.data.token));
      refresh();
    },
  });
  show("Users",
       h("section", {}, h("h2", {}, "Accounts"), list),
       h("section", {}, h("h2", {}, "Add a user"), add),
       h("section", {}, h("h2", {}, "Online users"), online),
       h("section", {}, h("h2", {}, "API tokens"), tokens, addToken, tokenOut));
  await refresh();
}

// ---- audit log --------------------------------------------------------------------

/**
 * What each action of the audit log (docs/api.md) says of the person or device that did it,
 * in the order the filter offers them. An action not here reads as its name.
 * @type {Record<string, string>}
 */
const AUDIT_ACTIONS = {
  login: "logged in",
  login_failed: "failed to log in",
  login_locked: "was locked out after failed logins",
  login_source_blocked: "had this address blocked after failed logins",
  login_account_braked: "had logins from new addresses paused",
  logout: "logged out",
  init: "set up the door station",
  password_changed: "changed a password",
  password_change_failed: "failed to change a password",
  password_reset: "reset a password",
  user_added: "added a user",
  user_removed: "removed a user",
  legacy_digest: "switched legacy digest login",
  legacy_digest_failed: "failed to switch on legacy digest login",
  token_created: "created an API token",
  token_revoked: "revoked an API token",
  settings_changed: "changed a setting",
  alarm_acknowledged: "acknowledged an alarm",
  digest_failed: "gave a wrong password for the video stream",
  digest_locked: "was locked out of the video stream",
  digest_source_blocked: "had this address blocked from the video stream",
  sip_auth_failed: "gave a wrong SIP password",
  sip_source_blocked: "had this address blocked from SIP",
  sim_input: "used the virtual panel",
  onvif_password: "set an ONVIF password",
  onvif_refused: "was refused by ONVIF",
  mqtt_refused: "had an MQTT command refused",
  door_opened: "opened the door",
};

/** Details longer than this are shortened, with a button showing them whole. */
const AUDIT_SHORT = 80;

/**
 * The phrase of `action`: "changed a setting" for settings_changed.
 * @param {string} action
 * @returns {string}
 */
function auditPhrase(action) {
  return Object.hasOwn(AUDIT_ACTIONS, action) ? AUDIT_ACTIONS[action] : action.replaceAll("_", " ");
}

/**
 * A detail holding JSON after a prefix ("facade: {...}"), the JSON pretty-printed below the
 * prefix; null when there is none or it does not parse (a detail cut at 1024 bytes).
 * @param {string} text
 * @returns {string | null}
 */
function prettyJson(text) {
  const start = text.search(/[[{]/);
  if (start < 0) return null;
  try {
    const value = JSON.parse(text.slice(start));
    if (typeof value !== "object" || value === null) return null;
    const prefix = text.slice(0, start).trimEnd();
    return `${prefix ? `${prefix}\n` : ""}${JSON.stringify(value, null, 2)}`;
  } catch {
    return null;
  }
}

/**
 * An entry's detail: as it is when short, else its first characters and a Details button
 * that shows it whole (JSON pretty-printed).
 * @param {string} detail
 * @returns {import("../lib/dom.js").Child}
 */
function auditDetail(detail) {
  const pretty = prettyJson(detail);
  if (detail.length <= AUDIT_SHORT && pretty === null) return detail;
  const short = h("span", {}, detail.length > AUDIT_SHORT ? `${detail.slice(0, AUDIT_SHORT).trimEnd()}…` : detail);
  const full = h("pre", { class: "audit-full", hidden: true }, pretty ?? detail);
  const toggle = h("button", { type: "button", class: "audit-more", "aria-expanded": "false" }, "Details");
  toggle.addEventListener("click", () => {
    const open = full.hidden;
    full.hidden = !open;
    short.hidden = open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Less" : "Details";
  });
  return [short, " ", toggle, full];
}

/**
 * Who did it: the account, "API token NAME", or "someone" (a device that named nobody).
 * @param {string} user
 * @returns {import("../lib/dom.js").Child}
 */
function auditWho(user) {
  if (!user) return h("span", { class: "audit-nobody" }, "someone");
  if (user.startsWith("token:")) return h("span", { title: user }, `API token ${user.slice("token:".length)}`);
  return user;
}

/**
 * An entry as a sentence after its time: "admin (192.0.2.5) changed a setting: room 101
 * added", then its action's name. Each part is a cell (the header names them for screen
 * readers); app.css sets them as one line of text.
 * @param {AuditEntry} e
 * @returns {HTMLTableRowElement}
 */
function auditRow(e) {
  let phrase = auditPhrase(e.action);
  let detail = e.detail;
  // "logged in" + "logged in as admin" reads once: "logged in as admin".
  if (detail && detail.length <= AUDIT_SHORT && detail.toLowerCase().startsWith(phrase)) {
    phrase = detail;
    detail = "";
  }
  const cell = (/** @type {string} */ label, /** @type {string} */ cls, /** @type {import("../lib/dom.js").Child} */ content) =>
    h("td", { "data-label": label, class: cls }, content);
  return h("tr", {},
    cell("Time", "audit-time", fmtTime(e.at_ms)),
    cell("User", "audit-user", auditWho(e.user)), " ",
    cell("Address", "audit-address", e.address), " ",
    cell("What happened", "audit-what", detail ? `${phrase}:` : phrase), " ",
    cell("Detail", "audit-detail", detail ? auditDetail(detail) : ""), " ",
    cell("Action", "audit-name", h("code", {}, e.action)));
}

/**
 * The entries, or the paragraph `empty` when there are none.
 * @param {AuditEntry[]} entries
 * @param {string} empty
 * @returns {HTMLElement}
 */
function auditTable(entries, empty) {
  if (!entries.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" },
    h("table", { class: "audit" },
      h("thead", {}, h("tr", {}, ["Time", "User", "Address", "What happened", "Detail", "Action"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, entries.map(auditRow))));
}

/** @param {PageContext} ctx */
async function auditPage({ api, show }) {
  const out = h("div");
  const pagerOut = h("div");
  const filter = h("select", { id: "audit-action" },
    [h("option", { value: "" }, "every action"),
     ...Object.entries(AUDIT_ACTIONS).map(([a, phrase]) => h("option", { value: a }, phrase))]);
  const from = h("input", { type: "datetime-local", id: "audit-from" });
  const to = h("input", { type: "datetime-local", id: "audit-to" });
  const search = h("input", { type: "search", id: "audit-search", "aria-label": "Search the audit log",
                              placeholder: "Search: detail, user or address", maxlength: 64, autocomplete: "off" });
  const csv = h("a", { id: "audit-csv", download: "audit-log.csv" }, "Download as CSV");
  let offset = 0;
  const limit = 50;
  const load = newestOnly(async (current) => {
    const q = new URLSearchParams();
    if (from.value) q.set("from", String(new Date(from.value).getTime()));
    if (to.value) q.set("to", String(new Date(to.value).getTime()));
    if (filter.value) q.set("action", filter.value);
    if (search.value.trim()) q.set("q", search.value.trim());
    csv.href = `/api/v1/audit.csv?${q}`;
    if (from.value && to.value && new Date(from.value) > new Date(to.value)) {
      pagerOut.replaceChildren();
      return out.replaceChildren(h("p", { class: "form-error" }, "“From” is after “to”: nothing can match."));
    }
    q.set("limit", String(limit));
    q.set("offset", String(offset));
    /** @type {ApiResult<{ entries: AuditEntry[], total: number }>} */
    const res = await api("GET", `/api/v1/audit?${q}`);
    if (!current()) return;
    if (!res.ok) {
      pagerOut.replaceChildren();
      return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    }
    const filtered = Boolean(from.value || to.value || filter.value || search.value.trim());
    out.replaceChildren(auditTable(res.data.entries, filtered ? "No entries match these filters." : "The log is empty."));
    pagerOut.replaceChildren(pager({ offset, limit, total: res.data.total, newer: "Newer", older: "Older",
                                     onPage: (o) => { offset = o; load(); } }));
  });
  for (const el of [filter, from, to]) el.addEventListener("change", () => { offset = 0; load(); });
  search.addEventListener("input", () => { offset = 0; load(); });
  show("Audit log",
       h("div", { class: "toolbar" }, search,
         h("label", { for: "audit-action" }, "Show"), filter,
         h("label", { for: "audit-from" }, "from"), from,
         h("label", { for: "audit-to" }, "to"), to),
       out, pagerOut, h("p", {}, csv));
  await load();
}
