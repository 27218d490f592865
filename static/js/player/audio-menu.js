/*
 * The audio menu: one entry per audio track (languages, audio descriptions)
 * of hls.js's current audio group, or of the browser's own HLS where it lists
 * them (``video.audioTracks``). A playback starts on the profile's preferred
 * track; a pick switches the audio alone (hls.js's ``audioTrack``), so the
 * position is kept and the video stays buffered.
 */

import {
  audioAnnouncement,
  audioButton,
  audioChoice,
  audioFromHls,
  audioFromNative,
  offersAudio,
  preferredAudio,
} from "./audio.js";
import { setLabel, toast } from "./dom.js";
import { languageNamer } from "./languages.js";
import { menuItem } from "./menu.js";
import { sessionPreferences } from "./profile-preferences.js";

function nameOf() {
  return languageNamer(document.documentElement.lang || navigator.language);
}

/** The tracks with their select(), and the index playing, for the engine. */
function tracksFor(p) {
  const { hls } = p.state;
  if (hls) {
    const entries = audioFromHls(hls.audioTracks, nameOf()).map((entry) => ({
      ...entry,
      select: () => {
        hls.audioTrack = entry.index;
      },
    }));
    return { entries, playing: hls.audioTrack };
  }
  const native = p.video.audioTracks;
  if (!native) return { entries: [], playing: -1 };
  const list = Array.from(native);
  const entries = audioFromNative(list, nameOf()).map((entry) => ({
    ...entry,
    select: () => {
      // Enable the new one first: with none enabled a browser may pause.
      list[entry.index].enabled = true;
      list.forEach((track, i) => {
        if (i !== entry.index) track.enabled = false;
      });
    },
  }));
  return { entries, playing: list.findIndex((track) => track.enabled) };
}

/**
 * (Re)build the menu from the engine's tracks. The first time for a page,
 * the track the profile prefers is selected (before hls.js loads any audio,
 * when called from AUDIO_TRACKS_UPDATED); afterwards the viewer's pick.
 */
export function buildAudioMenu(p, session) {
  const { ui, state } = p;
  const { entries, playing } = tracksFor(p);
  state.audio = entries;
  ui.audioMenu.replaceChildren();
  entries.forEach((entry, index) => {
    menuItem(p, ui.audioMenu, entry.label, false, () => selectAudio(p, index));
  });
  ui.audioButton.hidden = !offersAudio(entries);
  if (!entries.length) return;
  // hls.js has chosen none yet for a new group: choose as a new playback.
  if (state.audioSession !== session || playing < 0) {
    state.audioSession = session;
    const wanted = state.audioChoice || sessionPreferences(p, session);
    const index = preferredAudio(entries, wanted);
    if (index !== playing) entries[index].select();
    markAudio(p, index);
  } else {
    markAudio(p, playing);
  }
}

/** The viewer picks ``index``: the audio switches, playing on from here. */
export function selectAudio(p, index) {
  const entry = p.state.audio[index];
  if (!entry) return;
  entry.select();
  p.state.audioChoice = audioChoice(p.state.audio, index);
  markAudio(p, index);
  toast(p, audioAnnouncement(p.state.audio, index));
}

/** Check ``index`` in the menu and name it on the button. */
export function markAudio(p, index) {
  const { ui, state } = p;
  state.audioIndex = index;
  ui.audioMenu.querySelectorAll('[role="menuitemradio"]').forEach((item, i) => {
    item.setAttribute("aria-checked", String(i === index));
  });
  const shown = audioButton(state.audio, index);
  setLabel(ui.audioButton, shown.label, shown.face);
  const entry = state.audio[index];
  p.root.dataset.audio = entry ? `${entry.language}${entry.description ? "+description" : ""}` : "";
}
