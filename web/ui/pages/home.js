// @ts-check
// The overview after the login: who is logged in, and a link to every page the role sees.
import { h } from "../lib/dom.js";
import { STATIC_PAGE } from "../lib/router.js";

/**
 * @param {import("../lib/router.js").PageContext} ctx
 * @returns {import("../lib/router.js").Page}
 */
export function render({ session, nav, show }) {
  show("Door station",
       h("p", {}, `Logged in as ${session.user} (${session.role}).`),
       h("ul", { class: "cards" }, nav.flatMap((g) => g.items).filter((i) => i.id !== "home").map((i) =>
         h("li", {}, h("a", { href: `#/${i.id}` }, i.label)))));
  return STATIC_PAGE;
}
