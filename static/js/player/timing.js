/*
 * When the player resumes, beats and retries: the rules of the playback loop
 * (start, heartbeats, recovery), apart from the page. Pure: no DOM.
 */

export const NOT_READY_RETRY = 15; // seconds between readiness checks
export const MAX_RECOVERIES = 3; // fatal stream errors retried before giving up
export const DEFAULT_HEARTBEAT = 10; // seconds, when the session names none
// A saved position this close to the end counts as finished.
export const FINISHED_WITHIN = 5; // seconds

/**
 * Where a new session starts: ``startAt`` when the page asked for one (a
 * ``?t=`` link, a restart), otherwise the saved position, or the beginning
 * when that one is finished (or nearly).
 */
export function resumePosition(session, startAt) {
  if (startAt !== null && startAt !== undefined) return startAt;
  const position = Number(session.resume_position) || 0;
  if (session.duration && position > session.duration - FINISHED_WITHIN) return 0;
  return position;
}

/** hls.js's startPosition: -1 lets it start at the beginning of the stream. */
export function hlsStartPosition(startAt) {
  return startAt > 0 ? startAt : -1;
}

/** Milliseconds between heartbeats, as the session asks. */
export function heartbeatEvery(session) {
  return (Number(session.heartbeat_interval) || DEFAULT_HEARTBEAT) * 1000;
}

/**
 * The position a heartbeat reports. Until playback has really begun at the
 * start position, that position, not currentTime (0): a blocked autoplay or a
 * slow start never overwrites the saved position with the beginning.
 */
export function reportedPosition({ started, currentTime, startAt }) {
  return started ? currentTime : startAt;
}

/** A seek's target, kept inside the video (just before its end). */
export function seekTarget(seconds, duration) {
  return Math.max(0, Math.min(seconds, Math.max(0, duration - 0.1)));
}

/** A volume kept between 0 and 1. */
export function clampVolume(value) {
  return Math.max(0, Math.min(1, value));
}

/**
 * What to do about the ``recoveries``-th fatal error of ``kind`` ("media",
 * "network", "native" for the browser's own HLS, or "other"): "recover-media"
 * (hls.js rebuilds its media pipeline), "restart" (a fresh session with new
 * signed URLs, which may have expired) or "fail" (give up with a message).
 */
export function recoveryStep(recoveries, kind) {
  if (recoveries > MAX_RECOVERIES) return "fail";
  if (kind === "media") return "recover-media";
  if (kind === "network" || kind === "native") return "restart";
  return "fail";
}

/** What a heartbeat's answer means: "ok", "over" (the server ended it) or "ignore". */
export function heartbeatOutcome(status) {
  if (status === 204 || status === 200) return "ok";
  if (status === 410) return "over";
  return "ignore";
}
