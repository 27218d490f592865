/*
 * The storyboard's thumbnails track: a WebVTT file whose cues name a sprite
 * and the tile in it (`sprite.jpg#xywh=x,y,w,h`). Pure: no DOM.
 */

/** WebVTT's hh:mm:ss.ttt or mm:ss.ttt, in seconds. */
export function parseTimestamp(text) {
  const parts = text.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** The thumbnails track's cues: [{start, end, url, x, y, w, h}]. */
export function parseThumbnails(text, baseUrl) {
  const cues = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const timing = lines[i].match(/^\s*([\d:.]+)\s+-->\s+([\d:.]+)/);
    if (!timing) continue;
    const target = (lines[i + 1] || "").trim();
    if (!target) continue;
    const [path, fragment = ""] = target.split("#");
    const xywh = fragment.match(/xywh=(\d+),(\d+),(\d+),(\d+)/);
    cues.push({
      start: parseTimestamp(timing[1]),
      end: parseTimestamp(timing[2]),
      // The sprite is named relative to the track, whose URL carries the signature.
      url: new URL(path, baseUrl).href,
      x: xywh ? Number(xywh[1]) : 0,
      y: xywh ? Number(xywh[2]) : 0,
      w: xywh ? Number(xywh[3]) : 160,
      h: xywh ? Number(xywh[4]) : 90,
    });
  }
  return cues;
}

/** The cue showing at ``seconds`` (cues sorted by start); past the end, the last. */
export function cueAt(cues, seconds) {
  let low = 0;
  let high = cues.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (seconds < cues[middle].start) high = middle - 1;
    else if (seconds >= cues[middle].end) low = middle + 1;
    else return cues[middle];
  }
  return cues.length && seconds >= cues[cues.length - 1].start ? cues[cues.length - 1] : null;
}
