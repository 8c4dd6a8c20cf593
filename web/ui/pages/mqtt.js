// @ts-check
// Network Setting › MQTT: the broker the door publishes its events and states to, Home
// Assistant's discovery, and whether the door may be opened from the broker. The status
// line says whether vtod is connected and what waits in its outbox.
import { h, toast } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";
/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} MqttStatus
 * @property {boolean} connected
 * @property {string} broker
 * @property {string} client_id
 * @property {string} topic the door's topics begin with it
 * @property {number} queued events waiting for the broker
 * @property {number} dropped events dropped from a full outbox
 * @property {string} error the last error, "" if none
 * @property {string} [connected_since]
 */

/**
 * @typedef {object} MqttSettings
 * @property {boolean} enabled
 * @property {string} host
 * @property {number} port
 * @property {boolean} tls
 * @property {string} ca_pem
 * @property {string} username
 * @property {boolean} password_set
 * @property {string} client_id
 * @property {string} topic_prefix
 * @property {number} qos
 * @property {boolean} discovery
 * @property {string} discovery_prefix
 * @property {boolean} unlock
 * @property {MqttStatus} status
 */

const STATUS_EVERY_MS = 3000;
const onOff = [{ value: "on", label: "On" }, { value: "off", label: "Off" }];

/**
 * @param {MqttSettings} d
 * @returns {string}
 */
function statusText(d) {
  const s = d.status;
  if (!d.enabled) return "MQTT is off.";
  const waiting = s.queued ? ` ${s.queued} event${s.queued === 1 ? "" : "s"} waiting to be sent.` : "";
  if (s.connected) return `Connected to ${s.broker} as ${s.client_id}; topics under ${s.topic}/.${waiting}`;
  return `Not connected to ${s.broker}${s.error ? `: ${s.error}` : ""}. Trying again.${waiting}`;
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render({ api, show }) {
  const title = "Network Setting › MQTT";
  /** @type {ApiResult<MqttSettings>} */
  const res = await api("GET", "/api/v1/settings/mqtt");
  if (!res.ok) {
    show(title, h("p", { class: "form-error" }, res.data.error));
    return STATIC_PAGE;
  }
  let d = res.data;
  // Saves on their way, and saves answered: see the status poll below.
  let saving = 0;
  let saves = 0;
  const status = h("p", { id: "mqtt-status", class: "panel-state", "aria-live": "polite" });
  const showStatus = () => {
    status.textContent = statusText(d);
    status.dataset.connected = String(d.status.connected);
  };
  const f = form({
    id: "mqtt", submit: "Save",
    fields: [
      { name: "enabled", label: "MQTT", type: "select", value: d.enabled ? "on" : "off", options: onOff },
      { name: "host", label: "Broker", value: d.host, placeholder: "192.168.1.20 or broker.lan",
        hint: "The MQTT broker's address, e.g. Home Assistant's Mosquitto add-on." },
      { name: "port", label: "Port", value: String(d.port), inputmode: "numeric", hint: "1883, or 8883 with TLS." },
      { name: "tls", label: "TLS", type: "select", value: d.tls ? "on" : "off", options: onOff,
        hint: "Encrypted, and the broker's certificate is checked." },
      { name: "ca_pem", label: "Broker's CA (PEM)", type: "textarea", rows: 6, value: d.ca_pem,
        placeholder: "-----BEGIN CERTIFICATE-----",
        hint: "The certificate that signed the broker's. Empty: the system's trusted authorities." },
      { name: "username", label: "User name", value: d.username },
      { name: "password", label: "Password", type: "password", autocomplete: "new-password",
        hint: d.password_set ? "Empty keeps the saved password." : "" },
      { name: "client_id", label: "Client ID", value: d.client_id, placeholder: d.status.client_id || "openvto-…",
        hint: "Empty: openvto- and the device's serial number." },
      { name: "topic_prefix", label: "Topic prefix", value: d.topic_prefix,
        hint: "Events go to PREFIX/ID/event/KIND; commands come from PREFIX/ID/command/…" },
      { name: "qos", label: "QoS", type: "select", value: String(d.qos),
        options: [{ value: "0", label: "0 (at most once)" }, { value: "1", label: "1 (at least once)" }, { value: "2", label: "2 (exactly once)" }] },
      { name: "discovery", label: "Home Assistant discovery", type: "select", value: d.discovery ? "on" : "off", options: onOff,
        hint: "The door appears in Home Assistant by itself: doorbell, lock, door, tamper, visitor's picture." },
      { name: "discovery_prefix", label: "Discovery prefix", value: d.discovery_prefix },
      { name: "unlock", label: "Open the door over MQTT", type: "select", value: d.unlock ? "on" : "off", options: onOff,
        hint: "Off: the lock and unlock commands are refused. On needs TLS or a broker on this device; every unlock is in the audit log. Anyone the broker lets publish commands can then open the door." },
    ],
    onSubmit: async (v, fm) => {
      if (!/^\d{1,5}$/.test(v.port)) return fm.fieldError("port", "port: 1 to 65535");
      /** @type {Record<string, unknown>} */
      const body = {
        enabled: v.enabled === "on", host: v.host.trim(), port: Number(v.port), tls: v.tls === "on",
        ca_pem: v.ca_pem.trim() ? v.ca_pem.trim() + "\n" : "", username: v.username, client_id: v.client_id.trim(),
        topic_prefix: v.topic_prefix.trim(), qos: Number(v.qos), discovery: v.discovery === "on",
        discovery_prefix: v.discovery_prefix.trim(), unlock: v.unlock === "on",
      };
      if (v.password) body.password = v.password;
      saving++;
      /** @type {ApiResult<MqttSettings>} */
      const r = await api("PUT", "/api/v1/settings/mqtt", body).finally(() => { saving--; saves++; });
      if (!r.ok) return fm.showApiError(r);
      d = r.data;
      /** @type {HTMLInputElement} */ (f.inputs.password).value = "";
      showStatus();
      toast("Saved and applied");
    },
  });
  const tls = f.inputs.tls;
  const caRow = f.inputs.ca_pem.closest(".field");
  if (caRow instanceof HTMLElement) {
    const showCa = () => { caRow.hidden = tls.value !== "on"; };
    tls.addEventListener("change", showCa);
    showCa();
  }
  showStatus();
  show(title, h("p", { class: "hint" }, "The door's events (calls, unlocks, alarms) and states on an MQTT broker, for home automation."),
       status, f);
  let disposed = false;
  // The status is asked for every few seconds; an answer that may predate a save is dropped
  // (the save's own answer shows the state after it).
  const timer = setInterval(async () => {
    if (saving) return;
    const asked = saves;
    /** @type {ApiResult<MqttSettings>} */
    const r = await api("GET", "/api/v1/settings/mqtt");
    if (disposed || !r.ok || saving || asked !== saves) return;
    d = { ...d, status: r.data.status, enabled: r.data.enabled };
    showStatus();
  }, STATUS_EVERY_MS);
  return { dispose() { disposed = true; clearInterval(timer); } };
}
