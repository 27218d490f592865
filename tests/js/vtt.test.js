import assert from "node:assert/strict";
import { test } from "node:test";

import { cueAt, parseThumbnails, parseTimestamp } from "../../static/js/player/vtt.js";

const TRACK = [
  "WEBVTT",
  "",
  "00:00:00.000 --> 00:00:05.000",
  "sprite-0.jpg#xywh=0,0,160,90",
  "",
  "00:05.000 --> 00:10.000",
  "sprite-0.jpg#xywh=160,0,160,90",
  "",
  "01:00:10.000 --> 01:00:15.500",
  "../other/sprite-1.jpg",
  "",
].join("\r\n");
const BASE = "https://cdn.example/v/tok123/thumbs/thumbnails.vtt?sig=abc";

test("timestamps with and without hours are read in seconds", () => {
  assert.equal(parseTimestamp("00:01:02.500"), 62.5);
  assert.equal(parseTimestamp("01:02.250"), 62.25);
  assert.equal(parseTimestamp(" 1:00:00.000 "), 3600);
});

test("thumbnails track cues carry times, tiles and sprite URLs from the track", () => {
  const cues = parseThumbnails(TRACK, BASE);

  assert.equal(cues.length, 3);
  assert.deepEqual(cues[0], {
    start: 0,
    end: 5,
    url: "https://cdn.example/v/tok123/thumbs/sprite-0.jpg",
    x: 0,
    y: 0,
    w: 160,
    h: 90,
  });
  assert.equal(cues[1].x, 160);
  assert.equal(cues[1].start, 5);
  // No fragment: the whole image, at the default tile size.
  assert.equal(cues[2].start, 3610);
  assert.equal(cues[2].end, 3615.5);
  assert.equal(cues[2].url, "https://cdn.example/v/tok123/other/sprite-1.jpg");
  assert.deepEqual([cues[2].x, cues[2].y, cues[2].w, cues[2].h], [0, 0, 160, 90]);
});

test("a timing line without a target and text that is not a cue are skipped", () => {
  const text = "WEBVTT\n\nNOTE made by the pipeline\n\n00:00.000 --> 00:01.000\n\n";

  assert.deepEqual(parseThumbnails(text, BASE), []);
});

test("the cue at a time is found; past the last cue the last one shows", () => {
  const cues = parseThumbnails(TRACK, BASE);

  assert.equal(cueAt(cues, 0), cues[0]);
  assert.equal(cueAt(cues, 4.99), cues[0]);
  assert.equal(cueAt(cues, 5), cues[1]);
  assert.equal(cueAt(cues, 3612), cues[2]);
  assert.equal(cueAt(cues, 9999), cues[2]);
  // In a gap between cues, none.
  assert.equal(cueAt(cues, 100), null);
  assert.equal(cueAt([], 3), null);
});
