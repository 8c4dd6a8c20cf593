// Indoor monitors for the browser tests: vth, the software monitor, as a real monitor runs
// it — over UDP by default, or registered over TLS (verifying the station's certificate)
// with SRTP in its calls.
import { spawn } from "node:child_process";
import path from "node:path";
import { BIN } from "./vtod.mjs";

/**
 * @typedef {object} MonitorOptions
 * @property {"udp" | "tcp" | "tls"} [transport] the SIP transport (vth's default: udp);
 *   `port` is then the station's port for it (its SIP TLS port for "tls")
 * @property {string} [ca] with "tls": the PEM file the station's certificate is verified with
 * @property {"off" | "preferred" | "required"} [srtp] SRTP in calls over TLS (vth's default:
 *   preferred)
 * @property {number} [autoAnswerMs] answer every incoming call after this many ms
 * @property {string} [listen] the local SIP address (default 127.0.0.1:0)
 */

/**
 * The vth arguments for a monitor `user` registering at 127.0.0.1:`port`.
 * @param {number} port
 * @param {string} user
 * @param {string} password
 * @param {MonitorOptions} options
 */
function vthArgs(port, user, password, options) {
  const { transport, ca, srtp, autoAnswerMs, listen = "127.0.0.1:0" } = options;
  const args = ["--server", `127.0.0.1:${port}`, "--user", user, "--password", password, "--listen", listen];
  if (transport) args.push("--transport", transport);
  if (ca) args.push("--ca", ca);
  if (srtp) args.push("--srtp", srtp);
  if (autoAnswerMs !== undefined) args.push("--auto-answer", String(autoAnswerMs));
  return args;
}

/**
 * vth, the software indoor monitor: JSON events on stdout ("registered" with its "status",
 * "incoming_call", "answered", "media" with "srtp", "bye", ...), commands on stdin ("answer",
 * "hangup", "monitor 8001", ...; tools/vth/main.cpp).
 * @param {number} port the station's SIP port for `options.transport` on 127.0.0.1
 * @param {string} user e.g. "101#0"
 * @param {string} password the room's (or the centre's) register password
 * @param {MonitorOptions} [options]
 */
export function startMonitor(port, user, password, options = {}) {
  const args = vthArgs(port, user, password, options);
  const proc = spawn(path.join(BIN, "vth"), args, { stdio: ["pipe", "pipe", "pipe"] });
  const name = `vth ${user}${options.transport ? ` (${options.transport})` : ""}`;
  /** @type {any[]} */
  const events = [];
  /** @type {{ match: (e: any) => boolean, resolve: (e: any) => void, reject: (err: Error) => void }[]} */
  const waiters = [];
  let buffer = "";
  let output = "";
  /** @type {string | null} how it ended, once it has */
  let exited = null;
  const onData = (chunk) => {
    output += chunk;
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let e;
      try { e = JSON.parse(line); } catch { continue; }
      events.push(e);
      for (const w of [...waiters]) if (w.match(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
    }
  };
  proc.stdout.setEncoding("utf8").on("data", onData);
  proc.stderr.setEncoding("utf8").on("data", (c) => { output += c; });
  proc.stdin.on("error", () => {});  // written to after it exited: the waiters say why
  const exit = new Promise((resolve) => {
    proc.once("error", (err) => { output += `\n${err.message}`; exited = err.message; resolve(exited); });
    proc.once("exit", (code, signal) => { exited = signal ? `killed by ${signal}` : `exit status ${code}`; resolve(exited); });
  });
  exit.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${name} ended (${exited}) waiting:\n${output}`));
  });
  return {
    events,
    args,
    /**
     * The first `event` event seen after the `after`-th event (0: since the start) that
     * `where` (if given) accepts.
     * @param {string} event e.g. "registered"
     * @param {number} [timeoutMs]
     * @param {number} [after]
     * @param {(e: any) => boolean} [where]
     */
    event(event, timeoutMs = 10000, after = 0, where = undefined) {
      const match = (e) => e.event === event && (!where || where(e));
      const what = where ? `${event} event that ${where}` : `${event} event`;
      const found = events.slice(after).find(match);
      if (found) return Promise.resolve(found);
      if (exited) return Promise.reject(new Error(`${name} ended (${exited}) with no ${what}:\n${output}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const w = { match, resolve: (e) => { clearTimeout(timer); resolve(e); },
                    reject: (err) => { clearTimeout(timer); reject(err); } };
        waiters.push(w);
      });
    },
    send(cmd) { if (!exited && proc.stdin.writable) proc.stdin.write(cmd + "\n"); },
    // Quits (un-REGISTER first); resolves once it has exited, killed if it takes 3 s.
    stop() {
      if (!exited && proc.stdin.writable) proc.stdin.end("quit\n");
      const kill = setTimeout(() => proc.kill("SIGKILL"), 3000);
      kill.unref();
      return exit.then(() => clearTimeout(kill));
    },
  };
}
