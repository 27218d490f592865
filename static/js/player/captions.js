/*
 * The captions menu's state: its entries, which one is on, what a press of
 * ``c`` picks, and the language remembered between visits. Pure: no DOM.
 * The entries' order is the menu's: "Off" first, then each caption.
 */

import { matchLanguage } from "./languages.js";

/** Entries for hls.js's subtitle tracks (the master lists them). */
export function captionsFromHls(tracks) {
  return (tracks || []).map((track, index) => ({
    label: track.name || track.lang || `Track ${index + 1}`,
    language: track.lang || "",
    index,
  }));
}

/** Entries for the <video>'s own text tracks (the API's text tracks). */
export function captionsFromTextTracks(textTracks) {
  return Array.from(textTracks || [], (track, index) => ({
    label: track.label || track.language,
    language: track.language,
    index,
  }));
}

/** A <track>'s kind for one of the API's text tracks. */
export function trackKind(kind) {
  return kind === "captions" ? "captions" : "subtitles";
}

/** The caption in the remembered ``language``, or -1 (off). */
export function preferredCaption(captions, language) {
  return captions.findIndex((caption) => caption.language === language);
}

/**
 * The caption a playback starts with: the profile's ``captions_language``
 * (blank: off; "pt" finds "pt-BR"), else, without preferences, the language
 * remembered in this browser.
 */
export function startingCaption(captions, preferences, remembered) {
  if (!preferences) return preferredCaption(captions, remembered);
  return matchLanguage(
    captions.map((caption) => caption.language),
    preferences.captions_language,
  );
}

/** What toggling turns on: off when one is on, else the remembered one or the first. */
export function toggledCaption(captions, current, language) {
  if (current >= 0) return -1;
  const match = preferredCaption(captions, language);
  return match >= 0 ? match : 0;
}

/** aria-checked of each menu entry ("Off" and then each caption) with ``index`` on. */
export function checkedEntries(count, index) {
  return Array.from({ length: count + 1 }, (_, i) => i === index + 1);
}

/** What the toast says when ``index`` is picked. */
export function captionAnnouncement(captions, index) {
  return index >= 0 ? `Subtitles: ${captions[index].label}` : "Subtitles off";
}

/** The language to remember for ``index``: null for off. */
export function rememberedLanguage(captions, index) {
  return index >= 0 ? captions[index].language : null;
}
