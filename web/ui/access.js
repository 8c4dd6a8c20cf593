// Access control and records pages of the web interface: cards (with CSV import
// and export, and reading a card from the reader), fingerprints enrolled through the
// fingerprint module, keypad passwords (write-only), the lock settings with remote unlock,
// the unlock, alarm and call records with their filters, how many records are kept, and the
// management centre's account. The API is /api/v1/access/*, /api/v1/door/unlock,
// /api/v1/records/* and /api/v1/centre.
//
// `ui` carries app.js's helpers: { h, api, page, form, toast, table, session, fmtTime, RANK }.

const STATUSES = ["normal", "lost", "frozen"];
const METHODS = ["card", "fingerprint", "password", "exit_button", "remote", "monitor"];

// "2026-12-31" (local) as unix ms: the day's first millisecond, or its last.
function dayToMs(text, endOfDay) {
  if (!text) return 0;
  const [y, m, d] = text.split("-").map(Number);
  return endOfDay ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime();
}

function msToDay(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// Room numbers for a select: "" (none) first.
async function roomOptions(ui, none = "(none)") {
  const res = await ui.api("GET", "/api/v1/rooms");
  const rooms = res.ok ? res.data.rooms.map((r) => r.number) : [];
  return [{ value: "", label: none }, ...rooms.map((r) => ({ value: r, label: `Room ${r}` }))];
}

// Previous / next buttons and "a–b of n" for a list of `limit` per page.
// `exact` false: `total` is a lower bound ("more than 10,000").
function pager(ui, { offset, limit, total, exact = true, shown, onPage, newer = "Previous", older = "Next" }) {
  const { h } = ui;
  const last = offset + (shown ?? Math.min(limit, Math.max(0, total - offset)));
  const more = exact ? offset + limit < total : shown === limit;
  return h("div", { class: "pager" },
    h("button", { disabled: offset === 0, onclick: () => onPage(Math.max(0, offset - limit)) }, newer),
    h("span", {}, `${last > offset ? offset + 1 : 0}–${last} of ${exact ? total : `more than ${total.toLocaleString("en")}`}`),
    h("button", { disabled: !more, onclick: () => onPage(offset + limit) }, older));
}

// ---- cards ------------------------------------------------------------------------

export async function cardsPage(ui) {
  const { h, api, page, form, toast, table, session } = ui;
  const rooms = await roomOptions(ui);
  const out = h("div");
  const pagerOut = h("div");
  const fRoom = h("select", { id: "cards-filter-room", "aria-label": "Room" },
                  [{ value: "", label: "every room" }, ...rooms.slice(1)].map((o) => h("option", { value: o.value }, o.label)));
  const fStatus = h("select", { id: "cards-filter-status", "aria-label": "Status" },
                    ["", ...STATUSES].map((s) => h("option", { value: s }, s || "every status")));
  const fNumber = h("input", { id: "cards-filter-number", "aria-label": "Card number starts with", placeholder: "Number starts with",
                               maxlength: 16, autocomplete: "off", spellcheck: "false" });
  let offset = 0;
  const limit = 50;
  const load = async () => {
    const q = new URLSearchParams({ limit, offset });
    if (fRoom.value) q.set("room", fRoom.value);
    if (fStatus.value) q.set("status", fStatus.value);
    if (fNumber.value) q.set("number", fNumber.value);
    const res = await api("GET", `/api/v1/access/cards?${q}`);
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
      { label: "", cell: (c) => h("button", { class: "danger", onclick: async () => {
          if (!confirm(`Remove card ${c.number}?`)) return;
          const r = await api("DELETE", `/api/v1/access/cards/${c.number}`);
          r.ok ? toast(`Card ${c.number} removed`) : toast(r.data.error, "bad");
          load();
        } }, "Remove") },
    ], res.data.cards, "No cards."));
    pagerOut.replaceChildren(pager(ui, { offset, limit, total: res.data.total, onPage: (o) => { offset = o; load(); } }));
  };
  for (const el of [fRoom, fStatus]) el.addEventListener("change", () => { offset = 0; load(); });
  fNumber.addEventListener("input", () => { offset = 0; load(); });

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
      const res = await api("POST", "/api/v1/access/cards", body);
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      toast(`Card ${res.data.number} added`);
      offset = 0;
      load();
    },
  });
  const readStatus = h("p", { class: "hint", id: "card-read-status", "aria-live": "polite" });
  const read = h("button", { type: "button", id: "card-read", onclick: async () => {
    read.disabled = true;
    readStatus.textContent = "Hold the card to the card reader (30 s)…";
    const res = await api("POST", "/api/v1/access/cards/read", {});
    read.disabled = false;
    if (!res.ok) { readStatus.textContent = ""; return toast(res.data.error, "bad"); }
    add.inputs.number.value = res.data.number;
    readStatus.textContent = `Card ${res.data.number} read.`;
  } }, "Read from the card reader");
  add.inputs.number.after(h("div", { class: "toolbar" }, read), readStatus);

  const file = h("input", { type: "file", id: "cards-import-file", accept: ".csv,text/csv", "aria-label": "CSV file of cards" });
  const importStatus = h("p", { class: "form-error", role: "alert", id: "cards-import-error" });
  const importButton = h("button", { id: "cards-import", onclick: async () => {
    importStatus.textContent = "";
    const f = file.files[0];
    if (!f) return (importStatus.textContent = "Choose a CSV file first.");
    importButton.disabled = true;
    try {
      const res = await fetch("/api/v1/access/cards.csv", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "text/csv", "X-CSRF-Token": session.csrf, Accept: "application/json" }, body: await f.text() });
      const data = await res.json().catch(() => ({ error: `error ${res.status}` }));
      if (!res.ok) return (importStatus.textContent = data.error);
      toast(`${data.imported} cards imported`);
      file.value = "";
      offset = 0;
      load();
    } finally {
      importButton.disabled = false;
    }
  } }, "Import");

  page("Cards",
       h("div", { class: "toolbar" }, fRoom, fStatus, fNumber), out, pagerOut,
       h("section", {}, h("h2", {}, "Add a card"), add),
       h("section", {}, h("h2", {}, "Import and export"),
         h("p", { class: "hint" }, "CSV with a header row: number, room, person, valid_from, valid_to, status (times in UTC, e.g. 2026-12-31). An import adds or replaces the cards it lists, all or none."),
         h("div", { class: "toolbar" }, file, importButton), importStatus,
         h("p", {}, h("a", { href: "/api/v1/access/cards.csv", download: "cards.csv", id: "cards-export" }, "Download every card as CSV"))));
  await load();
}

// ---- fingerprints -----------------------------------------------------------------

export async function fingerprintsPage(ui) {
  const { h, api, page, form, toast, table, fmtTime } = ui;
  const rooms = await roomOptions(ui);
  const out = h("div");
  const load = async () => {
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
      status.textContent = "Lay the finger on the fingerprint module (30 s)…";
      const res = await api("POST", "/api/v1/access/fingerprints", v);
      status.textContent = "";
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      toast(`Fingerprint ${res.data.id} enrolled`);
      load();
    },
  });
  page("Fingerprints", out, h("section", {}, h("h2", {}, "Enrol a fingerprint"),
       h("p", { class: "hint" }, "After Enrol, the next finger laid on the door's fingerprint module is enrolled (on the virtual panel: pick or type a finger there)."),
       enrol, status));
  await load();
}

// ---- keypad passwords -------------------------------------------------------------

export async function passwordsPage(ui) {
  const { h, api, page, form, toast, table, fmtTime } = ui;
  const rooms = await roomOptions(ui, "choose a room");
  const state = h("div");
  const load = async () => {
    const res = await api("GET", "/api/v1/access/passwords");
    if (!res.ok) return state.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    const d = res.data;
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
  page("Unlock passwords",
       h("p", { class: "hint" }, "Passwords are stored as hashes only: they cannot be shown again, only replaced. The duress password opens the door as usual and silently alarms the management centre."),
       state, h("section", {}, h("h2", {}, "Set a password"), setForm));
  await load();
}

// ---- lock settings ----------------------------------------------------------------

export async function lockPage(ui) {
  const { h, api, page, form, toast, session, RANK } = ui;
  const res = await api("GET", "/api/v1/access/lock");
  if (!res.ok) return page("Lock", h("p", { class: "form-error" }, res.data.error));
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
  if (RANK[session.role] < RANK.admin) for (const el of f.elements) el.disabled = true;
  const open = h("button", { id: "door-unlock", class: "primary", disabled: RANK[session.role] < RANK.operator, onclick: async () => {
    const r = await api("POST", "/api/v1/door/unlock", {});
    r.ok ? toast(`Door open for ${r.data.seconds} s`) : toast(r.data.error, "bad");
  } }, "Open the door now");
  // Monitors whose remote unlock locked itself after wrong codes: an admin may lift it.
  const remoteLocks = (d.remote_locks || []).map((l) => h("p", { class: "form-error remote-lock" },
    `Remote unlock from ${l.device} is locked for ${Math.ceil(l.seconds_left / 60)} min more (wrong unlock codes). `,
    RANK[session.role] >= RANK.admin ? h("button", { onclick: async () => {
      const r = await api("DELETE", `/api/v1/access/remote-locks/${encodeURIComponent(l.device)}`);
      if (!r.ok) return toast(r.data.error, "bad");
      toast(`Remote unlock from ${l.device} allowed again`);
      lockPage(ui);
    } }, "Allow again") : null));
  page("Lock",
       h("section", {}, h("h2", {}, "Remote unlock"), h("div", { class: "toolbar" }, open),
         d.keypad_locked_seconds ? h("p", { class: "form-error" }, `The keypad is locked for ${d.keypad_locked_seconds} s more.`) : null,
         ...remoteLocks),
       h("section", {}, h("h2", {}, "Lock settings"), f));
}

// ---- unlock records ---------------------------------------------------------------

export async function unlocksPage(ui) {
  const { h, api, page, table, fmtTime } = ui;
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
    if (from.value) q.set("from", new Date(from.value).getTime());
    if (to.value) q.set("to", new Date(to.value).getTime());
    if (method.value) q.set("method", method.value);
    if (result.value) q.set("result", result.value);
    if (room.value.trim()) q.set("room", room.value.trim());
    return q;
  };
  const load = async () => {
    const q = query();
    csv.href = `/api/v1/records/unlocks.csv?${q}`;
    q.set("limit", limit);
    q.set("offset", offset);
    const res = await api("GET", `/api/v1/records/unlocks?${q}`);
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Time", cell: (r) => fmtTime(r.at_ms) }, { label: "Method", cell: (r) => r.method.replace("_", " ") },
      { label: "Credential", cell: (r) => r.credential || "—" }, { label: "Person", cell: (r) => r.person || "—" },
      { label: "Room", cell: (r) => r.room || "—" },
      { label: "Result", cell: (r) => h("span", { class: r.result === "granted" ? "ok" : "bad" }, r.result) },
      { label: "Reason", cell: (r) => r.reason || "—" },
    ], res.data.records, "No unlock records."));
    pagerOut.replaceChildren(pager(ui, { offset, limit, total: res.data.total, exact: res.data.total_exact,
                                         shown: res.data.records.length, newer: "Newer", older: "Older",
                                         onPage: (o) => { offset = o; load(); } }));
  };
  for (const el of [from, to, method, result]) el.addEventListener("change", () => { offset = 0; load(); });
  room.addEventListener("input", () => { offset = 0; load(); });
  page("Unlock records", h("div", { class: "toolbar" }, from, to, method, result, room), out, pagerOut, h("p", {}, csv));
  await load();
}

// ---- call records -----------------------------------------------------------------

const CALL_RESULTS = ["answered", "no_answer", "busy", "failed", "cancelled", "ongoing"];

export async function callsPage(ui) {
  const { h, api, page, table, fmtTime } = ui;
  const out = h("div");
  const pagerOut = h("div");
  const from = h("input", { type: "datetime-local", id: "calls-from", "aria-label": "From" });
  const to = h("input", { type: "datetime-local", id: "calls-to", "aria-label": "To" });
  const result = h("select", { id: "calls-result", "aria-label": "Result" },
                   ["", ...CALL_RESULTS].map((r) => h("option", { value: r }, r ? r.replace("_", " ") : "every result")));
  const room = h("input", { id: "calls-room", "aria-label": "Room called", placeholder: "Room", maxlength: 16, size: 7 });
  const csv = h("a", { id: "calls-csv", download: "calls.csv" }, "Download as CSV");
  let offset = 0;
  const limit = 50;
  const load = async () => {
    const q = new URLSearchParams();
    if (from.value) q.set("from", new Date(from.value).getTime());
    if (to.value) q.set("to", new Date(to.value).getTime());
    if (result.value) q.set("result", result.value);
    if (room.value.trim()) q.set("room", room.value.trim());
    csv.href = `/api/v1/records/calls.csv?${q}`;
    q.set("limit", limit);
    q.set("offset", offset);
    const res = await api("GET", `/api/v1/records/calls?${q}`);
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Start", cell: (r) => fmtTime(r.started_ms) },
      { label: "Caller", cell: (r) => r.caller },
      { label: "Called", cell: (r) => r.called },
      { label: "Answered by", cell: (r) => r.answered_by || "—" },
      { label: "Result", cell: (r) => r.result.replace("_", " ") },
      { label: "Duration", cell: (r) => `${r.duration_s} s` },
      { label: "Visitor", cell: (r) => r.snapshot_path
          ? h("img", { class: "thumb", loading: "lazy", alt: `Visitor of call ${r.id}`, src: `/api/v1/records/calls/${r.id}/snapshot` })
          : "—" },
    ], res.data.records || [], "No calls."));
    pagerOut.replaceChildren(pager(ui, { offset, limit, total: res.data.total, newer: "Newer", older: "Older",
                                         onPage: (o) => { offset = o; load(); } }));
  };
  for (const el of [from, to, result]) el.addEventListener("change", () => { offset = 0; load(); });
  room.addEventListener("input", () => { offset = 0; load(); });
  page("Call records", h("div", { class: "toolbar" }, from, to, result, room), out, pagerOut, h("p", {}, csv));
  await load();
}

// ---- alarm records ----------------------------------------------------------------

const ALARM_TYPES = ["tamper", "forced_open", "held_open", "duress", "keypad_locked", "remote_unlock_locked"];

export async function alarmsPage(ui) {
  const { h, api, page, table, fmtTime } = ui;
  const out = h("div");
  const pagerOut = h("div");
  const type = h("select", { id: "alarms-type", "aria-label": "Type" },
                 ["", ...ALARM_TYPES].map((t) => h("option", { value: t }, t ? t.replace("_", " ") : "every alarm")));
  const delivered = h("select", { id: "alarms-delivered", "aria-label": "Delivered" },
                      [["", "delivered or not"], ["yes", "delivered"], ["no", "not delivered yet"]].map(([v, l]) => h("option", { value: v }, l)));
  const csv = h("a", { id: "alarms-csv", download: "alarm-records.csv" }, "Download as CSV");
  let offset = 0;
  const limit = 50;
  const load = async () => {
    const q = new URLSearchParams();
    if (type.value) q.set("type", type.value);
    if (delivered.value) q.set("delivered", delivered.value);
    csv.href = `/api/v1/records/alarms.csv?${q}`;
    q.set("limit", limit);
    q.set("offset", offset);
    const res = await api("GET", `/api/v1/records/alarms?${q}`);
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Start", cell: (r) => fmtTime(r.started_ms) },
      { label: "Alarm", cell: (r) => h("span", { class: "bad" }, r.type.replace("_", " ")) },
      { label: "Source", cell: (r) => r.source }, { label: "Details", cell: (r) => r.details || "—" },
      { label: "End", cell: (r) => (r.ended_ms ? fmtTime(r.ended_ms) : "—") },
      { label: "Centre", cell: (r) => (r.delivered_ms ? `delivered ${fmtTime(r.delivered_ms)}` : h("span", { class: "bad" }, "not yet")) },
    ], res.data.records, "No alarms."));
    pagerOut.replaceChildren(pager(ui, { offset, limit, total: res.data.total, newer: "Newer", older: "Older",
                                         onPage: (o) => { offset = o; load(); } }));
  };
  for (const el of [type, delivered]) el.addEventListener("change", () => { offset = 0; load(); });
  page("Alarm records",
       h("p", { class: "hint" }, "Every alarm goes to the management centre (888888) as a SIP message; one it did not take is sent again until it does."),
       h("div", { class: "toolbar" }, type, delivered), out, pagerOut, h("p", {}, csv));
  await load();
}

// ---- records kept -----------------------------------------------------------------

export async function storagePage(ui) {
  const { h, api, page, form, toast, session, RANK } = ui;
  const res = await api("GET", "/api/v1/records/settings");
  if (!res.ok) return page("Records kept", h("p", { class: "form-error" }, res.data.error));
  const kinds = [["calls", "Call records"], ["unlocks", "Unlock records"], ["alarms", "Alarm records"]];
  const f = form({
    id: "records-kept", submit: "Save",
    fields: kinds.map(([k, label]) => ({ name: k, label, value: String(res.data[k]), inputmode: "numeric", hint: "1,000 to 1,000,000; the oldest go first." })),
    onSubmit: async (v, fm) => {
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
  if (RANK[session.role] < RANK.admin) for (const el of f.elements) el.disabled = true;
  page("Records kept", h("p", { class: "hint" }, "How many records of each kind the door station keeps."), f);
}

// ---- management centre ------------------------------------------------------------

export async function centrePage(ui) {
  const { h, api, page, form, toast, session, RANK } = ui;
  const status = h("p", { id: "centre-status", class: "panel-state" });
  const load = async () => {
    const res = await api("GET", "/api/v1/centre");
    if (!res.ok) return (status.textContent = res.data.error);
    const d = res.data;
    status.textContent = `Centre ${d.number}: ${d.password_set ? "register password set" : "no password: it cannot register"}; ` +
      (d.online.length ? `online: ${d.online.join(", ")}` : "not online");
  };
  const f = form({
    id: "centre", submit: "Set password",
    fields: [{ name: "password", label: "Register password of 888888", type: "password", autocomplete: "new-password",
               hint: "6 to 32 characters, no spaces, \" or \\. The management centre's SIP account; alarms and emergency calls go to it." }],
    onSubmit: async (v, fm) => {
      const r = await api("PUT", "/api/v1/centre", v);
      if (!r.ok) return fm.showApiError(r);
      fm.reset();
      toast("Centre password set");
      load();
    },
  });
  if (RANK[session.role] < RANK.admin) for (const el of f.elements) el.disabled = true;
  page("Management Centre", status, f);
  await load();
}
