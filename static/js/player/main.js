/*
 * The watch page's player, loaded as a native ES module (no build step).
 *
 * It asks the playback API for a session (session.js), plays the HLS master
 * playlist with hls.js, or the browser's own HLS only where hls.js cannot run
 * (engines.js), and draws its own controls (controls.js, seekbar.js,
 * storyboard.js, the quality, audio and captions menus, keyboard.js). The
 * audio and captions start as the profile prefers (audio.js, captions.js). While playing
 * it sends heartbeats, each answered with a fresh delivery grant that the
 * hls.js loader applies to every following request (grant.js), and it ends
 * the session when the page goes away. It measures startup time, stalls, rung
 * switches, fatal errors, time per rendition (renditions.js), the CDN
 * pathway and exits before the first frame, and sends them in batches
 * (telemetry.js). Media requests carry CMCD (cmcd.js) for the CDN's logs.
 *
 * The modules that hold no DOM (format, vtt, grant, timing, refusal,
 * quality, captions, audio, languages, keys, telemetry, renditions, cmcd)
 * are unit-tested under tests/js/.
 * For the browser tests, `window.vodPlayer` exposes the hls.js instance, the
 * <video>, the session id and the hls.js events seen, and the player element
 * carries data-engine / data-state / data-level.
 */

import { installCaptions } from "./captions-menu.js";
import { installControls } from "./controls.js";
import { drawIcon, findUi, showNotice } from "./dom.js";
import { emptyGrant } from "./grant.js";
import { installKeyboard } from "./keyboard.js";
import { installMenus } from "./menu.js";
import { PROFILE_REQUIRED } from "./refusal.js";
import { installSession, sendTelemetry, startSession } from "./session.js";
import { installStoryboard } from "./storyboard.js";
import { Telemetry } from "./telemetry.js";

function createPlayer(root, config) {
  const ui = findUi(root);
  const video = ui.video;
  // What tests (and curious developers) can look at.
  const exposed = {
    hls: null,
    video,
    sessionId: null,
    engine: null,
    events: [], // hls.js event names, in the order first seen
    eventCounts: {},
    heartbeats: 0,
    grantRenewals: 0,
    resumedFrom: null,
    telemetrySent: [], // batches of telemetry events sent, oldest first
    telemetryPathways: [], // the CDN pathway each of those batches named
  };
  const p = {
    root,
    config,
    ui,
    video,
    exposed,
    state: {
      session: null,
      hls: null,
      heartbeatTimer: null,
      retryTimer: null,
      nextTimer: null,
      idleTimer: null,
      previewTimer: null,
      toastTimer: null,
      // Until playback has really begun at the start position, heartbeats
      // report that position (see timing.reportedPosition).
      started: false,
      startAt: 0,
      ended: false, // the session, not the video
      recoveries: 0,
      storyboard: [],
      grant: emptyGrant(), // the newest delivery grant
      captions: [], // [{label, language, select(on)}]
      captionIndex: -1,
      captionChoice: undefined, // the viewer's pick (a language, or null: off)
      audio: [], // [{label, language, description, index, select()}]
      audioIndex: -1,
      audioChoice: null, // the viewer's pick, as preferences (see audio.js)
      audioSession: null, // the session whose starting track was chosen
      seeking: false,
    },
  };
  p.telemetry = new Telemetry({
    urlFor: (sessionId) => `${config.sessionsUrl}${sessionId}/telemetry/`,
    send: (url, events, pathway) => sendTelemetry(p, url, events, pathway),
  });
  return p;
}

const root = document.getElementById("player");
const configElement = document.getElementById("player-config");
if (root && configElement) {
  const p = createPlayer(root, JSON.parse(configElement.textContent));
  root.querySelectorAll("[data-icon]").forEach((icon) => drawIcon(icon, icon.dataset.icon));
  window.vodPlayer = p.exposed;
  installControls(p);
  installStoryboard(p);
  installMenus(p);
  installCaptions(p);
  installKeyboard(p);
  installSession(p);
  if (p.config.profileRequired) {
    showNotice(p, PROFILE_REQUIRED);
  } else {
    startSession(p, p.config.startAt);
  }
}
