/* What this browser remembers for the player: volume, captions, device id. */

export function remember(key, value) {
  try {
    localStorage.setItem(`vod.player.${key}`, JSON.stringify(value));
  } catch {
    /* private mode or storage full: the setting just isn't remembered */
  }
}

export function recall(key, fallback) {
  try {
    const raw = localStorage.getItem(`vod.player.${key}`);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

/**
 * A random id kept by this browser: a new session from it replaces its
 * earlier one (a reload, a second tab) instead of taking another stream.
 */
export function deviceId() {
  let id = recall("device", null);
  if (typeof id !== "string" || !id) {
    id =
      window.crypto && crypto.randomUUID
        ? crypto.randomUUID()
        : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    remember("device", id);
  }
  return id;
}
