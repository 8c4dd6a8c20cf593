// @ts-check
// Network Setting: Basic (static addresses or DHCP on a board, and ports, applied at once) and SIP Server (this VTO,
// another VTO, or a platform with an alternate server; over TCP or TLS; SRTP in calls
// signalled over TLS; the registration status, asked for every 5 s while shown). The API is
// /api/v1/settings/network, /api/v1/settings/sip and /api/v1/health.
import { h, toast, fmtTime } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/form.js").Field} Field */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} NetworkSettings
 * @property {string} ip
 * @property {string} mask
 * @property {string} gateway
 * @property {string} dns1
 * @property {string} dns2
 * @property {number} http_port
 * @property {number} https_port
 * @property {number} rtsp_port
 * @property {number} dhip_port the device family's event protocol ("port 5000")
 * @property {number} sip_port
 * @property {number} sip_tls_port SIP over TLS; 0: off (vtod --sip-tls-listen off), not sent back
 * @property {string} [interface] the interface the addresses are applied to, if any
 * @property {boolean} dhcp the interface takes its addresses from the network's DHCP server
 * @property {Lease | null} lease the DHCP client's state while DHCP is on
 */

/**
 * @typedef {object} Lease
 * @property {"selecting" | "requesting" | "bound" | "renewing" | "rebinding" | "stopped"} state
 * @property {string} error why DHCP cannot run or the last lease was refused ("" if none)
 * @property {string} [ip]
 * @property {string} [mask]
 * @property {string} [gateway]
 * @property {string} [dns1]
 * @property {string} [dns2]
 * @property {string} [server]
 * @property {number | null} [lease_s] null: a lease without end
 * @property {number} [obtained_ms]
 * @property {number | null} [renews_ms]
 * @property {number | null} [expires_ms]
 */

const ADDRESS_FIELDS = ["ip", "mask", "gateway", "dns1", "dns2"];

/**
 * One line on the DHCP client's state, for the page.
 * @param {Lease | null} lease
 * @returns {string}
 */
export function leaseText(lease) {
  if (!lease) return "";
  const time = fmtTime;
  const error = lease.error ? ` (${lease.error})` : "";
  switch (lease.state) {
    case "bound": case "renewing": case "rebinding":
      return `Address ${lease.ip} (mask ${lease.mask}) from the DHCP server ${lease.server}` +
        (lease.expires_ms ? `, renews at ${time(lease.renews_ms)}, ends at ${time(lease.expires_ms)}` : ", without end") +
        (lease.state === "bound" ? "." : lease.state === "renewing" ? ": renewing now." : ": the server does not answer; asking any server.");
    case "selecting": case "requesting":
      return `Asking the network for an address…${error}`;
    default:
      return `DHCP is not running${error}.`;
  }
}

/** @typedef {{ serving: boolean, registered: boolean, server: string, active: string }} SipStatus */

/**
 * GET /api/v1/health: how the station reaches the SIP network now.
 * @typedef {{ mode: "sip-server" | "vto" | "platform", registered: boolean }} Health
 */

/** @typedef {"this" | "vto" | "platform"} SipMode */

// What each choice of the select means, said above the form while it is chosen.
/** @type {Record<SipMode, string>} */
const MODE_NOTES = {
  this: "This VTO is the SIP server: the building's monitors and the other VTOs register with it, and it routes their calls.",
  vto: "Another VTO is the SIP server: this VTO registers with it, and its calls go through it.",
  platform: "A platform (management software) is the SIP server: this VTO registers with it, and with the alternate server while the platform does not answer.",
};

/** @type {Record<SipMode, string>} */
const MODE_NAMES = { this: "this VTO", vto: "another VTO", platform: "a platform" };

// How often the registration status is asked for while the page is shown.
const STATUS_EVERY_MS = 5000;

/**
 * @typedef {object} SipSettings
 * @property {SipMode} mode
 * @property {string} server_ip
 * @property {number} server_port
 * @property {string} domain
 * @property {string} user
 * @property {boolean} password_set
 * @property {string} alternate_ip
 * @property {string} alternate_user
 * @property {boolean} alternate_password_set
 * @property {string} alternate_vts_ip
 * @property {SipTransport} transport to the server of modes "vto" and "platform"
 * @property {string} server_certificate PEM: the server's certificate or the CA that signed
 *   it; required with transport "tls"
 * @property {SrtpMode} srtp SRTP in calls whose signalling is TLS, in every mode
 * @property {SipStatus} status
 */

/** @typedef {"tcp" | "tls"} SipTransport */
/** @typedef {"off" | "preferred" | "required"} SrtpMode */

/**
 * @typedef {object} Integrations
 * @property {boolean} http_api the device family's /cgi-bin/ API
 * @property {boolean} port5000 its event protocol
 * @property {boolean} rtsp_backchannel two-way audio over RTSP
 * @property {boolean} onvif the ONVIF camera services (/onvif/…)
 * @property {boolean} onvif_discovery WS-Discovery on UDP 3702
 * @property {number} port5000_listening the port open now, 0: none
 * @property {number} discovery_listening WS-Discovery's port now, 0: off
 */

/**
 * Network Setting › Integrations: the device family's protocols, each on or off.
 * @param {PageContext["api"]} api
 * @returns {Promise<HTMLElement>}
 */
async function integrationsSection(api) {
  /** @type {ApiResult<Integrations>} */
  const res = await api("GET", "/api/v1/settings/integrations");
  if (!res.ok) return h("p", { class: "form-error" }, res.data.error);
  const d = res.data;
  const onOff = [{ value: "on", label: "On" }, { value: "off", label: "Off" }];
  const state = h("p", { class: "hint", id: "integrations-state", role: "status" });
  const showState = (/** @type {Integrations} */ i) => {
    state.textContent = i.port5000_listening ? `The event protocol listens on port ${i.port5000_listening}.`
      : "The event protocol is not listening.";
  };
  showState(d);
  const f = form({
    id: "integrations", submit: "Apply integrations",
    fields: [
      { name: "http_api", label: "HTTP API (/cgi-bin/)", type: "select", value: d.http_api ? "on" : "off", options: onOff,
        hint: "For Home Assistant's Dahua integration, scrypted, DahuaVTO2MQTT: device facts, records, the event stream, opening the door. Accounts with legacy digest only." },
      { name: "port5000", label: "Event protocol", type: "select", value: d.port5000 ? "on" : "off", options: onOff,
        hint: "Doorbell presses, door and card events pushed to home automation, on the port above." },
      { name: "rtsp_backchannel", label: "Two-way audio over RTSP", type: "select", value: d.rtsp_backchannel ? "on" : "off", options: onOff,
        hint: "go2rtc and Frigate talk to the visitor; a visitor's call always has the speaker first." },
      { name: "onvif", label: "ONVIF", type: "select", value: d.onvif ? "on" : "off", options: onOff,
        hint: "NVRs, ONVIF Device Manager and Home Assistant add the door as a camera. Each account needs its ONVIF password (Security › Users)." },
      { name: "onvif_discovery", label: "ONVIF discovery", type: "select", value: d.onvif_discovery ? "on" : "off", options: onOff,
        hint: "Answers searches for cameras on the local network (WS-Discovery, UDP 3702), so NVRs find the door by themselves." },
    ],
    onSubmit: async (v, fm) => {
      /** @type {ApiResult<Integrations>} */
      const r = await api("PUT", "/api/v1/settings/integrations",
                          { http_api: v.http_api === "on", port5000: v.port5000 === "on", rtsp_backchannel: v.rtsp_backchannel === "on",
                            onvif: v.onvif === "on", onvif_discovery: v.onvif_discovery === "on" });
      if (!r.ok) return fm.showApiError(r);
      showState(r.data);
      toast("Saved and applied");
    },
  });
  return h("section", { id: "integrations-section" }, h("h2", {}, "Integrations"),
           h("p", { class: "hint" }, "The protocols of the device family this door station is modelled on, and ONVIF, so that software written for them adds this door unchanged. On a real door, switch on only what you use."),
           f, state);
}

/**
 * "network" or "sip".
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render(ctx) {
  if (ctx.view === "sip") return sipServerPage(ctx);
  return networkPage(ctx);
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
async function networkPage({ api, show }) {
  /** @type {ApiResult<NetworkSettings>} */
  const res = await api("GET", "/api/v1/settings/network");
  if (!res.ok) {
    show("Network Setting › Basic", h("p", { class: "form-error" }, res.data.error));
    return STATIC_PAGE;
  }
  const d = res.data;
  const tlsOn = d.sip_tls_port !== 0;
  const ports = ["http_port", "https_port", "rtsp_port", "sip_port", ...(tlsOn ? ["sip_tls_port"] : []), "dhip_port"];
  const board = Boolean(d.interface);
  const f = form({
    id: "network", submit: "Save",
    fields: [
      { name: "dhcp", label: "Addresses", type: "select", value: d.dhcp ? "on" : "off",
        options: [{ value: "off", label: "Static (entered below)" }, { value: "on", label: "DHCP (from the network's server)" }],
        hint: board ? "With DHCP the network's server gives the address, mask, gateway and DNS; the static ones below are kept for when DHCP is off."
                    : "DHCP is for a board whose network interface vtod manages (vtod --network-interface); on this computer its own network settings apply." },
      { name: "ip", label: "IP address", value: d.ip, inputmode: "decimal" },
      { name: "mask", label: "Subnet mask", value: d.mask, inputmode: "decimal" },
      { name: "gateway", label: "Default gateway", value: d.gateway, inputmode: "decimal" },
      { name: "dns1", label: "Preferred DNS", value: d.dns1, inputmode: "decimal" },
      { name: "dns2", label: "Alternate DNS", value: d.dns2, inputmode: "decimal" },
      { name: "http_port", label: "HTTP port", value: String(d.http_port), inputmode: "numeric", hint: "Plain HTTP redirects to HTTPS, but for the device family's /cgi-bin/ API (Integrations below)." },
      { name: "https_port", label: "HTTPS port", value: String(d.https_port), inputmode: "numeric", hint: "The web interface and the API. After a change, this page moves to the new port." },
      { name: "rtsp_port", label: "RTSP port", value: String(d.rtsp_port), inputmode: "numeric", hint: "Kept for the live-view stream service." },
      { name: "sip_port", label: "SIP port", value: String(d.sip_port), inputmode: "numeric", hint: "Devices registered here must use the new port." },
      { name: "sip_tls_port", label: "SIP TLS port", value: tlsOn ? String(d.sip_tls_port) : "off", inputmode: "numeric",
        hint: tlsOn ? "SIP over TLS, with the HTTPS certificate; every port must differ."
                    : "SIP over TLS is off (vtod --sip-tls-listen off)." },
      { name: "dhip_port", label: "Event protocol port", value: String(d.dhip_port), inputmode: "numeric",
        hint: "The device family's event protocol for home automation (usually 5000), when switched on below." },
    ],
    onSubmit: async (v, fm) => {
      /** @type {Record<string, string | number | boolean>} */
      const body = { ...v, dhcp: v.dhcp === "on" };
      if (!tlsOn) delete body.sip_tls_port;  // "off" is shown, never sent
      if (body.dhcp) for (const k of ADDRESS_FIELDS) delete body[k];  // the static ones stay
      for (const k of ports) {
        if (!/^\d{1,5}$/.test(v[k])) return fm.fieldError(k, `${k.replaceAll("_", " ")}: 1 to 65535`);
        body[k] = Number(v[k]);
      }
      /** @type {ApiResult<NetworkSettings>} */
      const r = await api("PUT", "/api/v1/settings/network", body);
      if (!r.ok) return fm.showApiError(r);
      toast("Saved and applied");
      d.dhcp = r.data.dhcp;
      showLease(r.data.lease);
      if (r.data.https_port !== d.https_port && location.port && Number(location.port) === d.https_port) {
        location.href = `https://${location.hostname}:${r.data.https_port}/#/network`;
      }
    },
  });
  if (!tlsOn) /** @type {HTMLInputElement} */ (f.inputs.sip_tls_port).readOnly = true;
  const dhcpSelect = /** @type {HTMLSelectElement} */ (f.inputs.dhcp);
  if (!board) {
    dhcpSelect.disabled = true;
    /** @type {HTMLOptionElement} */ (dhcpSelect.options[1]).disabled = true;
  }
  const leaseLine = h("p", { class: "hint", id: "network-lease", role: "status" });
  // With DHCP chosen the address fields are read-only; they show the static ones to return to.
  const followChoice = () => {
    const dhcp = dhcpSelect.value === "on";
    for (const k of ADDRESS_FIELDS) /** @type {HTMLInputElement} */ (f.inputs[k]).readOnly = dhcp;
    leaseLine.hidden = !dhcp;
  };
  /** @param {Lease | null} lease */
  const showLease = (lease) => {
    leaseLine.textContent = dhcpSelect.value === "on" && !lease && board
      ? "Save to ask the network for an address." : leaseText(lease);
    followChoice();
  };
  dhcpSelect.addEventListener("change", () => showLease((dhcpSelect.value === "on") === d.dhcp ? d.lease : null));
  showLease(d.lease);
  f.querySelector(".field")?.after(leaseLine);
  show("Network Setting › Basic",
       h("p", { class: "hint", id: "network-applied" }, d.interface
         ? `Saved addresses are applied to ${d.interface} at once (and at every start); ports take effect at once.`
         : "No network interface is configured (vtod --network-interface): the addresses are kept and shown; ports take effect at once."), f,
       await integrationsSection(api));
  if (!board) return STATIC_PAGE;
  // While DHCP is on, the lease is asked for every 5 s.
  let disposed = false;
  const timer = setInterval(async () => {
    if (disposed || !d.dhcp) return;
    /** @type {ApiResult<NetworkSettings>} */
    const now = await api("GET", "/api/v1/settings/network");
    if (!disposed && now.ok && dhcpSelect.value === "on") {
      d.lease = now.data.lease;
      showLease(now.data.lease);
    }
  }, STATUS_EVERY_MS);
  return { dispose() { disposed = true; clearInterval(timer); } };
}

/**
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
async function sipServerPage({ api, show }) {
  /** @type {ApiResult<SipSettings>} */
  const res = await api("GET", "/api/v1/settings/sip");
  if (!res.ok) {
    show("Network Setting › SIP Server", h("p", { class: "form-error" }, res.data.error));
    return STATIC_PAGE;
  }
  let d = res.data;
  // The top line says what the mode chosen in the select means, as soon as it is chosen;
  // the status line under it says how the station is registered now (the saved mode).
  const modeNote = h("p", { id: "sip-mode-note", class: "hint" });
  /** @param {SipMode} mode */
  const showModeNote = (mode) => {
    modeNote.textContent = MODE_NOTES[mode] + (mode === d.mode ? "" :
      ` Not saved yet: until Save, ${MODE_NAMES[d.mode]} stays the SIP server.`);
    modeNote.dataset.mode = mode;
  };
  const status = h("p", { id: "sip-status", class: "panel-state", "aria-live": "polite" });
  let disposed = false;
  let asked = 0;     // requests sent: only the latest one's answer is shown
  let inFlight = 0;
  /** @param {boolean} [now] ask even while an answer is awaited (after a save) */
  const refreshStatus = async (now = false) => {
    if (disposed || (inFlight && !now)) return;
    const mine = ++asked;
    inFlight++;
    /** @type {ApiResult<Health>} */
    const r = await api("GET", "/api/v1/health");
    inFlight--;
    if (disposed || mine !== asked) return;
    if (!r.ok) {
      status.textContent = r.data.error;
      delete status.dataset.registered;
      delete status.dataset.mode;
      return;
    }
    const { mode, registered } = r.data;
    const server = mode === "platform" ? "the platform" : "the SIP server VTO";
    status.textContent = mode === "sip-server" ? "This VTO is the SIP server."
      : registered ? `Registered with ${server}.` : `Not registered with ${server} yet.`;
    status.dataset.registered = String(!!registered);
    status.dataset.mode = mode;
  };
  const holder = h("div");
  /** @param {SipMode} mode */
  const draw = (mode) => {
    showModeNote(mode);
    /** @type {Field[]} */
    const fields = [{ name: "mode", label: "SIP server", type: "select", value: mode,
      options: [{ value: "this", label: "This VTO is the SIP server" }, { value: "vto", label: "Another VTO is the SIP server" },
                { value: "platform", label: "A platform (management software) is the SIP server" }] }];
    if (mode !== "this") {
      fields.push(
        { name: "server_ip", label: mode === "vto" ? "SIP server VTO's IP address" : "Platform IP address", value: d.server_ip, inputmode: "decimal" },
        { name: "server_port", label: "Port", value: String(d.mode === mode ? d.server_port : (mode === "platform" ? 5080 : 5060)), inputmode: "numeric" },
        { name: "transport", label: "Transport", type: "select", value: d.transport || "tcp",
          options: [{ value: "tcp", label: "TCP" }, { value: "tls", label: "TLS" }],
          hint: "TLS encrypts the signalling; the server's SIP over TLS port is usually 5061." },
        { name: "server_certificate", label: "Server certificate (PEM)", type: "textarea", rows: 8, value: d.server_certificate,
          placeholder: "-----BEGIN CERTIFICATE-----",
          hint: "The server's own certificate, or the CA that signed it: the server is verified with it." },
        { name: "domain", label: "SIP domain", value: d.mode === mode ? d.domain : (mode === "vto" ? "VDP" : ""), hint: mode === "platform" ? "May be empty." : "Usually VDP." },
        { name: "user", label: "Login user", value: d.user },
        { name: "password", label: "Login password", type: "password", autocomplete: "new-password",
          hint: d.password_set ? "Empty keeps the saved password." : "" });
      if (mode === "platform") {
        fields.push(
          { name: "alternate_ip", label: "Alternate server IP", value: d.alternate_ip, inputmode: "decimal",
            hint: "The platform's second SIP server, on the same port and transport: this VTO registers there while the main one does not answer, and tries the main one again every minute. Empty: none." },
          { name: "alternate_user", label: "Alternate login user", value: d.alternate_user },
          { name: "alternate_password", label: "Alternate login password", type: "password", autocomplete: "new-password",
            hint: d.alternate_password_set ? "Empty keeps the saved password." : "" },
          { name: "alternate_vts_ip", label: "Alternate VTS IP", value: d.alternate_vts_ip, inputmode: "decimal",
            hint: "The second address of the management software (VTS), for when its first does not answer. Kept for the platform: this VTO stores it and does not use it itself. Empty or an IPv4 address." });
      }
    } else {
      fields.push({ name: "domain", label: "SIP domain", value: "VDP" });
    }
    fields.push({ name: "srtp", label: "SRTP", type: "select", value: d.srtp || "preferred",
      options: [{ value: "off", label: "Off" }, { value: "preferred", label: "Preferred" }, { value: "required", label: "Required" }],
      hint: "Encrypted call media. Its keys are only exchanged over TLS: calls over UDP or TCP stay plain (Preferred) or are refused (Required)." });
    const f = form({
      id: "sip", submit: "Save", fields,
      onSubmit: async (v, fm) => {
        /** @type {Record<string, string | number>} */
        const body = { ...v };
        // The certificate is only used, and only sent, over TLS.
        if (body.transport !== "tls") delete body.server_certificate;
        if (body.server_port !== undefined) {
          if (!/^\d{1,5}$/.test(v.server_port)) return fm.fieldError("server_port", "server port: 1 to 65535");
          body.server_port = Number(v.server_port);
        }
        /** @type {ApiResult<SipSettings>} */
        const r = await api("PUT", "/api/v1/settings/sip", body);
        if (!r.ok) return fm.showApiError(r);
        d = r.data;
        toast("Saved and applied");
        draw(d.mode);
        refreshStatus(true);
      },
    });
    if (f.inputs.domain && mode === "this") /** @type {HTMLInputElement} */ (f.inputs.domain).readOnly = true;
    f.inputs.mode.addEventListener("change", () => draw(/** @type {SipMode} */ (f.inputs.mode.value)));
    const transport = f.inputs.transport;
    const certificateRow = f.inputs.server_certificate?.closest(".field");
    if (transport && certificateRow instanceof HTMLElement) {
      const showCertificate = () => { certificateRow.hidden = transport.value !== "tls"; };
      transport.addEventListener("change", showCertificate);
      showCertificate();
    }
    holder.replaceChildren(f);
    f.inputs.mode.focus();
  };
  show("Network Setting › SIP Server", modeNote, status, holder);
  draw(d.mode);
  await refreshStatus();
  const timer = setInterval(() => refreshStatus(), STATUS_EVERY_MS);
  return { dispose() { disposed = true; clearInterval(timer); } };
}
