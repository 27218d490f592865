/*
 * Time played per rendition: seconds of playback at each rung (height and
 * bitrate), for the `rendition` telemetry events the server turns into the
 * average bitrate and the rung mix. Only time with frames moving counts: not
 * paused, not stalled, not seeking. Pure: the clock is handed in.
 */

// The beacon's limit for one event's seconds (the server's MAX_STALL_SECONDS).
export const MAX_RENDITION_MS = 3600 * 1000;

/** kbit/s of an hls.js level's bitrate (bits/s), as the API takes it. */
export function kbps(bitrate) {
  return Math.max(0, Math.round((bitrate || 0) / 1000));
}

export class RenditionClock {
  /** ``now()`` in milliseconds. */
  constructor({ now = () => performance.now() } = {}) {
    this.now = now;
    this.rung = null; // {height, kbps} playing now
    this.since = null; // now() when frames started moving on this rung
    this.spent = new Map(); // "height:kbps" -> {height, kbps, ms}
  }

  /** The rung now on screen (an hls.js level: {height, bitrate}). */
  switched(level) {
    if (!level) return;
    const rung = { height: level.height || 0, kbps: kbps(level.bitrate) };
    if (this.rung && this.rung.height === rung.height && this.rung.kbps === rung.kbps) return;
    const moving = this.since !== null;
    this.stopped();
    this.rung = rung;
    if (moving) this.since = this.now();
  }

  /** Frames are moving (the ``playing`` event). */
  playing() {
    if (this.since === null) this.since = this.now();
  }

  /** Frames stopped: paused, stalled, seeking, ended or hidden away. */
  stopped() {
    if (this.since === null) return;
    const ms = this.now() - this.since;
    this.since = null;
    if (!this.rung || !this.rung.height || ms <= 0) return;
    const key = `${this.rung.height}:${this.rung.kbps}`;
    const entry = this.spent.get(key) || { ...this.rung, ms: 0 };
    entry.ms += ms;
    this.spent.set(key, entry);
  }

  /**
   * The `rendition` events for the time played since the last take (the
   * running stretch included, which goes on counting), tallest rung first.
   */
  take() {
    if (this.since !== null) {
      this.stopped();
      this.since = this.now();
    }
    const events = [];
    const entries = [...this.spent.values()].sort((a, b) => b.height - a.height || b.kbps - a.kbps);
    for (const { height, kbps: rate, ms } of entries) {
      // The API takes at most MAX_RENDITION_MS in one event: longer goes in parts.
      for (let left = Math.round(ms); left >= 1; left -= MAX_RENDITION_MS) {
        const part = Math.min(left, MAX_RENDITION_MS);
        events.push({ kind: "rendition", seconds: part / 1000, height, kbps: rate });
      }
    }
    this.spent.clear();
    return events;
  }

  /** A new session: nothing carried over, no rung known yet. */
  reset() {
    this.rung = null;
    this.since = null;
    this.spent.clear();
  }
}
