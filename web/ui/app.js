// The door station's web interface: one page, a hash router, and the JSON API under
// /api/v1 (the page uses nothing else). No framework and no build step: the device serves
// these files itself, offline.
import { RULES, brokenRule } from "/ui/rules.js";

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
      go(location.hash.slice(2) && !["login", "init"].includes(location.hash.slice(2)) ? location.hash.slice(2) : "home");
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

// ---- pages: users, tokens, audit, records ---------------------------------------

function table(columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", { "data-label": c.label }, c.cell(r))))))));
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
    ],
    onSubmit: async (v, fm) => {
      const res = await api("POST", "/api/v1/users", v);
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
    ],
    onSubmit: async (v, fm) => {
      const res = await api("POST", "/api/v1/tokens", v);
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
    ["", "login", "login_failed", "login_locked", "logout", "init", "password_changed", "user_added",
     "user_removed", "token_created", "token_revoked", "settings_changed"].map((a) => h("option", { value: a }, a || "every action")));
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

async function callsPage() {
  const out = h("div");
  const res = await api("GET", "/api/v1/records/calls?limit=100");
  page("Call records", out,
       h("p", {}, h("a", { href: "/api/v1/records/calls.csv", download: "calls.csv" }, "Download all as CSV")));
  if (!res.ok) return out.replaceChildren(h("p", { class: "form-error" }, res.data.error));
  out.replaceChildren(table([
    { label: "Start", cell: (r) => fmtTime(r.started_ms) },
    { label: "Caller", cell: (r) => r.caller },
    { label: "Called", cell: (r) => r.called },
    { label: "Answered by", cell: (r) => r.answered_by || "—" },
    { label: "Result", cell: (r) => r.result },
    { label: "Duration", cell: (r) => `${r.duration_s} s` },
    { label: "Visitor", cell: (r) => r.snapshot_path
        ? h("img", { class: "thumb", loading: "lazy", alt: `Visitor of call ${r.id}`, src: `/api/v1/records/calls/${r.id}/snapshot` })
        : "—" },
  ], res.data.records || [], "No calls yet."));
}

function homePage() {
  page("Door station",
       h("p", {}, `Logged in as ${session.user} (${session.role}).`),
       h("ul", { class: "cards" }, visibleNav().flatMap((g) => g.items).filter((i) => i.id !== "home").map((i) =>
         h("li", {}, h("a", { href: `#/${i.id}` }, i.label)))));
}

// ---- navigation -----------------------------------------------------------------

const NAV = [
  { group: "Records", items: [
    { id: "calls", label: "Call records", page: callsPage, role: "viewer" },
    { id: "audit", label: "Audit log", page: auditPage, role: "admin" } ] },
  { group: "Security", items: [
    { id: "users", label: "Users", page: usersPage, role: "admin" },
    { id: "password", label: "Change password", page: passwordPage, role: "viewer" } ] },
];
const RANK = { viewer: 1, operator: 2, admin: 3 };
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
