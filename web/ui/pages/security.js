// @ts-check
// Security page of the web interface: the HTTPS certificate (shown, replaced by an upload or
// by a new self-signed one), the IP allow-list, the login rules (lock after failed logins,
// idle timeout), and the services that can be switched off. The API is /api/v1/security*,
// admin-only. form() has no file choosers or checkboxes, so the textareas (each with a file
// chooser) and the checkbox here are built with h() in the same shape (lib/form.js's
// fieldRow) and wired by controlForm().
import { h, toast, fmtTime } from "../lib/dom.js";
import { form, controlForm, fieldRow } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * The server certificate as /api/v1/security shows it (or why it cannot).
 * @typedef {object} Certificate
 * @property {string} [error]
 * @property {string} subject
 * @property {string} issuer
 * @property {number} not_before_ms
 * @property {number} not_after_ms
 * @property {string} sha256_fingerprint
 * @property {boolean} self_signed
 * @property {string[]} names
 */

/**
 * @typedef {object} SecurityState
 * @property {Certificate | null} certificate
 * @property {string[]} allow_list
 * @property {number} [max_allow_list]
 * @property {string} your_address
 * @property {Record<string, number>} login max_failures, lock_minutes, idle_minutes
 * @property {{ http: boolean }} services
 */

const PAGE_TITLE = "Security";

/**
 * A file chooser that fills `textarea` with the chosen file's text.
 * @param {HTMLTextAreaElement} textarea
 * @param {string} label
 * @returns {HTMLInputElement}
 */
function fileLoader(textarea, label) {
  return h("input", {
    type: "file", id: `${textarea.id}-file`, accept: ".pem,.crt,.cer,.key,text/plain",
    "aria-label": label,
    onchange: (ev) => {
      const file = ev.target.files && ev.target.files[0];
      if (!file) return;
      const reader = new FileReader();
      reader.addEventListener("load", () => { textarea.value = String(reader.result || ""); });
      reader.addEventListener("error", () => toast(`Cannot read ${file.name}`, "bad"));
      reader.readAsText(file);
      ev.target.value = "";
    },
  });
}

/**
 * @param {Certificate | null} cert
 * @returns {HTMLElement}
 */
function certificateDetails(cert) {
  if (!cert || cert.error) {
    return h("p", { class: "form-error", id: "cert-details" }, (cert && cert.error) || "No certificate.");
  }
  const now = Date.now();
  const validity = now > cert.not_after_ms ? " (expired)" : now < cert.not_before_ms ? " (not valid yet)" : "";
  /** @type {(term: string, value: import("../lib/dom.js").Child, id: string) => HTMLElement[]} */
  const row = (term, value, id) => [h("dt", {}, term), h("dd", { id }, value)];
  return h("dl", { class: "cert-details", id: "cert-details" },
    row("Subject", cert.subject || "—", "cert-subject"),
    row("Issuer", cert.issuer || "—", "cert-issuer"),
    row("Valid from", fmtTime(cert.not_before_ms), "cert-not-before"),
    row("Valid until", fmtTime(cert.not_after_ms) + validity, "cert-not-after"),
    row("SHA-256 fingerprint", h("code", {}, cert.sha256_fingerprint), "cert-fingerprint"),
    row("Self-signed", cert.self_signed ? "yes" : "no", "cert-self-signed"),
    row("Names", cert.names && cert.names.length ? cert.names.join(", ") : "—", "cert-names"));
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, show }) {
  /** @type {ApiResult<SecurityState>} */
  const res = await api("GET", "/api/v1/security");
  if (!res.ok) {
    show(PAGE_TITLE, h("p", { class: "form-error" }, res.data.error));
    return STATIC_PAGE;
  }
  let state = res.data;

  // ---- certificate ----
  const details = h("div");
  const drawCertificate = () => details.replaceChildren(certificateDetails(state.certificate));
  const certPem = h("textarea", { id: "cert-certificate_pem", name: "certificate_pem", rows: 8, cols: 64,
                                  spellcheck: "false", autocomplete: "off",
                                  placeholder: "-----BEGIN CERTIFICATE-----" });
  const keyPem = h("textarea", { id: "cert-private_key_pem", name: "private_key_pem", rows: 8, cols: 64,
                                 spellcheck: "false", autocomplete: "off",
                                 placeholder: "-----BEGIN PRIVATE KEY-----" });
  const certForm = controlForm({
    id: "cert", submitId: "cert-submit", submit: "Replace certificate",
    controls: { certificate_pem: certPem, private_key_pem: keyPem },
    rows: [
      fieldRow({ control: certPem, label: "Certificate (PEM)",
                     extra: fileLoader(certPem, "Certificate file"),
                     hint: "The server certificate first, then any intermediate certificates." }),
      fieldRow({ control: keyPem, label: "Private key (PEM)",
                     extra: fileLoader(keyPem, "Private key file"),
                     hint: "Unencrypted, matching the certificate. It is never shown again." }),
    ],
    onSubmit: async (f) => {
      const r = await api("PUT", "/api/v1/security/certificate",
                          { certificate_pem: certPem.value, private_key_pem: keyPem.value });
      if (!r.ok) return f.showApiError(r);
      state = r.data;
      certPem.value = "";
      keyPem.value = "";
      drawCertificate();
      toast("Certificate replaced: new connections use it");
    },
  });
  const regenerate = h("button", { type: "button", id: "cert-regenerate", class: "danger", onclick: async () => {
    if (!confirm("Make a new self-signed certificate? Browsers will warn again until it is accepted.")) return;
    regenerate.disabled = true;
    try {
      const r = await api("POST", "/api/v1/security/certificate/regenerate");
      if (!r.ok) return toast(r.data.error, "bad");
      state = r.data;
      drawCertificate();
      toast("New self-signed certificate in use");
    } finally {
      regenerate.disabled = false;
    }
  } }, "Make a new self-signed certificate");

  // ---- allow-list ----
  const allow = h("textarea", { id: "allow-allow_list", name: "allow_list", rows: 6, cols: 40,
                                spellcheck: "false", autocomplete: "off",
                                placeholder: "192.168.1.0/24\nfd00::/8" });
  allow.value = state.allow_list.join("\n");
  /** @type {number[]} */
  let sentLines = [];  // line number (1-based) of each entry sent
  const allowForm = controlForm({
    id: "allow", submitId: "allow-submit", submit: "Save allow-list",
    controls: { allow_list: allow },
    rows: [fieldRow({
      control: allow, label: "Addresses allowed to connect",
      hint: `One address or network per line, e.g. 192.168.1.0/24 or fd00::/8 (at most ${state.max_allow_list || 64}). ` +
            "Empty allows everyone. Loopback (127.0.0.1, ::1) is always allowed. " +
            `Your address: ${state.your_address}`,
    })],
    // "allow_list[N]" names the N-th entry sent: say which line it is.
    mapField: (field, message) => {
      const m = /^allow_list\[(\d+)\]$/.exec(field);
      if (!m) return ["allow_list", message];
      const line = sentLines[Number(m[1])];
      const reason = message.slice(message.indexOf(": ") + 2);
      return ["allow_list", line ? `line ${line}: ${reason}` : message];
    },
    onSubmit: async (f) => {
      /** @type {string[]} */
      const entries = [];
      sentLines = [];
      allow.value.split("\n").forEach((text, i) => {
        const t = text.trim();
        if (t === "") return;
        entries.push(t);
        sentLines.push(i + 1);
      });
      const r = await api("PUT", "/api/v1/security/allow-list", { allow_list: entries });
      if (!r.ok) return f.showApiError(r);
      state = r.data;
      allow.value = state.allow_list.join("\n");
      toast(state.allow_list.length ? "Allow-list saved and applied" : "Allow-list empty: everyone may connect");
    },
  });

  // ---- login rules ----
  const LOGIN = [
    { name: "max_failures", label: "Failed logins before the lock", min: 3, max: 10, unit: "failed logins",
      hint: "Counted per account and address: a lock from one address leaves the others alone." },
    { name: "lock_minutes", label: "Lock time (minutes)", min: 1, max: 60, unit: "minutes" },
    { name: "idle_minutes", label: "Idle timeout (minutes)", min: 5, max: 120, unit: "minutes",
      hint: "A session unused this long ends; the user logs in again." },
  ];
  const loginForm = form({
    id: "login-rules", submit: "Save",
    fields: LOGIN.map((l) => ({ name: l.name, label: l.label, value: String(state.login[l.name]), inputmode: "numeric", hint: l.hint })),
    onSubmit: async (v, f) => {
      /** @type {Record<string, number>} */
      const body = {};
      for (const l of LOGIN) {
        const n = /^\d{1,3}$/.test(v[l.name]) ? Number(v[l.name]) : NaN;
        if (!(n >= l.min && n <= l.max)) return f.fieldError(l.name, `${l.name}: a whole number of ${l.unit} from ${l.min} to ${l.max}`);
        body[l.name] = n;
      }
      const r = await api("PUT", "/api/v1/security/login", body);
      if (!r.ok) return f.showApiError(r);
      state = r.data;
      toast("Login rules saved and applied");
    },
  });

  // ---- services ----
  const http = h("input", { type: "checkbox", id: "service-http", name: "http", checked: state.services.http });
  const serviceForm = controlForm({
    id: "service", submitId: "service-submit", submit: "Save",
    controls: { http },
    rows: [h("div", { class: "field" },
             h("label", { for: "service-http", class: "check" }, http, " Plain HTTP port (redirects to HTTPS)"),
             h("p", { class: "hint" }, "When off, http:// addresses of the station no longer answer: use https://."),
             h("p", { class: "field-error", id: "service-http-error" }))],
    onSubmit: async (f) => {
      const r = await api("PUT", "/api/v1/security/services", { http: http.checked });
      if (!r.ok) return f.showApiError(r);
      state = r.data;
      http.checked = state.services.http;
      toast(state.services.http ? "Plain HTTP port on" : "Plain HTTP port off");
    },
  });
  http.setAttribute("aria-describedby", "service-http-error");

  show(PAGE_TITLE,
       h("section", { id: "security-certificate" }, h("h2", {}, "HTTPS certificate"), details,
         h("div", { class: "actions" }, regenerate),
         h("h3", {}, "Replace it"), certForm),
       h("section", { id: "security-allow-list" }, h("h2", {}, "IP allow-list"), allowForm),
       h("section", { id: "security-login" }, h("h2", {}, "Login"), loginForm),
       h("section", { id: "security-services" }, h("h2", {}, "Services"), serviceForm));
  drawCertificate();
  return STATIC_PAGE;
}
