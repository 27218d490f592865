/*
 * The quality menu's state: which rungs it offers and what the button says.
 * Pure: no DOM; ``levels`` are hls.js's ({height, bitrate}).
 */

/** A menu only when there is a choice: two rungs or more. */
export function offersQuality(levels) {
  return Boolean(levels) && levels.length >= 2;
}

/** One entry per rung, tallest (then richest) first: [{index, height, label}]. */
export function qualityRungs(levels) {
  return levels
    .map((level, index) => ({ level, index }))
    .sort((a, b) => b.level.height - a.level.height || b.level.bitrate - a.level.bitrate)
    .map(({ level, index }) => ({ index, height: level.height, label: `${level.height}p` }));
}

/**
 * The quality button's name and face, and the Auto entry's text, for the rung
 * playing (``currentLevel``); ``pickedIndex`` when the viewer just picked one.
 */
export function qualityLabel({ levels, currentLevel, autoLevelEnabled }, pickedIndex) {
  const playing = levels[currentLevel];
  const height = playing ? `${playing.height}p` : "";
  const auto = pickedIndex === undefined ? autoLevelEnabled : false;
  const shown = auto ? `Auto${height ? ` (${height})` : ""}` : height || "Auto";
  return {
    label: `Quality: ${shown}`,
    face: auto ? "Auto" : height,
    autoItem: auto && height ? `Auto (${height})` : "Auto",
  };
}
