/*
 * The player's elements and the small pieces every part draws with: icons,
 * labels, buttons and links, the toast and the message over the video.
 * ``p`` everywhere is the player (see main.js).
 */

// 24x24 icons (Material Design paths), drawn in the text colour.
const ICONS = {
  play: "M8 5v14l11-7z",
  pause: "M6 19h4V5H6v14zm8-14v14h4V5h-4z",
  replay:
    "M12 5V1L7 6l5 5V7c3.31 0 6 2.69 6 6s-2.69 6-6 6-6-2.69-6-6H4c0 4.42 3.58 8 8 8s8-3.58 8-8-3.58-8-8-8z",
  volume:
    "M3 9v6h4l5 5V4L7 9H3zm13.5 3c0-1.77-1.02-3.29-2.5-4.03v8.05c1.48-.73 2.5-2.25 2.5-4.02zM14 3.23v2.06c2.89.86 5 3.54 5 6.71s-2.11 5.85-5 6.71v2.06c4.01-.91 7-4.49 7-8.77s-2.99-7.86-7-8.77z",
  muted:
    "M16.5 12c0-1.77-1.02-3.29-2.5-4.03v2.21l2.45 2.45c.03-.2.05-.41.05-.63zm2.5 0c0 .94-.2 1.82-.54 2.64l1.51 1.51C20.63 14.91 21 13.5 21 12c0-4.28-2.99-7.86-7-8.77v2.06c2.89.86 5 3.54 5 6.71zM4.27 3 3 4.27 7.73 9H3v6h4l5 5v-6.73l4.25 4.25c-.67.52-1.42.93-2.25 1.18v2.06c1.38-.31 2.63-.95 3.69-1.81L19.73 21 21 19.73l-9-9L4.27 3zM12 4 9.91 6.09 12 8.18V4z",
  fullscreen:
    "M7 14H5v5h5v-2H7v-3zm-2-4h2V7h3V5H5v5zm12 7h-3v2h5v-5h-2v3zM14 5v2h3v3h2V5h-5z",
  "exit-fullscreen":
    "M5 16h3v3h2v-5H5v2zm3-8H5v2h5V5H8v3zm6 11h2v-3h3v-2h-5v5zm2-11V5h-2v5h5V8h-3z",
  next: "M6 18l8.5-6L6 6v12zM16 6v12h2V6h-2z",
};

export function drawIcon(element, name) {
  element.dataset.icon = name;
  element.innerHTML =
    `<svg viewBox="0 0 24 24" width="24" height="24" focusable="false">` +
    `<path fill="currentColor" d="${ICONS[name]}"/></svg>`;
}

/** The player's parts, by the template's classes and data attributes. */
export function findUi(root) {
  const $ = (selector) => root.querySelector(selector);
  return {
    video: $(".player-video"),
    bigPlay: $(".player-big-play"),
    toast: $(".player-toast"),
    message: $(".player-message"),
    messageText: $(".player-message-text"),
    messageActions: $(".player-message-actions"),
    next: $(".player-next"),
    nextCountdown: $(".player-next-countdown"),
    storyboard: $(".player-storyboard"),
    storyboardImage: $(".player-storyboard-image"),
    storyboardTime: $(".player-storyboard-time"),
    seek: $(".player-seek"),
    volume: $(".player-volume"),
    current: $(".player-current"),
    duration: $(".player-duration"),
    playButton: $('[data-action="toggle-play"]'),
    muteButton: $('[data-action="mute"]'),
    fullscreenButton: $('[data-action="fullscreen"]'),
    audioButton: $('[data-menu="audio"]'),
    audioMenu: $("#player-audio-menu"),
    captionsButton: $('[data-menu="captions"]'),
    captionsMenu: $("#player-captions-menu"),
    qualityButton: $('[data-menu="quality"]'),
    qualityMenu: $("#player-quality-menu"),
  };
}

/** A control's accessible name, and its icon (by name) or visible text. */
export function setLabel(element, label, look) {
  element.setAttribute("aria-label", label);
  if (look === undefined) return;
  const face = element.firstElementChild;
  if (face.dataset.icon !== undefined) drawIcon(face, look);
  else face.textContent = look;
}

export function setState(p, name) {
  p.root.dataset.state = name;
}

export function toast(p, text) {
  const element = p.ui.toast;
  element.textContent = text;
  element.classList.add("is-visible");
  clearTimeout(p.state.toastTimer);
  p.state.toastTimer = setTimeout(() => element.classList.remove("is-visible"), 1200);
}

export function button(label, onClick, className = "") {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  if (className) element.className = className;
  element.addEventListener("click", onClick);
  return element;
}

export function link(label, href, className = "") {
  const element = document.createElement("a");
  element.href = href;
  element.textContent = label;
  element.className = `button ${className}`.trim();
  return element;
}

/** A message over the player, with links or buttons to act on it. */
export function showMessage(p, text, actions = []) {
  const { ui } = p;
  ui.messageText.textContent = text;
  ui.messageActions.replaceChildren(...actions);
  ui.message.hidden = false;
  ui.bigPlay.hidden = true;
  const first = ui.messageActions.querySelector("a, button");
  if (first) first.focus({ preventScroll: true });
}

/**
 * One of refusal.js's messages: its state, its text, and its actions as
 * links to the page's URLs (config keys) or buttons calling ``retry``.
 */
export function showNotice(p, notice, retry) {
  setState(p, notice.state);
  const actions = notice.actions.map((action) =>
    action.retry
      ? button(action.label, retry)
      : link(action.label, p.config[action.href], action.secondary ? "button-secondary" : ""),
  );
  showMessage(p, notice.text, actions);
}

export function hideMessage(p) {
  p.ui.message.hidden = true;
}
