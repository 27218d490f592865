/* The seek bar and the time next to it: duration, position, buffered fill. */

import { formatTime } from "./format.js";

export function seekMax(p) {
  return Number(p.ui.seek.max) || 0;
}

export function setDuration(p, seconds) {
  if (!(seconds > 0)) return;
  p.ui.seek.max = String(seconds);
  p.ui.seek.disabled = false;
  p.ui.duration.textContent = formatTime(seconds);
}

export function renderTime(p) {
  const { ui, video } = p;
  const now = video.currentTime;
  const total = Number.isFinite(video.duration) ? video.duration : seekMax(p);
  ui.current.textContent = formatTime(now);
  if (!p.state.seeking) ui.seek.value = String(now);
  ui.seek.setAttribute("aria-valuetext", `${formatTime(now)} of ${formatTime(total)}`);
  // The bar's fill: played, then buffered (CSS draws them from these).
  let buffered = 0;
  for (let i = 0; i < video.buffered.length; i += 1) {
    if (video.buffered.start(i) <= now + 0.5) buffered = Math.max(buffered, video.buffered.end(i));
  }
  if (total > 0) {
    ui.seek.style.setProperty("--played", `${(now / total) * 100}%`);
    ui.seek.style.setProperty("--buffered", `${(buffered / total) * 100}%`);
  }
}
