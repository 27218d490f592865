/*
 * Captions: hls.js's own subtitle tracks when the master lists them,
 * otherwise <track> elements for the API's text tracks; the menu, the ``c``
 * toggle and the language remembered between visits.
 */

import {
  captionAnnouncement,
  captionsFromHls,
  captionsFromTextTracks,
  checkedEntries,
  preferredCaption,
  rememberedLanguage,
  startingCaption,
  toggledCaption,
  trackKind,
} from "./captions.js";
import { toast } from "./dom.js";
import { signUrl } from "./grant.js";
import { menuItem } from "./menu.js";
import { recall, remember } from "./prefs.js";
import { sessionPreferences } from "./profile-preferences.js";

/** The session's captions, each with its select(on) for the engine playing. */
function captionsFor(p, session) {
  const { hls } = p.state;
  const { video } = p;
  if (hls && hls.subtitleTracks && hls.subtitleTracks.length) {
    return captionsFromHls(hls.subtitleTracks).map((caption) => ({
      ...caption,
      select: (on) => {
        hls.subtitleTrack = on ? caption.index : -1;
        hls.subtitleDisplay = on;
      },
    }));
  }
  if (!session.text_tracks || !session.text_tracks.length) return [];
  if (!video.querySelector("track")) {
    session.text_tracks.forEach((track) => {
      const element = document.createElement("track");
      element.kind = trackKind(track.kind);
      element.label = track.label;
      element.srclang = track.language;
      element.src = signUrl(p.state.grant, track.url, window.location.href);
      video.appendChild(element);
    });
  }
  const textTracks = Array.from(video.textTracks);
  return captionsFromTextTracks(textTracks).map((caption) => {
    const textTrack = textTracks[caption.index];
    textTrack.mode = "disabled";
    return {
      ...caption,
      select: (on) => {
        textTrack.mode = on ? "showing" : "disabled";
      },
    };
  });
}

export function buildCaptions(p, session) {
  const { ui } = p;
  p.state.captions = captionsFor(p, session);
  ui.captionsMenu.replaceChildren();
  if (!p.state.captions.length) {
    ui.captionsButton.hidden = true;
    return;
  }
  menuItem(p, ui.captionsMenu, "Off", true, () => selectCaption(p, -1));
  p.state.captions.forEach((caption, index) => {
    menuItem(p, ui.captionsMenu, caption.label, false, () => selectCaption(p, index));
  });
  ui.captionsButton.hidden = false;
  // The profile's captions start a playback; a pick made since (kept in
  // captionChoice) outlasts a rebuild or a restarted session.
  const chosen = p.state.captionChoice;
  const match =
    chosen === undefined
      ? startingCaption(p.state.captions, sessionPreferences(p, session), recall("captions", null))
      : preferredCaption(p.state.captions, chosen);
  selectCaption(p, match, { remember: false, announce: false });
}

export function selectCaption(p, index, { remember: save = true, announce = true } = {}) {
  const { captions } = p.state;
  captions.forEach((caption, i) => {
    if (i !== index) caption.select(false);
  });
  if (index >= 0) captions[index].select(true);
  p.state.captionIndex = index;
  p.state.captionChoice = rememberedLanguage(captions, index);
  const checks = checkedEntries(captions.length, index);
  const items = p.ui.captionsMenu.querySelectorAll('[role="menuitemradio"]');
  items.forEach((item, i) => item.setAttribute("aria-checked", String(checks[i])));
  p.ui.captionsButton.classList.toggle("is-on", index >= 0);
  if (save) remember("captions", rememberedLanguage(captions, index));
  if (announce) toast(p, captionAnnouncement(captions, index));
}

export function toggleCaptions(p) {
  if (!p.state.captions.length) {
    toast(p, "No subtitles for this video");
    return;
  }
  const { captions, captionIndex } = p.state;
  const preferences = sessionPreferences(p, p.state.session) || {};
  const language = recall("captions", null) || preferences.captions_language || null;
  selectCaption(p, toggledCaption(captions, captionIndex, language));
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

export function installCaptions(p) {
  Array.from(p.video.textTracks).forEach(liftCues);
  p.video.textTracks.addEventListener("addtrack", (event) => liftCues(event.track));
}
