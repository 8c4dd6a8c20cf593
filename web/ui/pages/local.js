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
  /** @type {import("../lib/api.js").ApiResult<LocalSettings>} */
  const res = await api("GET", "/api/v1/settings/local");
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
  show(TITLE,
       canEdit ? null : h("p", { class: "hint", id: "local-role-note" }, ADMIN_ONLY),
       platform ? null : h("p", { class: "hint", id: "local-building-note" },
         "The building and unit numbers of each VTO, this one included, are set in ",
         h("a", { href: "#/vtos" }, "Household Setting › VTO No. Management"), "."),
       f);
  return STATIC_PAGE;
}
