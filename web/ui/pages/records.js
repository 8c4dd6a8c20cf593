// @ts-check
// Records: unlock, call and alarm records with their filters and CSV links, and how many
// records of each kind are kept. The API is /api/v1/records/*.
import { h, toast, fmtTime } from "../lib/dom.js";
import { newestOnly } from "../lib/api.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";
import { hasRole } from "../lib/session.js";
import { table, pager } from "../lib/table.js";
import { ALARM_NAMES } from "../lib/alarms.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} UnlockRecord
 * @property {number} at_ms
 * @property {string} method
 * @property {string} credential masked
 * @property {string} person
 * @property {string} room
 * @property {"granted" | "refused"} result
 * @property {string} reason
 */

/**
 * @typedef {object} CallRecord
 * @property {number} id
 * @property {number} started_ms
 * @property {string} caller
 * @property {string} called
 * @property {string} answered_by
 * @property {string} result
 * @property {number} duration_s
 * @property {string} snapshot_path "" when no visitor picture was taken
 * @property {boolean} encrypted the call's media was SRTP
 * @property {boolean} door_opened the door was opened during the call
 */

/**
 * @typedef {object} AlarmRecord
 * @property {number} started_ms
 * @property {string} type
 * @property {string} source
 * @property {string} details
 * @property {number} ended_ms 0 while it lasts
 * @property {number} delivered_ms 0 until the centre took it
 * @property {number} acknowledged_ms 0 until a person acknowledged it
 * @property {string} acknowledged_by who did
 */

const METHODS = ["card", "fingerprint", "password", "exit_button", "remote", "monitor"];

/**
 * "unlocks", "calls", "alarms" or "storage".
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render(ctx) {
  if (ctx.view === "calls") await callsPage(ctx);
  else if (ctx.view === "alarms") await alarmsPage(ctx);
  else if (ctx.view === "storage") await storagePage(ctx);
  else await unlocksPage(ctx);
  return STATIC_PAGE;
}

// ---- unlock records ---------------------------------------------------------------

/** @param {PageContext} ctx */
async function unlocksPage({ api, show }) {
  const out = h("div");
  const pagerOut = h("div");
  const from = h("input", { type: "datetime-local", id: "unlocks-from", "aria-label": "From" });
  const to = h("input", { type: "datetime-local", id: "unlocks-to", "aria-label": "To" });
  const method = h("select", { id: "unlocks-method", "aria-label": "Method" },
                   ["", ...METHODS].map((m) => h("option", { value: m }, m ? m.replace("_", " ") : "every method")));
  const result = h("select", { id: "unlocks-result", "aria-label": "Result" },
                   ["", "granted", "refused"].map((m) => h("option", { value: m }, m || "every result")));
  const room = h("input", { id: "unlocks-room", "aria-label": "Room", placeholder: "Room", maxlength: 6, size: 7 });
  const csv = h("a", { id: "unlocks-csv", download: "unlock-records.csv" }, "Download as CSV");
  let offset = 0;
  const limit = 50;
  const query = () => {
    const q = new URLSearchParams();
    if (from.value) q.set("from", String(new Date(from.value).getTime()));
    if (to.value) q.set("to", String(new Date(to.value).getTime()));
    if (method.value) q.set("method", method.value);
    if (result.value) q.set("result", result.value);
    if (room.value.trim()) q.set("room", room.value.trim());
    return q;
  };
  const load = newestOnly(async (current) => {
    const q = query();
    csv.href = `/api/v1/records/unlocks.csv?${q}`;
    q.set("limit", String(limit));
    q.set("offset", String(offset));
    /** @type {ApiResult<{ records: UnlockRecord[], total: number, total_exact: boolean }>} */
    const res = await api("GET", `/api/v1/records/unlocks?${q}`);
    if (!current()) return;
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Time", cell: (r) => fmtTime(r.at_ms) }, { label: "Method", cell: (r) => r.method.replace("_", " ") },
      { label: "Credential", cell: (r) => r.credential || "—" }, { label: "Person", cell: (r) => r.person || "—" },
      { label: "Room", cell: (r) => r.room || "—" },
      { label: "Result", cell: (r) => h("span", { class: r.result === "granted" ? "ok" : "bad" }, r.result) },
      { label: "Reason", cell: (r) => r.reason || "—" },
    ], res.data.records, "No unlock records."));
    pagerOut.replaceChildren(pager({ offset, limit, total: res.data.total, exact: res.data.total_exact,
                                         shown: res.data.records.length, newer: "Newer", older: "Older",
                                         onPage: (o) => { offset = o; load(); } }));
  });
  for (const el of [from, to, method, result]) el.addEventListener("change", () => { offset = 0; load(); });
  room.addEventListener("input", () => { offset = 0; load(); });
  show("Unlock records", h("div", { class: "toolbar" }, from, to, method, result, room), out, pagerOut, h("p", {}, csv));
  await load();
}

// ---- call records -----------------------------------------------------------------

// The results of a call, as the records page says them.
/** @type {Record<string, string>} */
const CALL_RESULTS = {
  answered: "Answered", no_answer: "No answer", busy: "Busy", nobody_home: "Nobody home",
  unknown_number: "Unknown number", centre_offline: "Centre not registered", failed: "Failed",
  cancelled: "Cancelled", ongoing: "In progress",
};
/** @type {Record<string, string>} */
const CALL_RESULT_HINTS = {
  no_answer: "The monitors rang, nobody answered.", busy: "The room's monitor refused the call or was busy.",
  nobody_home: "No indoor monitor of the room was registered.", unknown_number: "No such room.",
  centre_offline: "The management centre was not registered.", failed: "The call could not be placed.",
  cancelled: "The visitor (or the API) ended the call while it rang.",
};

/**
 * The visitor's picture: a thumbnail that opens the full picture in a dialog.
 * @param {CallRecord} r
 */
function visitorPicture(r) {
  const src = `/api/v1/records/calls/${r.id}/snapshot`;
  const alt = `Visitor of call ${r.id}`;
  const dialog = h("dialog", { class: "lightbox", "aria-label": alt },
    h("img", { src, alt, class: "full" }),
    h("form", { method: "dialog" }, h("button", { class: "close" }, "Close")));
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
  const open = h("button", { class: "thumb-button", "aria-label": `Enlarge the visitor of call ${r.id}`,
                             onclick: () => { document.body.append(dialog); dialog.showModal(); } },
    h("img", { class: "thumb", loading: "lazy", alt, src }));
  dialog.addEventListener("close", () => dialog.remove());
  return open;
}

/** @param {PageContext} ctx */
async function callsPage({ api, show }) {
  const out = h("div");
  const pagerOut = h("div");
  const from = h("input", { type: "datetime-local", id: "calls-from", "aria-label": "From" });
  const to = h("input", { type: "datetime-local", id: "calls-to", "aria-label": "To" });
  const result = h("select", { id: "calls-result", "aria-label": "Result" },
                   [h("option", { value: "" }, "every result"),
                    ...Object.entries(CALL_RESULTS).map(([v, label]) => h("option", { value: v }, label))]);
  const room = h("input", { id: "calls-room", "aria-label": "Room called", placeholder: "Room", maxlength: 16, size: 7 });
  const csv = h("a", { id: "calls-csv", download: "calls.csv" }, "Download as CSV");
  let offset = 0;
  const limit = 50;
  const load = newestOnly(async (current) => {
    const q = new URLSearchParams();
    if (from.value) q.set("from", String(new Date(from.value).getTime()));
    if (to.value) q.set("to", String(new Date(to.value).getTime()));
    if (result.value) q.set("result", result.value);
    if (room.value.trim()) q.set("room", room.value.trim());
    csv.href = `/api/v1/records/calls.csv?${q}`;
    q.set("limit", String(limit));
    q.set("offset", String(offset));
    /** @type {ApiResult<{ records: CallRecord[], total: number }>} */
    const res = await api("GET", `/api/v1/records/calls?${q}`);
    if (!current()) return;
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Start", cell: (r) => fmtTime(r.started_ms) },
      { label: "Caller", cell: (r) => r.caller },
      { label: "Called", cell: (r) => r.called },
      { label: "Answered by", cell: (r) => r.answered_by || "—" },
      { label: "Result", cell: (r) => h("span", { class: `result-${r.result}`, title: CALL_RESULT_HINTS[r.result] || "" },
                                          CALL_RESULTS[r.result] || r.result) },
      { label: "Door opened", cell: (r) => r.door_opened ? h("span", { class: "ok" }, "Yes") : "No" },
      { label: "Duration", cell: (r) => `${r.duration_s} s` },
      { label: "Encrypted", cell: (r) => r.encrypted
          ? h("span", { class: "ok", title: "The call's media was SRTP" }, "Yes")
          : h("span", { title: "The call's media was plain RTP" }, "No") },
      { label: "Visitor", cell: (r) => r.snapshot_path ? visitorPicture(r) : "—" },
    ], res.data.records || [], "No calls."));
    pagerOut.replaceChildren(pager({ offset, limit, total: res.data.total, newer: "Newer", older: "Older",
                                         onPage: (o) => { offset = o; load(); } }));
  });
  for (const el of [from, to, result]) el.addEventListener("change", () => { offset = 0; load(); });
  room.addEventListener("input", () => { offset = 0; load(); });
  show("Call records", h("div", { class: "toolbar" }, from, to, result, room), out, pagerOut, h("p", {}, csv));
  await load();
}

// ---- alarm records ----------------------------------------------------------------

const ALARM_TYPES = ["tamper", "forced_open", "held_open", "duress", "keypad_locked", "remote_unlock_locked"];

/** @param {PageContext} ctx */
async function alarmsPage({ api, show }) {
  const out = h("div");
  const pagerOut = h("div");
  const type = h("select", { id: "alarms-type", "aria-label": "Type" },
                 ["", ...ALARM_TYPES].map((t) => h("option", { value: t }, t ? ALARM_NAMES[t] || t : "every alarm")));
  const from = h("input", { type: "datetime-local", id: "alarms-from", "aria-label": "From" });
  const to = h("input", { type: "datetime-local", id: "alarms-to", "aria-label": "To" });
  const acknowledged = h("select", { id: "alarms-acknowledged", "aria-label": "Acknowledged" },
                         [["", "acknowledged or not"], ["no", "not acknowledged"], ["yes", "acknowledged"]].map(([v, l]) => h("option", { value: v }, l)));
  const delivered = h("select", { id: "alarms-delivered", "aria-label": "Delivered" },
                      [["", "delivered or not"], ["yes", "delivered"], ["no", "not delivered yet"]].map(([v, l]) => h("option", { value: v }, l)));
  const csv = h("a", { id: "alarms-csv", download: "alarm-records.csv" }, "Download as CSV");
  let offset = 0;
  const limit = 50;
  const load = newestOnly(async (current) => {
    const q = new URLSearchParams();
    if (type.value) q.set("type", type.value);
    if (delivered.value) q.set("delivered", delivered.value);
    if (acknowledged.value) q.set("acknowledged", acknowledged.value);
    if (from.value) q.set("from", String(new Date(from.value).getTime()));
    if (to.value) q.set("to", String(new Date(to.value).getTime()));
    csv.href = `/api/v1/records/alarms.csv?${q}`;
    q.set("limit", String(limit));
    q.set("offset", String(offset));
    /** @type {ApiResult<{ records: AlarmRecord[], total: number }>} */
    const res = await api("GET", `/api/v1/records/alarms?${q}`);
    if (!current()) return;
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Start", cell: (r) => fmtTime(r.started_ms) },
      { label: "Alarm", cell: (r) => h("span", { class: "bad" }, ALARM_NAMES[r.type] || r.type.replace("_", " ")) },
      { label: "Source", cell: (r) => r.source }, { label: "Details", cell: (r) => r.details || "—" },
      { label: "End", cell: (r) => (r.ended_ms ? fmtTime(r.ended_ms) : "—") },
      { label: "Centre", cell: (r) => (r.delivered_ms ? `delivered ${fmtTime(r.delivered_ms)}` : h("span", { class: "bad" }, "not yet")) },
      { label: "Acknowledged", cell: (r) => (r.acknowledged_ms ? `by ${r.acknowledged_by}, ${fmtTime(r.acknowledged_ms)}` : "not yet") },
    ], res.data.records, "No alarms."));
    pagerOut.replaceChildren(pager({ offset, limit, total: res.data.total, newer: "Newer", older: "Older",
                                         onPage: (o) => { offset = o; load(); } }));
  });
  for (const el of [type, delivered, acknowledged, from, to]) el.addEventListener("change", () => { offset = 0; load(); });
  show("Alarm records",
       h("p", { class: "hint" }, "Every alarm goes to the management centre (888888) as a SIP message; one it did not take is sent again until it does."),
       h("div", { class: "toolbar" }, from, to, type, acknowledged, delivered), out, pagerOut, h("p", {}, csv));
  await load();
}

// ---- records kept -----------------------------------------------------------------

/** @param {PageContext} ctx */
async function storagePage({ api, session, show }) {
  /** @type {ApiResult<Record<string, number>>} */
  const res = await api("GET", "/api/v1/records/settings");
  if (!res.ok) return show("Records kept", h("p", { class: "form-error" }, res.data.error));
  const kinds = [["calls", "Call records"], ["unlocks", "Unlock records"], ["alarms", "Alarm records"]];
  const f = form({
    id: "records-kept", submit: "Save",
    fields: kinds.map(([k, label]) => ({ name: k, label, value: String(res.data[k]), inputmode: "numeric", hint: "1,000 to 1,000,000; the oldest go first." })),
    onSubmit: async (v, fm) => {
      /** @type {Record<string, number>} */
      const body = {};
      for (const [k] of kinds) {
        if (!/^\d{4,7}$/.test(v[k]) || Number(v[k]) < 1000 || Number(v[k]) > 1000000) return fm.fieldError(k, `${k}: a whole number from 1000 to 1000000`);
        body[k] = Number(v[k]);
      }
      const r = await api("PUT", "/api/v1/records/settings", body);
      if (!r.ok) return fm.showApiError(r);
      toast("Saved");
    },
  });
  if (!hasRole(session, "admin")) for (const el of f.elements) /** @type {HTMLInputElement} */ (el).disabled = true;
  show("Records kept", h("p", { class: "hint" }, "How many records of each kind the door station keeps."), f);
}

