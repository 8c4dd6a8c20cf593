// @ts-check
// Alarms as notifications on every page: the alarms nobody has acknowledged yet, kept up to
// date from the event stream (/api/v1/events), each with an Acknowledge button (operator and
// admin; recorded with who and when). A viewer sees them without the button.
import { h, toast, fmtTime } from "./dom.js";
import { newestOnly } from "./api.js";
import { hasRole } from "./session.js";

/** @typedef {import("./api.js").Api} Api */
/** @typedef {import("./session.js").Session} Session */

/**
 * An alarm as the records and the event stream give it.
 * @typedef {object} Alarm
 * @property {number} id
 * @property {string} type
 * @property {string} source
 * @property {string} details
 * @property {number} started_ms
 * @property {number} ended_ms 0 while it lasts
 */

// What each alarm type is called on the page.
/** @type {Record<string, string>} */
export const ALARM_NAMES = {
  tamper: "Tamper", forced_open: "Door forced open", held_open: "Door held open", duress: "Duress code",
  keypad_locked: "Keypad locked", remote_unlock_locked: "Remote unlock locked",
};

/**
 * Shows the unacknowledged alarms in `bar` until stop().
 * @param {HTMLElement} bar
 * @param {Api} api
 * @param {Session} session
 * @returns {{ stop: () => void }}
 */
export function startAlarmBar(bar, api, session) {
  /** @type {Map<number, Alarm>} */
  const alarms = new Map();
  let stopped = false;
  /** @type {WebSocket | null} */
  let ws = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;
  const canAck = hasRole(session, "operator");

  const draw = () => {
    const list = [...alarms.values()].sort((a, b) => b.started_ms - a.started_ms);
    bar.hidden = list.length === 0;
    bar.replaceChildren(...list.map((a) => h("div", { class: "alarm", "data-alarm": String(a.id), role: "alert" },
      h("strong", {}, ALARM_NAMES[a.type] || a.type.replaceAll("_", " ")),
      h("span", {}, ` — ${a.details}${a.source ? ` (${a.source})` : ""}, ${fmtTime(a.started_ms)}${a.ended_ms ? ", over" : ""}`),
      canAck
        ? h("button", { class: "ack", "aria-label": `Acknowledge alarm ${a.id}`, onclick: async () => {
            const r = await api("POST", `/api/v1/records/alarms/${a.id}/acknowledge`, {});
            if (r.ok || r.status === 409) { alarms.delete(a.id); draw(); }
            if (!r.ok && r.status !== 409) toast(r.data.error, "bad");
          } }, "Acknowledge")
        : h("span", { class: "hint" }, " (an operator acknowledges it)"))));
  };

  /**
   * An alarm event applied to the list: raised adds, acknowledged removes, anything else
   * (ended) updates an alarm shown.
   * @param {any} m
   */
  const apply = (m) => {
    if (m.state === "acknowledged") alarms.delete(m.alarm);
    else if (m.state === "raised" || alarms.has(m.alarm)) {
      alarms.set(m.alarm, { id: m.alarm, type: m.type, source: m.source, details: m.details,
                            started_ms: m.time_ms, ended_ms: m.ended_ms || 0 });
    }
  };

  // The list is read once the event stream is listening (its hello), and the events that
  // come while the list is on its way are applied again to it: an alarm raised or
  // acknowledged in between is neither lost nor brought back.
  /** @type {any[] | null} the events seen since the newest list was asked for */
  let since = null;
  const load = newestOnly(async (current) => {
    since = [];
    /** @type {import("./api.js").ApiResult<{ records: Alarm[] }>} */
    const res = await api("GET", "/api/v1/records/alarms?acknowledged=no&limit=20");
    if (stopped || !current()) return;
    const seen = since || [];
    since = null;
    if (!res.ok) return;
    alarms.clear();
    for (const a of res.data.records) alarms.set(a.id, a);
    for (const m of seen) apply(m);
    draw();
  });

  const connect = () => {
    if (stopped) return;
    ws = new WebSocket(`wss://${location.host}/api/v1/events`);
    let listening = false;
    ws.addEventListener("message", (e) => {
      /** @type {any} */
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      if (m.event === "hello") {
        listening = true;
        return void load();
      }
      if (m.event !== "alarm" || typeof m.alarm !== "number") return;
      apply(m);
      since?.push(m);
      draw();
    });
    // Closed (the station restarted, the network dropped, the session ended): in a few
    // seconds, if the session still holds, again (its hello reads the list afresh; a stream
    // that never said hello has the list read at once too); if it ended, the bar stops and
    // the page goes to the login at its next request.
    ws.addEventListener("close", () => {
      if (stopped) return;
      retry = setTimeout(async () => {
        /** @type {{ user?: string } | null} */
        const status = await fetch("/api/v1/auth/status", { credentials: "same-origin", cache: "no-store" })
          .then((r) => (r.ok ? r.json() : null)).catch(() => null);
        if (stopped) return;
        if (status === null) { retry = setTimeout(() => ws?.dispatchEvent(new Event("close")), 0); return; }
        if (!status.user) { alarms.clear(); draw(); return; }
        if (!listening) load();
        connect();
      }, 5000);
    });
  };

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      ws?.close();
      alarms.clear();
      bar.hidden = true;
      bar.replaceChildren();
    },
  };
}
