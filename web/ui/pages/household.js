// @ts-check
// Household Setting: Room No. Management (rooms, batch add with a password each, online
// monitors, those registered over TLS marked), VTO No. Management (which VTOs are online,
// edited in a dialog), and the management centre's account. The API is /api/v1/rooms*,
// /api/v1/vtos*, /api/v1/registrations and /api/v1/centre.
import { h, nodes, toast } from "../lib/dom.js";
import { newestOnly } from "../lib/api.js";
import { form } from "../lib/form.js";
import { STATIC_PAGE } from "../lib/router.js";
import { hasRole } from "../lib/session.js";
import { table, pager } from "../lib/table.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/form.js").Field} Field */
/** @template T @typedef {import("../lib/api.js").ApiResult<T>} ApiResult */

/**
 * @typedef {object} Room
 * @property {string} number
 * @property {string} first_name
 * @property {string} last_name
 * @property {string} nick_name
 * @property {"public" | "local"} register_type
 * @property {string[]} online the monitors registered now (e.g. "101#0")
 * @property {string[]} online_tls those of `online` registered over TLS
 */

/**
 * @typedef {object} Vto
 * @property {string} number
 * @property {string} building
 * @property {string} unit
 * @property {string} ip
 * @property {string} web_user
 * @property {boolean} web_password_set
 */

/**
 * @typedef {object} Centre
 * @property {string} number
 * @property {boolean} password_set
 * @property {string[]} online the devices registered as the centre now
 * @property {string[]} online_tls those of `online` registered over TLS
 */

/**
 * The devices online, comma-separated, each registered over TLS followed by a "TLS" label.
 * @param {string[]} online
 * @param {string[] | undefined} onlineTls
 * @returns {(Node | string)[]}
 */
function onlineDevices(online, onlineTls) {
  const tls = new Set(onlineTls || []);
  return online.flatMap((device, i) => [
    i ? ", " : "",
    device,
    tls.has(device) ? h("span", { class: "tls", title: `${device} registered over TLS: its signalling is encrypted` }, "TLS") : "",
  ]).filter((part) => part !== "");
}

/**
 * "rooms", "vtos" or "centre".
 * @param {PageContext} ctx
 * @returns {Promise<Page>}
 */
export async function render(ctx) {
  if (ctx.view === "vtos") await vtosPage(ctx);
  else if (ctx.view === "centre") await centrePage(ctx);
  else await roomsPage(ctx);
  return STATIC_PAGE;
}

/** @type {import("../lib/form.js").Option[]} */
const REGISTER_TYPES = [{ value: "public", label: "Public" }, { value: "local", label: "Local" }];

/**
 * @param {Partial<Room>} [room]
 * @param {boolean} [withNumber]
 * @returns {Field[]}
 */
function roomFields(room = {}, withNumber = true) {
  /** @type {(Field | null)[]} */
  const fields = [
    withNumber ? { name: "number", label: "Room No.", value: room.number, hint: "1 to 6 letters or digits." } : null,
    { name: "first_name", label: "First name", value: room.first_name },
    { name: "last_name", label: "Last name", value: room.last_name },
    { name: "nick_name", label: "Nick name", value: room.nick_name },
    { name: "register_type", label: "Register type", type: "select", value: room.register_type || "public", options: REGISTER_TYPES,
      hint: "Public is the usual choice. Local is kept for a later use and works like Public today." },
    { name: "password", label: withNumber ? "Register password" : "Register password (empty: unchanged)", type: "password",
      autocomplete: "new-password", hint: "6 to 32 characters; the room's monitors register with it." },
  ];
  return fields.filter((f) => f !== null);
}

/**
 * A modal dialog holding `content` with a Cancel button; closed by Cancel, Escape or a click
 * beside it, and removed from the page when closed.
 * @param {string} title
 * @param {HTMLElement} content
 * @param {string} id
 * @returns {HTMLDialogElement}
 */
export function openDialog(title, content, id) {
  const dialog = /** @type {HTMLDialogElement} */ (h("dialog", { class: "editor", id, "aria-label": title },
    h("h2", {}, title), content,
    h("div", { class: "toolbar" }, h("button", { type: "button", class: "cancel", onclick: () => dialog.close() }, "Cancel"))));
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

const ROOMS_PER_PAGE = 25;

/** @param {PageContext} ctx */
async function roomsPage({ api, session, show }) {
  const list = h("div", { id: "rooms-list" });
  const pagerOut = h("div");
  const canEdit = hasRole(session, "admin");
  const search = h("input", { type: "search", id: "rooms-search", "aria-label": "Search rooms",
                              placeholder: "Search: room No. or name", maxlength: 64, autocomplete: "off" });
  const sort = h("select", { id: "rooms-sort", "aria-label": "Sort rooms by" },
    h("option", { value: "number" }, "By room No."), h("option", { value: "name" }, "By name"),
    h("option", { value: "online" }, "Online first"));
  let offset = 0;
  /** @returns {Promise<ApiResult<{ rooms: Room[], total: number }>>} */
  const ask = () => {
    const q = new URLSearchParams({ offset: String(offset), limit: String(ROOMS_PER_PAGE), sort: sort.value });
    if (search.value.trim()) q.set("q", search.value.trim());
    return api("GET", `/api/v1/rooms?${q}`);
  };
  // The first page of rooms is asked for now, while the forms below are built.
  /** @type {Promise<ApiResult<{ rooms: Room[], total: number }>> | null} */
  let first = ask();
  /** @type {() => Promise<void>} */
  const refresh = newestOnly(async (current) => {
    // The first page asked for early serves the first call only: a search typed meanwhile asks anew.
    const asked = first || ask();
    first = null;
    const res = await asked;
    if (!current()) return;  // a newer search is on its way
    if (!res.ok) return list.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    const { rooms, total } = res.data;
    if (!rooms.length && total > 0 && offset > 0) {
      offset = Math.max(0, offset - ROOMS_PER_PAGE);
      return refresh();
    }
    const filtered = search.value.trim() !== "";
    list.replaceChildren(h("p", { class: "count", id: "rooms-count" },
      `${total} room${total === 1 ? "" : "s"}${filtered ? ` match${total === 1 ? "es" : ""} “${search.value.trim()}”` : ""}`), table([
      { label: "Room No.", cell: (r) => r.number },
      { label: "Name", cell: (r) => [r.first_name, r.last_name].filter(Boolean).join(" ") + (r.nick_name ? ` (${r.nick_name})` : "") || "—" },
      { label: "Register type", cell: (r) => r.register_type },
      { label: "Monitors online", cell: (r) => r.online.length ? h("span", { class: "online" }, onlineDevices(r.online, r.online_tls)) : h("span", { class: "offline" }, "offline") },
      { label: "", cell: (r) => canEdit ? h("span", { class: "row-actions" },
          h("button", { onclick: () => editRoom(r), "aria-label": `Edit room ${r.number}` }, "Edit"),
          h("button", { class: "danger", "aria-label": `Delete room ${r.number}`, onclick: async () => {
            if (!confirm(`Delete room ${r.number}? Its monitors will no longer register.`)) return;
            const d = await api("DELETE", `/api/v1/rooms/${encodeURIComponent(r.number)}`);
            d.ok ? toast(`Room ${r.number} deleted`) : toast(d.data.error, "bad");
            refresh();
          } }, "Delete")) : "" },
    ], rooms, filtered ? "No room matches." : "No rooms yet."));
    pagerOut.replaceChildren(total > ROOMS_PER_PAGE
      ? pager({ offset, limit: ROOMS_PER_PAGE, total, onPage: (o) => { offset = o; refresh(); } }) : "");
  });
  search.addEventListener("input", () => { offset = 0; refresh(); });
  sort.addEventListener("change", () => { offset = 0; refresh(); });
  /** @param {Room} room */
  const editRoom = (room) => {
    /** @type {HTMLDialogElement | null} */
    let dialog = null;
    const f = form({
      id: "edit-room", submit: `Save room ${room.number}`, fields: roomFields(room, false),
      onSubmit: async (v, fm) => {
        if (!v.password) delete v.password;
        const r = await api("PUT", `/api/v1/rooms/${encodeURIComponent(room.number)}`, v);
        if (!r.ok) return fm.showApiError(r);
        toast(`Room ${room.number} saved`);
        dialog?.close();
        refresh();
      },
    });
    dialog = openDialog(`Edit room ${room.number}`, f, "edit-room-dialog");
    f.inputs.first_name.focus();
  };
  const add = form({
    id: "add-room", submit: "Add room", fields: roomFields(),
    onSubmit: async (v, fm) => {
      const r = await api("POST", "/api/v1/rooms", v);
      if (!r.ok) return fm.showApiError(r);
      fm.reset();
      toast(`Room ${v.number} added`);
      refresh();
    },
  });
  // Batch add: Preview says which rooms are new and which exist; then Add adds the new ones
  // (skipping those that exist when the box is ticked).
  const preview = h("div", { id: "batch-preview", "aria-live": "polite" });
  const skip = h("input", { type: "checkbox", id: "batch-skip", checked: true });
  /** @type {Record<string, string | number | boolean> | null} */
  let previewed = null;
  const batch = form({
    id: "batch", submit: "Preview",
    fields: [
      { name: "floors", label: "Floors", inputmode: "numeric", value: "1" },
      { name: "rooms_per_floor", label: "Rooms per floor", inputmode: "numeric", value: "1" },
      { name: "first_floor_first_room", label: "First floor's first room", inputmode: "numeric", value: "101" },
      { name: "second_floor_first_room", label: "Second floor's first room", inputmode: "numeric", value: "201",
        hint: "Floors × rooms per floor with these two numbers: 3 floors of 2 from 101 and 201 give 101 102 201 202 301 302." },
      { name: "register_type", label: "Register type", type: "select", value: "public", options: REGISTER_TYPES,
        hint: "Each room gets a register password of its own, shown once below: hand each flat its own." },
    ],
    onSubmit: async (v, fm) => {
      /** @type {Record<string, string | number | boolean>} */
      const body = { ...v };
      for (const [k, label] of [["floors", "Floors"], ["rooms_per_floor", "Rooms per floor"],
                                ["first_floor_first_room", "First floor's first room"],
                                ["second_floor_first_room", "Second floor's first room"]]) {
        if (!/^\d+$/.test(v[k])) return fm.fieldError(k, `${label}: a whole number`);
        body[k] = Number(v[k]);
      }
      /** @type {ApiResult<{ new: string[], existing: string[] }>} */
      const r = await api("POST", "/api/v1/rooms/batch", { ...body, preview: true });
      if (!r.ok) return fm.showApiError(r);
      previewed = body;
      const few = (/** @type {string[]} */ n) => n.length > 12 ? `${n.slice(0, 6).join(" ")} … ${n.slice(-3).join(" ")}` : n.join(" ");
      const addButton = h("button", { type: "button", id: "batch-add", disabled: !r.data.new.length, onclick: async () => {
        if (!previewed) return;
        addButton.disabled = true;
        /** @type {ApiResult<{ added: string[], skipped: number, rooms: { number: string, password: string }[] }>} */
        const done = await api("POST", "/api/v1/rooms/batch", { ...previewed, skip_existing: skip.checked });
        addButton.disabled = false;
        if (!done.ok) return toast(done.data.error, "bad");
        preview.replaceChildren();
        previewed = null;
        toast(`${done.data.added.length} room${done.data.added.length === 1 ? "" : "s"} added` +
              (done.data.skipped ? `, ${done.data.skipped} that existed skipped` : ""));
        showPasswords(done.data.rooms);
        refresh();
      } }, r.data.existing.length && r.data.new.length ? `Add the ${r.data.new.length} new rooms` : `Add ${r.data.new.length} rooms`);
      skip.checked = true;
      preview.replaceChildren(...nodes(
        h("p", { id: "batch-preview-new" }, r.data.new.length
          ? `${r.data.new.length} new room${r.data.new.length === 1 ? "" : "s"}: ${few(r.data.new)}`
          : "Every room of this batch exists already."),
        r.data.existing.length ? h("p", { id: "batch-preview-existing", class: "warn" },
          `${r.data.existing.length} exist already: ${few(r.data.existing)}`) : null,
        r.data.existing.length ? h("label", { class: "check" }, skip, " Skip the rooms that exist (else nothing is added)") : null,
        h("div", { class: "toolbar" }, addButton)));
    },
  });
  // The batch's passwords, this once: a table and a CSV file to hand out, gone on leaving.
  const passwordsOut = h("div", { id: "batch-passwords" });
  /** @param {{ number: string, password: string }[]} rooms */
  const showPasswords = (rooms) => {
    const csv = "room,password\r\n" + rooms.map((x) => `${x.number},${x.password}`).join("\r\n") + "\r\n";
    const link = h("a", { id: "batch-passwords-csv",
                          href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })),
                          download: "room-passwords.csv" }, "Download as CSV");
    passwordsOut.replaceChildren(
      h("h3", {}, "Register passwords of the rooms added"),
      h("p", { class: "hint" }, "Shown only now. Give each flat its own password; it registers that flat's monitors only."),
      h("div", { class: "toolbar" }, link),
      // A long list folds away: the CSV file is the way to hand out many.
      h("details", { open: rooms.length <= 20 }, h("summary", {}, `Show the ${rooms.length} passwords`),
        table([{ label: "Room No.", cell: (x) => x.number },
               { label: "Register password", cell: (x) => h("code", {}, x.password) }], rooms)));
  };
  // Deleting every room asks for the word, not a click.
  const clearWord = h("input", { id: "rooms-clear-confirm", "aria-label": "Type DELETE to confirm", placeholder: "Type DELETE", autocomplete: "off" });
  const clear = h("button", { id: "rooms-clear", class: "danger", disabled: true, onclick: async () => {
    const r = await api("DELETE", "/api/v1/rooms");
    r.ok ? toast("All rooms deleted") : toast(r.data.error, "bad");
    clearWord.value = "";
    clear.disabled = true;
    offset = 0;
    refresh();
  } }, "Delete every room");
  clearWord.addEventListener("input", () => { clear.disabled = clearWord.value.trim() !== "DELETE"; });
  const tools = h("div", { class: "toolbar" }, search, sort,
    h("button", { id: "rooms-refresh", onclick: () => refresh().then(() => toast("Refreshed")) }, "Refresh"));
  show("Household Setting › Room No. Management", tools, list, pagerOut,
       canEdit ? h("section", {}, h("h2", {}, "Add one room"), add) : null,
       canEdit ? h("section", {}, h("h2", {}, "Add many rooms"), batch, preview, passwordsOut) : null,
       canEdit ? h("section", { class: "danger-zone" }, h("h2", {}, "Delete every room"),
         h("p", { class: "hint" }, "Every room and its register password goes; their monitors no longer register. Rooms on a call button cannot be deleted."),
         h("div", { class: "toolbar" }, clearWord, clear)) : null);
  await refresh();
}

/** @param {PageContext} ctx */
async function vtosPage({ api, session, show }) {
  const list = h("div", { id: "vtos-list" });
  const canEdit = hasRole(session, "admin");
  /** @type {ApiResult<{ vto_number: string }>} */
  const local = await api("GET", "/api/v1/settings/local");
  const own = local.ok ? local.data.vto_number : "";
  /**
   * @param {Partial<Vto>} [v]
   * @param {boolean} [adding]
   * @returns {Field[]}
   */
  const vtoFields = (v = {}, adding = true) => {
    /** @type {(Field | null)[]} */
    const fields = [
      adding ? { name: "number", label: "VTO No.", inputmode: "numeric", hint: "1 to 5 digits." } : null,
      { name: "password", label: adding ? "Register password" : "Register password (empty: unchanged)", type: "password", autocomplete: "new-password" },
      { name: "building", label: "Building No.", inputmode: "numeric", value: v.building },
      { name: "unit", label: "Unit No.", inputmode: "numeric", value: v.unit },
      { name: "ip", label: "IP address", value: v.ip },
      { name: "web_user", label: "Web user", value: v.web_user, hint: "The account of that VTO's web interface." },
      { name: "web_password", label: v.web_password_set ? "Web password (empty: unchanged)" : "Web password", type: "password", autocomplete: "new-password" },
    ];
    return fields.filter((f) => f !== null);
  };
  /**
   * Whether VTO `number` is online: this VTO always, another one while it is registered
   * here (a VTO registers with its VTO No. as the user); "—" when the registrations could
   * not be read.
   * @param {string} number
   * @param {Set<string> | null} registered
   */
  const onlineCell = (number, registered) => {
    if (number === own) return h("span", { class: "online", title: "This VTO, which shows this page" }, "online");
    if (!registered) return "—";
    return registered.has(number)
      ? h("span", { class: "online", title: `VTO ${number} is registered with this VTO now` }, "online")
      : h("span", { class: "offline", title: `VTO ${number} is not registered with this VTO now` }, "offline");
  };
  const refresh = async () => {
    /** @type {[ApiResult<{ vtos: Vto[] }>, ApiResult<{ registrations: { aor: string }[] }>]} */
    const [res, regs] = await Promise.all([api("GET", "/api/v1/vtos"), api("GET", "/api/v1/registrations")]);
    if (!res.ok) return list.replaceChildren(h("p", { class: "form-error" }, res.data.error));
    const registered = regs.ok ? new Set(regs.data.registrations.map((b) => b.aor)) : null;
    list.replaceChildren(table([
      { label: "VTO No.", cell: (r) => r.number === own ? `${r.number} (this VTO)` : r.number },
      { label: "Online", cell: (r) => onlineCell(r.number, registered) },
      { label: "Building", cell: (r) => r.building || "—" },
      { label: "Unit", cell: (r) => r.unit || "—" },
      { label: "IP address", cell: (r) => r.ip || "—" },
      { label: "Web user", cell: (r) => r.web_user || "—" },
      { label: "", cell: (r) => canEdit ? h("span", { class: "row-actions" },
          h("button", { onclick: () => editVto(r), "aria-label": `Edit VTO ${r.number}` }, "Edit"),
          r.number === own ? null : h("button", { class: "danger", "aria-label": `Delete VTO ${r.number}`, onclick: async () => {
            if (!confirm(`Delete VTO ${r.number}?`)) return;
            const d = await api("DELETE", `/api/v1/vtos/${encodeURIComponent(r.number)}`);
            d.ok ? toast(`VTO ${r.number} deleted`) : toast(d.data.error, "bad");
            refresh();
          } }, "Delete")) : "" },
    ], res.data.vtos, "No VTOs yet."));
  };
  /** @param {Vto} v */
  const editVto = (v) => {
    /** @type {HTMLDialogElement | null} */
    let dialog = null;
    const f = form({
      id: "edit-vto", submit: `Save VTO ${v.number}`, fields: vtoFields(v, false),
      onSubmit: async (values, fm) => {
        const r = await api("PUT", `/api/v1/vtos/${encodeURIComponent(v.number)}`, values);
        if (!r.ok) return fm.showApiError(r);
        toast(`VTO ${v.number} saved`);
        dialog?.close();
        refresh();
      },
    });
    dialog = openDialog(`Edit VTO ${v.number}`, f, "edit-vto-dialog");
    f.inputs.building.focus();
  };
  const add = form({
    id: "add-vto", submit: "Add VTO", fields: vtoFields(),
    onSubmit: async (v, fm) => {
      const r = await api("POST", "/api/v1/vtos", v);
      if (!r.ok) return fm.showApiError(r);
      fm.reset();
      toast(`VTO ${v.number} added`);
      refresh();
    },
  });
  show("Household Setting › VTO No. Management",
       h("p", { class: "hint" }, "The door stations of this building that register with this one, this VTO included. Online: registered with this VTO now."),
       h("div", { class: "toolbar" }, h("button", { id: "vtos-refresh", onclick: () => refresh().then(() => toast("Refreshed")) }, "Refresh")),
       list, canEdit ? h("section", {}, h("h2", {}, "Add a VTO"), add) : null);
  await refresh();
}

/** @param {PageContext} ctx */
async function centrePage({ api, session, show }) {
  const status = h("p", { id: "centre-status", class: "panel-state" });
  const load = async () => {
    /** @type {ApiResult<Centre>} */
    const res = await api("GET", "/api/v1/centre");
    if (!res.ok) return (status.textContent = res.data.error);
    const d = res.data;
    status.replaceChildren(`Centre ${d.number}: ${d.password_set ? "register password set" : "no password: it cannot register"}; `,
      ...(d.online.length ? ["online: ", ...onlineDevices(d.online, d.online_tls)] : ["not online"]));
  };
  const f = form({
    id: "centre", submit: "Set password",
    fields: [{ name: "password", label: "Register password of 888888", type: "password", autocomplete: "new-password",
               hint: "6 to 32 characters, no spaces, \" or \\. The management centre's SIP account; alarms and emergency calls go to it." }],
    onSubmit: async (v, fm) => {
      const r = await api("PUT", "/api/v1/centre", v);
      if (!r.ok) return fm.showApiError(r);
      fm.reset();
      toast("Centre password set");
      load();
    },
  });
  if (!hasRole(session, "admin")) for (const el of f.elements) /** @type {HTMLInputElement} */ (el).disabled = true;
  show("Management Centre", status, f);
  await load();
}
