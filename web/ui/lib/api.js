// @ts-check
// The JSON API under /api/v1, the only thing the page talks to. Every change carries the
// session's CSRF token; an answer that is not JSON, or no answer, still comes back as
// { error } so that the page can say what went wrong.

/** @typedef {import("./session.js").Session} Session */

/**
 * An error answer: `field` names the field at fault, when there is one.
 * @typedef {object} ApiError
 * @property {string} error
 * @property {string} [field]
 * @property {boolean} [initialized] in a 401: false while the device has no password
 */

/**
 * What api() resolves to: `data` is the answer's JSON (T when `ok`), never a throw.
 * @template [T=any]
 * @typedef {{ ok: true, status: number, data: T } | { ok: false, status: number, data: ApiError }} ApiResult
 */

/**
 * @typedef {<T = any>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) => Promise<ApiResult<T>>} Api
 */

/**
 * The API client of `session`. `onUnauthorized(data)` runs when the server answers 401 to
 * anything but /api/v1/auth/* (the session ended): the page goes to the login, unless it
 * waits for a restart it asked for.
 * @param {Session} session
 * @param {(data: ApiError) => void} onUnauthorized
 * @returns {Api}
 */
export function createApi(session, onUnauthorized) {
  /** @type {Api} */
  const api = async (method, path, body) => {
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: "same-origin",
                                body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { ok: false, status: 0, data: { error: "the door station does not answer" } };
    }
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
    if (!res.ok) {
      /** @type {ApiError} */
      const error = data && typeof data === "object" ? data : { error: `error ${res.status}` };
      if (typeof error.error !== "string" || error.error === "") error.error = `error ${res.status}`;
      if (res.status === 401 && !path.startsWith("/api/v1/auth/")) {
        session.user = null;
        if (!session.restarting) onUnauthorized(error);
      }
      return { ok: false, status: res.status, data: error };
    }
    return { ok: true, status: res.status, data };
  };
  return api;
}

/**
 * A request with a body that is not JSON (a CSV file), with the session's CSRF token; the
 * answer is read as JSON like api()'s.
 * @template [T=any]
 * @param {Session} session
 * @param {"POST" | "PUT"} method
 * @param {string} path
 * @param {string} contentType
 * @param {string} body
 * @returns {Promise<ApiResult<T>>}
 */
export async function sendText(session, method, path, contentType, body) {
  /** @type {Record<string, string>} */
  const headers = { "Content-Type": contentType, Accept: "application/json" };
  if (session.csrf) headers["X-CSRF-Token"] = session.csrf;
  let res;
  try {
    res = await fetch(path, { method, credentials: "same-origin", headers, body });
  } catch (e) {
    return { ok: false, status: 0, data: { error: "the door station does not answer" } };
  }
  const data = await res.json().catch(() => ({ error: `error ${res.status}` }));
  if (!res.ok) return { ok: false, status: res.status, data: { ...data, error: data.error || `error ${res.status}` } };
  return { ok: true, status: res.status, data };
}

/**
 * `load` made safe to call again before its answer came: only the newest call's answer is
 * shown. Filters change faster than the station answers (a search typed letter by letter, a
 * date picked right after), and an older answer that came last, the whole list, would
 * otherwise replace the filtered one. `load` is given `current()`, false once a later call
 * has started, then the call's own arguments; it checks `current()` after each await,
 * before it touches the page.
 * @template {unknown[]} A
 * @param {(current: () => boolean, ...args: A) => Promise<unknown>} load
 * @returns {(...args: A) => Promise<void>}
 */
export function newestOnly(load) {
  let generation = 0;
  return async (...args) => {
    const mine = ++generation;
    await load(() => mine === generation, ...args);
  };
}
