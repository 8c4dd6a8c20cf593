// @ts-check
// Who is logged in, and what each role may do.

/** @typedef {"viewer" | "operator" | "admin"} Role */

/**
 * The page's login state, filled from GET /api/v1/auth/status and the login answer.
 * @typedef {object} Session
 * @property {boolean | null} initialized false: the device has no administrator password yet
 * @property {string | null} user
 * @property {Role | null} role
 * @property {string | null} csrf the token sent as X-CSRF-Token with every change
 * @property {boolean} restarting the page asked for a restart and waits for the station: a
 *   401 meanwhile (a restore ends the sessions before the restart) does not open the login,
 *   the page reloads once the station is back
 */

/** Each role's rank: a role may do what the roles below it may. */
export const RANK = Object.freeze({ viewer: 1, operator: 2, admin: 3 });

/**
 * Whether the logged-in role is `least` or above.
 * @param {Session} session
 * @param {Role} least
 * @returns {boolean}
 */
export function hasRole(session, least) {
  return session.role !== null && RANK[session.role] >= RANK[least];
}

/** @returns {Session} a session of nobody */
export function emptySession() {
  return { initialized: null, user: null, role: null, csrf: null, restarting: false };
}
