// @ts-check
// Forms of labelled fields whose errors land beside the field they name: form() builds the
// usual text, password and select fields and plain textareas; controlForm() wires the same
// error handling around controls a page builds itself (textareas with a file chooser,
// checkboxes).
import { h, clearToast } from "./dom.js";
import { RULES } from "./rules.js";

/** @typedef {import("./api.js").ApiResult} ApiResult */
/** @typedef {import("./dom.js").Child} Child */

/**
 * A select's option: a plain string is both the value and the label.
 * @typedef {string | { value: string, label: string }} Option
 */

/**
 * A field of form().
 * @typedef {object} Field
 * @property {string} name the key of the value, and of the API's `field` in an error
 * @property {string} label
 * @property {string} [type] an input's type, "select" or "textarea"
 * @property {string | number | null} [value]
 * @property {Option[]} [options] a select's options
 * @property {string} [hint]
 * @property {boolean} [required]
 * @property {string} [autocomplete] "off" unless given
 * @property {string} [inputmode]
 * @property {string} [placeholder]
 * @property {number} [rows] a textarea's height in lines (6 unless given)
 * @property {{ user: () => string | null }} [rules] show the password rules, ticked while
 *   typing; `user` gives the account name (a function, as it may be typed in another field)
 */

/** @typedef {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} Control */

/**
 * What a form can do beside being a form.
 * @typedef {object} FormErrors
 * @property {(name: string, message: string) => void} fieldError the message beside the
 *   control `name` (focused), or under the form when there is no such control
 * @property {() => void} clearErrors
 * @property {(res: ApiResult) => void} showApiError an API error, beside its field if it names one
 */

/** @typedef {HTMLFormElement & FormErrors} ControlForm */
/** @typedef {ControlForm & { inputs: Record<string, Control> }} Form */

/**
 * The error handling of a form around `controls` ({ name: control }, each control with an
 * id whose error paragraph is `${id}-error`). `mapField(field, message)` may turn the API's
 * field name into one of `controls` (and reword the message). `onSubmit(f)` runs with the
 * errors cleared and the submit button busy.
 * @param {object} options
 * @param {string} options.id
 * @param {Child} options.rows the fields
 * @param {Record<string, Control>} options.controls
 * @param {string} options.submit the submit button's text
 * @param {string} [options.submitId] the submit button's id
 * @param {(f: ControlForm) => Promise<unknown> | unknown} options.onSubmit
 * @param {(field: string, message: string) => [string, string]} [options.mapField]
 * @returns {ControlForm}
 */
export function controlForm({ id, rows, controls, submit, submitId, onSubmit, mapField = (f, msg) => [f, msg] }) {
  const status = h("p", { class: "form-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary", id: submitId }, submit);
  const form = h("form", { id, novalidate: true }, rows, status, h("div", { class: "actions" }, button));
  /** @param {Control} el */
  const errorOf = (el) => form.querySelector(`#${CSS.escape(el.id)}-error`);
  /**
   * The label people see for control `name` (without a trailing "(optional)"), or null.
   * @param {string} name
   */
  const labelOf = (name) => {
    const el = Object.hasOwn(controls, name) ? controls[name] : null;
    const label = el && form.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    return label && label.textContent ? label.textContent.replace(/\s*\((optional|[^)]*empty[^)]*)\)$/, "").trim() : null;
  };
  /**
   * The API's words made the page's: "valid_to: before valid_from" says "Valid until: before
   * Valid from", naming each control by its label.
   * @param {string} message
   */
  const humanize = (message) => message
    .replace(/^([a-z][a-z0-9_]*): /, (m, name) => { const l = labelOf(name); return l ? `${l}: ` : m; })
    .replace(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g, (name) => labelOf(name) || name);
  /** @type {ControlForm} */
  const f = Object.assign(form, {
    /** @type {FormErrors["fieldError"]} */
    fieldError(name, raw) {
      const message = humanize(raw);
      const el = controls[name];
      if (!el) { status.textContent = message; return; }
      el.setAttribute("aria-invalid", "true");
      const error = errorOf(el);
      if (error) error.textContent = message;
      el.focus();
    },
    clearErrors() {
      status.textContent = "";
      for (const el of Object.values(controls)) {
        el.removeAttribute("aria-invalid");
        const error = errorOf(el);
        if (error) error.textContent = "";
      }
    },
    /** @type {FormErrors["showApiError"]} */
    showApiError(res) {
      const d = res.data || {};
      const message = d.error || `error ${res.status}`;
      // No field named, but the message starts with one of this form's: beside it.
      const named = !d.field && /^([a-z][a-z0-9_]*): /.exec(message);
      const field = d.field || (named && Object.hasOwn(controls, named[1]) ? named[1] : "");
      if (field) f.fieldError(...mapField(field, message));
      else status.textContent = humanize(message);
    },
  });
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    f.clearErrors();
    clearToast();
    button.disabled = true;
    button.classList.add("busy");
    try { await onSubmit(f); } finally {
      button.disabled = false;
      button.classList.remove("busy");
    }
  });
  return f;
}

/**
 * A form of labelled fields. `onSubmit(values, f)` gets each field's value by name.
 * @param {object} options
 * @param {string} options.id the form's id; each control's id is `${id}-${name}`
 * @param {Field[]} options.fields
 * @param {string} options.submit the submit button's text
 * @param {(values: Record<string, string>, f: Form) => Promise<unknown> | unknown} options.onSubmit
 * @returns {Form}
 */
export function form({ fields, submit, onSubmit, id }) {
  /** @type {Record<string, Control>} */
  const inputs = {};
  const rows = [];
  for (const fd of fields) {
    const inputId = `${id}-${fd.name}`;
    let input;
    if (fd.type === "select") {
      input = h("select", { id: inputId, name: fd.name },
                (fd.options || []).map((o) => typeof o === "string"
                  ? h("option", { value: o, selected: o === fd.value }, o)
                  : h("option", { value: o.value, selected: o.value === fd.value }, o.label)));
    } else if (fd.type === "textarea") {
      input = h("textarea", { id: inputId, name: fd.name, rows: fd.rows ?? 6, spellcheck: "false",
                              required: fd.required, autocomplete: fd.autocomplete || "off",
                              placeholder: fd.placeholder, "aria-describedby": `${inputId}-error` });
      input.value = fd.value === null || fd.value === undefined ? "" : String(fd.value);
    } else {
      input = h("input", { id: inputId, name: fd.name, type: fd.type || "text", value: fd.value ?? "",
                           required: fd.required, autocomplete: fd.autocomplete || "off",
                           inputmode: fd.inputmode, placeholder: fd.placeholder,
                           "aria-describedby": `${inputId}-error` });
    }
    inputs[fd.name] = input;
    const row = h("div", { class: "field" }, h("label", { for: inputId }, fd.label), input,
                  fd.hint ? h("p", { class: "hint" }, fd.hint) : null,
                  h("p", { class: "field-error", id: `${inputId}-error` }));
    if (fd.rules) row.append(ruleList(input, fd.rules));
    rows.push(row);
  }
  /** @type {Form} */
  const f = Object.assign(controlForm({
    id, rows, controls: inputs, submit,
    onSubmit: () => onSubmit(Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])), f),
  }), { inputs });
  return f;
}

/**
 * A labelled row around `control` (which has an id), with its hint and error paragraph, in
 * the shape of form()'s rows.
 * @param {object} options
 * @param {Control} options.control
 * @param {string} [options.label]
 * @param {string} [options.hint]
 * @param {Child} [options.extra] something after the control (a file chooser)
 * @returns {HTMLElement}
 */
export function fieldRow({ control, label, hint, extra }) {
  control.setAttribute("aria-describedby", `${control.id}-error`);
  return h("div", { class: "field" },
           label ? h("label", { for: control.id }, label) : null,
           control, extra || null,
           hint ? h("p", { class: "hint" }, hint) : null,
           h("p", { class: "field-error", id: `${control.id}-error` }));
}

/**
 * The password rules under a password field, ticked while typing.
 * @param {Control} input
 * @param {{ user: () => string | null }} rules
 * @returns {HTMLElement}
 */
function ruleList(input, { user }) {
  const items = RULES.map((r) => h("li", { "data-rule": r.id }, r.text));
  const list = h("ul", { class: "rules", "aria-label": "Password rules" }, items);
  const update = () => {
    RULES.forEach((r, i) => {
      const ok = input.value !== "" && r.ok(input.value, user());
      items[i].className = input.value === "" ? "" : ok ? "met" : "unmet";
    });
  };
  input.addEventListener("input", update);
  return list;
}
