/*
 * The controls: play and pause, seeking, volume, full screen, the time, and
 * the video's own events that redraw them; controls fade while playing.
 */

import { setLabel, setState, hideMessage, toast } from "./dom.js";
import { formatTime } from "./format.js";
import { cancelNext, goNext, offerNext } from "./next-episode.js";
import { recall, remember } from "./prefs.js";
import { renderTime, seekMax, setDuration } from "./seekbar.js";
import { heartbeat } from "./session.js";
import { hidePreviewSoon, showPreview } from "./storyboard.js";
import { SEEK_STEP } from "./keys.js";
import { clampVolume, seekTarget } from "./timing.js";

const IDLE_AFTER = 3000; // ms without pointer movement before controls hide

export function togglePlay(p) {
  const { video } = p;
  if (!p.state.session) return;
  if (video.paused || video.ended) {
    video.play().catch(() => {});
  } else {
    video.pause();
  }
}

export function seekBy(p, delta) {
  const { video } = p;
  if (!Number.isFinite(video.duration)) return;
  seekTo(p, video.currentTime + delta);
  toast(p, delta < 0 ? `−${-delta} s` : `+${delta} s`);
}

function seekTo(p, seconds) {
  const { video } = p;
  const end = Number.isFinite(video.duration) ? video.duration : seekMax(p);
  video.currentTime = seekTarget(seconds, end);
  p.state.started = true; // an explicit seek is a position worth saving
  showPreview(p, video.currentTime, null);
  hidePreviewSoon(p);
}

export function setVolume(p, value) {
  p.video.volume = clampVolume(value);
  p.video.muted = p.video.volume === 0;
}

export function toggleMute(p) {
  const { video } = p;
  video.muted = !video.muted;
  if (!video.muted && video.volume === 0) video.volume = 0.5;
}

export function toggleFullscreen(p) {
  if (document.fullscreenElement) {
    document.exitFullscreen().catch(() => {});
  } else if (p.root.requestFullscreen) {
    p.root.requestFullscreen().catch(() => {});
  }
}

/** Controls fade while playing and nobody moves the pointer; focus keeps them. */
export function wake(p) {
  p.root.classList.remove("is-idle");
  clearTimeout(p.state.idleTimer);
  p.state.idleTimer = setTimeout(() => {
    if (!p.video.paused) p.root.classList.add("is-idle");
  }, IDLE_AFTER);
}

function renderPlayState(p) {
  const { video, ui } = p;
  const playing = !video.paused && !video.ended;
  setLabel(ui.playButton, playing ? "Pause (k)" : "Play (k)", playing ? "pause" : "play");
  if (playing) ui.bigPlay.hidden = true;
}

function renderVolume(p) {
  const { video, ui } = p;
  const silent = video.muted || video.volume === 0;
  setLabel(ui.muteButton, silent ? "Unmute (m)" : "Mute (m)", silent ? "muted" : "volume");
  const level = video.muted ? 0 : video.volume;
  ui.volume.value = String(level);
  ui.volume.setAttribute("aria-valuetext", `${Math.round(level * 100)}%`);
}

function watchVideo(p) {
  const { video, state, ui } = p;
  video.addEventListener("play", () => {
    renderPlayState(p);
    p.telemetry.played();
  });
  video.addEventListener("pause", () => {
    renderPlayState(p);
    p.telemetry.stopped();
    if (state.session && !state.ended && state.started) setState(p, "paused");
  });
  video.addEventListener("playing", () => {
    // Now currentTime is the real position (at or after the start position).
    state.started = true;
    state.recoveries = 0;
    p.telemetry.playing();
    hideMessage(p);
    setState(p, "playing");
  });
  video.addEventListener("waiting", () => {
    setState(p, "buffering");
    // Waiting for data after playback began is a stall; after a seek it is not.
    p.telemetry.waiting(state.started && !video.seeking);
  });
  video.addEventListener("timeupdate", () => renderTime(p));
  video.addEventListener("progress", () => renderTime(p));
  video.addEventListener("durationchange", () => setDuration(p, video.duration));
  video.addEventListener("volumechange", () => {
    renderVolume(p);
    remember("volume", { volume: video.volume, muted: video.muted });
  });
  video.addEventListener("seeking", () => p.telemetry.stopped());
  video.addEventListener("ended", () => {
    renderPlayState(p);
    p.telemetry.stopped();
    setState(p, "ended");
    heartbeat(p); // the final position: the title counts as watched
    if (p.config.next) {
      offerNext(p);
    } else {
      ui.bigPlay.hidden = false;
      setLabel(ui.bigPlay, "Watch again", "replay");
    }
  });
  video.addEventListener("click", () => togglePlay(p));
}

const ACTIONS = {
  play: (p) => {
    if (p.video.ended) p.video.currentTime = 0;
    p.video.play().catch(() => {});
  },
  "toggle-play": togglePlay,
  back: (p) => seekBy(p, -SEEK_STEP),
  forward: (p) => seekBy(p, SEEK_STEP),
  mute: toggleMute,
  fullscreen: toggleFullscreen,
  "next-now": goNext,
  "next-cancel": cancelNext,
};

export function installControls(p) {
  const { video, ui, root, state } = p;
  watchVideo(p);
  const saved = recall("volume", null);
  if (saved) {
    video.volume = clampVolume(Number(saved.volume) || 0);
    video.muted = Boolean(saved.muted);
  }
  renderVolume(p);

  root.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (target && Object.hasOwn(ACTIONS, target.dataset.action)) {
      ACTIONS[target.dataset.action](p);
    }
  });

  ui.volume.addEventListener("input", () => setVolume(p, Number(ui.volume.value)));

  // Dragging the seek bar previews; letting go seeks.
  ui.seek.addEventListener("input", () => {
    state.seeking = true;
    const seconds = Number(ui.seek.value);
    ui.current.textContent = formatTime(seconds);
    showPreview(p, seconds, null);
  });
  ui.seek.addEventListener("change", () => {
    state.seeking = false;
    seekTo(p, Number(ui.seek.value));
  });

  document.addEventListener("fullscreenchange", () => {
    const full = document.fullscreenElement === root;
    setLabel(
      ui.fullscreenButton,
      full ? "Exit full screen (f)" : "Full screen (f)",
      full ? "exit-fullscreen" : "fullscreen",
    );
    root.classList.toggle("is-fullscreen", full);
  });

  root.addEventListener("pointermove", () => wake(p));
  root.addEventListener("focusin", () => wake(p));
}
