/*
 * The playback session: start it through the API (which checks entitlement
 * and readiness, and answers with signed stream URLs and the saved position),
 * beat while playing (the position, for resume and stream counting; each
 * answer carries a fresh grant), recover from errors with a fresh session,
 * and end it when the page goes away.
 */

import { hideMessage, setState, showNotice, toast } from "./dom.js";
import { attach } from "./engines.js";
import { nextGrant } from "./grant.js";
import { beacon, post } from "./http.js";
import { deviceId } from "./prefs.js";
import { PLAYBACK_FAILED, UNREACHABLE, refusal, sessionEnded } from "./refusal.js";
import { setDuration } from "./seekbar.js";
import { loadStoryboard } from "./storyboard.js";
import {
  heartbeatEvery,
  heartbeatOutcome,
  recoveryStep,
  reportedPosition,
  resumePosition,
} from "./timing.js";

/** Take a session's grant (from its start or a heartbeat) as the newest. */
function applyGrant(p, grant, options) {
  p.state.grant = nextGrant(p.state.grant, grant, options);
}

export function currentPosition(p) {
  const { started, startAt } = p.state;
  return reportedPosition({ started, currentTime: p.video.currentTime, startAt });
}

/** Ask for a session and play it from ``startAt`` (null: the saved position). */
export async function startSession(p, startAt) {
  const { state, exposed, config, video } = p;
  clearTimeout(state.retryTimer);
  hideMessage(p);
  setState(p, "loading");
  let result;
  try {
    result = await post(config.sessionsUrl, {
      title_id: config.titleId,
      episode_id: config.episodeId,
      device_id: deviceId(),
    });
  } catch {
    showNotice(p, UNREACHABLE, () => startSession(p, startAt));
    return;
  }
  if (result.status !== 201 || !result.data) {
    const error = (result.data && result.data.error) || {};
    const notice = refusal(result.status, error, config.videoProgress);
    const retry = () => startSession(p, startAt);
    showNotice(p, notice, retry);
    if (notice.retryAfter) state.retryTimer = setTimeout(retry, notice.retryAfter * 1000);
    return;
  }
  const session = result.data;
  state.session = session;
  applyGrant(p, session.grant, { fresh: true });
  p.telemetry.start(session.id);
  state.ended = false;
  state.started = false;
  exposed.sessionId = session.id;
  p.root.dataset.sessionId = session.id;
  const position = resumePosition(session, startAt);
  state.startAt = position;
  exposed.resumedFrom = position;
  if (session.poster_url) video.poster = session.poster_url;
  if (session.previewing) toast(p, "Still being prepared: later parts may take a moment");
  setDuration(p, Number(session.duration) || 0);
  attach(p, session, position, (kind) => recover(p, kind));
  loadStoryboard(p, session.thumbnails_url);
  clearInterval(state.heartbeatTimer);
  state.heartbeatTimer = setInterval(() => heartbeat(p), heartbeatEvery(session));
}

export async function heartbeat(p, { keepalive = false } = {}) {
  const { state, exposed } = p;
  const session = state.session;
  if (!session || state.ended) return;
  let result;
  try {
    result = await post(session.heartbeat_url, { position: currentPosition(p) }, { keepalive });
  } catch {
    return; // a dropped heartbeat is fine; the next one carries the position
  }
  if (session !== state.session) return; // restarted meanwhile
  const outcome = heartbeatOutcome(result.status);
  if (outcome === "ok") {
    exposed.heartbeats += 1;
    if (result.data && result.data.grant) {
      applyGrant(p, result.data.grant);
      exposed.grantRenewals += 1;
    }
  } else if (outcome === "over") {
    sessionOver(p, (result.data && result.data.error) || {});
  }
}

/** The server ended the session (expired, or taken over): offer to restart. */
function sessionOver(p, error) {
  const position = currentPosition(p);
  p.state.ended = true;
  clearInterval(p.state.heartbeatTimer);
  p.video.pause();
  showNotice(p, sessionEnded(error), () => restart(p, position));
}

/** End the session on purpose: leaving the page frees the stream at once. */
export function endSession(p) {
  p.telemetry.flush();
  const { state } = p;
  const session = state.session;
  if (!session || state.ended) return;
  state.ended = true;
  clearInterval(state.heartbeatTimer);
  // keepalive lets the request outlive the page; sendBeacon can't send the
  // CSRF header.
  post(session.end_url, { position: currentPosition(p) }, { keepalive: true }).catch(() => {});
}

function teardown(p) {
  const { state, video } = p;
  clearInterval(state.heartbeatTimer);
  clearTimeout(state.retryTimer);
  if (state.hls) {
    state.hls.destroy();
    state.hls = null;
    p.exposed.hls = null;
  }
  video.removeAttribute("src");
  video.querySelectorAll("track").forEach((track) => track.remove());
  video.load();
}

/**
 * A fresh session (new signed URLs) from ``position``. The viewer asking
 * starts the error count afresh; a recovery from an error keeps counting, so
 * a stream that keeps failing ends with a message, not an endless loop.
 */
export function restart(p, position, { recovering = false } = {}) {
  endSession(p);
  teardown(p);
  if (!recovering) p.state.recoveries = 0;
  startSession(p, position);
}

/** A fatal stream error of ``kind``: recover, start afresh, or give up. */
function recover(p, kind) {
  p.state.recoveries += 1;
  const step = recoveryStep(p.state.recoveries, kind);
  if (step === "recover-media") p.state.hls.recoverMediaError();
  else if (step === "restart") restart(p, currentPosition(p), { recovering: true });
  else failed(p);
}

function failed(p) {
  const position = currentPosition(p);
  teardown(p);
  showNotice(p, PLAYBACK_FAILED, () => restart(p, position));
}

/** Telemetry batches go to the session's beacon; tests see each one sent. */
export function sendTelemetry(p, url, events, pathway) {
  beacon(url, events, pathway);
  p.exposed.telemetrySent.push(events);
  p.exposed.telemetryPathways.push(pathway || "");
}

/** The browser's own HLS errors, and the page being hidden, left or restored. */
export function installSession(p) {
  const { video, state } = p;
  video.addEventListener("error", () => {
    // hls.js reports its own errors (with their type); this is the browser's HLS.
    if (p.exposed.engine !== "native") return;
    p.telemetry.error("mediaError");
    // The browser's HLS cannot take renewed grants: once the first one has
    // expired its requests fail, and a fresh session plays on from here.
    recover(p, "native");
  });
  // Hidden tab: save the position now (mobile browsers may never fire pagehide).
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      heartbeat(p, { keepalive: true });
      p.telemetry.leave();
    }
  });
  // Leaving: an exit if the video had not started yet, the time played per
  // rendition, and the session ends so the stream's slot is free at once.
  window.addEventListener("pagehide", () => {
    p.telemetry.leave();
    endSession(p);
  });
  // Back from the back/forward cache: the session was ended on the way out.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && state.session && state.ended) restart(p, currentPosition(p));
  });
}
