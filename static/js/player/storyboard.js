/* Storyboard previews over the seek bar, from the session's thumbnails track. */

import { formatTime } from "./format.js";
import { signUrl } from "./grant.js";
import { seekMax } from "./seekbar.js";
import { cueAt, parseThumbnails } from "./vtt.js";

export async function loadStoryboard(p, url) {
  p.state.storyboard = [];
  if (!url) return;
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const base = new URL(url, window.location.href).href;
    p.state.storyboard = parseThumbnails(await response.text(), base);
  } catch {
    p.state.storyboard = []; // previews are a nicety: play on without them
  }
}

/** The preview over the seek bar at ``seconds`` (x in px, or from the time). */
export function showPreview(p, seconds, clientX) {
  const { ui, root } = p;
  const total = seekMax(p);
  if (!(total > 0)) return;
  const bar = ui.seek.getBoundingClientRect();
  const hostBox = root.getBoundingClientRect();
  const x = clientX === null ? bar.left + (seconds / total) * bar.width : clientX;
  const cue = cueAt(p.state.storyboard, seconds);
  if (cue) {
    const sprite = signUrl(p.state.grant, cue.url, window.location.href);
    Object.assign(ui.storyboardImage.style, {
      width: `${cue.w}px`,
      height: `${cue.h}px`,
      backgroundImage: `url("${sprite}")`,
      backgroundPosition: `-${cue.x}px -${cue.y}px`,
    });
    ui.storyboardImage.hidden = false;
  } else {
    ui.storyboardImage.hidden = true;
  }
  ui.storyboardTime.textContent = formatTime(seconds);
  ui.storyboard.hidden = false;
  const width = ui.storyboard.offsetWidth;
  const left = Math.max(0, Math.min(x - hostBox.left - width / 2, hostBox.width - width));
  ui.storyboard.style.left = `${left}px`;
  ui.storyboard.style.bottom = `${hostBox.bottom - bar.top + 8}px`;
  clearTimeout(p.state.previewTimer);
}

export function hidePreviewSoon(p) {
  clearTimeout(p.state.previewTimer);
  p.state.previewTimer = setTimeout(() => {
    p.ui.storyboard.hidden = true;
  }, 1000);
}

/** Hovering the seek bar previews the time under the pointer. */
export function installStoryboard(p) {
  const { ui } = p;
  ui.seek.addEventListener("pointermove", (event) => {
    const bar = ui.seek.getBoundingClientRect();
    const ratio = Math.max(0, Math.min(1, (event.clientX - bar.left) / bar.width));
    showPreview(p, ratio * seekMax(p), event.clientX);
  });
  ui.seek.addEventListener("pointerleave", () => {
    if (!p.state.seeking) ui.storyboard.hidden = true;
  });
  ui.seek.addEventListener("blur", () => {
    ui.storyboard.hidden = true;
  });
}
