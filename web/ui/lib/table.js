// @ts-check
// Tables of records and the pager under them.
import { h } from "./dom.js";

/** @typedef {import("./dom.js").Child} Child */

/**
 * A column: its heading (also each cell's data-label, for the phone layout) and its cell.
 * @template R
 * @typedef {{ label: string, cell: (row: R) => Child }} Column
 */

/**
 * A table of `rows`, or the paragraph `empty` when there are none.
 * @template R
 * @param {Column<R>[]} columns
 * @param {R[]} rows
 * @param {string} [empty]
 * @returns {HTMLElement}
 */
export function table(columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", { "data-label": c.label }, c.cell(r))))))));
}

/**
 * @typedef {object} PagerOptions
 * @property {number} offset the first row shown (0-based)
 * @property {number} limit rows per page
 * @property {number} total rows in all
 * @property {boolean} [exact] false: `total` is a lower bound ("more than 10,000")
 * @property {number} [shown] rows on this page, when `total` is not exact
 * @property {(offset: number) => void} onPage
 * @property {string} [newer] the label of the button to the previous page
 * @property {string} [older] the label of the button to the next page
 */

/**
 * Previous / next buttons and "a–b of n" for a list of `limit` per page.
 * @param {PagerOptions} options
 * @returns {HTMLElement}
 */
export function pager({ offset, limit, total, exact = true, shown, onPage, newer = "Previous", older = "Next" }) {
  const last = offset + (shown ?? Math.min(limit, Math.max(0, total - offset)));
  const more = exact ? offset + limit < total : shown === limit;
  return h("div", { class: "pager" },
    h("button", { disabled: offset === 0, onclick: () => onPage(Math.max(0, offset - limit)) }, newer),
    h("span", {}, `${last > offset ? offset + 1 : 0}–${last} of ${exact ? total : `more than ${total.toLocaleString("en")}`}`),
    h("button", { disabled: !more, onclick: () => onPage(offset + limit) }, older));
}
