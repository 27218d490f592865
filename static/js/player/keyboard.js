/* Keyboard shortcuts anywhere on the watch page (not while typing). */

import { toggleCaptions } from "./captions-menu.js";
import { seekBy, setVolume, toggleFullscreen, toggleMute, togglePlay, wake } from "./controls.js";
import { toast } from "./dom.js";
import { SEEK_STEP, VOLUME_STEP, shortcut, typingIn } from "./keys.js";

function nudgeVolume(p, delta) {
  const { video } = p;
  setVolume(p, (video.muted ? 0 : video.volume) + delta);
  toast(p, `Volume ${Math.round(video.volume * 100)}%`);
}

const SHORTCUTS = {
  "toggle-play": togglePlay,
  back: (p) => seekBy(p, -SEEK_STEP),
  forward: (p) => seekBy(p, SEEK_STEP),
  "volume-up": (p) => nudgeVolume(p, VOLUME_STEP),
  "volume-down": (p) => nudgeVolume(p, -VOLUME_STEP),
  mute: (p) => {
    toggleMute(p);
    toast(p, p.video.muted ? "Muted" : "Sound on");
  },
  fullscreen: toggleFullscreen,
  captions: toggleCaptions,
};

export function installKeyboard(p) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (typingIn(target)) return; // e.g. the header's search box
    const action = shortcut(event.key, {
      onControl: Boolean(target.closest && target.closest("button, a, summary")),
      onVolume: target === p.ui.volume,
    });
    if (!action) return;
    SHORTCUTS[action](p);
    event.preventDefault();
    wake(p);
  });
}
