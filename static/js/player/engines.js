/*
 * Engines: hls.js (Media Source Extensions), or the browser's own HLS only
 * where hls.js cannot run. hls.js loads every URL under the newest grant.
 */

import { buildAudioMenu, markAudio } from "./audio-menu.js";
import { buildCaptions } from "./captions-menu.js";
import { cmcdConfig } from "./cmcd.js";
import { setState, showMessage } from "./dom.js";
import { grantLoader, signRequest } from "./grant.js";
import { buildQualityMenu, updateQualityLabel } from "./quality-menu.js";
import { hlsStartPosition } from "./timing.js";

/**
 * Play ``session`` from ``startAt``. ``onFatal(kind)`` ("media", "network"
 * or "other") hears of hls.js's fatal errors.
 */
export function attach(p, session, startAt, onFatal) {
  const Hls = window.Hls;
  if (Hls && Hls.isSupported()) {
    attachHlsJs(p, Hls, session, startAt, onFatal);
  } else if (p.video.canPlayType("application/vnd.apple.mpegurl")) {
    attachNative(p, session, startAt);
  } else {
    setState(p, "unsupported");
    showMessage(p, "This browser can’t play this video. Try a recent Chrome, Firefox, Edge or Safari.");
  }
}

function recordEvent(exposed, name) {
  if (!(name in exposed.eventCounts)) {
    exposed.events.push(name);
    exposed.eventCounts[name] = 0;
  }
  exposed.eventCounts[name] += 1;
}

function attachHlsJs(p, Hls, session, startAt, onFatal) {
  const { exposed, root } = p;
  const hls = new Hls({
    startPosition: hlsStartPosition(startAt),
    // The plan already capped the ladder server-side; let the viewer pick any rung.
    capLevelToPlayerSize: false,
    enableWorker: true,
    // CMCD on every playlist and segment request, for the CDN's logs: in the
    // query, or in headers where a CloudFront policy signs it (grant.js).
    cmcd: cmcdConfig(session.id, p.config),
    loader: grantLoader(Hls, (url) => signRequest(p.state.grant, url, window.location.href)),
  });
  p.state.hls = hls;
  exposed.hls = hls;
  exposed.engine = "hls.js";
  root.dataset.engine = "hls.js";

  // Record every event's name once (bounded: there are ~70 kinds).
  Object.entries(Hls.Events).forEach(([name, event]) => {
    hls.on(event, () => recordEvent(exposed, name));
  });

  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    buildQualityMenu(p);
    buildCaptions(p, session);
    autoplay(p);
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (event, data) => {
    const level = hls.levels[data.level];
    root.dataset.level = level ? String(level.height) : "";
    p.telemetry.switched(level);
    updateQualityLabel(p);
  });
  hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => buildCaptions(p, session));
  // Fired before hls.js loads any audio of a (new) group: the preferred track
  // is chosen here, so no other one is fetched first.
  hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => buildAudioMenu(p, session));
  hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (event, data) => markAudio(p, data.id));
  hls.on(Hls.Events.ERROR, (event, data) => {
    if (!data.fatal) return;
    p.telemetry.error(data.type);
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) onFatal("media");
    else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) onFatal("network");
    else onFatal("other");
  });

  hls.loadSource(session.hls_url);
  hls.attachMedia(p.video);
}

function attachNative(p, session, startAt) {
  const { video } = p;
  p.exposed.engine = "native";
  p.root.dataset.engine = "native";
  video.addEventListener(
    "loadedmetadata",
    () => {
      if (startAt > 0) video.currentTime = startAt;
      buildAudioMenu(p, session);
      autoplay(p);
    },
    { once: true },
  );
  video.src = session.hls_url;
  buildCaptions(p, session);
  if (video.audioTracks && !p.state.nativeAudioWatched) {
    p.state.nativeAudioWatched = true;
    video.audioTracks.addEventListener("change", () => {
      markAudio(p, Array.from(video.audioTracks).findIndex((track) => track.enabled));
    });
  }
}

function autoplay(p) {
  setState(p, "ready");
  const attempt = p.video.play();
  if (attempt && attempt.catch) {
    // Browsers refuse autoplay with sound without a recent click: ask for one.
    attempt.catch(() => {
      p.telemetry.autoplayBlocked();
      p.ui.bigPlay.hidden = false;
      setState(p, "paused");
      p.ui.bigPlay.focus({ preventScroll: true });
    });
  }
}
