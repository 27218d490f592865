/*
 * The audio menu's state: one entry per audio track of the stream (languages,
 * audio descriptions), which one a new playback starts on, and what the
 * button says. Pure: no DOM. The entries keep the tracks' order, so an
 * entry's ``index`` is its track's index for the engine.
 */

import { matchLanguage } from "./languages.js";

// HLS CHARACTERISTICS of an audio description (Apple's, which hls.js keeps).
export const DESCRIBES_VIDEO = "public.accessibility.describes-video";
// HTML AudioTrack kinds of a description (the browser's own HLS).
const DESCRIPTION_KINDS = ["descriptions", "main-desc"];

/** Whether an HLS CHARACTERISTICS list names an audio description. */
export function describesVideo(characteristics) {
  return String(characteristics || "")
    .split(",")
    .some((value) => value.trim() === DESCRIBES_VIDEO);
}

/**
 * Entries named by language (``nameOf``, see languages.languageNamer), else
 * by the track's name; descriptions say so; like-named entries add the
 * track's name, else a number.
 */
function named(tracks, nameOf) {
  const entries = tracks.map((track, index) => {
    const base = nameOf(track.language) || track.name || track.language || `Track ${index + 1}`;
    const label = track.description ? `${base} – Audio description` : base;
    return { ...track, label, index };
  });
  const count = (label, keep) => entries.filter((entry) => entry.label === label && keep(entry)).length;
  const distinct = (entry) => Boolean(entry.name) && !entry.label.includes(entry.name);
  const seen = {};
  return entries.map((entry) => {
    if (count(entry.label, () => true) < 2) return entry;
    if (distinct(entry)) return { ...entry, label: `${entry.label} (${entry.name})` };
    if (count(entry.label, (other) => !distinct(other)) < 2) return entry;
    seen[entry.label] = (seen[entry.label] || 0) + 1;
    return { ...entry, label: `${entry.label} (${seen[entry.label]})` };
  });
}

/** Entries for hls.js's audio tracks (the variant's audio group). */
export function audioFromHls(tracks, nameOf = () => "") {
  return named(
    (tracks || []).map((track) => ({
      language: track.lang || "",
      name: track.name || "",
      description: describesVideo(track.characteristics || (track.attrs && track.attrs.CHARACTERISTICS)),
      isDefault: Boolean(track.default),
    })),
    nameOf,
  );
}

/** Entries for the <video>'s own audioTracks (the browser's HLS, e.g. Safari). */
export function audioFromNative(audioTracks, nameOf = () => "") {
  return named(
    Array.from(audioTracks || [], (track) => ({
      language: track.language || "",
      name: track.label || "",
      description: DESCRIPTION_KINDS.includes(track.kind),
      isDefault: Boolean(track.enabled),
    })),
    nameOf,
  );
}

/** A menu only when there is a choice: two tracks or more. */
export function offersAudio(entries) {
  return Boolean(entries) && entries.length >= 2;
}

function indexesWhere(entries, keep) {
  return entries.flatMap((entry, index) => (keep(entry) ? [index] : []));
}

/** The title's default: its DEFAULT track (never a description), else the first other. */
export function defaultAudio(entries) {
  const main = indexesWhere(entries, (entry) => !entry.description);
  const chosen = main.find((index) => entries[index].isDefault);
  if (chosen !== undefined) return chosen;
  return main.length ? main[0] : entries.length ? 0 : -1;
}

/**
 * The track a playback starts on, for a profile's ``preferences``
 * ({audio_language, audio_description}): a description when asked for and
 * there is one (in the wanted language, else the default's, else the first);
 * else a track in the wanted language; else the default. -1 without tracks.
 */
export function preferredAudio(entries, preferences) {
  const { audio_language: wanted = "", audio_description: describe = false } = preferences || {};
  const fallback = defaultAudio(entries);
  if (fallback < 0) return -1;
  if (describe) {
    const descriptions = indexesWhere(entries, (entry) => entry.description);
    if (descriptions.length) {
      const tags = descriptions.map((index) => entries[index].language);
      let match = matchLanguage(tags, wanted);
      if (match < 0) match = matchLanguage(tags, entries[fallback].language);
      return descriptions[Math.max(match, 0)];
    }
  }
  const main = indexesWhere(entries, (entry) => !entry.description);
  const match = matchLanguage(
    main.map((index) => entries[index].language),
    wanted,
  );
  return match >= 0 ? main[match] : fallback;
}

/** The preferences that pick ``index`` again (a viewer's pick outlasts a restart). */
export function audioChoice(entries, index) {
  const entry = entries[index];
  return entry ? { audio_language: entry.language, audio_description: entry.description } : null;
}

/** The audio button's name and face for the track playing: "EN", "EN AD". */
export function audioButton(entries, index) {
  const entry = entries[index];
  if (!entry) return { label: "Audio", face: "Audio" };
  const code = (entry.language.split("-")[0] || "").toUpperCase();
  const face = code && code !== "UND" ? code : "Audio";
  return { label: `Audio: ${entry.label}`, face: entry.description ? `${face} AD` : face };
}

/** What the toast says when ``index`` is picked. */
export function audioAnnouncement(entries, index) {
  return entries[index] ? `Audio: ${entries[index].label}` : "Audio";
}
