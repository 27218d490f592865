import assert from "node:assert/strict";
import { test } from "node:test";

import {
  captionAnnouncement,
  captionsFromHls,
  captionsFromTextTracks,
  checkedEntries,
  preferredCaption,
  rememberedLanguage,
  toggledCaption,
  trackKind,
} from "../../static/js/player/captions.js";
import { offersQuality, qualityLabel, qualityRungs } from "../../static/js/player/quality.js";

const LEVELS = [
  { height: 240, bitrate: 400000 },
  { height: 720, bitrate: 2500000 },
  { height: 360, bitrate: 800000 },
  { height: 720, bitrate: 3000000 },
];

test("the quality menu shows only when there are two rungs or more", () => {
  assert.equal(offersQuality([{ height: 360, bitrate: 1 }]), false);
  assert.equal(offersQuality([]), false);
  assert.equal(offersQuality(undefined), false);
  assert.equal(offersQuality(LEVELS), true);
});

test("rungs are listed tallest first, the richer first at one height", () => {
  assert.deepEqual(qualityRungs(LEVELS), [
    { index: 3, height: 720, label: "720p" },
    { index: 1, height: 720, label: "720p" },
    { index: 2, height: 360, label: "360p" },
    { index: 0, height: 240, label: "240p" },
  ]);
});

test("on Auto the button names the rung playing", () => {
  const shown = qualityLabel({ levels: LEVELS, currentLevel: 2, autoLevelEnabled: true });

  assert.deepEqual(shown, { label: "Quality: Auto (360p)", face: "Auto", autoItem: "Auto (360p)" });
});

test("on Auto before any rung plays the button just says Auto", () => {
  const shown = qualityLabel({ levels: LEVELS, currentLevel: -1, autoLevelEnabled: true });

  assert.deepEqual(shown, { label: "Quality: Auto", face: "Auto", autoItem: "Auto" });
});

test("a picked rung shows its height, and Auto loses its suffix", () => {
  const shown = qualityLabel({ levels: LEVELS, currentLevel: 0, autoLevelEnabled: true }, 0);

  assert.deepEqual(shown, { label: "Quality: 240p", face: "240p", autoItem: "Auto" });
  const manual = qualityLabel({ levels: LEVELS, currentLevel: 1, autoLevelEnabled: false });
  assert.equal(manual.label, "Quality: 720p");
});

const HLS_TRACKS = [{ name: "English", lang: "en" }, { lang: "fr" }, {}];

test("hls.js subtitle tracks are named by name, else language, else number", () => {
  assert.deepEqual(captionsFromHls(HLS_TRACKS), [
    { label: "English", language: "en", index: 0 },
    { label: "fr", language: "fr", index: 1 },
    { label: "Track 3", language: "", index: 2 },
  ]);
  assert.deepEqual(captionsFromHls(undefined), []);
});

test("text tracks are named by label, else language; kinds are captions or subtitles", () => {
  const captions = captionsFromTextTracks([
    { label: "Deutsch", language: "de" },
    { label: "", language: "es" },
  ]);

  assert.deepEqual(captions, [
    { label: "Deutsch", language: "de", index: 0 },
    { label: "es", language: "es", index: 1 },
  ]);
  assert.equal(trackKind("captions"), "captions");
  assert.equal(trackKind("subtitles"), "subtitles");
  assert.equal(trackKind("descriptions"), "subtitles");
});

test("the remembered language is picked again; none remembered is off", () => {
  const captions = captionsFromHls(HLS_TRACKS);

  assert.equal(preferredCaption(captions, "fr"), 1);
  assert.equal(preferredCaption(captions, null), -1);
  assert.equal(preferredCaption(captions, "de"), -1);
});

test("c turns captions off when on, else on in the remembered language or the first", () => {
  const captions = captionsFromHls(HLS_TRACKS);

  assert.equal(toggledCaption(captions, 1, "fr"), -1);
  assert.equal(toggledCaption(captions, -1, "fr"), 1);
  assert.equal(toggledCaption(captions, -1, null), 0);
  assert.equal(toggledCaption(captions, -1, "de"), 0);
});

test("one menu entry is checked: Off, or the caption on", () => {
  assert.deepEqual(checkedEntries(2, -1), [true, false, false]);
  assert.deepEqual(checkedEntries(2, 1), [false, false, true]);
});

test("a pick is announced and remembered by language; off remembers nothing", () => {
  const captions = captionsFromHls(HLS_TRACKS);

  assert.equal(captionAnnouncement(captions, 0), "Subtitles: English");
  assert.equal(captionAnnouncement(captions, -1), "Subtitles off");
  assert.equal(rememberedLanguage(captions, 1), "fr");
  assert.equal(rememberedLanguage(captions, -1), null);
});
