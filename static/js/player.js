/*
 * The watch page's player.
 *
 * It asks the playback API for a session (the API checks entitlement and
 * readiness and answers with signed stream URLs and the saved position), plays
 * the HLS master playlist with hls.js (the browser's own HLS only where hls.js
 * cannot run), and draws its own controls: seek bar with storyboard previews,
 * volume, captions and quality menus, full screen, keyboard shortcuts. While
 * playing it sends heartbeats (the position, for resume and stream counting)
 * and it ends the session when the page goes away. Its signed URLs live only a
 * few minutes: each heartbeat answer carries a fresh grant, which a custom
 * hls.js loader applies to every following request (the newest token in the
 * path, the newest CDN signature in the query), so a long playback never
 * stalls on an expired URL and an ended session's URLs die soon after. It also
 * measures startup
 * time, stalls, rung switches and fatal errors, and sends them in batches to
 * the session's telemetry beacon.
 *
 * Plain ES2019+, no build step. For tests, `window.vodPlayer` exposes the
 * hls.js instance, the <video>, the session id and the hls.js events seen, and
 * the player element carries data-engine / data-state / data-level.
 */
(() => {
  "use strict";

  const root = document.getElementById("player");
  const configElement = document.getElementById("player-config");
  if (!root || !configElement) return;
  const config = JSON.parse(configElement.textContent);

  const SEEK_STEP = 10; // seconds, for j/l and the arrow keys
  const VOLUME_STEP = 0.1;
  const NEXT_COUNTDOWN = 10; // seconds before the next episode starts by itself
  const NOT_READY_RETRY = 15; // seconds between readiness checks
  const IDLE_AFTER = 3000; // ms without pointer movement before controls hide
  const MAX_RECOVERIES = 3; // fatal stream errors retried before giving up

  // 24x24 icons (Material Design paths), drawn in the text colour.
  const ICONS = {
    play: "M8 5v14l11-7z",
    pause: "M6 19h4V5H6v14zm8-14v14h4V5h-4z",
    replay:
      "M12 5V1L7 6l5 5V7c3.31 0 6 2.69 6 6s-2.69 6-6 6-6-2.69-6-6H4c0 4.42 3.58 8 8 8s8-3.58 8-8-3.58-8-8-8z",
    volume:
      "M3 9v6h4l5 5V4L7 9H3zm13.5 3c0-1.77-1.02-3.29-2.5-4.03v8.05c1.48-.73 2.5-2.25 2.5-4.02zM14 3.23v2.06c2.89.86 5 3.54 5 6.71s-2.11 5.85-5 6.71v2.06c4.01-.91 7-4.49 7-8.77s-2.99-7.86-7-8.77z",
    muted:
      "M16.5 12c0-1.77-1.02-3.29-2.5-4.03v2.21l2.45 2.45c.03-.2.05-.41.05-.63zm2.5 0c0 .94-.2 1.82-.54 2.64l1.51 1.51C20.63 14.91 21 13.5 21 12c0-4.28-2.99-7.86-7-8.77v2.06c2.89.86 5 3.54 5 6.71zM4.27 3 3 4.27 7.73 9H3v6h4l5 5v-6.73l4.25 4.25c-.67.52-1.42.93-2.25 1.18v2.06c1.38-.31 2.63-.95 3.69-1.81L19.73 21 21 19.73l-9-9L4.27 3zM12 4 9.91 6.09 12 8.18V4z",
    fullscreen:
      "M7 14H5v5h5v-2H7v-3zm-2-4h2V7h3V5H5v5zm12 7h-3v2h5v-5h-2v3zM14 5v2h3v3h2V5h-5z",
    "exit-fullscreen":
      "M5 16h3v3h2v-5H5v2zm3-8H5v2h5V5H8v3zm6 11h2v-3h3v-2h-5v5zm2-11V5h-2v5h5V8h-3z",
    next: "M6 18l8.5-6L6 6v12zM16 6v12h2V6h-2z",
  };

  function drawIcon(element, name) {
    element.dataset.icon = name;
    element.innerHTML =
      `<svg viewBox="0 0 24 24" width="24" height="24" focusable="false">` +
      `<path fill="currentColor" d="${ICONS[name]}"/></svg>`;
  }

  const $ = (selector) => root.querySelector(selector);
  root.querySelectorAll("[data-icon]").forEach((icon) => drawIcon(icon, icon.dataset.icon));
  const video = $(".player-video");
  const ui = {
    bigPlay: $(".player-big-play"),
    toast: $(".player-toast"),
    message: $(".player-message"),
    messageText: $(".player-message-text"),
    messageActions: $(".player-message-actions"),
    next: $(".player-next"),
    nextCountdown: $(".player-next-countdown"),
    storyboard: $(".player-storyboard"),
    storyboardImage: $(".player-storyboard-image"),
    storyboardTime: $(".player-storyboard-time"),
    seek: $(".player-seek"),
    volume: $(".player-volume"),
    current: $(".player-current"),
    duration: $(".player-duration"),
    playButton: $('[data-action="toggle-play"]'),
    muteButton: $('[data-action="mute"]'),
    fullscreenButton: $('[data-action="fullscreen"]'),
    captionsButton: $('[data-menu="captions"]'),
    captionsMenu: $("#player-captions-menu"),
    qualityButton: $('[data-menu="quality"]'),
    qualityMenu: $("#player-quality-menu"),
  };

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
  };
  window.vodPlayer = exposed;

  const state = {
    session: null,
    hls: null,
    heartbeatTimer: null,
    retryTimer: null,
    nextTimer: null,
    // Until playback has really begun at the start position, heartbeats report
    // that position, not currentTime (0), so a blocked autoplay or a slow start
    // never overwrites the saved position with the beginning.
    started: false,
    startAt: 0,
    ended: false, // the session, not the video
    recoveries: 0,
    storyboard: [],
    // The newest delivery grant: {token, tokens (every one this session had),
    // queries: [{pattern, query}]}; see applyGrant.
    grant: { token: "", tokens: new Set(), queries: [] },
    captions: [], // [{label, language, select()}]
    captionIndex: -1,
    seeking: false,
    idleTimer: null,
  };

  // --- Small helpers --------------------------------------------------------

  function formatTime(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
    const whole = Math.floor(seconds);
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const field = document.getElementById("player-csrf");
    return field ? field.value : "";
  }

  /** POST JSON with the session cookie and CSRF header; {status, data}. */
  async function post(url, body, { keepalive = false } = {}) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive,
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body),
    });
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (error) {
        data = null; // an HTML error page from a proxy, say
      }
    }
    return { status: response.status, data };
  }

  function remember(key, value) {
    try {
      localStorage.setItem(`vod.player.${key}`, JSON.stringify(value));
    } catch (error) {
      /* private mode or storage full: the setting just isn't remembered */
    }
  }

  function recall(key, fallback) {
    try {
      const raw = localStorage.getItem(`vod.player.${key}`);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }

  function setState(name) {
    root.dataset.state = name;
  }

  let toastTimer = null;
  function toast(text) {
    ui.toast.textContent = text;
    ui.toast.classList.add("is-visible");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => ui.toast.classList.remove("is-visible"), 1200);
  }

  function button(label, onClick, className = "") {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    if (className) element.className = className;
    element.addEventListener("click", onClick);
    return element;
  }

  function link(label, href, className = "") {
    const element = document.createElement("a");
    element.href = href;
    element.textContent = label;
    element.className = `button ${className}`.trim();
    return element;
  }

  /** A message over the player, with links or buttons to act on it. */
  function showMessage(text, actions = []) {
    ui.messageText.textContent = text;
    ui.messageActions.replaceChildren(...actions);
    ui.message.hidden = false;
    ui.bigPlay.hidden = true;
    const first = ui.messageActions.querySelector("a, button");
    if (first) first.focus({ preventScroll: true });
  }

  function hideMessage() {
    ui.message.hidden = true;
  }

  // --- Telemetry ------------------------------------------------------------

  const TELEMETRY_EVERY = 30000; // ms between batches
  const TELEMETRY_BATCH = 100; // events per batch, the server's limit
  const HLS_ERROR_TYPES = {
    networkError: "network",
    mediaError: "media",
    muxError: "mux",
    keySystemError: "key_system",
  };

  const telemetry = {
    sessionId: null,
    events: [],
    // performance.now() when play was asked for, until the first frame; a
    // blocked autoplay restarts the clock when the viewer presses play, so
    // the time spent before the click is not counted as startup.
    askedAt: null,
    waitsForViewer: false,
    stallSince: null,
    rung: null, // {height, bitrate} of the rung playing
    timer: null,
  };

  function telemetryUrl(sessionId) {
    return `${config.sessionsUrl}${sessionId}/telemetry/`;
  }

  function note(event) {
    if (!telemetry.sessionId) return;
    telemetry.events.push(event);
    if (telemetry.events.length >= TELEMETRY_BATCH) flushTelemetry();
  }

  /**
   * Send what is pending. sendBeacon outlives the page and needs no CSRF
   * header (the server checks the Origin instead); its body goes as
   * text/plain JSON. Where it is missing or refuses, a keepalive fetch.
   */
  function flushTelemetry() {
    if (!telemetry.sessionId || !telemetry.events.length) return;
    const events = telemetry.events.splice(0, TELEMETRY_BATCH);
    const url = telemetryUrl(telemetry.sessionId);
    const body = JSON.stringify({ events });
    const beaconed = navigator.sendBeacon ? navigator.sendBeacon(url, body) : false;
    if (!beaconed) post(url, { events }, { keepalive: true }).catch(() => {});
    exposed.telemetrySent.push(events);
  }

  /** A new session: earlier events go to their own session first. */
  function telemetryStart(session) {
    flushTelemetry();
    telemetry.sessionId = session.id;
    telemetry.askedAt = performance.now();
    telemetry.waitsForViewer = false;
    telemetry.stallSince = null;
    telemetry.rung = null;
    clearInterval(telemetry.timer);
    telemetry.timer = setInterval(flushTelemetry, TELEMETRY_EVERY);
  }

  function telemetryPlaying() {
    const now = performance.now();
    if (telemetry.askedAt !== null && !telemetry.waitsForViewer) {
      note({ kind: "startup", seconds: (now - telemetry.askedAt) / 1000 });
      telemetry.askedAt = null;
    }
    if (telemetry.stallSince !== null) {
      note({ kind: "stall", seconds: (now - telemetry.stallSince) / 1000 });
      telemetry.stallSince = null;
    }
  }

  /** Waiting for data after playback began is a stall; after a seek it is not. */
  function telemetryWaiting() {
    if (state.started && !video.seeking && telemetry.stallSince === null) {
      telemetry.stallSince = performance.now();
    }
  }

  function telemetryRung(level) {
    if (!level) return;
    const rung = { height: level.height || 0, bitrate: level.bitrate || 0 };
    const before = telemetry.rung;
    telemetry.rung = rung;
    if (!before || (before.height === rung.height && before.bitrate === rung.bitrate)) return;
    const up = rung.height > before.height || (rung.height === before.height && rung.bitrate > before.bitrate);
    note({ kind: "rung_switch", direction: up ? "up" : "down" });
  }

  function telemetryError(hlsType) {
    note({ kind: "error", error_type: HLS_ERROR_TYPES[hlsType] || "other" });
  }

  // --- Playback session -----------------------------------------------------

  /**
   * A random id kept by this browser: a new session from it replaces its
   * earlier one (a reload, a second tab) instead of taking another stream.
   */
  function deviceId() {
    let id = recall("device", null);
    if (typeof id !== "string" || !id) {
      id = window.crypto && crypto.randomUUID
        ? crypto.randomUUID()
        : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
      remember("device", id);
    }
    return id;
  }

  async function startSession(startAt) {
    clearTimeout(state.retryTimer);
    hideMessage();
    setState("loading");
    let result;
    try {
      result = await post(config.sessionsUrl, {
        title_id: config.titleId,
        episode_id: config.episodeId,
        device_id: deviceId(),
      });
    } catch (error) {
      showMessage("We couldn’t reach the server. Check your connection.", [
        button("Try again", () => startSession(startAt)),
      ]);
      setState("error");
      return;
    }
    if (result.status !== 201 || !result.data) {
      refuse(result.status, (result.data && result.data.error) || {}, startAt);
      return;
    }
    const session = result.data;
    state.session = session;
    applyGrant(session.grant, { fresh: true });
    telemetryStart(session);
    state.ended = false;
    state.started = false;
    exposed.sessionId = session.id;
    root.dataset.sessionId = session.id;
    let position = startAt;
    if (position === null || position === undefined) {
      position = Number(session.resume_position) || 0;
      // Finished (or nearly): start again from the beginning.
      if (session.duration && position > session.duration - 5) position = 0;
    }
    state.startAt = position;
    exposed.resumedFrom = position;
    if (session.poster_url) video.poster = session.poster_url;
    if (session.previewing) toast("Still being prepared: later parts may take a moment");
    setDuration(Number(session.duration) || 0);
    attach(session, position);
    loadStoryboard(session.thumbnails_url);
    startHeartbeats(session);
  }

  /** Say why the API refused, and what the viewer can do about it. */
  function refuse(status, error, startAt) {
    const code = error.code || "";
    const back = link("Back to the title", config.titleUrl, "button-secondary");
    setState(code === "not_ready" ? "not-ready" : "refused");
    if (status === 401 || code === "not_authenticated" || code === "authentication_failed") {
      showMessage("Sign in to watch.", [link("Sign in", config.loginUrl), back]);
    } else if (code === "profile_required" || code === "profile_not_found") {
      showMessage("Choose who’s watching first.", [
        link("Choose a profile", config.profilesUrl),
        back,
      ]);
    } else if (code === "upgrade_required") {
      showMessage(
        error.message || "Your plan doesn’t include this title. Upgrade to watch it.",
        [link("Your plan", config.accountUrl), back],
      );
    } else if (code === "maturity") {
      showMessage(error.message || "This title isn’t available on this profile.", [
        link("Switch profile", config.profilesUrl),
        back,
      ]);
    } else if (code === "not_ready") {
      const progress = Number.isFinite(error.progress) ? error.progress : config.videoProgress;
      const retry = () => startSession(startAt);
      showMessage(
        `This video is still being prepared: ${Math.round(progress || 0)}%. ` +
          `We’ll check again in ${NOT_READY_RETRY} seconds.`,
        [button("Check now", retry), back],
      );
      state.retryTimer = setTimeout(retry, NOT_READY_RETRY * 1000);
    } else if (code === "too_many_streams") {
      // Each: {device, profile, title, ...} (a plain string is taken as it is).
      const devices = (error.active_devices || []).map((active) =>
        typeof active === "string"
          ? active
          : `${active.device || "A device"} (${[active.profile, active.title].filter(Boolean).join(", ")})`,
      );
      const where = devices.length ? ` Playing now: ${devices.join("; ")}.` : "";
      const why = error.message || "Your plan’s streams are all in use: stop one first.";
      showMessage(why + where, [button("Try again", () => startSession(startAt)), back]);
    } else if (status === 404) {
      showMessage(error.message || "This video isn’t available.", [back]);
    } else if (status === 403) {
      showMessage(error.message || "You can’t watch this title.", [back]);
    } else {
      showMessage(error.message || "Something went wrong starting the video.", [
        button("Try again", () => startSession(startAt)),
        back,
      ]);
    }
  }

  function currentPosition() {
    return state.started ? video.currentTime : state.startAt;
  }

  function startHeartbeats(session) {
    clearInterval(state.heartbeatTimer);
    const every = (Number(session.heartbeat_interval) || 10) * 1000;
    state.heartbeatTimer = setInterval(heartbeat, every);
  }

  async function heartbeat({ keepalive = false } = {}) {
    const session = state.session;
    if (!session || state.ended) return;
    let result;
    try {
      result = await post(
        session.heartbeat_url,
        { position: currentPosition() },
        { keepalive },
      );
    } catch (error) {
      return; // a dropped heartbeat is fine; the next one carries the position
    }
    if (session !== state.session) return; // restarted meanwhile
    if (result.status === 204 || result.status === 200) {
      exposed.heartbeats += 1;
      if (result.data && result.data.grant) {
        applyGrant(result.data.grant);
        exposed.grantRenewals += 1;
      }
    } else if (result.status === 410) {
      sessionOver((result.data && result.data.error) || {});
    }
  }

  /** The server ended the session (expired, or taken over): offer to restart. */
  function sessionOver(error) {
    const position = currentPosition();
    state.ended = true;
    clearInterval(state.heartbeatTimer);
    video.pause();
    setState("session-ended");
    if (error.code === "no_longer_available") {
      showMessage(error.message || "This title is no longer available.", [
        link("Back to the title", config.titleUrl, "button-secondary"),
      ]);
      return;
    }
    showMessage(error.message || "This playback session has ended.", [
      button("Continue watching", () => restart(position)),
      link("Back to the title", config.titleUrl, "button-secondary"),
    ]);
  }

  /** End the session on purpose: leaving the page frees the stream at once. */
  function endSession() {
    flushTelemetry();
    const session = state.session;
    if (!session || state.ended) return;
    state.ended = true;
    clearInterval(state.heartbeatTimer);
    // keepalive lets the request outlive the page; sendBeacon can't send the
    // CSRF header.
    post(session.end_url, { position: currentPosition() }, { keepalive: true }).catch(() => {});
  }

  function teardown() {
    clearInterval(state.heartbeatTimer);
    clearTimeout(state.retryTimer);
    if (state.hls) {
      state.hls.destroy();
      state.hls = null;
      exposed.hls = null;
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
  function restart(position, { recovering = false } = {}) {
    endSession();
    teardown();
    if (!recovering) state.recoveries = 0;
    startSession(position);
  }

  // --- Delivery grants: the newest one applies to every request -----------

  /** CloudFront's resource wildcards: ``*`` any run of characters, ``?`` one. */
  function wildcardPattern(resource) {
    const escaped = resource.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^${escaped.replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]")}$`);
  }

  /** Take a session's grant (from its start or a heartbeat) as the newest. */
  function applyGrant(grant, { fresh = false } = {}) {
    if (!grant || !grant.token) return;
    const tokens = fresh ? new Set() : state.grant.tokens;
    tokens.add(grant.token);
    state.grant = {
      token: grant.token,
      tokens,
      queries: (grant.queries || []).map((entry) => ({
        pattern: wildcardPattern(entry.resource),
        query: entry.query,
      })),
    };
  }

  /**
   * ``url`` under the newest grant: a path segment holding one of the
   * session's earlier tokens gets the newest, and a URL a CDN policy covers
   * gets that policy's newest signature as its query (see the API's
   * SessionGrant).
   */
  function signedUrl(url) {
    const grant = state.grant;
    if (!grant.token || !url) return url;
    let parsed;
    try {
      parsed = new URL(url, window.location.href);
    } catch (error) {
      return url;
    }
    parsed.pathname = parsed.pathname
      .split("/")
      .map((part) => (part !== grant.token && grant.tokens.has(part) ? grant.token : part))
      .join("/");
    const bare = `${parsed.origin}${parsed.pathname}`;
    const covering = grant.queries.find((entry) => entry.pattern.test(bare));
    if (covering) parsed.search = `?${covering.query}`;
    return parsed.href;
  }

  /** hls.js's own loader, applying the newest grant to every URL it loads:
   * manifests, playlists, segments, keys, steering. */
  function grantLoader(Hls) {
    const Base = Hls.DefaultConfig.loader;
    return class GrantLoader extends Base {
      load(context, config, callbacks) {
        context.url = signedUrl(context.url);
        super.load(context, config, callbacks);
      }
    };
  }

  // --- Engines: hls.js, or the browser's own HLS ----------------------------

  function attach(session, startAt) {
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      attachHlsJs(Hls, session, startAt);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      attachNative(session, startAt);
    } else {
      setState("unsupported");
      showMessage("This browser can’t play this video. Try a recent Chrome, Firefox, Edge or Safari.");
    }
  }

  function recordEvent(name) {
    if (!(name in exposed.eventCounts)) {
      exposed.events.push(name);
      exposed.eventCounts[name] = 0;
    }
    exposed.eventCounts[name] += 1;
  }

  function attachHlsJs(Hls, session, startAt) {
    const hls = new Hls({
      startPosition: startAt > 0 ? startAt : -1,
      // The plan already capped the ladder server-side; let the viewer pick any rung.
      capLevelToPlayerSize: false,
      enableWorker: true,
      loader: grantLoader(Hls),
    });
    state.hls = hls;
    exposed.hls = hls;
    exposed.engine = "hls.js";
    root.dataset.engine = "hls.js";

    // Record every event's name once (bounded: there are ~70 kinds).
    Object.entries(Hls.Events).forEach(([name, event]) => {
      hls.on(event, () => recordEvent(name));
    });

    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      buildQualityMenu();
      buildCaptions(session);
      autoplay();
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (event, data) => {
      const level = hls.levels[data.level];
      root.dataset.level = level ? String(level.height) : "";
      telemetryRung(level);
      updateQualityLabel();
    });
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => buildCaptions(session));
    hls.on(Hls.Events.ERROR, (event, data) => {
      if (!data.fatal) return;
      telemetryError(data.type);
      state.recoveries += 1;
      if (state.recoveries > MAX_RECOVERIES) {
        failed();
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        // Signed URLs may have expired with the session: start a new one.
        restart(currentPosition(), { recovering: true });
      } else {
        failed();
      }
    });

    hls.loadSource(session.hls_url);
    hls.attachMedia(video);
  }

  function attachNative(session, startAt) {
    exposed.engine = "native";
    root.dataset.engine = "native";
    video.addEventListener(
      "loadedmetadata",
      () => {
        if (startAt > 0) video.currentTime = startAt;
        autoplay();
      },
      { once: true },
    );
    video.src = session.hls_url;
    buildCaptions(session);
  }

  function failed() {
    const position = currentPosition();
    teardown();
    setState("error");
    showMessage("The video stopped because of a problem loading it.", [
      button("Try again", () => restart(position)),
      link("Back to the title", config.titleUrl, "button-secondary"),
    ]);
  }

  function autoplay() {
    setState("ready");
    const attempt = video.play();
    if (attempt && attempt.catch) {
      // Browsers refuse autoplay with sound without a recent click: ask for one.
      attempt.catch(() => {
        telemetry.waitsForViewer = true;
        ui.bigPlay.hidden = false;
        setState("paused");
        ui.bigPlay.focus({ preventScroll: true });
      });
    }
  }

  // --- Controls --------------------------------------------------------------

  /** A control's accessible name, and its icon (by name) or visible text. */
  function setLabel(element, label, look) {
    element.setAttribute("aria-label", label);
    if (look === undefined) return;
    const face = element.firstElementChild;
    if (face.dataset.icon !== undefined) drawIcon(face, look);
    else face.textContent = look;
  }

  function togglePlay() {
    if (!state.session) return;
    if (video.paused || video.ended) {
      video.play().catch(() => {});
    } else {
      video.pause();
    }
  }

  function seekBy(delta) {
    if (!Number.isFinite(video.duration)) return;
    seekTo(video.currentTime + delta);
    toast(delta < 0 ? `−${-delta} s` : `+${delta} s`);
  }

  function seekTo(seconds) {
    const end = Number.isFinite(video.duration) ? video.duration : seekMax();
    video.currentTime = Math.max(0, Math.min(seconds, Math.max(0, end - 0.1)));
    state.started = true; // an explicit seek is a position worth saving
    showPreview(video.currentTime, null);
    hidePreviewSoon();
  }

  function setVolume(value) {
    video.volume = Math.max(0, Math.min(1, value));
    video.muted = video.volume === 0;
  }

  function toggleMute() {
    video.muted = !video.muted;
    if (!video.muted && video.volume === 0) video.volume = 0.5;
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (root.requestFullscreen) {
      root.requestFullscreen().catch(() => {});
    }
  }

  function seekMax() {
    return Number(ui.seek.max) || 0;
  }

  function setDuration(seconds) {
    if (!(seconds > 0)) return;
    ui.seek.max = String(seconds);
    ui.seek.disabled = false;
    ui.duration.textContent = formatTime(seconds);
  }

  function renderTime() {
    const now = video.currentTime;
    const total = Number.isFinite(video.duration) ? video.duration : seekMax();
    ui.current.textContent = formatTime(now);
    if (!state.seeking) ui.seek.value = String(now);
    ui.seek.setAttribute("aria-valuetext", `${formatTime(now)} of ${formatTime(total)}`);
    // The bar's fill: played, then buffered (CSS draws them from these).
    let buffered = 0;
    for (let i = 0; i < video.buffered.length; i += 1) {
      if (video.buffered.start(i) <= now + 0.5) buffered = Math.max(buffered, video.buffered.end(i));
    }
    if (total > 0) {
      ui.seek.style.setProperty("--played", `${(now / total) * 100}%`);
      ui.seek.style.setProperty("--buffered", `${(buffered / total) * 100}%`);
    }
  }

  function renderPlayState() {
    const playing = !video.paused && !video.ended;
    setLabel(ui.playButton, playing ? "Pause (k)" : "Play (k)", playing ? "pause" : "play");
    if (playing) ui.bigPlay.hidden = true;
  }

  function renderVolume() {
    const silent = video.muted || video.volume === 0;
    setLabel(ui.muteButton, silent ? "Unmute (m)" : "Mute (m)", silent ? "muted" : "volume");
    ui.volume.value = String(video.muted ? 0 : video.volume);
    ui.volume.setAttribute("aria-valuetext", `${Math.round((video.muted ? 0 : video.volume) * 100)}%`);
  }

  video.addEventListener("play", () => {
    renderPlayState();
    if (telemetry.waitsForViewer) {
      telemetry.waitsForViewer = false;
      telemetry.askedAt = performance.now();
    }
  });
  video.addEventListener("pause", () => {
    renderPlayState();
    if (state.session && !state.ended && state.started) setState("paused");
  });
  video.addEventListener("playing", () => {
    // Now currentTime is the real position (at or after the start position).
    state.started = true;
    state.recoveries = 0;
    telemetryPlaying();
    hideMessage();
    setState("playing");
  });
  video.addEventListener("waiting", () => {
    setState("buffering");
    telemetryWaiting();
  });
  video.addEventListener("error", () => {
    // hls.js reports its own errors (with their type); this is the browser's HLS.
    if (exposed.engine !== "native") return;
    telemetryError("mediaError");
    // The browser's HLS cannot take renewed grants: once the first one has
    // expired its requests fail, and a fresh session plays on from here.
    state.recoveries += 1;
    if (state.recoveries > MAX_RECOVERIES) failed();
    else restart(currentPosition(), { recovering: true });
  });
  video.addEventListener("timeupdate", renderTime);
  video.addEventListener("progress", renderTime);
  video.addEventListener("durationchange", () => setDuration(video.duration));
  video.addEventListener("volumechange", () => {
    renderVolume();
    remember("volume", { volume: video.volume, muted: video.muted });
  });
  video.addEventListener("ended", () => {
    renderPlayState();
    setState("ended");
    heartbeat(); // the final position: the title counts as watched
    if (config.next) {
      offerNext();
    } else {
      ui.bigPlay.hidden = false;
      setLabel(ui.bigPlay, "Watch again", "replay");
    }
  });
  video.addEventListener("click", togglePlay);

  const saved = recall("volume", null);
  if (saved) {
    video.volume = Math.max(0, Math.min(1, Number(saved.volume) || 0));
    video.muted = Boolean(saved.muted);
  }
  renderVolume();

  root.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    switch (target.dataset.action) {
      case "play":
        if (video.ended) video.currentTime = 0;
        video.play().catch(() => {});
        break;
      case "toggle-play":
        togglePlay();
        break;
      case "back":
        seekBy(-SEEK_STEP);
        break;
      case "forward":
        seekBy(SEEK_STEP);
        break;
      case "mute":
        toggleMute();
        break;
      case "fullscreen":
        toggleFullscreen();
        break;
      case "next-now":
        goNext();
        break;
      case "next-cancel":
        cancelNext();
        break;
      default:
    }
  });

  ui.volume.addEventListener("input", () => setVolume(Number(ui.volume.value)));

  // Dragging the seek bar previews; letting go seeks.
  ui.seek.addEventListener("input", () => {
    state.seeking = true;
    const seconds = Number(ui.seek.value);
    ui.current.textContent = formatTime(seconds);
    showPreview(seconds, null);
  });
  ui.seek.addEventListener("change", () => {
    state.seeking = false;
    seekTo(Number(ui.seek.value));
  });

  document.addEventListener("fullscreenchange", () => {
    const full = document.fullscreenElement === root;
    setLabel(
      ui.fullscreenButton,
      full ? "Exit full screen (f)" : "Full screen (f)",
      full ? "exit-fullscreen" : "fullscreen",
    );
    root.classList.toggle("is-fullscreen", full);
  });

  // Controls fade while playing and nobody moves the pointer; focus keeps them.
  function wake() {
    root.classList.remove("is-idle");
    clearTimeout(state.idleTimer);
    state.idleTimer = setTimeout(() => {
      if (!video.paused) root.classList.add("is-idle");
    }, IDLE_AFTER);
  }
  root.addEventListener("pointermove", wake);
  root.addEventListener("focusin", wake);

  // --- Storyboard previews on the seek bar ----------------------------------

  function parseTimestamp(text) {
    // WebVTT: hh:mm:ss.ttt or mm:ss.ttt
    const parts = text.trim().split(":").map(Number);
    return parts.reduce((total, part) => total * 60 + part, 0);
  }

  /** The thumbnails track's cues: [{start, end, url, x, y, w, h}]. */
  function parseThumbnails(text, baseUrl) {
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

  async function loadStoryboard(url) {
    state.storyboard = [];
    if (!url) return;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const base = new URL(url, window.location.href).href;
      state.storyboard = parseThumbnails(await response.text(), base);
    } catch (error) {
      state.storyboard = []; // previews are a nicety: play on without them
    }
  }

  function cueAt(seconds) {
    const cues = state.storyboard;
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

  /** The preview over the seek bar at ``seconds`` (x in px, or from the time). */
  function showPreview(seconds, clientX) {
    const total = seekMax();
    if (!(total > 0)) return;
    const bar = ui.seek.getBoundingClientRect();
    const hostBox = root.getBoundingClientRect();
    const x = clientX === null ? bar.left + (seconds / total) * bar.width : clientX;
    const cue = cueAt(seconds);
    if (cue) {
      Object.assign(ui.storyboardImage.style, {
        width: `${cue.w}px`,
        height: `${cue.h}px`,
        backgroundImage: `url("${signedUrl(cue.url)}")`,
        backgroundPosition: `-${cue.x}px -${cue.y}px`,
      });
      ui.storyboardImage.hidden = false;
    } else {
      ui.storyboardImage.hidden = true;
    }
    ui.storyboardTime.textContent = formatTime(seconds);
    ui.storyboard.hidden = false;
    const width = ui.storyboard.offsetWidth;
    const left = Math.max(0, Math.min(x - hostBox.left - width / 2, hostBox.width - width));
    ui.storyboard.style.left = `${left}px`;
    ui.storyboard.style.bottom = `${hostBox.bottom - bar.top + 8}px`;
    clearTimeout(state.previewTimer);
  }

  function hidePreviewSoon() {
    clearTimeout(state.previewTimer);
    state.previewTimer = setTimeout(() => {
      ui.storyboard.hidden = true;
    }, 1000);
  }

  ui.seek.addEventListener("pointermove", (event) => {
    const bar = ui.seek.getBoundingClientRect();
    const ratio = Math.max(0, Math.min(1, (event.clientX - bar.left) / bar.width));
    showPreview(ratio * seekMax(), event.clientX);
  });
  ui.seek.addEventListener("pointerleave", () => {
    if (!state.seeking) ui.storyboard.hidden = true;
  });
  ui.seek.addEventListener("blur", () => {
    ui.storyboard.hidden = true;
  });

  // --- Menus: quality and captions ------------------------------------------

  function menuItem(menu, label, checked, onSelect) {
    const item = document.createElement("button");
    item.type = "button";
    item.setAttribute("role", "menuitemradio");
    item.setAttribute("aria-checked", String(checked));
    item.tabIndex = -1;
    item.textContent = label;
    item.addEventListener("click", () => {
      onSelect();
      menu.querySelectorAll('[role="menuitemradio"]').forEach((other) => {
        other.setAttribute("aria-checked", String(other === item));
      });
      closeMenus(true);
    });
    menu.appendChild(item);
    return item;
  }

  function openMenu(buttonElement) {
    const menu = document.getElementById(buttonElement.getAttribute("aria-controls"));
    closeMenus(false);
    menu.hidden = false;
    buttonElement.setAttribute("aria-expanded", "true");
    const checked = menu.querySelector('[aria-checked="true"]') || menu.firstElementChild;
    if (checked) checked.focus();
  }

  function closeMenus(returnFocus) {
    root.querySelectorAll("[data-menu]").forEach((menuButton) => {
      const menu = document.getElementById(menuButton.getAttribute("aria-controls"));
      if (menu.hidden) return;
      menu.hidden = true;
      menuButton.setAttribute("aria-expanded", "false");
      if (returnFocus) menuButton.focus();
    });
  }

  root.querySelectorAll("[data-menu]").forEach((menuButton) => {
    menuButton.addEventListener("click", () => {
      if (menuButton.getAttribute("aria-expanded") === "true") closeMenus(true);
      else openMenu(menuButton);
    });
  });
  root.querySelectorAll(".player-menu").forEach((menu) => {
    menu.addEventListener("keydown", (event) => {
      const items = Array.from(menu.querySelectorAll('[role="menuitemradio"]'));
      const index = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const step = event.key === "ArrowDown" ? 1 : -1;
        items[(index + step + items.length) % items.length].focus();
      } else if (event.key === "Home") {
        items[0].focus();
      } else if (event.key === "End") {
        items[items.length - 1].focus();
      } else if (event.key === "Escape") {
        closeMenus(true);
      } else if (event.key === "Tab") {
        closeMenus(false);
        return;
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    });
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".player-menu-wrap")) closeMenus(false);
  });

  /** Auto plus one entry per rung, tallest first; picks set hls.currentLevel. */
  function buildQualityMenu() {
    const hls = state.hls;
    ui.qualityMenu.replaceChildren();
    if (!hls || hls.levels.length < 2) {
      ui.qualityButton.hidden = true;
      return;
    }
    const rungs = hls.levels
      .map((level, index) => ({ level, index }))
      .sort((a, b) => b.level.height - a.level.height || b.level.bitrate - a.level.bitrate);
    menuItem(ui.qualityMenu, "Auto", hls.autoLevelEnabled, () => {
      // nextLevel = -1 hands the choice back to the bandwidth estimate without
      // flushing what is buffered.
      hls.nextLevel = -1;
      updateQualityLabel();
      toast("Quality: Auto");
    });
    rungs.forEach(({ level, index }) => {
      const label = `${level.height}p`;
      const item = menuItem(ui.qualityMenu, label, false, () => {
        // currentLevel switches now (flushing the buffer), as a viewer expects.
        hls.currentLevel = index;
        updateQualityLabel(index);
        toast(`Quality: ${label}`);
      });
      item.dataset.level = String(index);
      item.dataset.height = String(level.height);
    });
    ui.qualityButton.hidden = false;
    updateQualityLabel();
  }

  function updateQualityLabel(pickedIndex) {
    const hls = state.hls;
    if (!hls) return;
    const playing = hls.levels[hls.currentLevel];
    const height = playing ? `${playing.height}p` : "";
    const auto = pickedIndex === undefined ? hls.autoLevelEnabled : false;
    const shown = auto ? `Auto${height ? ` (${height})` : ""}` : height || "Auto";
    setLabel(ui.qualityButton, `Quality: ${shown}`, auto ? "Auto" : height);
    const autoItem = ui.qualityMenu.firstElementChild;
    if (autoItem) autoItem.textContent = auto && height ? `Auto (${height})` : "Auto";
  }

  /**
   * Captions: hls.js's own subtitle tracks when the master lists them,
   * otherwise <track> elements for the API's text tracks.
   */
  function buildCaptions(session) {
    const hls = state.hls;
    state.captions = [];
    if (hls && hls.subtitleTracks && hls.subtitleTracks.length) {
      hls.subtitleTracks.forEach((track, index) => {
        state.captions.push({
          label: track.name || track.lang || `Track ${index + 1}`,
          language: track.lang || "",
          select: (on) => {
            hls.subtitleTrack = on ? index : -1;
            hls.subtitleDisplay = on;
          },
        });
      });
    } else if (session.text_tracks && session.text_tracks.length) {
      if (!video.querySelector("track")) {
        session.text_tracks.forEach((track) => {
          const element = document.createElement("track");
          element.kind = track.kind === "captions" ? "captions" : "subtitles";
          element.label = track.label;
          element.srclang = track.language;
          element.src = signedUrl(track.url);
          video.appendChild(element);
        });
      }
      Array.from(video.textTracks).forEach((textTrack) => {
        textTrack.mode = "disabled";
        state.captions.push({
          label: textTrack.label || textTrack.language,
          language: textTrack.language,
          select: (on) => {
            textTrack.mode = on ? "showing" : "disabled";
          },
        });
      });
    }
    ui.captionsMenu.replaceChildren();
    if (!state.captions.length) {
      ui.captionsButton.hidden = true;
      return;
    }
    menuItem(ui.captionsMenu, "Off", true, () => selectCaption(-1));
    state.captions.forEach((caption, index) => {
      menuItem(ui.captionsMenu, caption.label, false, () => selectCaption(index));
    });
    ui.captionsButton.hidden = false;
    // Keep the language the viewer chose last time.
    const preferred = recall("captions", null);
    const match = state.captions.findIndex((caption) => caption.language === preferred);
    selectCaption(match, { remember: false, announce: false });
  }

  function selectCaption(index, { remember: save = true, announce = true } = {}) {
    state.captions.forEach((caption, i) => {
      if (i !== index) caption.select(false);
    });
    if (index >= 0) state.captions[index].select(true);
    state.captionIndex = index;
    const items = ui.captionsMenu.querySelectorAll('[role="menuitemradio"]');
    items.forEach((item, i) => item.setAttribute("aria-checked", String(i === index + 1)));
    ui.captionsButton.classList.toggle("is-on", index >= 0);
    if (save) remember("captions", index >= 0 ? state.captions[index].language : null);
    if (announce) toast(index >= 0 ? `Subtitles: ${state.captions[index].label}` : "Subtitles off");
  }

  function toggleCaptions() {
    if (!state.captions.length) {
      toast("No subtitles for this video");
      return;
    }
    if (state.captionIndex >= 0) {
      selectCaption(-1);
    } else {
      const preferred = recall("captions", null);
      const match = state.captions.findIndex((caption) => caption.language === preferred);
      selectCaption(match >= 0 ? match : 0);
    }
  }

  // Subtitles render natively, at the bottom: lift cues above the control bar.
  function liftCues(textTrack) {
    textTrack.addEventListener("cuechange", () => {
      let shownMoved = false;
      // All cues, so the ones still to come are placed before they show.
      Array.from(textTrack.cues || []).forEach((cue) => {
        if (cue.line !== "auto") return;
        cue.line = -4; // the fourth line from the bottom
        if (Array.prototype.includes.call(textTrack.activeCues || [], cue)) shownMoved = true;
      });
      // A cue already on screen keeps its place until the track is redrawn.
      if (shownMoved && textTrack.mode === "showing") {
        textTrack.mode = "hidden";
        textTrack.mode = "showing";
      }
    });
  }
  Array.from(video.textTracks).forEach(liftCues);
  video.textTracks.addEventListener("addtrack", (event) => liftCues(event.track));

  // --- Next episode ------------------------------------------------------------

  function offerNext() {
    let left = NEXT_COUNTDOWN;
    ui.next.hidden = false;
    ui.nextCountdown.textContent = `Starting in ${left} seconds`;
    ui.next.querySelector('[data-action="next-now"]').focus({ preventScroll: true });
    clearInterval(state.nextTimer);
    state.nextTimer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        goNext();
      } else {
        ui.nextCountdown.textContent = `Starting in ${left} seconds`;
      }
    }, 1000);
  }

  function cancelNext() {
    clearInterval(state.nextTimer);
    ui.next.hidden = true;
    ui.bigPlay.hidden = false;
    setLabel(ui.bigPlay, "Watch again", "replay");
  }

  function goNext() {
    clearInterval(state.nextTimer);
    window.location.assign(config.next.url);
  }

  // --- Keyboard -----------------------------------------------------------------

  function typingIn(element) {
    if (!element) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && element.type !== "range";
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (typingIn(target)) return; // e.g. the header's search box
    const onControl = target.closest && target.closest("button, a, summary");
    const onVolume = target === ui.volume;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    switch (key) {
      case " ":
        if (onControl) return; // space presses the focused button
        togglePlay();
        break;
      case "k":
        togglePlay();
        break;
      case "ArrowLeft":
      case "j":
        if (onVolume && key === "ArrowLeft") return;
        seekBy(-SEEK_STEP);
        break;
      case "ArrowRight":
      case "l":
        if (onVolume && key === "ArrowRight") return;
        seekBy(SEEK_STEP);
        break;
      case "ArrowUp":
        setVolume((video.muted ? 0 : video.volume) + VOLUME_STEP);
        toast(`Volume ${Math.round(video.volume * 100)}%`);
        break;
      case "ArrowDown":
        setVolume((video.muted ? 0 : video.volume) - VOLUME_STEP);
        toast(`Volume ${Math.round(video.volume * 100)}%`);
        break;
      case "m":
        toggleMute();
        toast(video.muted ? "Muted" : "Sound on");
        break;
      case "f":
        toggleFullscreen();
        break;
      case "c":
        toggleCaptions();
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      wake();
    }
  });

  // --- Leaving and coming back ------------------------------------------------

  // Hidden tab: save the position now (mobile browsers may never fire pagehide).
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      heartbeat({ keepalive: true });
      flushTelemetry();
    }
  });
  // Leaving: end the session so the stream's slot is free at once.
  window.addEventListener("pagehide", endSession);
  // Back from the back/forward cache: the session was ended on the way out.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && state.session && state.ended) restart(currentPosition());
  });

  // --- Start ------------------------------------------------------------------

  if (config.profileRequired) {
    setState("profile-required");
    showMessage("Choose who’s watching first.", [
      link("Choose a profile", config.profilesUrl),
      link("Back to the title", config.titleUrl, "button-secondary"),
    ]);
    return;
  }
  startSession(config.startAt);
})();
