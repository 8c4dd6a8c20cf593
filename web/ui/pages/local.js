// @ts-check
// Local Setting › Basic: the VTO No. (applied at once to new calls), the model, the system
// type, and the building and unit numbers when a platform is the SIP server. The API is
// /api/v1/settings/local.
import { h, toast } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";
import { hasRole } from "../lib/session.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/form.js").Field} Field */

/**
 * @typedef {object} LocalSettings
 * @property {string} vto_number
 * @property {string} model
 * @property {"tcpip" | "analogue"} system_type
 * @property {string} building
 * @property {string} unit
 * @property {string} sip_server_mode "this", "vto" or "platform"
 */

const TITLE = "Local Setting › Basic";

// What a role that may not change the page is told above it.
const ADMIN_ONLY = "Changing these needs the admin role.";

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, session, show }) {
  /** @type {[import("../lib/api.js").ApiResult<LocalSettings>, import("../lib/api.js").ApiResult<Record<string, number>>]} */
  const [res, sound] = await Promise.all([api("GET", "/api/v1/settings/local"), api("GET", "/api/v1/settings/sound")]);
  if (!res.ok) {
    show(TITLE, h("p", { class: "form-error" }, res.data.error));
    return STATIC_PAGE;
  }
  const d = res.data;
  const platform = d.sip_server_mode === "platform";
  /** @type {Field[]} */
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
  /** @type {HTMLInputElement} */ (f.inputs.model).readOnly = true;
  // A viewer sees the values, read-only, and is told why before trying to save.
  const canEdit = hasRole(session, "admin");
  if (!canEdit) {
    for (const el of Object.values(f.inputs)) {
      if (el instanceof HTMLSelectElement) {
        el.disabled = true;
        el.title = ADMIN_ONLY;
      } else {
        el.readOnly = true;
      }
    }
    f.querySelector(".actions")?.remove();
  }
  // The volumes: applied at once, to the calls running too.
  const volumes = sound.ok ? form({
    id: "sound", submit: "Save volumes",
    fields: [
      { name: "talk", label: "Talk volume", type: "range", value: String(sound.data.talk), hint: "What the door's speaker plays of the resident, 0 to 100." },
      { name: "microphone", label: "Microphone volume", type: "range", value: String(sound.data.microphone), hint: "How loud the visitor is sent, 0 to 100." },
      { name: "ring", label: "Ring volume", type: "range", value: String(sound.data.ring), hint: "The panel's own tones: ringback, busy, keys, 0 to 100." },
    ],
    onSubmit: async (v, fm) => {
      const r = await api("PUT", "/api/v1/settings/sound", { talk: Number(v.talk), microphone: Number(v.microphone), ring: Number(v.ring) });
      if (!r.ok) return fm.showApiError(r);
      toast("Volumes saved and applied");
    },
  }) : h("p", { class: "form-error" }, sound.data.error);
  if (!canEdit && volumes instanceof HTMLFormElement) {
    for (const el of volumes.querySelectorAll("input")) el.disabled = true;
    volumes.querySelector(".actions")?.remove();
  }
  show(TITLE,
       canEdit ? null : h("p", { class: "hint", id: "local-role-note" }, ADMIN_ONLY),
       platform ? null : h("p", { class: "hint", id: "local-building-note" },
         "The building and unit numbers of each VTO, this one included, are set in ",
         h("a", { href: "#/vtos" }, "Household Setting › VTO No. Management"), "."),
       f, h("section", { id: "local-sound" }, h("h2", {}, "Volumes"), volumes));
  return STATIC_PAGE;
}
