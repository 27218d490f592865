import assert from "node:assert/strict";
import { test } from "node:test";

import {
  audioAnnouncement,
  audioButton,
  audioChoice,
  audioFromHls,
  audioFromNative,
  defaultAudio,
  describesVideo,
  offersAudio,
  preferredAudio,
} from "../../static/js/player/audio.js";
import { startingCaption, captionsFromHls } from "../../static/js/player/captions.js";
import { languageNamer, matchLanguage, primaryLanguage } from "../../static/js/player/languages.js";
import { sessionPreferences } from "../../static/js/player/profile-preferences.js";

const DESCRIBES = "public.accessibility.describes-video";
const english = languageNamer("en");

// hls.js's audioTracks of a title with English (default), a French dub and
// an English audio description, as the pipeline writes them.
const HLS_AUDIO = [
  { name: "English", lang: "en", default: true, attrs: {} },
  { name: "Français", lang: "fr", default: false, attrs: {} },
  {
    name: "English (described)",
    lang: "en",
    default: false,
    characteristics: DESCRIBES,
    attrs: { CHARACTERISTICS: DESCRIBES },
  },
];

test("hls.js audio tracks are named by language, descriptions labelled as such", () => {
  const entries = audioFromHls(HLS_AUDIO, english);

  assert.deepEqual(
    entries.map(({ label, language, description, isDefault, index }) => ({
      label,
      language,
      description,
      isDefault,
      index,
    })),
    [
      { label: "English", language: "en", description: false, isDefault: true, index: 0 },
      { label: "French", language: "fr", description: false, isDefault: false, index: 1 },
      {
        label: "English – Audio description",
        language: "en",
        description: true,
        isDefault: false,
        index: 2,
      },
    ],
  );
});

test("a description is found in CHARACTERISTICS among others, or in the raw attributes", () => {
  assert.equal(describesVideo(`public.easy-to-read, ${DESCRIBES}`), true);
  assert.equal(describesVideo("public.easy-to-read"), false);
  assert.equal(describesVideo(undefined), false);
  const [entry] = audioFromHls([{ lang: "de", attrs: { CHARACTERISTICS: DESCRIBES } }], english);
  assert.equal(entry.description, true);
  assert.equal(entry.label, "German – Audio description");
});

test("without a language name the track's name, then its tag, then a number", () => {
  const entries = audioFromHls(
    [{ name: "Director", lang: "und" }, { lang: "qaa" }, {}],
    english,
  );

  assert.deepEqual(
    entries.map((entry) => entry.label),
    ["Director", "qaa", "Track 3"],
  );
});

test("two tracks of one language are told apart by their names, else numbers", () => {
  const named = audioFromHls(
    [
      { name: "English", lang: "en" },
      { name: "Commentary", lang: "en" },
    ],
    english,
  );
  const unnamed = audioFromHls([{ lang: "es" }, { lang: "es" }], english);

  assert.deepEqual(
    named.map((entry) => entry.label),
    ["English", "English (Commentary)"],
  );
  assert.deepEqual(
    unnamed.map((entry) => entry.label),
    ["Spanish (1)", "Spanish (2)"],
  );
});

test("the browser's own audioTracks: descriptions by kind, the default is the enabled one", () => {
  const entries = audioFromNative(
    [
      { language: "en", label: "English", kind: "main", enabled: true },
      { language: "en", label: "English AD", kind: "main-desc", enabled: false },
      { language: "it", label: "", kind: "descriptions", enabled: false },
      { language: "ja", label: "", kind: "translation", enabled: false },
    ],
    english,
  );

  assert.deepEqual(
    entries.map((entry) => [entry.label, entry.description, entry.isDefault]),
    [
      ["English", false, true],
      ["English – Audio description", true, false],
      ["Italian – Audio description", true, false],
      ["Japanese", false, false],
    ],
  );
  assert.deepEqual(audioFromNative(undefined), []);
});

test("the menu shows only with two tracks or more", () => {
  assert.equal(offersAudio(audioFromHls(HLS_AUDIO.slice(0, 1))), false);
  assert.equal(offersAudio([]), false);
  assert.equal(offersAudio(undefined), false);
  assert.equal(offersAudio(audioFromHls(HLS_AUDIO)), true);
});

const ENTRIES = audioFromHls(HLS_AUDIO, english);
const prefs = (audio_language, audio_description = false) => ({ audio_language, audio_description });

test("a profile asking for descriptions starts on the description", () => {
  assert.equal(preferredAudio(ENTRIES, prefs("", true)), 2);
  assert.equal(preferredAudio(ENTRIES, prefs("en-GB", true)), 2);
  // Asked in French, but the only description is English: still the description.
  assert.equal(preferredAudio(ENTRIES, prefs("fr", true)), 2);
});

test("a description in the wanted language wins over one in the default's", () => {
  const entries = audioFromHls(
    [
      { lang: "en", default: true },
      { lang: "en", characteristics: DESCRIBES },
      { lang: "fr", characteristics: DESCRIBES },
    ],
    english,
  );

  assert.equal(preferredAudio(entries, prefs("fr", true)), 2);
  assert.equal(preferredAudio(entries, prefs("", true)), 1);
  assert.equal(preferredAudio(entries, prefs("de", true)), 1);
});

test("without a description the wanted language plays, never a description", () => {
  assert.equal(preferredAudio(ENTRIES, prefs("fr")), 1);
  assert.equal(preferredAudio(ENTRIES, prefs("FR-ca")), 1); // same language
  assert.equal(preferredAudio(ENTRIES, prefs("en")), 0); // not the description
  const noDescription = ENTRIES.slice(0, 2);
  assert.equal(preferredAudio(noDescription, prefs("fr", true)), 1);
});

test("with no match or no preference the title's default plays", () => {
  assert.equal(preferredAudio(ENTRIES, prefs("de")), 0);
  assert.equal(preferredAudio(ENTRIES, prefs("")), 0);
  assert.equal(preferredAudio(ENTRIES, null), 0);
  assert.equal(preferredAudio([], prefs("fr")), -1);
});

test("the default is the DEFAULT track, never a description, else the first other", () => {
  const describedDefault = audioFromHls([
    { lang: "en", default: true, characteristics: DESCRIBES },
    { lang: "fr" },
  ]);
  const onlyDescription = audioFromHls([{ lang: "en", characteristics: DESCRIBES }]);

  assert.equal(defaultAudio(describedDefault), 1);
  assert.equal(defaultAudio(onlyDescription), 0);
  assert.equal(defaultAudio([]), -1);
  assert.equal(defaultAudio(audioFromHls([{ lang: "en" }, { lang: "fr", default: true }])), 1);
});

test("a viewer's pick becomes the choice that picks it again after a restart", () => {
  const choice = audioChoice(ENTRIES, 2);

  assert.deepEqual(choice, { audio_language: "en", audio_description: true });
  assert.equal(preferredAudio(ENTRIES, choice), 2);
  assert.equal(preferredAudio(ENTRIES, audioChoice(ENTRIES, 0)), 0);
  assert.equal(audioChoice(ENTRIES, -1), null);
});

test("the button shows the language code, AD for a description; the toast the label", () => {
  assert.deepEqual(audioButton(ENTRIES, 1), { label: "Audio: French", face: "FR" });
  assert.deepEqual(audioButton(ENTRIES, 2), {
    label: "Audio: English – Audio description",
    face: "EN AD",
  });
  assert.deepEqual(audioButton(ENTRIES, -1), { label: "Audio", face: "Audio" });
  assert.deepEqual(audioButton(audioFromHls([{ lang: "und", name: "Mix" }]), 0).face, "Audio");
  assert.equal(audioAnnouncement(ENTRIES, 1), "Audio: French");
});

test("language tags match exactly first, then by language alone, in any case", () => {
  assert.equal(matchLanguage(["pt", "pt-BR"], "pt-br"), 1);
  assert.equal(matchLanguage(["pt", "pt-BR"], "pt-PT"), 0);
  assert.equal(matchLanguage(["en", "fr"], "de"), -1);
  assert.equal(matchLanguage(["en", "", undefined], ""), -1);
  assert.equal(matchLanguage(["", "en"], "en-US"), 1);
  assert.equal(primaryLanguage("zh-Hant-TW"), "zh");
});

test("languages are named in the page's language, and unknown or undetermined ones not", () => {
  assert.equal(english("pt-BR"), "Brazilian Portuguese");
  assert.equal(languageNamer("fr")("de"), "allemand");
  assert.equal(english("und"), "");
  assert.equal(english("not a tag"), "");
  assert.equal(languageNamer("!!")("de"), "German"); // a bad page language: English
  assert.equal(languageNamer("en", undefined)("it"), "Italian");
  assert.equal(languageNamer("en", {})("it"), ""); // no Intl.DisplayNames
});

const CAPTIONS = captionsFromHls([
  { name: "English", lang: "en" },
  { name: "Português", lang: "pt-BR" },
]);

test("captions start in the profile's language, or off when it has none", () => {
  assert.equal(startingCaption(CAPTIONS, { captions_language: "pt" }, "en"), 1);
  assert.equal(startingCaption(CAPTIONS, { captions_language: "en-GB" }, null), 0);
  assert.equal(startingCaption(CAPTIONS, { captions_language: "" }, "en"), -1);
  assert.equal(startingCaption(CAPTIONS, { captions_language: "de" }, "en"), -1);
});

test("without preferences (no profile) captions start as this browser remembers", () => {
  assert.equal(startingCaption(CAPTIONS, null, "en"), 0);
  assert.equal(startingCaption(CAPTIONS, null, null), -1);
});

test("a playback starts with the session's preferences, else the page's", () => {
  const page = { config: { preferences: { captions_language: "en" } } };
  const fresh = { preferences: { captions_language: "fr" } };

  assert.deepEqual(sessionPreferences(page, fresh), { captions_language: "fr" });
  assert.deepEqual(sessionPreferences(page, {}), { captions_language: "en" });
  assert.equal(sessionPreferences({ config: { preferences: null } }, null), null);
});
