// @ts-check
// Local Setting › Façade Layout: the modules under the camera module, top to bottom, and
// which room or the centre each call button rings. The API is /api/v1/facade.
import { h, toast } from "../lib/dom.js";
import { STATIC_PAGE } from "../lib/router.js";
import { hasRole } from "../lib/session.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * A module: `buttons` only for a call-button module (1, 2 or 5).
 * @typedef {{ kind: string, buttons?: number }} Module
 */

/**
 * @typedef {object} Facade
 * @property {string} model
 * @property {boolean} simulated the simulated board (a virtual panel), or a Linux board's real modules
 * @property {number} max_modules
 * @property {string[]} kinds the kinds of module that can be added
 * @property {Module[]} modules
 * @property {string[]} buttons each call button's target: a room, "888888" or "" (none)
 * @property {{ position: number, kind: string, presence: string }[]} presence what the
 *   board finds now: position 0 is the camera module, 1 the first module of the list
 */

// How often the page asks again whether the modules are there (a keypad unplugged).
const PRESENCE_EVERY_MS = 5000;

/** Each module kind as the pages name it. @type {Record<string, string>} */
export const KIND_LABEL = { camera: "Camera module", indicators: "Indicator lights", audio: "Audio", buttons: "Call buttons",
                            keypad: "Keypad", card_reader: "Card reader", fingerprint: "Fingerprint reader", display: "Display", blank: "Blank" };

const TITLE = "Local Setting › Façade Layout";

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, show }) {
  /** @type {[ApiResult<Facade>, ApiResult<{ rooms: { number: string }[] }>]} */
  const [fres, rres] = await Promise.all([api("GET", "/api/v1/facade"), api("GET", "/api/v1/rooms")]);
  if (!fres.ok) {
    show(TITLE, h("p", { class: "form-error" }, fres.data.error));
    return STATIC_PAGE;
  }
  const info = fres.data;
  const rooms = rres.ok ? rres.data.rooms.map((r) => r.number) : [];
  const known = new Set(["", "888888", ...rooms]);
  /** @type {DocumentFragment | null} */
  let options = null;
  const targetOptions = () => {
    if (!options) {
      options = document.createDocumentFragment();
      options.append(h("option", { value: "" }, "— not mapped —"), h("option", { value: "888888" }, "Management centre (888888)"));
      for (const r of rooms) options.append(new Option(`Room ${r}`, r));
    }
    return options;
  };
  let modules = info.modules.map((m) => ({ ...m }));
  let buttons = [...info.buttons];
  // What the board finds, for the layout as saved (an edited list shows none until saved).
  let saved = JSON.stringify(info.modules);
  let presence = info.presence || [];
  /** @param {number} position */
  const found = (position) => {
    if (JSON.stringify(modules) !== saved) return null;
    const p = presence.find((x) => x.position === position);
    if (!p) return null;
    return p.presence === "found" ? h("span", { class: "presence ok", id: `module-${position}-presence` }, "Found")
      : h("span", { class: "presence bad", id: `module-${position}-presence` }, "Missing: not connected or not wired");
  };
  const canEdit = hasRole(session, "admin");
  const layout = h("ol", { class: "modules", id: "facade-modules" });
  // A drawing of the panel as it will look, kept with the list while it changes.
  const drawing = h("div", { class: "facade", id: "facade-drawing", role: "img", "aria-label": "The panel as laid out" });
  const mapping = h("div", { id: "facade-buttons" });
  const status = h("p", { class: "form-error", role: "alert" });
  const buttonCount = () => modules.reduce((n, m) => n + (m.kind === "buttons" ? m.buttons || 0 : 0), 0);

  const draw = () => {
    layout.replaceChildren(
      h("li", { class: "module fixed" }, h("span", { class: "kind" }, KIND_LABEL.camera), h("span", { class: "hint" }, "always first"), found(0)),
      ...modules.map((m, i) => h("li", { class: "module" },
        h("span", { class: "kind" }, `${i + 1}. ${KIND_LABEL[m.kind] || m.kind}`), found(i + 1),
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
    drawPanel();
    mapping.replaceChildren(n === 0 ? h("p", { class: "empty" }, "No call buttons: add a call-button module.") :
      h("div", { class: "button-map" }, buttons.map((b, i) => {
        // The targets' options are made once and copied into each select (a building's
        // thousand rooms, in every button's list).
        const select = h("select", { id: `button-${i + 1}`, disabled: !canEdit, onchange: (e) => { buttons[i] = e.target.value; drawPanel(); } });
        select.append(targetOptions().cloneNode(true));
        if (b && !known.has(b)) select.append(h("option", { value: b }, `Room ${b} (missing)`));
        select.value = b;
        return h("div", { class: "field" }, h("label", { for: `button-${i + 1}` }, `Call button ${i + 1}`), select);
      })));
  };
  // The faces of the modules, as on the virtual panel, without their controls working.
  const drawPanel = () => {
    let button = 0;
    /** @param {Module} m */
    const face = (m) => {
      switch (m.kind) {
        case "buttons": return h("div", { class: "module-face buttons" }, Array.from({ length: m.buttons || 0 }, () => {
          const target = buttons[button++] || "";
          return h("span", { class: "call-button" }, h("span", { class: "card" },
            target === "888888" ? "Centre" : target ? `Room ${target}` : "(not mapped)"));
        }));
        case "keypad": return h("div", { class: "module-face keypad" },
          ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"].map((k) => h("span", { class: "key" }, k)));
        case "indicators": return h("div", { class: "module-face" }, ["Call", "Talk", "Unlock"].map((l) => h("span", { class: "light" }, l)));
        case "display": return h("div", { class: "module-face" }, h("div", { class: "lcd" }, "Press the call button"));
        default: return h("div", { class: "module-face blank" }, KIND_LABEL[m.kind] || m.kind);
      }
    };
    drawing.replaceChildren(h("div", { class: "module-face cam" }, h("div", { class: "camera" })), ...modules.map(face));
  };
  const kindSelect = h("select", { id: "add-module-kind", "aria-label": "Module to add" },
    info.kinds.map((k) => h("option", { value: k }, KIND_LABEL[k] || k)));
  const save = async () => {
    status.textContent = "";
    /** @type {ApiResult<Facade>} */
    const res = await api("PUT", "/api/v1/facade", { modules, buttons });
    if (!res.ok) { status.textContent = res.data.error; return; }
    modules = res.data.modules.map((m) => ({ ...m }));
    buttons = [...res.data.buttons];
    saved = JSON.stringify(res.data.modules);
    presence = res.data.presence || [];
    draw();
    toast("Façade saved and applied");
  };
  show(TITLE,
       h("p", { class: "hint" }, `${info.model}: up to ${info.max_modules} modules under the camera module, top to bottom then left to right. At most one keypad, card reader, fingerprint reader, display and set of lights.`),
       h("section", { class: "facade-editor" }, h("div", {}, h("h2", {}, "Modules"), layout,
         canEdit ? h("div", { class: "toolbar" }, kindSelect, h("button", { id: "add-module", onclick: () => {
           modules.push(kindSelect.value === "buttons" ? { kind: "buttons", buttons: 5 } : { kind: kindSelect.value });
           draw();
         } }, "Add module")) : null),
         h("div", { class: "panel-wrap" }, drawing)),
       h("section", {}, h("h2", {}, "Call buttons"), mapping),
       status,
       canEdit ? h("div", { class: "actions" }, h("button", { id: "facade-save", class: "primary", onclick: save }, "Save")) : null);
  draw();
  // A module plugged in or out shows without a reload.
  const timer = setInterval(async () => {
    /** @type {ApiResult<Facade>} */
    const res = await api("GET", "/api/v1/facade");
    if (!res.ok || JSON.stringify(res.data.presence) === JSON.stringify(presence)) return;
    presence = res.data.presence || [];
    if (JSON.stringify(modules) === saved) draw();
  }, PRESENCE_EVERY_MS);
  return { dispose: () => clearInterval(timer) };
}
