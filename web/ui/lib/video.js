// @ts-check
// The door camera in an <img>: frames pushed as JPEG images on the /api/v1/live/video
// WebSocket (one of the six video streams).

/**
 * A live picture; close() ends its socket (the page's dispose calls it).
 * @typedef {{ close: () => void }} LiveVideo
 */

/**
 * Shows the camera in `img` until close(). `onNote(text)` tells why the picture stopped or
 * is not there, `onFrame(count)` follows the frames shown.
 * @param {HTMLImageElement} img
 * @param {(text: string) => void} [onNote]
 * @param {(count: number) => void} [onFrame]
 * @returns {LiveVideo}
 */
export function liveVideo(img, onNote, onFrame) {
  const ws = new WebSocket(`wss://${location.host}/api/v1/live/video`);
  ws.binaryType = "blob";
  /** @type {string | null} */
  let shown = null;        // the blob URL on screen
  let decoding = false;    // a frame is being decoded off screen: the next ones are skipped
  let frames = 0;
  let closed = false;
  ws.addEventListener("message", (e) => {
    if (typeof e.data === "string") {
      try { onNote?.(JSON.parse(e.data).error || ""); } catch { /* not ours */ }
      return;
    }
    if (closed || decoding) return;
    // Decoded first, then shown: the picture never blanks between two frames.
    decoding = true;
    const next = URL.createObjectURL(e.data);
    const probe = new Image();
    probe.onload = () => {
      decoding = false;
      if (closed) { URL.revokeObjectURL(next); return; }
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
    if (!closed && e.code !== 1000 && frames === 0) onNote?.("The live picture is not available now (six video streams may already run).");
  });
  return {
    close() {
      if (closed) return;
      closed = true;
      ws.close(1000);
      if (shown) URL.revokeObjectURL(shown);
      shown = null;
    },
  };
}
