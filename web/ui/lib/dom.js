// @ts-check
// Building elements, the toast, and times as the pages show them.

/** @typedef {Node | string | number | boolean | null | undefined} Leaf */

/**
 * What h() accepts as a child: nodes and text, or arrays of them (flattened); null,
 * undefined and booleans are skipped.
 * @typedef {Leaf | Leaf[] | Leaf[][]} Child
 */

/**
 * Attributes of h(): "class", "text", "on<event>" (a listener) or any attribute; true sets
 * an empty attribute, false, null and undefined set none.
 * @typedef {Record<string, string | number | boolean | null | undefined | ((ev: any) => unknown)>} Props
 */

/**
 * A new element: h("button", { class: "primary", onclick: go }, "Save").
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") {
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      continue;
    }
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  el.append(...nodes(...children));
  return el;
}

/**
 * The nodes of `children` as h() would append them: arrays flattened, null, undefined and
 * booleans left out, anything else but a node made text.
 * @param {...Child} children
 * @returns {Node[]}
 */
export function nodes(...children) {
  /** @type {Node[]} */
  const out = [];
  for (const c of /** @type {Leaf[]} */ (children.flat(Infinity))) {
    if (c === null || c === undefined || typeof c === "boolean") continue;
    out.push(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return out;
}

/**
 * The element `sel` finds in `root`; one the page's own markup guarantees, so a missing one
 * is a programming error reported by name.
 * @param {string} sel
 * @param {ParentNode} [root]
 * @returns {HTMLElement}
 */
export function $(sel, root = document) {
  const el = root.querySelector(sel);
  if (!(el instanceof HTMLElement)) throw new Error(`no element ${sel}`);
  return el;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/**
 * A message at the bottom of the page for four seconds.
 * @param {string} message
 * @param {"ok" | "bad"} [kind]
 */
export function toast(message, kind = "ok") {
  const t = $("#toast");
  t.textContent = message;
  t.className = "show " + kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.className = ""), 4000);
}

/** Takes the toast away at once (a form's new attempt: an old "added" must not stand beside its error). */
export function clearToast() {
  clearTimeout(toastTimer);
  const t = $("#toast");
  t.className = "";
  t.textContent = "";
}

/** @type {Intl.DateTimeFormat | null} */
let stationClock = null;
/** @type {string | null} the zone stationClock is to be made for, at its first use */
let stationZone = null;

/**
 * Shows every time from now on in the station's time zone (an IANA name, from
 * /api/v1/auth/status), as the door's clock reads it; one the browser does not know leaves
 * the browser's own.
 * @param {string | null | undefined} zone
 */
export function setTimeZone(zone) {
  stationClock = null;
  stationZone = zone || null;  // the formatter is made when a time is first shown (~20 ms)
}

/**
 * Unix milliseconds as "YYYY-MM-DD hh:mm:ss" in the station's time zone (setTimeZone), else
 * the browser's; "—" for none.
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return "—";
  if (stationZone && !stationClock) {
    try {
      stationClock = new Intl.DateTimeFormat("en-GB", {
        timeZone: stationZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
    } catch { stationZone = null; }  // an unknown zone: the browser's
  }
  if (stationClock) {
    /** @type {Record<string, string>} */
    const part = {};
    for (const { type, value } of stationClock.formatToParts(ms)) part[type] = value;
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
  }
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
