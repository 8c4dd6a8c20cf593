// The door station's web interface: one page, a hash router, and the JSON API under
// /api/v1 (the page uses nothing else). No framework and no build step: the device serves
// these files itself, offline.
import { RULES, brokenRule } from "/ui/rules.js";
import { securityPage } from "/ui/security.js";
import { liveVideo, livePage } from "/ui/live.js";
import { cardsPage, fingerprintsPage, passwordsPage, lockPage, unlocksPage, alarmsPage, storagePage, centrePage,
         callsPage } from "/ui/access.js";

const session = { initialized: null, user: null, role: null, csrf: null };

// ---- DOM helpers ----------------------------------------------------------------

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (sel, root = document) => root.querySelector(sel);

function toast(message, kind = "ok") {
  const t = $("#toast");
  t.textContent = message;
  t.className = "show " + kind;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.className = ""), 4000);
}

function fmtTime(ms) {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// ---- API ------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin",
                              body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    return { ok: false, status: 0, data: { error: "the door station does not answer" } };
  }
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
  if (res.status === 401 && !path.startsWith("/api/v1/auth/")) {
    session.user = null;
    go(data && data.initialized === false ? "init" : "login");
  }
  return { ok: res.ok, status: res.status, data };
}

// ---- forms ----------------------------------------------------------------------

// A form of labelled fields. `fields`: [{name, label, type, value, options, hint, required,
// autocomplete, rules}]. Errors from the API land beside the field they name.
function form({ fields, submit, onSubmit, id }) {
  const status = h("p", { class: "form-error", role: "alert" });
  const f = h("form", { id, novalidate: true });
  const inputs = {};
  for (const fd of fields) {
    const inputId = `${id}-${fd.name}`;
    let input;
    if (fd.type === "select") {
      input = h("select", { id: inputId, name: fd.name },
                fd.options.map((o) => h("option", { value: o.value ?? o, selected: (o.value ?? o) === fd.value }, o.label ?? o)));
    } else {
      input = h("input", { id: inputId, name: fd.name, type: fd.type || "text", value: fd.value ?? "",
                           required: fd.required, autocomplete: fd.autocomplete || "off",
                           inputmode: fd.inputmode, placeholder: fd.placeholder,
                           "aria-describedby": `${inputId}-error` });
    }
    inputs[fd.name] = input;
    const error = h("p", { class: "field-error", id: `${inputId}-error` });
    const row = h("div", { class: "field" }, h("label", { for: inputId }, fd.label), input,
                  fd.hint ? h("p", { class: "hint" }, fd.hint) : null, error);
    if (fd.rules) row.append(ruleList(input, fd.rules));
    f.append(row);
  }
  const button = h("button", { type: "submit", class: "primary" }, submit);
  f.append(status, h("div", { class: "actions" }, button));
  f.fieldError = (name, message) => {
    const input = inputs[name];
    if (!input) { status.textContent = message; return; }
    input.setAttribute("aria-invalid", "true");
    $(`#${input.id}-error`).textContent = message;
    input.focus();
  };
  f.clearErrors = () => {
    status.textContent = "";
    for (const i of Object.values(inputs)) {
      i.removeAttribute("aria-invalid");
      $(`#${i.id}-error`, f).textContent = "";
    }
  };
  f.showApiError = (res) => {
    const d = res.data || {};
    if (d.field) f.fieldError(d.field, d.error);
    else status.textContent = d.error || `error ${res.status}`;
  };
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    f.clearErrors();
    const values = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
    button.disabled = true;
    button.classList.add("busy");
    try { await onSubmit(values, f); } finally {
      button.disabled = false;
      button.classList.remove("busy");
    }
  });
  f.inputs = inputs;
  return f;
}

// The password rules under a password field, ticked while typing. `user` gives the
// account name (a function, as it may be typed in another field).
function ruleList(input, { user }) {
  const items = RULES.map((r) => h("li", { "data-rule": r.id }, r.text));
  const list = h("ul", { class: "rules", "aria-label": "Password rules" }, items);
  const update = () => {
    RULES.forEach((r, i) => {
      const ok = input.value !== "" && r.ok(input.value, user());
      items[i].className = input.value === "" ? "" : ok ? "met" : "unmet";
    });
  };
  input.addEventListener("input", update);
  return list;
}

function page(title, ...content) {
  const main = $("#main");
  main.replaceChildren(h("h1", {}, title), ...content);
  document.title = `${title} · OpenVTO`;
}

// ---- pages: initialization, login, password -------------------------------------

function initPage() {
  const f = form({
    id: "init", submit: "Initialize",
    fields: [
      { name: "user", label: "User name", value: "admin", hint: "The administrator account.", autocomplete: "username" },
      { name: "password", label: "Password", type: "password", autocomplete: "new-password", rules: { user: () => "admin" } },
      { name: "confirm", label: "Confirm password", type: "password", autocomplete: "new-password" },
      { name: "email", label: "E-mail for password reset (optional)", type: "email", autocomplete: "email" },
    ],
    onSubmit: async (v, fm) => {
      const broken = brokenRule(v.password, "admin");
      if (broken) return fm.fieldError("password", `password: ${broken.text}`);
      if (v.password !== v.confirm) return fm.fieldError("confirm", "the two passwords differ");
      const res = await api("POST", "/api/v1/auth/init", { password: v.password, email: v.email });
      if (!res.ok) return fm.showApiError(res);
      session.initialized = true;
      toast("The door station is initialized. Log in with the new password.");
      go("login");
    },
  });
  f.inputs.user.readOnly = true;
  page("Device initialization",
       h("p", {}, "This door station has no administrator password yet. Choose one: there is no default password."),
       f);
  f.inputs.password.focus();
}

function loginPage() {
  const f = form({
    id: "login", submit: "Log in",
    fields: [
      { name: "user", label: "User name", autocomplete: "username", value: "admin" },
      { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
    ],
    onSubmit: async (v, fm) => {
      const res = await api("POST", "/api/v1/auth/login", { user: v.user, password: v.password });
      if (!res.ok) return fm.showApiError(res);
      Object.assign(session, { user: res.data.user, role: res.data.role, csrf: res.data.csrf });
      const wanted = sessionStorage.getItem("after-login");
      sessionStorage.removeItem("after-login");
      go(wanted && !["login", "init"].includes(wanted) ? wanted : "home");
    },
  });
  page("Log in", f);
  f.inputs.password.focus();
}

function passwordPage() {
  const f = form({
    id: "password", submit: "Change password",
    fields: [
      { name: "old_password", label: "Current password", type: "password", autocomplete: "current-password" },
      { name: "new_password", label: "New password", type: "password", autocomplete: "new-password", rules: { user: () => session.user } },
      { name: "confirm", label: "Confirm new password", type: "password", autocomplete: "new-password" },
    ],
    onSubmit: async (v, fm) => {
      const broken = brokenRule(v.new_password, session.user);
      if (broken) return fm.fieldError("new_password", `new_password: ${broken.text}`);
      if (v.new_password !== v.confirm) return fm.fieldError("confirm", "the two passwords differ");
      const res = await api("POST", "/api/v1/auth/password", { old_password: v.old_password, new_password: v.new_password });
      if (!res.ok) return fm.showApiError(res);
      session.csrf = res.data.csrf;
      fm.reset();
      toast("Password changed. Other sessions of this account were logged out.");
    },
  });
  page("Change password", f);
}


// ---- pages: Local Setting, Household Setting ------------------------------------

async function localBasicPage() {
  const res = await api("GET", "/api/v1/settings/local");
  if (!res.ok) return page("Local Setting › Basic", h("p", { class: "form-error" }, res.data.error));
  const d = res.data;
  const platform = d.sip_server_mode === "platform";
  const fields = [
    { name: "vto_number", label: "VTO No.", value: d.vto_number, inputmode: "numeric", hint: "1 to 5 digits. Changing it applies at once to new calls." },
    { name: "model", label: "Device model", value: d.model },
    { name: "system_type", label: "System type", type: "select", value: d.system_type,
      options: [{ value: "tcpip", label: "TCP/IP" }, { value: "analogue", label: "Analogue (needs an analogue bus)" }] },
  ];
  if (platform) {
    fields.push({ name: "building", label: "Building No.", value: d.building, inputmode: "numeric", hint: "Empty or 1 to 3 digits." },
                { name: "unit", label: "Unit No.", value: d.unit, inputmode: "numeric", hint: "Empty or 1 to 3 digits." });
  }
  const f = form({
    id: "local", submit: "Save", fields,
    onSubmit: async (v, fm) => {
      delete v.model;
      const r = await api("PUT", "/api/v1/settings/local", v);
      if (!r.ok) return fm.showApiError(r);
      toast("Saved and applied");
    },
  });
  f.inputs.model.readOnly = true;
  page("Local Setting › Basic",
       platform ? null : h("p", { class: "hint" }, "Building and unit numbers are used when a platform is the SIP server."),
       f);
}

function roomFields(room = {}, withNumber = true) {
  return [
    withNumber ? { name: "number", label: "Room No.", value: room.number, hint: "1 to 6 letters or digits." } : null,
    { name: "first_name", label: "First name", value: room.first_name },
    { name: "last_name", label: "Last name", value: room.last_name },
    { name: "nick_name", label: "Nick name", value: room.nick_name },
    { name: "register_type", label: "Register type", type: "select", value: room.register_type || "public", options: ["public", "local"] },
    { name: "password", label: withNumber ? "Register password" : "Register password (empty: unchanged)", type: "password",
      autocomplete: "new-password", hint: "6 to 32 characters; the room's monitors register with it." },
  ].filter(Boolean);
}

async function roomsPage() {
  const list = h("div");
  const editor = h("div");
  const canEdit = session.role === "admin";
  const refresh = async () => {
    const res = await api("GET", "/api/v1/rooms");
    if (!res.ok) return list.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    const rooms = res.data.rooms;
    list.replaceChildren(h("p", { class: "count" }, `${rooms.length} room${rooms.length === 1 ? "" : "s"}`), table([
      { label: "Room No.", cell: (r) => r.number },
      { label: "Name", cell: (r) => [r.first_name, r.last_name].filter(Boolean).join(" ") + (r.nick_name ? ` (${r.nick_name})` : "") || "—" },
      { label: "Register type", cell: (r) => r.register_type },
      { label: "Monitors online", cell: (r) => r.online.length ? h("span", { class: "online" }, r.online.join(", ")) : h("span", { class: "offline" }, "offline") },
      { label: "", cell: (r) => canEdit ? h("span", { class: "row-actions" },
          h("button", { onclick: () => editRoom(r) }, "Edit"),
          h("button", { class: "danger", onclick: async () => {
            if (!confirm(`Delete room ${r.number}?`)) return;
            const d = await api("DELETE", `/api/v1/rooms/${encodeURIComponent(r.number)}`);
            d.ok ? toast(`Room ${r.number} deleted`) : toast(d.data.error, "bad");
            refresh();
          } }, "Delete")) : "" },
    ], rooms, "No rooms yet."));
  };
  const editRoom = (room) => {
    const f = form({
      id: "edit-room", submit: `Save room ${room.number}`, fields: roomFields(room, false),
      onSubmit: async (v, fm) => {
        if (!v.password) delete v.password;
        const r = await api("PUT", `/api/v1/rooms/${encodeURIComponent(room.number)}`, v);
        if (!r.ok) return fm.showApiError(r);
        toast(`Room ${room.number} saved`);
        editor.replaceChildren();
        refresh();
      },
    });
    editor.replaceChildren(h("section", {}, h("h2", {}, `Edit room ${room.number}`), f));
    f.inputs.first_name.focus();
  };
  const add = form({
    id: "add-room", submit: "Add room", fields: roomFields(),
    onSubmit: async (v, fm) => {
      const r = await api("POST", "/api/v1/rooms", v);
      if (!r.ok) return fm.showApiError(r);
      fm.reset();
      toast(`Room ${v.number} added`);
      refresh();
    },
  });
  const batch = form({
    id: "batch", submit: "Add rooms",
    fields: [
      { name: "floors", label: "Floors", inputmode: "numeric", value: "1" },
      { name: "rooms_per_floor", label: "Rooms per floor", inputmode: "numeric", value: "1" },
      { name: "first_floor_first_room", label: "First floor's first room", inputmode: "numeric", value: "101" },
      { name: "second_floor_first_room", label: "Second floor's first room", inputmode: "numeric", value: "201",
        hint: "Floors × rooms per floor with these two numbers: 3 floors of 2 from 101 and 201 give 101 102 201 202 301 302." },
      { name: "register_type", label: "Register type", type: "select", value: "public", options: ["public", "local"],
        hint: "Each room gets a register password of its own, shown once below: hand each flat its own." },
    ],
    onSubmit: async (v, fm) => {
      const body = { ...v };
      for (const k of ["floors", "rooms_per_floor", "first_floor_first_room", "second_floor_first_room"]) {
        if (!/^\d+$/.test(v[k])) return fm.fieldError(k, `${k.replaceAll("_", " ")}: a whole number`);
        body[k] = Number(v[k]);
      }
      const r = await api("POST", "/api/v1/rooms/batch", body);
      if (!r.ok) return fm.showApiError(r);
      toast(`${r.data.added.length} rooms added: ${r.data.added.join(" ")}`);
      showPasswords(r.data.rooms);
      refresh();
    },
  });
  // The batch's passwords, this once: a table and a CSV file to hand out, gone on leaving.
  const passwordsOut = h("div", { id: "batch-passwords" });
  const showPasswords = (rooms) => {
    const csv = "room,password\r\n" + rooms.map((x) => `${x.number},${x.password}`).join("\r\n") + "\r\n";
    const link = h("a", { id: "batch-passwords-csv",
                          href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })),
                          download: "room-passwords.csv" }, "Download as CSV");
    passwordsOut.replaceChildren(
      h("h3", {}, "Register passwords of the rooms added"),
      h("p", { class: "hint" }, "Shown only now. Give each flat its own password; it registers that flat's monitors only."),
      h("div", { class: "toolbar" }, link),
      table([{ label: "Room No.", cell: (x) => x.number },
             { label: "Register password", cell: (x) => h("code", {}, x.password) }], rooms));
  };
  const tools = h("div", { class: "toolbar" },
    h("button", { id: "rooms-refresh", onclick: () => refresh().then(() => toast("Refreshed")) }, "Refresh"),
    canEdit ? h("button", { id: "rooms-clear", class: "danger", onclick: async () => {
      if (!confirm("Delete every room? Their monitors will no longer register.")) return;
      const r = await api("DELETE", "/api/v1/rooms");
      r.ok ? toast("All rooms deleted") : toast(r.data.error, "bad");
      refresh();
    } }, "Clear all") : null);
  page("Household Setting › Room No. Management", tools, list, editor,
       canEdit ? h("section", {}, h("h2", {}, "Add one room"), add) : null,
       canEdit ? h("section", {}, h("h2", {}, "Add many rooms"), batch, passwordsOut) : null);
  await refresh();
}

async function vtosPage() {
  const list = h("div");
  const editor = h("div");
  const canEdit = session.role === "admin";
  const local = await api("GET", "/api/v1/settings/local");
  const own = local.ok ? local.data.vto_number : "";
  const vtoFields = (v = {}, adding = true) => [
    adding ? { name: "number", label: "VTO No.", inputmode: "numeric", hint: "1 to 5 digits." } : null,
    { name: "password", label: adding ? "Register password" : "Register password (empty: unchanged)", type: "password", autocomplete: "new-password" },
    { name: "building", label: "Building No.", inputmode: "numeric", value: v.building },
    { name: "unit", label: "Unit No.", inputmode: "numeric", value: v.unit },
    { name: "ip", label: "IP address", value: v.ip },
    { name: "web_user", label: "Web user", value: v.web_user, hint: "The account of that VTO's web interface." },
    { name: "web_password", label: v.web_password_set ? "Web password (empty: unchanged)" : "Web password", type: "password", autocomplete: "new-password" },
  ].filter(Boolean);
  const refresh = async () => {
    const res = await api("GET", "/api/v1/vtos");
    if (!res.ok) return list.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    list.replaceChildren(table([
      { label: "VTO No.", cell: (r) => r.number === own ? `${r.number} (this VTO)` : r.number },
      { label: "Building", cell: (r) => r.building || "—" },
      { label: "Unit", cell: (r) => r.unit || "—" },
      { label: "IP address", cell: (r) => r.ip || "—" },
      { label: "Web user", cell: (r) => r.web_user || "—" },
      { label: "", cell: (r) => canEdit ? h("span", { class: "row-actions" },
          h("button", { onclick: () => editVto(r) }, "Edit"),
          r.number === own ? null : h("button", { class: "danger", onclick: async () => {
            if (!confirm(`Delete VTO ${r.number}?`)) return;
            const d = await api("DELETE", `/api/v1/vtos/${encodeURIComponent(r.number)}`);
            d.ok ? toast(`VTO ${r.number} deleted`) : toast(d.data.error, "bad");
            refresh();
          } }, "Delete")) : "" },
    ], res.data.vtos, "No VTOs yet."));
  };
  const editVto = (v) => {
    const f = form({
      id: "edit-vto", submit: `Save VTO ${v.number}`, fields: vtoFields(v, false),
      onSubmit: async (values, fm) => {
        const r = await api("PUT", `/api/v1/vtos/${encodeURIComponent(v.number)}`, values);
        if (!r.ok) return fm.showApiError(r);
        toast(`VTO ${v.number} saved`);
        editor.replaceChildren();
        refresh();
      },
    });
    editor.replaceChildren(h("section", {}, h("h2", {}, `Edit VTO ${v.number}`), f));
    f.inputs.building.focus();
  };
  const add = form({
    id: "add-vto", submit: "Add VTO", fields: vtoFields(),
    onSubmit: async (v, fm) => {
      const r = await api("POST", "/api/v1/vtos", v);
      if (!r.ok) return fm.showApiError(r);
      fm.reset();
      toast(`VTO ${v.number} added`);
      refresh();
    },
  });
  page("Household Setting › VTO No. Management",
       h("p", { class: "hint" }, "The door stations of this building that register with this one, this VTO included."),
       list, editor, canEdit ? h("section", {}, h("h2", {}, "Add a VTO"), add) : null);
  await refresh();
}

// ---- pages: Façade layout, virtual panel ----------------------------------------

const KIND_LABEL = { camera: "Camera module", indicators: "Indicator lights", audio: "Audio", buttons: "Call buttons",
                     keypad: "Keypad", card_reader: "Card reader", fingerprint: "Fingerprint reader", display: "Display", blank: "Blank" };

async function facadePage() {
  const [fres, rres] = await Promise.all([api("GET", "/api/v1/facade"), api("GET", "/api/v1/rooms")]);
  if (!fres.ok) return page("Local Setting › Façade Layout", h("p", { class: "form-error" }, fres.data.error));
  const info = fres.data;
  const rooms = rres.ok ? rres.data.rooms.map((r) => r.number) : [];
  let modules = info.modules.map((m) => ({ ...m }));
  let buttons = [...info.buttons];
  const canEdit = session.role === "admin";
  const layout = h("ol", { class: "modules", id: "facade-modules" });
  const mapping = h("div", { id: "facade-buttons" });
  const status = h("p", { class: "form-error", role: "alert" });
  const buttonCount = () => modules.reduce((n, m) => n + (m.kind === "buttons" ? m.buttons : 0), 0);

  const draw = () => {
    layout.replaceChildren(
      h("li", { class: "module fixed" }, h("span", { class: "kind" }, KIND_LABEL.camera), h("span", { class: "hint" }, "always first")),
      ...modules.map((m, i) => h("li", { class: "module" },
        h("span", { class: "kind" }, `${i + 1}. ${KIND_LABEL[m.kind] || m.kind}`),
        m.kind === "buttons" ? h("select", { "aria-label": `Buttons on module ${i + 1}`, id: `module-${i}-buttons`, disabled: !canEdit,
            onchange: (e) => { m.buttons = Number(e.target.value); draw(); } },
          [1, 2, 5].map((n) => h("option", { value: n, selected: m.buttons === n }, `${n} button${n > 1 ? "s" : ""}`))) : null,
        canEdit ? h("span", { class: "row-actions" },
          h("button", { "aria-label": `Move module ${i + 1} up`, disabled: i === 0, onclick: () => { [modules[i - 1], modules[i]] = [modules[i], modules[i - 1]]; draw(); } }, "↑"),
          h("button", { "aria-label": `Move module ${i + 1} down`, disabled: i === modules.length - 1, onclick: () => { [modules[i + 1], modules[i]] = [modules[i], modules[i + 1]]; draw(); } }, "↓"),
          h("button", { class: "danger", "aria-label": `Remove module ${i + 1}`, onclick: () => { modules.splice(i, 1); draw(); } }, "Remove")) : null)));
    const n = buttonCount();
    buttons = buttons.slice(0, n);
    while (buttons.length < n) buttons.push("");
    const targets = [{ value: "", label: "— not mapped —" }, { value: "888888", label: "Management centre (888888)" },
                     ...rooms.map((r) => ({ value: r, label: `Room ${r}` }))];
    mapping.replaceChildren(n === 0 ? h("p", { class: "empty" }, "No call buttons: add a call-button module.") :
      h("div", { class: "button-map" }, buttons.map((b, i) => h("div", { class: "field" },
        h("label", { for: `button-${i + 1}` }, `Call button ${i + 1}`),
        h("select", { id: `button-${i + 1}`, disabled: !canEdit, onchange: (e) => { buttons[i] = e.target.value; } },
          targets.map((t) => h("option", { value: t.value, selected: t.value === b }, t.label)),
          b && !targets.some((t) => t.value === b) ? h("option", { value: b, selected: true }, `Room ${b} (missing)`) : null)))));
  };
  const kindSelect = h("select", { id: "add-module-kind", "aria-label": "Module to add" },
    info.kinds.map((k) => h("option", { value: k }, KIND_LABEL[k] || k)));
  const save = async () => {
    status.textContent = "";
    const res = await api("PUT", "/api/v1/facade", { modules, buttons });
    if (!res.ok) { status.textContent = res.data.error; return; }
    modules = res.data.modules.map((m) => ({ ...m }));
    buttons = [...res.data.buttons];
    draw();
    toast("Façade saved and applied");
  };
  page("Local Setting › Façade Layout",
       h("p", { class: "hint" }, `${info.model}: up to ${info.max_modules} modules under the camera module, top to bottom then left to right. At most one keypad, card reader, fingerprint reader, display and set of lights.`),
       h("section", {}, h("h2", {}, "Modules"), layout,
         canEdit ? h("div", { class: "toolbar" }, kindSelect, h("button", { id: "add-module", onclick: () => {
           modules.push(kindSelect.value === "buttons" ? { kind: "buttons", buttons: 5 } : { kind: kindSelect.value });
           draw();
         } }, "Add module")) : null),
       h("section", {}, h("h2", {}, "Call buttons"), mapping),
       status,
       canEdit ? h("div", { class: "actions" }, h("button", { id: "facade-save", class: "primary", onclick: save }, "Save")) : null);
  draw();
}

async function panelPage() {
  const fres = await api("GET", "/api/v1/facade");
  if (!fres.ok) return page("Virtual panel", h("p", { class: "form-error" }, fres.data.error));
  const info = fres.data;
  const canPress = RANK[session.role] >= RANK.operator;
  const press = async (key) => {
    const r = await api("POST", "/api/v1/sim/press", { key });
    if (!r.ok) toast(r.data.error, "bad");
  };
  const post = async (path, body) => {
    const r = await api("POST", path, body);
    if (!r.ok) toast(r.data.error, "bad");
  };
  const camera = h("img", { class: "camera", id: "panel-camera", alt: "The door camera's live picture", width: 320, height: 240 });
  const lights = { call: h("span", { class: "light", id: "light-call" }, "Call"), talk: h("span", { class: "light", id: "light-talk" }, "Talk"),
                   unlock: h("span", { class: "light", id: "light-unlock" }, "Unlock") };
  const display = h("div", { class: "lcd", id: "panel-display", "aria-live": "polite" });
  const stateLine = h("p", { class: "panel-state", id: "panel-state", "aria-live": "polite" });
  const facade = h("div", { class: "facade" });
  // A finger that is not enrolled is always on offer; enrolled fingers come with the state.
  const UNKNOWN_FINGER = "A finger that is not enrolled";
  const fingers = h("select", { id: "panel-finger", "aria-label": "Finger", disabled: !canPress }, h("option", {}, UNKNOWN_FINGER));
  let fingerList = "";
  const showFingers = (names) => {
    const key = JSON.stringify(names);
    if (key === fingerList) return;
    fingerList = key;
    const chosen = fingers.value;
    fingers.replaceChildren(...names.map((n) => h("option", {}, n)), h("option", {}, UNKNOWN_FINGER));
    if ([...fingers.options].some((o) => o.value === chosen)) fingers.value = chosen;
  };
  let button = 0;
  const moduleEl = (m) => {
    switch (m.kind) {
      case "indicators": return h("div", { class: "module-face" }, Object.values(lights));
      case "buttons": {
        const keys = [];
        for (let b = 0; b < m.buttons; b++) {
          button += 1;
          const n = button;
          const target = info.buttons[n - 1] || "";
          keys.push(h("button", { class: "call-button", id: `panel-button${n}`, disabled: !canPress, onclick: () => press(`button${n}`) },
            h("span", { class: "card" }, target === "888888" ? "Centre" : target ? `Room ${target}` : "(not mapped)")));
        }
        return h("div", { class: "module-face buttons" }, keys);
      }
      case "keypad":
        return h("div", { class: "module-face keypad" },
          ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#", "prev", "next", "call", "centre"].map((k) =>
            h("button", { id: `panel-key-${k}`, disabled: !canPress, onclick: () => press(k),
                          "aria-label": { prev: "Previous", next: "Next", call: "Call", centre: "Call the centre" }[k] },
              { prev: "◀", next: "▶", call: "Call", centre: "Centre" }[k] || k)));
      case "display": return h("div", { class: "module-face" }, display);
      case "card_reader": {
        const number = h("input", { id: "panel-card-number", "aria-label": "Card number", placeholder: "Card number",
                                    maxlength: 16, autocomplete: "off", spellcheck: "false", disabled: !canPress });
        const hold = () => {
          if (!/^[0-9a-fA-F]{4,16}$/.test(number.value)) return toast("Card number: 4 to 16 hexadecimal digits (0-9, A-F)", "bad");
          post("/api/v1/sim/card", { number: number.value });
        };
        number.addEventListener("keydown", (e) => { if (e.key === "Enter") hold(); });
        return h("div", { class: "module-face reader" }, h("span", { class: "kind" }, KIND_LABEL[m.kind]), number,
                 h("button", { id: "panel-card", disabled: !canPress, onclick: hold }, "Hold card to reader"));
      }
      case "fingerprint":
        return h("div", { class: "module-face reader" }, h("span", { class: "kind" }, KIND_LABEL[m.kind]), fingers,
                 h("button", { id: "panel-finger-touch", disabled: !canPress, onclick: () => post("/api/v1/sim/finger", { finger: fingers.value }) },
                   "Lay finger on sensor"));
      default: return h("div", { class: "module-face blank" }, KIND_LABEL[m.kind] || m.kind);
    }
  };
  facade.replaceChildren(h("div", { class: "module-face cam" }, camera), ...info.modules.map(moduleEl));
  const door = h("span", { id: "panel-door" });
  const tamper = h("span", { id: "panel-tamper" });
  const lock = h("span", { id: "panel-lock" });
  let doorOpen = false, detached = false;
  const controls = h("section", {}, h("h2", {}, "Around the door"),
    h("p", {}, "Lock: ", lock, " · Door: ", door, " · Tamper switch: ", tamper),
    h("div", { class: "toolbar" },
      h("button", { id: "panel-door-toggle", disabled: !canPress, onclick: () => post("/api/v1/sim/door", { open: !doorOpen }) }, "Open / close the door"),
      h("button", { id: "panel-exit", disabled: !canPress, onclick: () => press("exit") }, "Press the exit button"),
      h("button", { id: "panel-tamper-toggle", disabled: !canPress, onclick: () => post("/api/v1/sim/tamper", { detached: !detached }) }, "Detach / attach the panel")));
  const show = (st) => {
    for (const [k, el] of Object.entries(lights)) el.classList.toggle("lit", !!st.indicators[k]);
    display.replaceChildren(...(st.display.lines.length ? st.display.lines : [""]).map((l) => h("div", {}, l)));
    stateLine.textContent = `Panel: ${st.panel.state}${st.panel.number ? ` · ${st.panel.number}` : ""}`;
    stateLine.dataset.state = st.panel.state;
    lock.textContent = st.lock.open ? "open" : "closed";
    door.textContent = st.door;
    tamper.textContent = st.tamper;
    showFingers(st.fingers || []);
    doorOpen = st.door === "open";
    detached = st.tamper === "detached";
  };
  page("Virtual panel", stateLine, h("div", { class: "panel-wrap" }, facade), controls);
  // Live state over a WebSocket; the camera picture refreshes while the page is shown.
  const ws = new WebSocket(`wss://${location.host}/api/v1/sim/live`);
  ws.addEventListener("message", (e) => show(JSON.parse(e.data)));
  ws.addEventListener("close", () => { if (panelPage.ws === ws) stateLine.textContent += " (live updates stopped: reload the page)"; });
  // The camera, live (one of the six video streams).
  pageSockets.push(liveVideo(camera, (text) => { camera.alt = text || camera.alt; }));
  panelPage.ws = ws;
}

// ---- pages: Network Setting -------------------------------------------------------

async function networkPage() {
  const res = await api("GET", "/api/v1/settings/network");
  if (!res.ok) return page("Network Setting › Basic", h("p", { class: "form-error" }, res.data.error));
  const d = res.data;
  const ports = ["http_port", "https_port", "rtsp_port", "sip_port"];
  const f = form({
    id: "network", submit: "Save",
    fields: [
      { name: "ip", label: "IP address", value: d.ip, inputmode: "decimal" },
      { name: "mask", label: "Subnet mask", value: d.mask, inputmode: "decimal" },
      { name: "gateway", label: "Default gateway", value: d.gateway, inputmode: "decimal" },
      { name: "dns1", label: "Preferred DNS", value: d.dns1, inputmode: "decimal" },
      { name: "dns2", label: "Alternate DNS", value: d.dns2, inputmode: "decimal" },
      { name: "http_port", label: "HTTP port", value: String(d.http_port), inputmode: "numeric", hint: "Plain HTTP only redirects to HTTPS." },
      { name: "https_port", label: "HTTPS port", value: String(d.https_port), inputmode: "numeric", hint: "The web interface and the API. After a change, this page moves to the new port." },
      { name: "rtsp_port", label: "RTSP port", value: String(d.rtsp_port), inputmode: "numeric", hint: "Kept for the live-view stream service." },
      { name: "sip_port", label: "SIP port", value: String(d.sip_port), inputmode: "numeric", hint: "Devices registered here must use the new port." },
    ],
    onSubmit: async (v, fm) => {
      const body = { ...v };
      for (const k of ports) {
        if (!/^\d{1,5}$/.test(v[k])) return fm.fieldError(k, `${k.replace("_", " ")}: 1 to 65535`);
        body[k] = Number(v[k]);
      }
      const r = await api("PUT", "/api/v1/settings/network", body);
      if (!r.ok) return fm.showApiError(r);
      toast("Saved and applied");
      if (r.data.https_port !== d.https_port && location.port && Number(location.port) === d.https_port) {
        location.href = `https://${location.hostname}:${r.data.https_port}/#/network`;
      }
    },
  });
  page("Network Setting › Basic",
       h("p", { class: "hint", id: "network-applied" }, d.interface
         ? `Saved addresses are applied to ${d.interface} at once (and at every start); ports take effect at once.`
         : "No network interface is configured (vtod --network-interface): the addresses are kept and shown; ports take effect at once."), f);
}

async function sipServerPage() {
  const res = await api("GET", "/api/v1/settings/sip");
  if (!res.ok) return page("Network Setting › SIP Server", h("p", { class: "form-error" }, res.data.error));
  let d = res.data;
  const status = h("p", { id: "sip-status", class: "panel-state" });
  const showStatus = (st) => {
    status.textContent = st.serving ? "This VTO is the SIP server." :
      `${st.registered ? "Registered" : "Not registered"} at ${st.server} (${st.active} server).`;
    status.dataset.registered = String(!!st.registered);
  };
  showStatus(d.status);
  const holder = h("div");
  const draw = (mode) => {
    const fields = [{ name: "mode", label: "SIP server", type: "select", value: mode,
      options: [{ value: "this", label: "This VTO is the SIP server" }, { value: "vto", label: "Another VTO is the SIP server" },
                { value: "platform", label: "A platform (management software) is the SIP server" }] }];
    if (mode !== "this") {
      fields.push(
        { name: "server_ip", label: mode === "vto" ? "SIP server VTO's IP address" : "Platform IP address", value: d.server_ip, inputmode: "decimal" },
        { name: "server_port", label: "Port", value: String(d.mode === mode ? d.server_port : (mode === "platform" ? 5080 : 5060)), inputmode: "numeric" },
        { name: "domain", label: "SIP domain", value: d.mode === mode ? d.domain : (mode === "vto" ? "VDP" : ""), hint: mode === "platform" ? "May be empty." : "Usually VDP." },
        { name: "user", label: "Login user", value: d.user },
        { name: "password", label: "Login password", type: "password", autocomplete: "new-password",
          hint: d.password_set ? "Empty keeps the saved password." : "" });
      if (mode === "platform") {
        fields.push(
          { name: "alternate_ip", label: "Alternate server IP", value: d.alternate_ip, inputmode: "decimal", hint: "Used while the main server does not answer." },
          { name: "alternate_user", label: "Alternate login user", value: d.alternate_user },
          { name: "alternate_password", label: "Alternate login password", type: "password", autocomplete: "new-password",
            hint: d.alternate_password_set ? "Empty keeps the saved password." : "" },
          { name: "alternate_vts_ip", label: "Alternate VTS IP", value: d.alternate_vts_ip, inputmode: "decimal" });
      }
    } else {
      fields.push({ name: "domain", label: "SIP domain", value: "VDP" });
    }
    const f = form({
      id: "sip", submit: "Save", fields,
      onSubmit: async (v, fm) => {
        const body = { ...v };
        if (body.server_port !== undefined) {
          if (!/^\d{1,5}$/.test(v.server_port)) return fm.fieldError("server_port", "server port: 1 to 65535");
          body.server_port = Number(v.server_port);
        }
        const r = await api("PUT", "/api/v1/settings/sip", body);
        if (!r.ok) return fm.showApiError(r);
        d = r.data;
        showStatus(d.status);
        toast("Saved and applied");
        draw(d.mode);
      },
    });
    if (f.inputs.domain && mode === "this") f.inputs.domain.readOnly = true;
    f.inputs.mode.addEventListener("change", () => draw(f.inputs.mode.value));
    holder.replaceChildren(f);
    f.inputs.mode.focus();
  };
  page("Network Setting › SIP Server", status, holder);
  draw(d.mode);
}

// ---- pages: users, tokens, audit, records ---------------------------------------

function table(columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", { "data-label": c.label }, c.cell(r))))))));
}

// An account's player digest (MD5) state, with the button that changes it: turning it on
// asks for the account's password, from which the MD5 key is made (and checked).
function legacyDigestCell(r, refresh) {
  const cell = h("span", { class: "legacy-digest", "data-user": r.name });
  const show = () => {
    if (r.legacy_digest) {
      cell.replaceChildren(h("span", {}, r.legacy_digest_ready ? "On " : "On (key made at the next login) "),
        h("button", { onclick: async () => {
          const res = await api("PUT", `/api/v1/users/${encodeURIComponent(r.name)}/legacy-digest`, { on: false });
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
      const res = await api("PUT", `/api/v1/users/${encodeURIComponent(r.name)}/legacy-digest`, { on: true, password: pw.value });
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

async function usersPage() {
  const list = h("div");
  const online = h("div");
  const tokens = h("div");
  const roles = ["viewer", "operator", "admin"];
  const refresh = async () => {
    const [u, o, t] = await Promise.all([api("GET", "/api/v1/users"), api("GET", "/api/v1/users/online"), api("GET", "/api/v1/tokens")]);
    if (!u.ok) return list.replaceChildren(h("p", { class: "form-error" }, u.data.error));
    list.replaceChildren(table([
      { label: "User", cell: (r) => r.name },
      { label: "Role", cell: (r) => r.role },
      { label: "E-mail", cell: (r) => r.email || "—" },
      { label: "Sessions", cell: (r) => r.sessions },
      { label: "Player digest (MD5)", cell: (r) => legacyDigestCell(r, refresh) },
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
      const res = await api("POST", "/api/v1/tokens", { ...v, days: Number(v.days) });
      if (!res.ok) return fm.showApiError(res);
      fm.reset();
      tokenOut.replaceChildren(h("p", {}, "The token, shown only now — copy it:"), h("code", { id: "new-token" }, res.data.token));
      refresh();
    },
  });
  page("Users",
       h("section", {}, h("h2", {}, "Accounts"), list),
       h("section", {}, h("h2", {}, "Add a user"), add),
       h("section", {}, h("h2", {}, "Online users"), online),
       h("section", {}, h("h2", {}, "API tokens"), tokens, addToken, tokenOut));
  await refresh();
}

async function auditPage() {
  const out = h("div");
  const pager = h("div", { class: "pager" });
  const filter = h("select", { id: "audit-action", "aria-label": "Action" },
    ["", "login", "login_failed", "login_locked", "logout", "init", "password_changed", "password_change_failed", "password_reset", "user_added",
     "user_removed", "token_created", "token_revoked", "settings_changed", "login_source_blocked", "login_account_braked",
     "legacy_digest", "legacy_digest_failed", "digest_failed", "digest_locked", "digest_source_blocked", "sip_auth_failed",
     "sip_source_blocked", "sim_input"].map((a) => h("option", { value: a }, a || "every action")));
  let offset = 0;
  const limit = 50;
  const load = async () => {
    const q = new URLSearchParams({ limit, offset });
    if (filter.value) q.set("action", filter.value);
    const res = await api("GET", `/api/v1/audit?${q}`);
    if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    out.replaceChildren(table([
      { label: "Time", cell: (r) => fmtTime(r.at_ms) }, { label: "User", cell: (r) => r.user },
      { label: "Address", cell: (r) => r.address }, { label: "Action", cell: (r) => r.action },
      { label: "Detail", cell: (r) => r.detail },
    ], res.data.entries, "The log is empty."));
    pager.replaceChildren(
      h("button", { disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - limit); load(); } }, "Newer"),
      h("span", {}, `${res.data.total ? offset + 1 : 0}–${Math.min(offset + limit, res.data.total)} of ${res.data.total}`),
      h("button", { disabled: offset + limit >= res.data.total, onclick: () => { offset += limit; load(); } }, "Older"));
  };
  filter.addEventListener("change", () => { offset = 0; load(); });
  page("Audit log", h("div", { class: "toolbar" }, h("label", { for: "audit-action" }, "Show "), filter), out, pager);
  await load();
}

function homePage() {
  page("Door station",
       h("p", {}, `Logged in as ${session.user} (${session.role}).`),
       h("ul", { class: "cards" }, visibleNav().flatMap((g) => g.items).filter((i) => i.id !== "home").map((i) =>
         h("li", {}, h("a", { href: `#/${i.id}` }, i.label)))));
}

// ---- navigation -----------------------------------------------------------------

const NAV = [
  { group: "Door", items: [
    { id: "live", label: "Live view", page: () => livePage(ui(), pageSockets), role: "viewer" },
    { id: "panel", label: "Virtual panel", page: panelPage, role: "viewer" } ] },
  { group: "Local Setting", items: [
    { id: "local", label: "Basic", page: localBasicPage, role: "viewer" },
    { id: "facade", label: "Façade Layout", page: facadePage, role: "viewer" } ] },
  { group: "Network Setting", items: [
    { id: "network", label: "Basic", page: networkPage, role: "viewer" },
    { id: "sip", label: "SIP Server", page: sipServerPage, role: "viewer" } ] },
  { group: "Household Setting", items: [
    { id: "vtos", label: "VTO No. Management", page: vtosPage, role: "viewer" },
    { id: "rooms", label: "Room No. Management", page: roomsPage, role: "viewer" },
    { id: "centre", label: "Management Centre", page: () => centrePage(ui()), role: "viewer" } ] },
  { group: "Access Control", items: [
    { id: "lock", label: "Lock", page: () => lockPage(ui()), role: "viewer" },
    { id: "cards", label: "Cards", page: () => cardsPage(ui()), role: "admin" },
    { id: "fingerprints", label: "Fingerprints", page: () => fingerprintsPage(ui()), role: "admin" },
    { id: "passwords", label: "Unlock passwords", page: () => passwordsPage(ui()), role: "admin" } ] },
  { group: "Records", items: [
    { id: "calls", label: "Call records", page: () => callsPage(ui()), role: "viewer" },
    { id: "unlocks", label: "Unlock records", page: () => unlocksPage(ui()), role: "viewer" },
    { id: "alarms", label: "Alarm records", page: () => alarmsPage(ui()), role: "viewer" },
    { id: "storage", label: "Records kept", page: () => storagePage(ui()), role: "viewer" },
    { id: "audit", label: "Audit log", page: auditPage, role: "admin" } ] },
  { group: "Security", items: [
    { id: "security", label: "HTTPS and access", page: () => securityPage({ h, api, page, form, toast, table, session, fmtTime }), role: "admin" },
    { id: "users", label: "Users", page: usersPage, role: "admin" },
    { id: "password", label: "Change password", page: passwordPage, role: "viewer" } ] },
];
const RANK = { viewer: 1, operator: 2, admin: 3 };
// WebSockets of the page shown (the live picture), closed when another page is shown.
const pageSockets = [];
// The helpers the page modules use.
const ui = () => ({ h, api, page, form, toast, table, session, fmtTime, RANK });
const visibleNav = () => NAV.map((g) => ({ ...g, items: g.items.filter((i) => RANK[session.role] >= RANK[i.role]) }))
                              .filter((g) => g.items.length);

function drawNav() {
  const nav = $("#nav");
  const toggle = $("#menu-toggle");
  const who = $("#who");
  if (!session.user) {
    nav.hidden = true;
    toggle.hidden = true;
    who.replaceChildren();
    return;
  }
  const current = location.hash.slice(2);
  nav.replaceChildren(
    h("a", { href: "#/home", class: current === "home" ? "current" : "" }, "Overview"),
    ...visibleNav().map((g) => h("div", { class: "group" }, h("h2", {}, g.group),
      g.items.map((i) => h("a", { href: `#/${i.id}`, "aria-current": i.id === current ? "page" : false }, i.label)))));
  nav.hidden = false;
  toggle.hidden = false;
  who.replaceChildren(h("span", {}, `${session.user} · ${session.role}`),
    h("button", { id: "logout", onclick: async () => {
      await api("POST", "/api/v1/auth/logout");
      Object.assign(session, { user: null, role: null, csrf: null });
      go("login");
    } }, "Log out"));
}

function go(id) {
  if (location.hash !== `#/${id}`) location.hash = `#/${id}`;
  else route();
}

async function route() {
  const id = location.hash.slice(2) || "home";
  if (session.initialized === false && id !== "init") return go("init");
  if (session.initialized && id === "init") return go(session.user ? "home" : "login");
  if (!session.user && session.initialized && id !== "login") {
    sessionStorage.setItem("after-login", id);
    return go("login");
  }
  document.body.classList.remove("nav-open");
  if (panelPage.ws) { const ws = panelPage.ws; panelPage.ws = null; ws.close(); }
  for (const ws of pageSockets.splice(0)) ws.close(1000);
  drawNav();
  if (id === "init") return initPage();
  if (id === "login") return loginPage();
  if (id === "home") return homePage();
  const item = NAV.flatMap((g) => g.items).find((i) => i.id === id);
  if (!item) return page("Not found", h("p", {}, "There is no such page."), h("a", { href: "#/home" }, "Overview"));
  if (RANK[session.role] < RANK[item.role]) return page(item.label, h("p", { class: "form-error" }, `This page needs the ${item.role} role.`));
  await item.page();
  $("#main").focus({ preventScroll: true });
}

async function start() {
  // A choice in the menu closes it on a phone, even the page already shown.
  $("#nav").addEventListener("click", (e) => {
    if (e.target.closest("a")) document.body.classList.remove("nav-open");
  });
  $("#menu-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("nav-open");
    $("#menu-toggle").setAttribute("aria-expanded", String(open));
  });
  const res = await api("GET", "/api/v1/auth/status");
  if (!res.ok) return page("Unavailable", h("p", {}, res.data?.error || "The door station does not answer."));
  Object.assign(session, { initialized: res.data.initialized, user: res.data.user || null,
                           role: res.data.role || null, csrf: res.data.csrf || null });
  window.addEventListener("hashchange", route);
  await route();
}

start();
