// @ts-check
// Access Control: cards (with CSV import and export, reading a card from the reader, and
// an owner, validity and status changed in a dialog), fingerprints enrolled through the
// fingerprint module, keypad passwords (write-only), and the lock settings with remote
// unlock. The API is /api/v1/access/* and /api/v1/door/unlock.
import { h, toast, fmtTime } from "../lib/dom.js";
import { newestOnly, sendText } from "../lib/api.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";
import { hasRole } from "../lib/session.js";
import { table, pager } from "../lib/table.js";
import { openDialog } from "./household.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/api.js").Api} Api */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} Card
 * @property {string} number hexadecimal, upper case
 * @property {string} room
 * @property {string} person
 * @property {number} valid_from_ms 0: always
 * @property {number} valid_to_ms 0: no end
 * @property {string} status normal, lost or frozen
 */

/** @typedef {{ id: number, room: string, person: string, finger: string, created_ms: number }} Fingerprint */

/** @typedef {{ updated_ms: number }} PasswordSet */

// How long vtod waits for a card or a finger (kReaderWait in access_api.cpp).
const READER_WAIT_S = 30;

/**
 * A wait on the card reader or the fingerprint module: `text` with a countdown and a Cancel
 * button in `status` while `send()` runs; its result, with `cancelled` when Cancel ended it.
 * @template T
 * @param {Api} api
 * @param {HTMLElement} status
 * @param {string} text
 * @param {() => Promise<ApiResult<T>>} send
 * @returns {Promise<{ res: ApiResult<T>, cancelled: boolean }>}
 */
async function readerWait(api, status, text, send) {
  const end = Date.now() + READER_WAIT_S * 1000;
  const left = h("span", { class: "countdown" });
  let cancelled = false;
  const cancel = h("button", { type: "button", id: `${status.id}-cancel`, onclick: () => {
    cancelled = true;
    cancel.disabled = true;
    api("POST", "/api/v1/access/readers/cancel", {});
  } }, "Cancel");
  const tick = () => { left.textContent = `${Math.max(0, Math.ceil((end - Date.now()) / 1000))} s left`; };
  tick();
  const timer = setInterval(tick, 250);
  status.replaceChildren(`${text} `, left, " ", cancel);
  try {
    const res = await send();
    return { res, cancelled: cancelled && !res.ok };
  } finally {
    clearInterval(timer);
    status.replaceChildren();
  }
}

/**
 * @typedef {object} LockSettings
 * @property {string} relay normally_open or normally_closed
 * @property {number} unlock_seconds
 * @property {number} interval_seconds
 * @property {boolean} door_sensor
 * @property {number} held_open_seconds
 * @property {number} keypad_max_failures
 * @property {number} keypad_lock_seconds
 * @property {number} [keypad_locked_seconds] while the keypad is locked
 * @property {{ device: string, seconds_left: number }[]} [remote_locks] monitors whose remote unlock is locked
 */

const STATUSES = ["normal", "lost", "frozen"];

// What a role that may not change a form is told above it.
const ADMIN_ONLY = "Changing these needs the admin role.";

/**
 * Shows `f` read-only to a role that may not change it: the values stay readable (text
 * read-only, selects fixed with the reason as their tooltip) and the Save button goes;
 * returns the note that says why, to put above it (id `${f.id}-role-note`).
 * @param {HTMLFormElement} f
 * @returns {HTMLElement}
 */
function readOnlyForm(f) {
  for (const el of f.querySelectorAll("input, textarea, select")) {
    if (el instanceof HTMLSelectElement || (el instanceof HTMLInputElement && ["checkbox", "radio", "file"].includes(el.type))) {
      el.disabled = true;
      el.title = ADMIN_ONLY;
    } else if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
      el.readOnly = true;
    }
  }
  f.querySelector(".actions")?.remove();
  return h("p", { class: "hint", id: `${f.id}-role-note` }, ADMIN_ONLY);
}

/**
 * "cards", "fingerprints", "passwords" or "lock".
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render(ctx) {
  if (ctx.view === "fingerprints") await fingerprintsPage(ctx);
  else if (ctx.view === "passwords") await passwordsPage(ctx);
  else if (ctx.view === "lock") await lockPage(ctx);
  else await cardsPage(ctx);
  return STATIC_PAGE;
}

/**
 * "2026-12-31" (local) as unix ms: the day's first millisecond, or its last.
 * @param {string} text
 * @param {boolean} endOfDay
 * @returns {number}
 */
function dayToMs(text, endOfDay) {
  if (!text) return 0;
  const [y, m, d] = text.split("-").map(Number);
  return endOfDay ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime();
}

/**
 * @param {number} ms
 * @returns {string} the local day, "" for 0
 */
function msToDay(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * Room numbers for a select: "" (none) first.
 * @param {Api} api
 * @param {string} [none]
 * @returns {Promise<{ value: string, label: string }[]>}
 */
async function roomOptions(api, none = "(none)") {
  /** @type {ApiResult<{ rooms: { number: string }[] }>} */
  const res = await api("GET", "/api/v1/rooms");
  const rooms = res.ok ? res.data.rooms.map((r) => r.number) : [];
  return [{ value: "", label: none }, ...rooms.map((r) => ({ value: r, label: `Room ${r}` }))];
}

// ---- cards ------------------------------------------------------------------------

/** @param {PageContext} ctx */
async function cardsPage({ api, session, show }) {
  const rooms = await roomOptions(api);
  const out = h("div");
  const pagerOut = h("div");
  const fRoom = h("select", { id: "cards-filter-room", "aria-label": "Room" },
                  [{ value: "", label: "every room" }, ...rooms.slice(1)].map((o) => h("option", { value: o.value }, o.label)));
  const fStatus = h("select", { id: "cards-filter-status", "aria-label": "Status" },
                    ["", ...STATUSES].map((s) => h("option", { value: s }, s || "every status")));
  const fSearch = h("input", { type: "search", id: "cards-search", "aria-label": "Search cards", placeholder: "Search: number, room or person",
                               maxlength: 64, autocomplete: "off" });
  const fNumber = h("input", { id: "cards-filter-number", "aria-label": "Card number starts with", placeholder: "Number starts with",
                               maxlength: 16, autocomplete: "off", spellcheck: "false" });
  let offset = 0;
  const limit = 50;
  const load = newestOnly(async (current) => {
    const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (fRoom.value) q.set("room", fRoom.value);
    if (fStatus.value) q.set("status", fStatus.value);
    if (fNumber.value) q.set("number", fNumber.value);
    if (fSearch.value.trim()) q.set("q", fSearch.value.trim());
    /** @type {ApiResult<{ cards: Card[], total: number }>} */
    const res = await api("GET", `/api/v1/access/cards?${q}`);
    if (!current()) return;
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Number", cell: (c) => h("code", {}, c.number) },
      { label: "Room", cell: (c) => c.room || "—" },
      { label: "Person", cell: (c) => c.person || "—" },
      { label: "Valid", cell: (c) => `${msToDay(c.valid_from_ms) || "always"} → ${msToDay(c.valid_to_ms) || "no end"}` },
      { label: "Status", cell: (c) => {
          const s = h("select", { "aria-label": `Status of card ${c.number}`, "data-card": c.number },
                      STATUSES.map((v) => h("option", { value: v, selected: v === c.status }, v)));
          s.addEventListener("change", async () => {
            const r = await api("PUT", `/api/v1/access/cards/${c.number}`, { ...c, status: s.value });
            r.ok ? toast(`Card ${c.number}: ${s.value}`) : toast(r.data.error, "bad");
            load();
          });
          return s;
        } },
      { label: "", cell: (c) => h("span", { class: "row-actions" },
          h("button", { "aria-label": `Edit card ${c.number}`, onclick: () => editCard(c) }, "Edit"),
          h("button", { class: "danger", "aria-label": `Remove card ${c.number}`, onclick: async () => {
            if (!confirm(`Remove card ${c.number}?`)) return;
            const r = await api("DELETE", `/api/v1/access/cards/${c.number}`);
            r.ok ? toast(`Card ${c.number} removed`) : toast(r.data.error, "bad");
            load();
          } }, "Remove")) },
    ], res.data.cards, "No cards."));
    pagerOut.replaceChildren(pager({ offset, limit, total: res.data.total, onPage: (o) => { offset = o; load(); } }));
  });
  for (const el of [fRoom, fStatus]) el.addEventListener("change", () => { offset = 0; load(); });
  fNumber.addEventListener("input", () => { offset = 0; load(); });
  fSearch.addEventListener("input", () => { offset = 0; load(); });

  // A card's owner, validity and status, changed in a dialog; its number stays.
  /** @param {Card} c */
  const editCard = (c) => {
    /** @type {HTMLDialogElement | null} */
    let dialog = null;
    // A room deleted since stays the card's until another is chosen.
    const roomChoices = !c.room || rooms.some((o) => o.value === c.room)
      ? rooms : [...rooms, { value: c.room, label: `Room ${c.room}` }];
    const from = msToDay(c.valid_from_ms);
    const to = msToDay(c.valid_to_ms);
    const f = form({
      id: "edit-card", submit: `Save card ${c.number}`,
      fields: [
        { name: "room", label: "Room", type: "select", options: roomChoices, value: c.room },
        { name: "person", label: "Person", value: c.person, hint: "The holder's name; a room, a name, or both." },
        { name: "valid_from", label: "Valid from (optional)", type: "date", value: from },
        { name: "valid_to", label: "Valid until (optional)", type: "date", value: to },
        { name: "status", label: "Status", type: "select", options: STATUSES, value: c.status },
      ],
      onSubmit: async (v, fm) => {
        if (!v.room && !v.person.trim()) return fm.fieldError("person", "person: give the owner's room, name, or both");
        // A day left as it was keeps its exact time (an imported card's may not be a local day's edge).
        const body = { number: c.number, room: v.room, person: v.person.trim(), status: v.status,
                       valid_from_ms: v.valid_from === from ? c.valid_from_ms : dayToMs(v.valid_from, false),
                       valid_to_ms: v.valid_to === to ? c.valid_to_ms : dayToMs(v.valid_to, true) };
        /** @type {ApiResult<Card>} */
        const r = await api("PUT", `/api/v1/access/cards/${c.number}`, body);
        if (!r.ok) return fm.showApiError(r);
        toast(`Card ${c.number} saved`);
        dialog?.close();
        load();
      },
    });
    dialog = openDialog(`Edit card ${c.number}`, f, "edit-card-dialog");
    f.inputs.room.focus();
  };

  const add = form({
    id: "add-card", submit: "Add card",
    fields: [
      { name: "number", label: "Card number", hint: "4 to 16 hexadecimal digits, or read it from the card reader.", autocomplete: "off" },
      { name: "room", label: "Room", type: "select", options: rooms, value: "" },
      { name: "person", label: "Person", hint: "The holder's name; a room, a name, or both." },
      { name: "valid_from", label: "Valid from (optional)", type: "date" },
      { name: "valid_to", label: "Valid until (optional)", type: "date" },
      { name: "status", label: "Status", type: "select", options: STATUSES, value: "normal" },
    ],
    onSubmit: async (v, fm) => {
      if (!/^[0-9a-fA-F]{4,16}$/.test(v.number)) return fm.fieldError("number", "number: 4 to 16 hexadecimal digits (0-9, A-F)");
      if (!v.room && !v.person.trim()) return fm.fieldError("person", "person: give the owner's room, name, or both");
      const body = { number: v.number, room: v.room, person: v.person.trim(), status: v.status,
                     valid_from_ms: dayToMs(v.valid_from, false), valid_to_ms: dayToMs(v.valid_to, true) };
      /** @type {ApiResult<Card>} */
      const res = await api("POST", "/api/v1/access/cards", body);
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      readStatus.textContent = "";
      toast(`Card ${res.data.number} added`);
      offset = 0;
      load();
    },
  });
  const readStatus = h("p", { class: "hint", id: "card-read-status", "aria-live": "polite" });
  const read = h("button", { type: "button", id: "card-read", onclick: async () => {
    read.disabled = true;
    /** @type {{ res: ApiResult<{ number: string }>, cancelled: boolean }} */
    const { res, cancelled } = await readerWait(api, readStatus, "Hold the card to the card reader:",
                                                () => api("POST", "/api/v1/access/cards/read", {}));
    read.disabled = false;
    if (cancelled) return (readStatus.textContent = "Reading cancelled.");
    if (!res.ok) return toast(res.data.error, "bad");
    add.inputs.number.value = res.data.number;
    readStatus.textContent = `Card ${res.data.number} read.`;
  } }, "Read from the card reader");
  add.inputs.number.after(h("div", { class: "toolbar" }, read), readStatus);

  const file = h("input", { type: "file", id: "cards-import-file", accept: ".csv,text/csv", "aria-label": "CSV file of cards" });
  const importStatus = h("p", { class: "form-error", role: "alert", id: "cards-import-error" });
  const importButton = h("button", { id: "cards-import", onclick: async () => {
    importStatus.textContent = "";
    const f = file.files && file.files[0];
    if (!f) return (importStatus.textContent = "Choose a CSV file first.");
    importButton.disabled = true;
    try {
      /** @type {ApiResult<{ imported: number }>} */
      const res = await sendText(session, "POST", "/api/v1/access/cards.csv", "text/csv", await f.text());
      if (!res.ok) return (importStatus.textContent = res.data.error);
      toast(`${res.data.imported} cards imported`);
      file.value = "";
      offset = 0;
      load();
    } finally {
      importButton.disabled = false;
    }
  } }, "Import");

  show("Cards",
       h("div", { class: "toolbar" }, fSearch, fRoom, fStatus, fNumber), out, pagerOut,
       h("section", {}, h("h2", {}, "Add a card"), add),
       h("section", {}, h("h2", {}, "Import and export"),
         h("p", { class: "hint" }, "CSV with a header row: number, room, person, valid_from, valid_to, status (times in UTC, e.g. 2026-12-31). An import adds or replaces the cards it lists, all or none."),
         h("div", { class: "toolbar" }, file, importButton), importStatus,
         h("p", {}, h("a", { href: "/api/v1/access/cards.csv", download: "cards.csv", id: "cards-export" }, "Download every card as CSV"))));
  await load();
}

// ---- fingerprints -----------------------------------------------------------------

/** @param {PageContext} ctx */
async function fingerprintsPage({ api, show }) {
  const rooms = await roomOptions(api);
  const out = h("div");
  const load = async () => {
    /** @type {ApiResult<{ fingerprints: Fingerprint[] }>} */
    const res = await api("GET", "/api/v1/access/fingerprints");
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Id", cell: (p) => p.id }, { label: "Room", cell: (p) => p.room || "—" },
      { label: "Person", cell: (p) => p.person || "—" }, { label: "Finger", cell: (p) => p.finger || "—" },
      { label: "Enrolled", cell: (p) => fmtTime(p.created_ms) },
      { label: "", cell: (p) => h("button", { class: "danger", onclick: async () => {
          if (!confirm(`Remove fingerprint ${p.id}?`)) return;
          const r = await api("DELETE", `/api/v1/access/fingerprints/${p.id}`);
          r.ok ? toast(`Fingerprint ${p.id} removed`) : toast(r.data.error, "bad");
          load();
        } }, "Remove") },
    ], res.data.fingerprints, "No fingerprints enrolled."));
  };
  const status = h("p", { class: "hint", id: "enrol-status", "aria-live": "polite" });
  const enrol = form({
    id: "enrol", submit: "Enrol",
    fields: [
      { name: "room", label: "Room", type: "select", options: rooms, value: "" },
      { name: "person", label: "Person" },
      { name: "finger", label: "Finger", hint: "Which finger, e.g. right index." },
    ],
    onSubmit: async (v, fm) => {
      if (!v.room && !v.person.trim()) return fm.fieldError("person", "person: give the owner's room, name, or both");
      /** @type {{ res: ApiResult<Fingerprint>, cancelled: boolean }} */
      const { res, cancelled } = await readerWait(api, status, "Lay the finger on the fingerprint module:",
                                                  () => api("POST", "/api/v1/access/fingerprints", v));
      if (cancelled) return (status.textContent = "Enrolment cancelled.");
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      toast(`Fingerprint ${res.data.id} enrolled`);
      load();
    },
  });
  show("Fingerprints", out, h("section", {}, h("h2", {}, "Enrol a fingerprint"),
       h("p", { class: "hint" }, "After Enrol, the next finger laid on the door's fingerprint module is enrolled (on the virtual panel: choose “A new finger” and lay it on the sensor)."),
       enrol, status));
  await load();
}

// ---- keypad passwords -------------------------------------------------------------

/** @param {PageContext} ctx */
async function passwordsPage({ api, show }) {
  const rooms = await roomOptions(api, "choose a room");
  const state = h("div");
  const load = async () => {
    /** @type {ApiResult<{ public: PasswordSet | null, duress: PasswordSet | null, rooms: (PasswordSet & { room: string })[] }>} */
    const res = await api("GET", "/api/v1/access/passwords");
    if (!res.ok) return state.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    const d = res.data;
    /** @type {(path: string, what: string) => HTMLElement} */
    const removeButton = (path, what) => h("button", { class: "danger", onclick: async () => {
      if (!confirm(`Remove the ${what}?`)) return;
      const r = await api("DELETE", path);
      r.ok ? toast(`The ${what} is removed`) : toast(r.data.error, "bad");
      load();
    } }, "Remove");
    state.replaceChildren(table([
      { label: "Password", cell: (r) => r.label },
      { label: "Set", cell: (r) => (r.set ? `yes, ${fmtTime(r.set.updated_ms)}` : "no") },
      { label: "", cell: (r) => (r.set ? removeButton(r.path, r.label) : "") },
    ], [
      { label: "Public password", set: d.public, path: "/api/v1/access/passwords/public" },
      { label: "Duress password", set: d.duress, path: "/api/v1/access/passwords/duress" },
      ...d.rooms.map((r) => ({ label: `Room ${r.room} password`, set: r, path: `/api/v1/access/passwords/rooms/${encodeURIComponent(r.room)}` })),
    ]));
  };
  const setForm = form({
    id: "set-password", submit: "Set password",
    fields: [
      { name: "which", label: "Which password", type: "select", value: "public",
        options: [{ value: "public", label: "Public password" }, { value: "duress", label: "Duress password" },
                  ...rooms.slice(1).map((r) => ({ value: `rooms/${r.value}`, label: `${r.label} password` }))] },
      { name: "password", label: "Password", type: "password", autocomplete: "new-password", inputmode: "numeric",
        hint: "4 to 8 digits, typed at the door as # + password + #. Each password must differ from the others." },
    ],
    onSubmit: async (v, fm) => {
      if (!/^\d{4,8}$/.test(v.password)) return fm.fieldError("password", "password: 4 to 8 digits");
      const res = await api("PUT", `/api/v1/access/passwords/${v.which}`, { password: v.password });
      if (!res.ok) return fm.showApiError(res);
      fm.inputs.password.value = "";
      toast("Password set");
      load();
    },
  });
  show("Unlock passwords",
       h("p", { class: "hint" }, "Passwords are stored as hashes only: they cannot be shown again, only replaced. The duress password opens the door as usual and silently alarms the management centre."),
       state, h("section", {}, h("h2", {}, "Set a password"), setForm));
  await load();
}

// ---- lock settings ----------------------------------------------------------------

/** @param {PageContext} ctx */
async function lockPage({ api, session, show, reload }) {
  /** @type {ApiResult<LockSettings>} */
  const res = await api("GET", "/api/v1/access/lock");
  if (!res.ok) return show("Lock", h("p", { class: "form-error" }, res.data.error));
  const d = res.data;
  const numbers = ["unlock_seconds", "interval_seconds", "held_open_seconds", "keypad_max_failures", "keypad_lock_seconds"];
  const f = form({
    id: "lock", submit: "Save",
    fields: [
      { name: "relay", label: "Relay type", type: "select", value: d.relay,
        options: [{ value: "normally_open", label: "Normally open (NO)" }, { value: "normally_closed", label: "Normally closed (NC)" }] },
      { name: "unlock_seconds", label: "Unlock time (s)", value: String(d.unlock_seconds), inputmode: "numeric", hint: "1 to 60: how long the lock stays open." },
      { name: "interval_seconds", label: "Minimum interval (s)", value: String(d.interval_seconds), inputmode: "numeric", hint: "0 to 60 between two unlocks (0: none)." },
      { name: "door_sensor", label: "Door sensor", type: "select", value: d.door_sensor ? "yes" : "no",
        options: [{ value: "yes", label: "wired: forced and held-open alarms" }, { value: "no", label: "not wired" }] },
      { name: "held_open_seconds", label: "Held open after (s)", value: String(d.held_open_seconds), inputmode: "numeric", hint: "5 to 900." },
      { name: "keypad_max_failures", label: "Wrong passwords before the keypad locks", value: String(d.keypad_max_failures), inputmode: "numeric", hint: "3 to 10." },
      { name: "keypad_lock_seconds", label: "Keypad lock time (s)", value: String(d.keypad_lock_seconds), inputmode: "numeric", hint: "10 to 3600." },
    ],
    onSubmit: async (v, fm) => {
      /** @type {Record<string, string | number | boolean>} */
      const body = { relay: v.relay, door_sensor: v.door_sensor === "yes" };
      for (const k of numbers) {
        if (!/^\d{1,4}$/.test(v[k])) return fm.fieldError(k, `${k}: a whole number`);
        body[k] = Number(v[k]);
      }
      const r = await api("PUT", "/api/v1/access/lock", body);
      if (!r.ok) return fm.showApiError(r);
      toast("Lock settings saved and applied");
    },
  });
  // A viewer (and an operator) sees the settings, read-only, and is told why.
  const roleNote = hasRole(session, "admin") ? null : readOnlyForm(f);
  const canOpen = hasRole(session, "operator");
  const open = h("button", { id: "door-unlock", class: "primary", disabled: !canOpen,
                             title: canOpen ? null : "Needs the operator or admin role", onclick: async () => {
    /** @type {ApiResult<{ seconds: number }>} */
    const r = await api("POST", "/api/v1/door/unlock", {});
    r.ok ? toast(`Door open for ${r.data.seconds} s`) : toast(r.data.error, "bad");
  } }, "Open the door now");
  // Monitors whose remote unlock locked itself after wrong codes: an admin may lift it.
  const remoteLocks = (d.remote_locks || []).map((l) => h("p", { class: "form-error remote-lock" },
    `Remote unlock from ${l.device} is locked for ${Math.ceil(l.seconds_left / 60)} min more (wrong unlock codes). `,
    hasRole(session, "admin") ? h("button", { onclick: async () => {
      const r = await api("DELETE", `/api/v1/access/remote-locks/${encodeURIComponent(l.device)}`);
      if (!r.ok) return toast(r.data.error, "bad");
      toast(`Remote unlock from ${l.device} allowed again`);
      reload();
    } }, "Allow again") : null));
  show("Lock",
       h("section", {}, h("h2", {}, "Remote unlock"),
         canOpen ? null : h("p", { class: "hint", id: "door-unlock-note" }, "Opening the door from here needs the operator or admin role."),
         h("div", { class: "toolbar" }, open),
         d.keypad_locked_seconds ? h("p", { class: "form-error" }, `The keypad is locked for ${d.keypad_locked_seconds} s more.`) : null,
         ...remoteLocks),
       h("section", {}, h("h2", {}, "Lock settings"), roleNote, f));
}

