/*
 * The player's telemetry: startup time, stalls, rung switches, fatal errors,
 * time played per rendition and exits before the first frame, sent in
 * batches to the session's beacon, each batch naming the CDN pathway its
 * events happened on. No DOM: the clock, the timers and the transport are
 * handed in, so tests drive them.
 */

import { RenditionClock } from "./renditions.js";

export const TELEMETRY_EVERY = 30000; // ms between batches
export const TELEMETRY_BATCH = 100; // events per batch, the server's limit
const HLS_ERROR_TYPES = {
  networkError: "network",
  mediaError: "media",
  muxError: "mux",
  keySystemError: "key_system",
};

/** The telemetry error type for an hls.js error type. */
export function errorType(hlsType) {
  return HLS_ERROR_TYPES[hlsType] || "other";
}

/** A rung switch from ``before`` to ``rung`` ({height, bitrate}): "up", "down" or null. */
export function switchDirection(before, rung) {
  if (!before || (before.height === rung.height && before.bitrate === rung.bitrate)) return null;
  const up =
    rung.height > before.height || (rung.height === before.height && rung.bitrate > before.bitrate);
  return up ? "up" : "down";
}

/** The pathway a level comes from: hls.js's "." (no steering) is none. */
export function pathwayName(pathwayId) {
  return pathwayId && pathwayId !== "." ? String(pathwayId).slice(0, 64) : "";
}

export class Telemetry {
  /**
   * ``send(url, events, pathway)`` delivers a batch; ``urlFor(sessionId)`` names the
   * beacon; ``now()`` is in milliseconds; ``timers`` has set/clearInterval.
   */
  constructor({ send, urlFor, now = () => performance.now(), timers = globalThis, every = TELEMETRY_EVERY }) {
    Object.assign(this, { send, urlFor, now, timers, every });
    this.sessionId = null;
    this.events = [];
    // now() when play was asked for, until the first frame; a blocked
    // autoplay restarts the clock when the viewer presses play, so the time
    // spent before the click is not counted as startup.
    this.askedAt = null;
    this.waitsForViewer = false;
    this.stallSince = null;
    this.rung = null; // {height, bitrate} of the rung playing
    this.timer = null;
    this.renditions = new RenditionClock({ now });
    this.pathway = ""; // the CDN pathway playing ("" before steering says)
    this.exited = false; // an exit before the first frame was noted
  }

  /** A new session: earlier events go to their own session first. */
  start(sessionId) {
    this.flush();
    this.sessionId = sessionId;
    this.askedAt = this.now();
    this.waitsForViewer = false;
    this.stallSince = null;
    this.rung = null;
    this.renditions.reset();
    this.pathway = "";
    this.exited = false;
    this.timers.clearInterval(this.timer);
    this.timer = this.timers.setInterval(() => this.flush(), this.every);
  }

  note(event) {
    if (!this.sessionId) return;
    this.events.push(event);
    if (this.events.length >= TELEMETRY_BATCH) this.flush();
  }

  /** Send what is pending (the time played so far per rendition too), at most one batch. */
  flush() {
    if (!this.sessionId) return;
    this.events.push(...this.renditions.take());
    if (!this.events.length) return;
    const events = this.events.splice(0, TELEMETRY_BATCH);
    this.send(this.urlFor(this.sessionId), events, this.pathway);
  }

  /** Send everything pending, in as many batches as it takes. */
  flushAll() {
    do this.flush();
    while (this.sessionId && this.events.length);
  }

  /**
   * The viewer is leaving, or hiding the page (mobile browsers may never say
   * they left): an exit if the video they asked for has not started yet (once
   * a session), and everything pending goes now.
   */
  leave() {
    if (!this.sessionId) return;
    if (this.askedAt !== null && !this.waitsForViewer && !this.exited) {
      this.exited = true;
      this.events.push({ kind: "exit" });
    }
    this.flushAll();
  }

  /** The CDN pathway now playing (hls.js's PATHWAY-ID): earlier events go under the one before. */
  pathwayChanged(pathwayId) {
    const name = pathwayName(pathwayId);
    if (name === this.pathway) return;
    this.flushAll();
    this.pathway = name;
  }

  /** The browser refused to autoplay: startup counts from the viewer's press. */
  autoplayBlocked() {
    this.waitsForViewer = true;
  }

  /** Playback was asked for (the play event). */
  played() {
    if (!this.waitsForViewer) return;
    this.waitsForViewer = false;
    this.askedAt = this.now();
  }

  /** Frames are playing: the end of the startup, or of a stall. */
  playing() {
    const now = this.now();
    this.renditions.playing();
    if (this.askedAt !== null && !this.waitsForViewer) {
      this.note({ kind: "startup", seconds: (now - this.askedAt) / 1000 });
      this.askedAt = null;
    }
    if (this.stallSince !== null) {
      this.note({ kind: "stall", seconds: (now - this.stallSince) / 1000 });
      this.stallSince = null;
    }
  }

  /** Waiting for data: a stall once playback began (``stalled``), not after a seek. */
  waiting(stalled) {
    this.renditions.stopped();
    if (stalled && this.stallSince === null) this.stallSince = this.now();
  }

  /** Frames stopped moving without waiting for data: paused, seeking or ended. */
  stopped() {
    this.renditions.stopped();
  }

  /** hls.js switched to ``level`` (its rung, and the pathway it comes from). */
  switched(level) {
    if (!level) return;
    this.pathwayChanged(level.pathwayId);
    this.renditions.switched(level);
    const rung = { height: level.height || 0, bitrate: level.bitrate || 0 };
    const direction = switchDirection(this.rung, rung);
    this.rung = rung;
    if (direction) this.note({ kind: "rung_switch", direction });
  }

  /** A fatal error, by hls.js error type. */
  error(hlsType) {
    this.note({ kind: "error", error_type: errorType(hlsType) });
  }
}
