// @ts-check
// The hash router: "#/name" picks the page. The page shown is kept until the next one is
// asked for; its dispose() runs first, so that whatever it opened (sockets, timers,
// listeners) is closed there and nowhere else.

/** @typedef {import("./api.js").Api} Api */
/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("./dom.js").Child} Child */

/**
 * A page once rendered: dispose() closes what it opened.
 * @typedef {object} Page
 * @property {() => void} dispose
 */

/**
 * A nav entry: a page of the route table that the nav links to.
 * @typedef {object} NavItem
 * @property {string} id the hash, without "#/"
 * @property {string} label
 * @property {import("./session.js").Role} role the least role that sees it
 */

/** @typedef {{ group: string, items: NavItem[] }} NavGroup */

/**
 * What a page module's render() gets.
 * @typedef {object} PageContext
 * @property {string} view the route's id (a module with several pages picks one by it)
 * @property {HTMLElement} main the element the page draws in
 * @property {(title: string, ...content: Child[]) => void} show puts the heading and
 *   `content` in `main` and names the document; does nothing once another page was asked for
 * @property {Api} api
 * @property {Session} session
 * @property {NavGroup[]} nav the nav groups the user sees
 * @property {(id: string) => void} go shows page `id`
 * @property {() => void} reload renders the current page again
 */

/**
 * A page module: render() draws the page and returns it once its first data is shown.
 * @typedef {{ render: (ctx: PageContext) => Page | Promise<Page> }} PageModule
 */

/** A page that opened nothing. */
export const STATIC_PAGE = Object.freeze({ dispose() {} });

/**
 * The router. `show(id, isCurrent)` renders page `id` (the hash without "#/", "home" when
 * empty) and returns it; `isCurrent()` turns false once another page was asked for, and a
 * page returned after that is disposed at once.
 * @param {(id: string, isCurrent: () => boolean) => Promise<Page>} show
 */
export function createRouter(show) {
  /** @type {Page} */
  let current = STATIC_PAGE;
  let generation = 0;

  async function route() {
    const mine = ++generation;
    const previous = current;
    current = STATIC_PAGE;
    previous.dispose();
    const id = location.hash.slice(2) || "home";
    const page = await show(id, () => mine === generation);
    if (mine === generation) current = page;
    else page.dispose();
  }

  /** @param {string} id */
  function go(id) {
    if (location.hash !== `#/${id}`) location.hash = `#/${id}`;
    else route();
  }

  /** @returns {Promise<void>} once the first page is shown */
  function start() {
    window.addEventListener("hashchange", route);
    return route();
  }

  return { go, route, start };
}
