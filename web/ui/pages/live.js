// @ts-check
// Live view of the door: the camera's frames (lib/video.js), the video streams in use, the
// RTSP addresses for players and NVRs, and (admins) who may watch and how long a monitor
// session lasts. The API is /api/v1/live/status and /api/v1/settings/live.
import { newestOnly } from "../lib/api.js";
import { h, toast } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { hasRole } from "../lib/session.js";
import { liveVideo } from "../lib/video.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */
/** @typedef {import("../lib/dom.js").Child} Child */

/**
 * @typedef {object} LiveStatus
 * @property {{ in_use: number, limit: number, calls: number, monitors: number, rtsp: number, browser: number }} streams
 * @property {{ running: boolean, port: number, main: string, sub: string }} rtsp
 */

/** @typedef {{ watch_roles: string[], monitor_seconds: number }} LiveSettings */

/** How often the streams in use are asked again, in ms. */
const STATUS_EVERY_MS = 2000;

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, show }) {
  const picture = h("img", { class: "camera live", id: "live-camera", alt: "The door camera, live", width: 640, height: 480 });
  const note = h("p", { id: "live-note", class: "form-error", role: "status" });
  const streams = h("p", { id: "live-streams" });
  const rtsp = h("div", { id: "live-rtsp" });
  // Asked every few seconds and when the picture first shows: the newest answer counts.
  const showStatus = newestOnly(async (current) => {
    /** @type {ApiResult<LiveStatus>} */
    const res = await api("GET", "/api/v1/live/status");
    if (!res.ok || !current()) return;
    const s = res.data.streams;
    streams.textContent = `Video streams in use: ${s.in_use} of ${s.limit} (calls ${s.calls}, monitors ${s.monitors}, RTSP ${s.rtsp}, browsers ${s.browser}).`;
    const r = res.data.rtsp;
    rtsp.replaceChildren(r.running
      ? h("ul", {},
          h("li", {}, "Main stream: ", h("code", {}, `rtsp://${location.hostname}:${r.port}${r.main}`)),
          h("li", {}, "Sub-stream: ", h("code", {}, `rtsp://${location.hostname}:${r.port}${r.sub}`)),
          h("li", {}, "Snapshot: ", h("code", {}, `https://${location.host}/cgi-bin/snapshot.cgi`)))
      : h("p", {}, "RTSP is off."));
  });
  /** @type {Child[]} */
  const content = [
    h("div", { class: "live-wrap" }, picture), note, streams,
    h("section", {}, h("h2", {}, "Players and NVRs"),
      h("p", {}, "Use a web account's user name and password (digest authentication). Accounts made before this version need to log in here once first."), rtsp),
  ];
  if (hasRole(session, "admin")) {
    /** @type {ApiResult<LiveSettings>} */
    const settings = await api("GET", "/api/v1/settings/live");
    if (settings.ok) {
      const roles = ["admin", "operator", "viewer"];
      const boxes = Object.fromEntries(roles.map((r) => [r, h("input", { type: "checkbox", id: `live-role-${r}`, checked: settings.data.watch_roles.includes(r) })]));
      const f = form({
        id: "live-settings", submit: "Save",
        fields: [{ name: "monitor_seconds", label: "Monitor time (seconds)", value: String(settings.data.monitor_seconds), inputmode: "numeric",
                   hint: "A monitor session from an indoor monitor ends after this time (10 to 600)." }],
        onSubmit: async (v, fm) => {
          const body = { monitor_seconds: Number(v.monitor_seconds), watch_roles: roles.filter((r) => boxes[r].checked) };
          if (!/^\d+$/.test(v.monitor_seconds)) return fm.fieldError("monitor_seconds", "monitor_seconds: a whole number of seconds from 10 to 600");
          const res = await api("PUT", "/api/v1/settings/live", body);
          if (!res.ok) return fm.showApiError(res);
          toast("Saved");
        },
      });
      f.prepend(h("fieldset", { class: "field" }, h("legend", {}, "Roles that may watch (live view, RTSP, snapshots)"),
        ...roles.map((r) => h("label", { class: "check", for: `live-role-${r}` }, boxes[r], ` ${r}`))));
      content.push(h("section", {}, h("h2", {}, "Who may watch"), f));
    }
  }
  show("Live view", ...content);
  // The status again once the picture shows: this page is one of the streams now.
  const video = liveVideo(picture, (text) => { note.textContent = text; },
                          (n) => { if (n === 1) showStatus(); });
  const timer = setInterval(showStatus, STATUS_EVERY_MS);
  await showStatus();
  return {
    dispose() {
      clearInterval(timer);
      video.close();
    },
  };
}
