// @ts-check
// Device initialization (the first administrator password: there is no default one) and
// the login. The API is /api/v1/auth/init and /api/v1/auth/login.
import { h, toast } from "../lib/dom.js";
import { form } from "../lib/form.js";
import { brokenRule } from "../lib/rules.js";
import { STATIC_PAGE } from "../lib/router.js";

/** @typedef {import("../lib/router.js").PageContext} PageContext */
/** @typedef {import("../lib/router.js").Page} Page */
/** @typedef {import("../lib/session.js").Role} Role */

/**
 * The login answer.
 * @typedef {{ user: string, role: Role, csrf: string }} LoginAnswer
 */

/**
 * "init" or "login".
 * @param {PageContext} ctx
 * @returns {Page}
 */
export function render(ctx) {
  if (ctx.view === "init") initPage(ctx);
  else loginPage(ctx);
  return STATIC_PAGE;
}

/** @param {PageContext} ctx */
function initPage({ api, session, show, go }) {
  const f = form({
    id: "init", submit: "Initialize",
    fields: [
      { name: "user", label: "User name", value: "admin", hint: "The administrator account.", autocomplete: "username" },
      { name: "password", label: "Password", type: "password", autocomplete: "new-password", rules: { user: () => "admin" } },
      { name: "confirm", label: "Confirm password", type: "password", autocomplete: "new-password" },
      { name: "email", label: "E-mail for password reset (optional)", type: "email", autocomplete: "email" },
    ],
    onSubmit: async (v, fm) => {
      const broken = brokenRule(v.password, "admin");
      if (broken) return fm.fieldError("password", `password: ${broken.text}`);
      if (v.password !== v.confirm) return fm.fieldError("confirm", "the two passwords differ");
      const res = await api("POST", "/api/v1/auth/init", { password: v.password, email: v.email });
      if (!res.ok) return fm.showApiError(res);
      session.initialized = true;
      toast("The door station is initialized. Log in with the new password.");
      go("login");
    },
  });
  /** @type {HTMLInputElement} */ (f.inputs.user).readOnly = true;
  show("Device initialization",
       h("p", {}, "This door station has no administrator password yet. Choose one: there is no default password."),
       f);
  f.inputs.password.focus();
}

/** @param {PageContext} ctx */
function loginPage({ api, session, show, go }) {
  const f = form({
    id: "login", submit: "Log in",
    fields: [
      { name: "user", label: "User name", autocomplete: "username", value: "admin" },
      { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
    ],
    onSubmit: async (v, fm) => {
      /** @type {import("../lib/api.js").ApiResult<LoginAnswer>} */
      const res = await api("POST", "/api/v1/auth/login", { user: v.user, password: v.password });
      if (!res.ok) return fm.showApiError(res);
      Object.assign(session, { user: res.data.user, role: res.data.role, csrf: res.data.csrf });
      const wanted = sessionStorage.getItem("after-login");
      sessionStorage.removeItem("after-login");
      go(wanted && !["login", "init"].includes(wanted) ? wanted : "home");
    },
  });
  show("Log in", f);
  f.inputs.password.focus();
}
