// @ts-check
// The door station's web interface: one page, a hash router, and the JSON API under
// /api/v1 (the page uses nothing else). No framework and no build step: the device serves
// these files itself, offline. This entry module holds the session, the nav and the route
// table; each page is a module of pages/ with render(ctx) → { dispose }, loaded when first
// shown. lib/ has what the pages share.
import { h, $, nodes, setTimeZone } from "./lib/dom.js";
import { createApi } from "./lib/api.js";
import { createRouter, STATIC_PAGE } from "./lib/router.js";
import { emptySession, hasRole } from "./lib/session.js";
import { startAlarmBar } from "./lib/alarms.js";

/** @typedef {import("./lib/router.js").PageModule} PageModule */
/** @typedef {import("./lib/router.js").PageContext} PageContext */
/** @typedef {import("./lib/router.js").NavGroup} NavGroup */
/** @typedef {import("./lib/router.js").NavItem} NavItem */
/** @typedef {import("./lib/router.js").Page} Page */

/** @typedef {NavItem & { load: () => Promise<PageModule> }} Route */

// The route table: the nav's groups and pages, each with the module that renders it.
/** @type {{ group: string, items: Route[] }[]} */
const NAV = [
  { group: "Door", items: [
    { id: "live", label: "Live view", load: () => import("./pages/live.js"), role: "viewer" },
    { id: "panel", label: "Virtual panel", load: () => import("./pages/panel.js"), role: "viewer" } ] },
  { group: "Local Setting", items: [
    { id: "local", label: "Basic", load: () => import("./pages/local.js"), role: "viewer" },
    { id: "facade", label: "Façade Layout", load: () => import("./pages/facade.js"), role: "viewer" } ] },
  { group: "Network Setting", items: [
    { id: "network", label: "Basic", load: () => import("./pages/network.js"), role: "viewer" },
    { id: "sip", label: "SIP Server", load: () => import("./pages/network.js"), role: "viewer" },
    { id: "mqtt", label: "MQTT", load: () => import("./pages/mqtt.js"), role: "admin" },
    { id: "webhooks", label: "Webhooks", load: () => import("./pages/webhooks.js"), role: "admin" } ] },
  { group: "Household Setting", items: [
    { id: "vtos", label: "VTO No. Management", load: () => import("./pages/household.js"), role: "viewer" },
    { id: "rooms", label: "Room No. Management", load: () => import("./pages/household.js"), role: "viewer" },
    { id: "centre", label: "Management Centre", load: () => import("./pages/household.js"), role: "viewer" } ] },
  { group: "Access Control", items: [
    { id: "lock", label: "Lock", load: () => import("./pages/access.js"), role: "viewer" },
    { id: "cards", label: "Cards", load: () => import("./pages/access.js"), role: "admin" },
    { id: "fingerprints", label: "Fingerprints", load: () => import("./pages/access.js"), role: "admin" },
    { id: "passwords", label: "Unlock passwords", load: () => import("./pages/access.js"), role: "admin" } ] },
  { group: "Records", items: [
    { id: "calls", label: "Call records", load: () => import("./pages/records.js"), role: "viewer" },
    { id: "unlocks", label: "Unlock records", load: () => import("./pages/records.js"), role: "viewer" },
    { id: "alarms", label: "Alarm records", load: () => import("./pages/records.js"), role: "viewer" },
    { id: "storage", label: "Records kept", load: () => import("./pages/records.js"), role: "viewer" },
    { id: "audit", label: "Audit log", load: () => import("./pages/accounts.js"), role: "admin" } ] },
  { group: "Security", items: [
    { id: "security", label: "HTTPS and access", load: () => import("./pages/security.js"), role: "admin" },
    { id: "users", label: "Users", load: () => import("./pages/accounts.js"), role: "admin" },
    { id: "password", label: "Change password", load: () => import("./pages/accounts.js"), role: "viewer" } ] },
  { group: "System", items: [
    { id: "maintenance", label: "Maintenance", load: () => import("./pages/system.js"), role: "admin" } ] },
];

// The pages outside the nav.
/** @type {Record<string, () => Promise<PageModule>>} */
const OTHER = {
  init: () => import("./pages/login.js"),
  login: () => import("./pages/login.js"),
  home: () => import("./pages/home.js"),
};

const session = emptySession();
// A session that ended mid-page: after the login, back to the page the user was on.
// A page sends its requests at once, so a second 401 may come when the login is already
// shown: it stays as it is, with what the user has typed.
const api = createApi(session, (data) => {
  const here = location.hash.slice(2) || "home";
  const to = data.initialized === false ? "init" : "login";
  if (here === to) return;
  if (here !== "login" && here !== "init") sessionStorage.setItem("after-login", here);
  router.go(to);
});
const router = createRouter(show);

/** @returns {NavGroup[]} the groups and pages the logged-in role sees */
const visibleNav = () => NAV.map((g) => ({ ...g, items: g.items.filter((i) => hasRole(session, i.role)) }))
                            .filter((g) => g.items.length);

// The page last drawn: another page opens at its top (its title in view), the same page
// drawn again (after a change) stays where the user was.
let drawnId = "";
let drawingId = "";

/**
 * Shows the heading and `content` in #main, and names the document.
 * @param {string} title
 * @param {...import("./lib/dom.js").Child} content
 */
function draw(title, ...content) {
  $("#main").replaceChildren(h("h1", {}, title), ...nodes(...content));
  document.title = `${title} · OpenVTO`;
  if (drawingId !== drawnId) window.scrollTo(0, 0);
  drawnId = drawingId;
}

// The alarms bar, on every page while someone is logged in.
/** @type {{ stop: () => void } | null} */
let alarmBar = null;
/** @type {string | null} */
let alarmBarUser = null;

function drawNav() {
  const nav = $("#nav");
  const toggle = $("#menu-toggle");
  const who = $("#who");
  if (session.user !== alarmBarUser) {
    alarmBar?.stop();
    alarmBar = session.user ? startAlarmBar($("#alarms"), api, session) : null;
    alarmBarUser = session.user;
  }
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
      router.go("login");
    } }, "Log out"));
}

/**
 * The router's page `id`: the guards (initialization, login, role) first, then its module.
 * @param {string} id
 * @param {() => boolean} isCurrent
 * @returns {Promise<Page>}
 */
async function show(id, isCurrent) {
  if (session.initialized === false && id !== "init") return redirect("init");
  if (session.initialized && id === "init") return redirect(session.user ? "home" : "login");
  if (!session.user && session.initialized && id !== "login") {
    sessionStorage.setItem("after-login", id);
    return redirect("login");
  }
  document.body.classList.remove("nav-open");
  drawingId = id;
  drawNav();
  const item = NAV.flatMap((g) => g.items).find((i) => i.id === id);
  const load = item ? item.load : OTHER[id];
  if (!load) {
    draw("Not found", h("p", {}, "There is no such page."), h("a", { href: "#/home" }, "Overview"));
    return STATIC_PAGE;
  }
  if (item && !hasRole(session, item.role)) {
    draw(item.label, h("p", { class: "form-error" }, `This page needs the ${item.role} role.`));
    return STATIC_PAGE;
  }
  /** @type {PageModule} */
  let module;
  try {
    module = await load();
  } catch (e) {
    if (isCurrent()) draw("Unavailable", h("p", { class: "form-error" }, `The page could not be loaded: ${e instanceof Error ? e.message : e}`));
    return STATIC_PAGE;
  }
  if (!isCurrent()) return STATIC_PAGE;
  /** @type {PageContext} */
  const ctx = {
    view: id,
    main: $("#main"),
    show: (title, ...content) => { if (isCurrent()) draw(title, ...content); },
    api,
    session,
    nav: visibleNav(),
    go: router.go,
    reload: router.route,
  };
  const page = await module.render(ctx);
  if (item && isCurrent()) $("#main").focus({ preventScroll: true });
  return page;
}

/**
 * Goes to page `id` instead of the one asked for.
 * @param {string} id
 * @returns {Page}
 */
function redirect(id) {
  router.go(id);
  return STATIC_PAGE;
}

async function start() {
  // A choice in the menu closes it on a phone, even the page already shown.
  $("#nav").addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest("a")) document.body.classList.remove("nav-open");
  });
  $("#menu-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("nav-open");
    $("#menu-toggle").setAttribute("aria-expanded", String(open));
  });
  // The first page's module loads while the session is asked for (imports are cached).
  const first = location.hash.slice(2) || "home";
  const firstItem = NAV.flatMap((g) => g.items).find((i) => i.id === first);
  const preload = firstItem ? firstItem.load : OTHER[first];
  if (preload) preload().catch(() => {});  // a failure shows when the page itself loads
  /** @type {import("./lib/api.js").ApiResult<{ initialized: boolean, time_zone?: string, user?: string, role?: import("./lib/session.js").Role, csrf?: string }>} */
  const res = await api("GET", "/api/v1/auth/status");
  if (!res.ok) return draw("Unavailable", h("p", {}, res.data.error || "The door station does not answer."));
  setTimeZone(res.data.time_zone);
  Object.assign(session, { initialized: res.data.initialized, user: res.data.user || null,
                           role: res.data.role || null, csrf: res.data.csrf || null });
  await router.start();
}

start();
