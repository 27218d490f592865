/*
 * Keyboard: which shortcut a key press means, and how arrows move in a menu.
 * Pure: no DOM; elements are read through plain properties only.
 */

export const SEEK_STEP = 10; // seconds, for j/l and the arrow keys
export const VOLUME_STEP = 0.1;

/** The element takes typed text (the header's search box, say): no shortcuts. */
export function typingIn(element) {
  if (!element) return false;
  if (element.isContentEditable) return true;
  if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
  return element.tagName === "INPUT" && element.type !== "range";
}

/**
 * The player action for ``key`` (KeyboardEvent.key), or null to leave the key
 * to the browser: space presses a focused button, arrows move a focused
 * volume slider. Actions: toggle-play, back, forward, volume-up, volume-down,
 * mute, fullscreen, captions.
 */
export function shortcut(key, { onControl = false, onVolume = false } = {}) {
  const pressed = key.length === 1 ? key.toLowerCase() : key;
  switch (pressed) {
    case " ":
      return onControl ? null : "toggle-play";
    case "k":
      return "toggle-play";
    case "ArrowLeft":
      return onVolume ? null : "back";
    case "j":
      return "back";
    case "ArrowRight":
      return onVolume ? null : "forward";
    case "l":
      return "forward";
    case "ArrowUp":
      return "volume-up";
    case "ArrowDown":
      return "volume-down";
    case "m":
      return "mute";
    case "f":
      return "fullscreen";
    case "c":
      return "captions";
    default:
      return null;
  }
}

/**
 * A key in an open menu of ``count`` items with item ``index`` focused (-1:
 * none): {focus: i}, {close: true, returnFocus, prevent}, or null (not ours).
 */
export function menuKey(key, index, count) {
  if (key === "ArrowDown" || key === "ArrowUp") {
    const step = key === "ArrowDown" ? 1 : -1;
    return { focus: (index + step + count) % count };
  }
  if (key === "Home") return { focus: 0 };
  if (key === "End") return { focus: count - 1 };
  if (key === "Escape") return { close: true, returnFocus: true, prevent: true };
  // Tab closes the menu and moves on as usual.
  if (key === "Tab") return { close: true, returnFocus: false, prevent: false };
  return null;
}
