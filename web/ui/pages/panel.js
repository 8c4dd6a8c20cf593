// @ts-check
// The virtual panel: the façade as configured, its lights, display, keys and readers, the
// door, the exit button and the tamper switch, live over the /api/v1/sim/live WebSocket,
// with the camera's live picture. Presses go to /api/v1/sim/*.
import { h, toast } from "../lib/dom.js";
import { newestOnly } from "../lib/api.js";
import { hasRole } from "../lib/session.js";
import { liveVideo } from "../lib/video.js";
import { KIND_LABEL } from "./facade.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("./facade.js").Facade} Facade */
/** @typedef {import("./facade.js").Module} Module */

/**
 * What /api/v1/sim/live pushes.
 * @typedef {object} PanelState
 * @property {Record<string, boolean>} indicators call, talk, unlock
 * @property {{ lines: string[] }} display
 * @property {{ state: string, number?: string, call?: number, answered_by?: string }} panel
 * @property {{ open: boolean }} lock
 * @property {string} door "open" or "closed"
 * @property {string} tamper "attached" or "detached"
 * @property {string[]} [fingers] the enrolled prints, by label
 * @property {boolean} [enrolling] an enrolment waits for the next finger
 */

const TITLE = "Virtual panel";
// A finger that is not enrolled is always on offer (while an enrolment waits, it is the
// finger enrolled); enrolled prints come with the state, by label.
const UNKNOWN_FINGER = "A finger that is not enrolled";
const NEW_FINGER = "A new finger (to enrol)";
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#", "prev", "next", "call", "centre"];
/** @type {Record<string, string>} */
const KEY_NAMES = { prev: "Previous", next: "Next", call: "Call", centre: "Call the centre" };
/** @type {Record<string, string>} */
const KEY_FACES = { prev: "◀", next: "▶", call: "Call", centre: "Centre" };

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, show }) {
  /** @type {import("../lib/api.js").ApiResult<Facade>} */
  const fres = await api("GET", "/api/v1/facade");
  if (!fres.ok) {
    show(TITLE, h("p", { class: "form-error" }, fres.data.error));
    return { dispose() {} };
  }
  const info = fres.data;
  if (info.simulated === false) {
    show(TITLE, h("p", { id: "panel-real-board" }, `This station runs on ${info.model}: its buttons, keypad, card reader and lock are real, `
      + "so there is no virtual panel. Local Setting › Façade Layout shows which modules the board finds."));
    return { dispose() {} };
  }
  const canPress = hasRole(session, "operator");
  /** @param {string} key */
  const press = async (key) => {
    const r = await api("POST", "/api/v1/sim/press", { key });
    if (!r.ok) toast(r.data.error, "bad");
  };
  /**
   * @param {string} path
   * @param {unknown} body
   */
  const post = async (path, body) => {
    const r = await api("POST", path, body);
    if (!r.ok) toast(r.data.error, "bad");
  };
  const camera = h("img", { class: "camera", id: "panel-camera", alt: "The door camera's live picture", width: 320, height: 240 });
  const lights = { call: h("span", { class: "light", id: "light-call" }, "Call"), talk: h("span", { class: "light", id: "light-talk" }, "Talk"),
                   unlock: h("span", { class: "light", id: "light-unlock" }, "Unlock") };
  const display = h("div", { class: "lcd", id: "panel-display", "aria-live": "polite" });
  const stateLine = h("p", { class: "panel-state", id: "panel-state", "aria-live": "polite" });
  // The visitor's side of a test call: who answered, and hanging up.
  let callId = 0;
  const hangUp = h("button", { id: "panel-hangup", class: "danger", disabled: true, onclick: async () => {
    if (!callId) return;
    const r = await api("DELETE", `/api/v1/calls/${callId}`);
    if (!r.ok) toast(r.data.error, "bad");
  } }, "Hang up");
  const facade = h("div", { class: "facade" });
  const fingers = h("select", { id: "panel-finger", "aria-label": "Finger", disabled: !canPress }, h("option", { value: "" }, UNKNOWN_FINGER));
  let fingerList = "";
  /**
   * @param {string[]} names
   * @param {boolean} enrolling
   */
  const showFingers = (names, enrolling) => {
    const key = JSON.stringify([names, enrolling]);
    if (key === fingerList) return;
    fingerList = key;
    const chosen = fingers.value;
    const unknown = h("option", { value: "" }, enrolling ? NEW_FINGER : UNKNOWN_FINGER);
    fingers.replaceChildren(...(enrolling ? [unknown] : []), ...names.map((n) => h("option", { value: n }, n)),
                            ...(enrolling ? [] : [unknown]));
    if (enrolling) fingers.value = "";
    else if ([...fingers.options].some((o) => o.value === chosen)) fingers.value = chosen;
  };
  const touchFinger = () => post("/api/v1/sim/finger", fingers.value ? { finger: fingers.value } : { new: true });
  let button = 0;
  /** @param {Module} m */
  const moduleEl = (m) => {
    switch (m.kind) {
      case "indicators": return h("div", { class: "module-face" }, Object.values(lights));
      case "buttons": {
        const keys = [];
        for (let b = 0; b < (m.buttons || 0); b++) {
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
          KEYS.map((k) => h("button", { id: `panel-key-${k}`, disabled: !canPress, onclick: () => press(k), "aria-label": KEY_NAMES[k] },
            KEY_FACES[k] || k)));
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
                 h("button", { id: "panel-finger-touch", disabled: !canPress, onclick: touchFinger },
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
  /** @param {PanelState} st */
  const showState = (st) => {
    for (const [k, el] of Object.entries(lights)) el.classList.toggle("lit", !!st.indicators[k]);
    display.replaceChildren(...(st.display.lines.length ? st.display.lines : [""]).map((l) => h("div", {}, l)));
    const inCall = st.panel.state === "calling" || st.panel.state === "talking";
    stateLine.textContent = `Panel: ${st.panel.state}${st.panel.number ? ` · ${st.panel.number}` : ""}` +
      (st.panel.state === "talking" && st.panel.answered_by ? ` · answered by ${st.panel.answered_by}` : "");
    stateLine.dataset.state = st.panel.state;
    callId = inCall ? st.panel.call || 0 : 0;
    hangUp.disabled = !canPress || !callId;
    hangUp.title = !canPress ? "Needs the operator role" : callId ? "" : "No call at the door";
    lock.textContent = st.lock.open ? "open" : "closed";
    door.textContent = st.door;
    tamper.textContent = st.tamper;
    showFingers(st.fingers || [], !!st.enrolling);
    doorOpen = st.door === "open";
    detached = st.tamper === "detached";
  };
  let monitorTimer = 0;
  // The next poll in 500 ms: one chain of polls at a time.
  const pollSoon = () => {
    clearTimeout(monitorTimer);
    monitorTimer = disposed ? 0 : window.setTimeout(pollMonitor, 500);
  };
  // The resident's side: a monitor the station hosts, registered as one of a room's
  // extensions (ROOM#99), that answers, talks, opens the door and hangs up from here.
  const monitorRoom = h("input", { id: "monitor-room", "aria-label": "Room of the monitor", placeholder: "Room", maxlength: 6, size: 6,
                                   value: info.buttons.find((b) => b && b !== "888888") || "", disabled: !canPress });
  const monitorState = h("p", { id: "monitor-state", "aria-live": "polite" }, "No monitor started.");
  // Every request of the monitor's state, a poll (GET) or a button, goes through here: only
  // the newest one's answer is shown, so a poll sent before a button cannot undo it, and
  // only that answer schedules the next poll.
  const askMonitor = newestOnly(
    /** @param {() => boolean} current @param {"GET" | "POST" | "DELETE"} method @param {string} path @param {unknown} [body] */
    async (current, method, path, body) => {
      const r = await api(method, `/api/v1/sim/monitor${path}`, body);
      const button = method !== "GET";
      if (!r.ok && button) toast(r.data.error, "bad");
      if (!current()) return;
      if (r.ok) showMonitor(r.data);
      if (r.ok ? r.data.running : button) pollSoon();  // a refused button: the state is asked again
    });
  /** @param {string} path @param {"POST" | "DELETE"} [method] @param {unknown} [body] */
  const monitorDo = (path, method = "POST", body = {}) => askMonitor(method, path, body);
  const monitorButtons = {
    start: h("button", { id: "monitor-start", disabled: !canPress, onclick: () => monitorDo("", "POST", { room: monitorRoom.value.trim() }) }, "Start the monitor"),
    answer: h("button", { id: "monitor-answer", class: "primary", disabled: true, onclick: () => monitorDo("/answer") }, "Answer"),
    open: h("button", { id: "monitor-open", disabled: true, onclick: () => monitorDo("/open") }, "Open the door"),
    hangup: h("button", { id: "monitor-hangup", class: "danger", disabled: true, onclick: () => monitorDo("/hangup") }, "Hang up"),
    stop: h("button", { id: "monitor-stop", disabled: true, onclick: () => monitorDo("", "DELETE", undefined) }, "Stop the monitor"),
  };
  /** @param {any} m */
  const showMonitor = (m) => {
    const calls = { idle: "no call", ringing: `ringing: ${m.from || "the door"} calls`, talking: "in a call with the door" };
    monitorState.dataset.call = m.call;
    monitorState.dataset.registered = String(!!m.registered);
    monitorState.textContent = !m.running ? (m.error ? `Monitor stopped: ${m.error}.` : "No monitor started.")
      : `Monitor ${m.user}: ${m.registered ? "registered" : "registering…"} · ${calls[/** @type {"idle"} */ (m.call)] || m.call}`;
    monitorButtons.answer.disabled = !canPress || m.call !== "ringing";
    monitorButtons.hangup.disabled = !canPress || m.call === "idle";
    monitorButtons.open.disabled = !canPress || m.call !== "talking" || !m.can_open;
    monitorButtons.open.title = m.can_open ? "" : "No unlock code is set on this station (vtod --unlock-code)";
    monitorButtons.stop.disabled = !canPress || !m.running;
  };
  const monitorSection = h("section", { id: "hosted-monitor" }, h("h2", {}, "The resident's monitor"),
    h("p", { class: "hint" }, "A monitor this station runs itself, registered as one more monitor of the room (its extension #99): call the room from the panel above, then answer, open the door and hang up here."),
    h("div", { class: "toolbar" }, monitorRoom, monitorButtons.start, monitorButtons.stop), monitorState,
    h("div", { class: "toolbar" }, monitorButtons.answer, monitorButtons.open, monitorButtons.hangup));
  // Its state: asked once, then every 500 ms while it runs.
  const pollMonitor = () => {
    monitorTimer = 0;
    askMonitor("GET", "");
  };

  // A viewer sees the panel but cannot press it: each control says why.
  const viewerNote = canPress ? null : h("p", { class: "hint", id: "panel-role-note" },
    "You can watch the panel; pressing its keys needs the operator or admin role.");
  if (!canPress) {
    for (const el of [...facade.querySelectorAll("button, input, select"), ...controls.querySelectorAll("button")]) {
      el.setAttribute("title", "Needs the operator or admin role");
    }
  }
  show(TITLE, viewerNote, h("div", { class: "toolbar" }, stateLine, hangUp), h("div", { class: "panel-wrap" }, facade), controls,
       monitorSection);
  // Live state over a WebSocket: closed by the server when the session ends (said on the
  // page), or by dispose() when another page is shown (said nowhere).
  let disposed = false;
  const ws = new WebSocket(`wss://${location.host}/api/v1/sim/live`);
  ws.addEventListener("message", (e) => showState(JSON.parse(e.data)));
  ws.addEventListener("close", () => { if (!disposed) stateLine.textContent += " (live updates stopped: reload the page)"; });
  // The camera, live (one of the six video streams).
  const video = liveVideo(camera, (text) => { camera.alt = text || camera.alt; });
  pollMonitor();
  return {
    dispose() {
      disposed = true;
      clearTimeout(monitorTimer);
      ws.close();
      video.close();
    },
  };
}
