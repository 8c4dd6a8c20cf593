// @ts-check
// The Overview: the station's dashboard. Device information, the SIP state, the monitors
// online by room, the streams in use, the latest calls, unlocks and alarms, and the pages
// the role sees, each named with its group ("Network Setting › Basic").
import { h, fmtTime } from "../lib/dom.js";
import { table } from "../lib/table.js";
import { ALARM_NAMES } from "../lib/alarms.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */

/**
 * What GET /api/v1/system/info answers.
 * @typedef {object} SystemInfo
 * @property {string} model
 * @property {string} serial
 * @property {string} version
 * @property {string} vto_number
 * @property {string} mac
 * @property {number} uptime_s
 * @property {number} time_ms
 * @property {string} time_zone
 * @property {{ mode: string, registered: boolean }} sip
 * @property {number} monitors_online
 * @property {Record<string, string[]>} rooms_online
 * @property {{ in_use: number, limit: number, calls: number, monitors: number, rtsp: number, browser: number }} streams
 */

/** @type {Record<string, string>} */
const SIP_MODES = {
  "sip-server": "this VTO is the SIP server", this: "this VTO is the SIP server",
  vto: "another VTO is the SIP server", platform: "a platform is the SIP server",
};

/**
 * "3 d 4 h", "2 h 5 min", "42 s".
 * @param {number} s
 */
function duration(s) {
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${hr} h`;
  if (hr) return `${hr} h ${m} min`;
  if (m) return `${m} min`;
  return `${s} s`;
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, nav, show }) {
  const [info, calls, unlocks, alarms] = await Promise.all([
    api("GET", "/api/v1/system/info"),
    api("GET", "/api/v1/records/calls?limit=5"),
    api("GET", "/api/v1/records/unlocks?limit=5"),
    api("GET", "/api/v1/records/alarms?limit=5"),
  ]);
  /** @type {SystemInfo | null} */
  const d = info.ok ? info.data : null;
  /** @param {[string, import("../lib/dom.js").Child][]} rows */
  const facts = (rows) => h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const device = d ? facts([
    ["Model", d.model], ["Serial number", d.serial], ["Software version", d.version],
    ["VTO No.", d.vto_number || "—"], ["MAC address", d.mac || "—"], ["Running for", duration(d.uptime_s)],
    ["Time", `${fmtTime(d.time_ms)} (${d.time_zone})`],
    ["SIP", h("span", { id: "overview-sip", class: d.sip.registered ? "online" : "offline" },
      `${SIP_MODES[d.sip.mode] || d.sip.mode}: ${d.sip.registered ? "working" : "not registered"}`)],
  ]) : h("p", { class: "form-error" }, info.data.error);
  const rooms = d ? Object.entries(d.rooms_online) : [];
  const monitors = d ? h("div", {},
    h("p", { id: "overview-monitors" }, `${d.monitors_online} monitor${d.monitors_online === 1 ? "" : "s"} online in ${rooms.length} room${rooms.length === 1 ? "" : "s"}`),
    rooms.length ? h("ul", { class: "online-rooms" }, rooms.slice(0, 30).map(([room, devices]) =>
      h("li", {}, h("strong", {}, `Room ${room}: `), devices.join(", ")))) : null,
    rooms.length > 30 ? h("p", {}, h("a", { href: "#/rooms" }, `All ${rooms.length} rooms`)) : null) : null;
  const streams = d ? h("p", { id: "overview-streams" },
    `${d.streams.in_use} of ${d.streams.limit} video streams in use (calls ${d.streams.calls}, monitors ${d.streams.monitors}, ` +
    `RTSP ${d.streams.rtsp}, browsers ${d.streams.browser})`) : null;
  const latest = (/** @type {string} */ title, /** @type {any} */ res, /** @type {import("../lib/table.js").Column<any>[]} */ cols, /** @type {string} */ href) =>
    h("section", {}, h("h2", {}, title),
      res.ok ? table(cols, res.data.records || [], "None yet.") : h("p", { class: "form-error" }, res.data.error),
      h("p", {}, h("a", { href }, "All records")));
  show("Overview",
       h("p", {}, `Logged in as ${session.user} (${session.role}).`),
       h("section", { id: "overview-device" }, h("h2", {}, "This station"), device),
       h("section", {}, h("h2", {}, "Monitors and streams"), monitors, streams),
       latest("Latest calls", calls, [
         { label: "Start", cell: (r) => fmtTime(r.started_ms) }, { label: "Called", cell: (r) => r.called },
         { label: "Result", cell: (r) => String(r.result).replaceAll("_", " ") },
         { label: "Door opened", cell: (r) => (r.door_opened ? "Yes" : "No") }], "#/calls"),
       latest("Latest unlocks", unlocks, [
         { label: "Time", cell: (r) => fmtTime(r.at_ms) }, { label: "Method", cell: (r) => String(r.method).replaceAll("_", " ") },
         { label: "Result", cell: (r) => r.result }, { label: "Who", cell: (r) => [r.person, r.room].filter(Boolean).join(", ") || "—" }], "#/unlocks"),
       latest("Latest alarms", alarms, [
         { label: "Start", cell: (r) => fmtTime(r.started_ms) }, { label: "Alarm", cell: (r) => ALARM_NAMES[r.type] || r.type },
         { label: "Details", cell: (r) => r.details || "—" }], "#/alarms"),
       h("section", {}, h("h2", {}, "Settings"),
         h("ul", { class: "cards" }, nav.flatMap((g) => g.items.map((i) =>
           h("li", {}, h("a", { href: `#/${i.id}` }, h("span", { class: "group" }, `${g.group} › `), i.label)))))));
  return { dispose() {} };
}
