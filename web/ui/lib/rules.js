// @ts-check
// The password rules, the same as the server's (src/accounts/
// password_rules.cpp), so that the page can show them while the password is typed. The
// server checks again: this is a convenience, not the gate.

/**
 * @typedef {object} Rule
 * @property {string} id the rule's name (data-rule of its item in the list)
 * @property {string} text what it asks, as the page says it
 * @property {(password: string, user?: string | null) => boolean} ok
 */

/** @type {(c: string) => number} */
const klass = (c) => (c >= "a" && c <= "z" ? 0 : c >= "A" && c <= "Z" ? 1 : c >= "0" && c <= "9" ? 2 : 3);
/** @type {(c: string) => string} */
const lower = (c) => c.toLowerCase();
/** @type {(c: string) => boolean} */
const isLetter = (c) => klass(c) === 0 || klass(c) === 1;

/** @type {Rule[]} */
export const RULES = [
  { id: "characters", text: "only letters A-Z, digits, spaces and ASCII symbols",
    ok: (p) => /^[\x20-\x7e]*$/.test(p) },
  { id: "length", text: "8 to 64 characters", ok: (p) => p.length >= 8 && p.length <= 64 },
  { id: "classes", text: "two kinds of characters or more (lower-case, upper-case, digits, symbols)",
    ok: (p) => new Set([...p].map(klass)).size >= 2 },
  { id: "user_name", text: "not the user name, nor the user name backwards",
    ok: (p, user) => !user || (lower(p) !== lower(user) && lower(p) !== lower([...user].reverse().join(""))) },
  { id: "repeat", text: "no character three times in a row (111, aaa)",
    ok: (p) => { for (let i = 2; i < p.length; i++) if (lower(p[i]) === lower(p[i - 1]) && lower(p[i]) === lower(p[i - 2])) return false; return true; } },
  { id: "sequence", text: "no runs like 123 or abc (or 321, cba)",
    ok: (p) => {
      for (let i = 2; i < p.length; i++) {
        const [a, b, c] = [p[i - 2], p[i - 1], p[i]];
        const digits = klass(a) === 2 && klass(b) === 2 && klass(c) === 2;
        const letters = isLetter(a) && isLetter(b) && isLetter(c);
        if (!digits && !letters) continue;
        const s1 = lower(b).charCodeAt(0) - lower(a).charCodeAt(0);
        const s2 = lower(c).charCodeAt(0) - lower(b).charCodeAt(0);
        if (s1 === s2 && (s1 === 1 || s1 === -1)) return false;
      }
      return true;
    } },
];

/**
 * The first rule `password` breaks, or null.
 * @param {string} password
 * @param {string | null} [user]
 * @returns {Rule | null}
 */
export function brokenRule(password, user) {
  return RULES.find((r) => !r.ok(password, user)) || null;
}
