// Live view of the door in the web interface: the camera's frames
// pushed as JPEG images on the /api/v1/live/video WebSocket (one of the six video streams),
// the streams in use, the RTSP addresses for players and NVRs, and (admins) who may watch and
// how long a monitor session lasts (/api/v1/settings/live).
//
// `ui` carries app.js's helpers: { h, api, page, form, toast, table, session, fmtTime, RANK }.

// Shows the camera in `img` while it is in the page; `onNote(text)` tells why it stopped,
// `onFrame(count)` follows the frames shown. Returns the WebSocket (closed by the page
// router when the page changes).
export function liveVideo(img, onNote, onFrame) {
  const ws = new WebSocket(`wss://${location.host}/api/v1/live/video`);
  ws.binaryType = "blob";
  let shown = null;        // the blob URL on screen
  let decoding = false;    // a frame is being decoded off screen: the next ones are skipped
  let frames = 0;
  ws.addEventListener("message", (e) => {
    if (typeof e.data === "string") {
      try { onNote?.(JSON.parse(e.data).error || ""); } catch { /* not ours */ }
      return;
    }
    if (!img.isConnected) { ws.close(); return; }
    if (decoding) return;
    // Decoded first, then shown: the picture never blanks between two frames.
    decoding = true;
    const next = URL.createObjectURL(e.data);
    const probe = new Image();
    probe.onload = () => {
      decoding = false;
      if (!img.isConnected) { URL.revokeObjectURL(next); return; }
      img.src = next;
      if (shown) URL.revokeObjectURL(shown);
      shown = next;
      img.dataset.frames = String(++frames);
      onFrame?.(frames);
    };
    probe.onerror = () => { decoding = false; URL.revokeObjectURL(next); };
    probe.src = next;
  });
  ws.addEventListener("close", (e) => {
    if (e.code !== 1000 && frames === 0) onNote?.("The live picture is not available now (six video streams may already run).");
  });
  return ws;
}

export async function livePage(ui, sockets) {
  const { h, api, page, form, toast, session, RANK } = ui;
  const picture = h("img", { class: "camera live", id: "live-camera", alt: "The door camera, live", width: 640, height: 480 });
  const note = h("p", { id: "live-note", class: "form-error", role: "status" });
  const streams = h("p", { id: "live-streams" });
  const rtsp = h("div", { id: "live-rtsp" });
  const showStatus = async () => {
    const res = await api("GET", "/api/v1/live/status");
    if (!res.ok) return;
    const s = res.data.streams;
    streams.textContent = `Video streams in use: ${s.in_use} of ${s.limit} (calls ${s.calls}, monitors ${s.monitors}, RTSP ${s.rtsp}, browsers ${s.browser}).`;
    const r = res.data.rtsp;
    rtsp.replaceChildren(r.running
      ? h("ul", {},
          h("li", {}, "Main stream: ", h("code", {}, `rtsp://${location.hostname}:${r.port}${r.main}`)),
          h("li", {}, "Sub-stream: ", h("code", {}, `rtsp://${location.hostname}:${r.port}${r.sub}`)),
          h("li", {}, "Snapshot: ", h("code", {}, `https://${location.host}/cgi-bin/snapshot.cgi`)))
      : h("p", {}, "RTSP is off."));
  };
  const content = [
    h("div", { class: "live-wrap" }, picture), note, streams,
    h("section", {}, h("h2", {}, "Players and NVRs"),
      h("p", {}, "Use a web account's user name and password (digest authentication). Accounts made before this version need to log in here once first."), rtsp),
  ];
  if (RANK[session.role] >= RANK.admin) {
    const settings = await api("GET", "/api/v1/settings/live");
    if (settings.ok) {
      const roles = ["admin", "operator", "viewer"];
      const boxes = Object.fromEntries(roles.map((r) => [r, h("input", { type: "checkbox", id: `live-role-${r}`, checked: settings.data.watch_roles.includes(r) })]));
      const f = form({
        id: "live-settings", submit: "Save",
        fields: [{ name: "monitor_seconds", label: "Monitor time (seconds)", value: String(settings.data.monitor_seconds), inputmode: "numeric",
                   hint: "A monitor session from an indoor monitor ends after this time (10 to 600)." }],
        onSubmit: async (v, fm) => {
          const body = { monitor_seconds: Number(v.monitor_seconds), watch_roles: roles.filter((r) => boxes[r].checked) };
          if (!/^\d+$/.test(v.monitor_seconds)) return fm.fieldError("monitor_seconds", "monitor_seconds: a whole number of seconds from 10 to 600");
          const res = await api("PUT", "/api/v1/settings/live", body);
          if (!res.ok) return fm.showApiError(res);
          toast("Saved");
        },
      });
      f.prepend(h("fieldset", { class: "field" }, h("legend", {}, "Roles that may watch (live view, RTSP, snapshots)"),
        ...roles.map((r) => h("label", { class: "check", for: `live-role-${r}` }, boxes[r], ` ${r}`))));
      content.push(h("section", {}, h("h2", {}, "Who may watch"), f));
    }
  }
  page("Live view", ...content);
  // The status again once the picture shows: this page is one of the streams now.
  sockets.push(liveVideo(picture, (text) => { note.textContent = text; },
                         (n) => { if (n === 1) showStatus(); }));
  await showStatus();
  const timer = setInterval(() => { if (!picture.isConnected) clearInterval(timer); else showStatus(); }, 2000);
}
