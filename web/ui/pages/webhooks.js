// @ts-check
// Network Setting › Webhooks: the URLs the door's events are POSTed to, each with the secret
// its signature is made with, whether it is on, and how its deliveries go; the CA that
// HTTPS receivers' certificates may chain to; and a test event to check a receiver.
import { h, toast } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";
import { table } from "../lib/table.js";
/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} Endpoint
 * @property {string} url
 * @property {string} secret
 * @property {boolean} enabled
 */

/**
 * @typedef {object} EndpointStatus
 * @property {string} url
 * @property {number} queued
 * @property {number} delivered
 * @property {number} failed
 * @property {number} last_status
 * @property {string} last_error
 * @property {number} retry_in_s
 */

/**
 * @typedef {object} WebhookSettings
 * @property {Endpoint[]} endpoints
 * @property {string} ca_pem
 * @property {EndpointStatus[]} status
 */

const MAX = 4;
const STATUS_EVERY_MS = 3000;

/**
 * @param {EndpointStatus | undefined} s
 * @returns {string}
 */
function statusText(s) {
  if (!s) return "—";
  const parts = [`${s.delivered} delivered`];
  if (s.failed) parts.push(`${s.failed} given up`);
  if (s.queued) parts.push(`${s.queued} waiting`);
  if (s.last_error) parts.push(`last: ${s.last_error}`);
  else if (s.last_status && (s.last_status < 200 || s.last_status > 299)) parts.push(`last: status ${s.last_status}`);
  if (s.retry_in_s) parts.push(`next try in ${s.retry_in_s} s`);
  return parts.join(", ");
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, show }) {
  const title = "Network Setting › Webhooks";
  /** @type {ApiResult<WebhookSettings>} */
  const res = await api("GET", "/api/v1/settings/webhooks");
  if (!res.ok) {
    show(title, h("p", { class: "form-error" }, res.data.error));
    return STATIC_PAGE;
  }
  let d = res.data;
  const list = h("div", { id: "webhooks-list" });
  const addHolder = h("div");

  // The list is saved whole, so changes go one after the other, each made to what the one
  // before saved: two quick clicks keep both.
  /** @type {Promise<unknown>} */
  let saving = Promise.resolve();
  /**
   * @param {(endpoints: Endpoint[]) => Endpoint[]} change
   * @param {(ca: string) => string} [changeCa]
   * @returns {Promise<ApiResult<WebhookSettings>>}
   */
  const save = (change, changeCa = (ca) => ca) => {
    const done = saving.then(async () => {
      /** @type {ApiResult<WebhookSettings>} */
      const r = await api("PUT", "/api/v1/settings/webhooks", { endpoints: change(d.endpoints), ca_pem: changeCa(d.ca_pem) });
      if (r.ok) d = r.data;
      return r;
    });
    saving = done;
    return done;
  };
  const draw = () => {
    list.replaceChildren(table([
      { label: "URL", cell: (/** @type {Endpoint} */ e) => h("code", {}, e.url) },
      { label: "Secret", cell: (e) => h("code", { class: "webhook-secret" }, e.secret) },
      { label: "On", cell: (e) => h("button", { onclick: async () => {
          const r = await save((all) => all.map((x) => x.url === e.url ? { ...x, enabled: !x.enabled } : x));
          r.ok ? toast(e.enabled ? "Webhook off" : "Webhook on") : toast(r.data.error, "bad");
          draw();
        } }, e.enabled ? "On" : "Off") },
      { label: "Deliveries", cell: (e) => h("span", { class: "webhook-status", "data-url": e.url },
                                            statusText(d.status.find((s) => s.url === e.url))) },
      { label: "", cell: (e) => h("button", { class: "danger", onclick: async () => {
          const r = await save((all) => all.filter((x) => x.url !== e.url));
          r.ok ? toast("Webhook removed") : toast(r.data.error, "bad");
          draw();
        } }, "Remove") },
    ], d.endpoints, "No webhooks yet."));
    addHolder.hidden = d.endpoints.length >= MAX;
  };
  const add = form({
    id: "webhook-add", submit: "Add",
    fields: [
      { name: "url", label: "URL", placeholder: "https://receiver.lan/hooks/door", inputmode: "url",
        hint: "Each event is POSTed here as JSON. Use https:// where the receiver can: the events say who came and who opened the door." },
      { name: "secret", label: "Secret (optional)", autocomplete: "off",
        hint: "The key of the X-OpenVTO-Signature header (HMAC-SHA256), 16 to 128 characters. Empty: one is made." },
    ],
    onSubmit: async (v, fm) => {
      /** @type {Endpoint} */
      const e = { url: v.url.trim(), secret: v.secret.trim(), enabled: true };
      const r = await save((all) => [...all, e]);
      if (!r.ok) {
        // "endpoints[N].url" is this form's url.
        const field = (r.data.field || "").replace(/^endpoints\[\d+\]\./, "");
        return fm.showApiError({ ...r, data: { ...r.data, field } });
      }
      /** @type {HTMLInputElement} */ (add.inputs.url).value = "";
      /** @type {HTMLInputElement} */ (add.inputs.secret).value = "";
      toast("Webhook added");
      draw();
    },
  });
  addHolder.replaceChildren(h("h2", {}, "Add a webhook"), add);
  const ca = form({
    id: "webhook-ca", submit: "Save CA",
    fields: [{ name: "ca_pem", label: "Receivers' CA (PEM)", type: "textarea", rows: 6, value: d.ca_pem,
               placeholder: "-----BEGIN CERTIFICATE-----",
               hint: "For receivers whose certificate a CA of your own signed; the system's trusted authorities are always used too." }],
    onSubmit: async (v, fm) => {
      const r = await save((all) => all, () => v.ca_pem.trim() ? v.ca_pem.trim() + "\n" : "");
      if (!r.ok) return fm.showApiError(r);
      toast("Saved");
    },
  });
  const test = h("button", { id: "webhook-test", onclick: async () => {
    /** @type {ApiResult<WebhookSettings>} */
    const r = await api("POST", "/api/v1/settings/webhooks/test", {});
    if (!r.ok) return toast(r.data.error, "bad");
    toast("Test event sent to every webhook that is on");
  } }, "Send a test event");
  draw();
  show(title,
       h("p", { class: "hint" }, "The door's events (calls, unlocks, alarms) POSTed as JSON to your URLs, signed, tried again when a receiver fails."),
       list, test, addHolder, h("h2", {}, "HTTPS receivers"), ca);
  let disposed = false;
  const timer = setInterval(async () => {
    /** @type {ApiResult<WebhookSettings>} */
    const r = await api("GET", "/api/v1/settings/webhooks");
    if (disposed || !r.ok) return;
    d = { ...d, status: r.data.status };
    for (const el of list.querySelectorAll(".webhook-status")) {
      if (el instanceof HTMLElement) el.textContent = statusText(d.status.find((s) => s.url === el.dataset.url));
    }
  }, STATUS_EVERY_MS);
  return { dispose() { disposed = true; clearInterval(timer); } };
}
