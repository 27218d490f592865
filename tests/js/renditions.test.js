import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_RENDITION_MS, RenditionClock, kbps } from "../../static/js/player/renditions.js";

function clocked() {
  const clock = { now: 0 };
  return { clock, renditions: new RenditionClock({ now: () => clock.now }) };
}

test("seconds count per rung only while frames move", () => {
  const { clock, renditions } = clocked();

  renditions.switched({ height: 360, bitrate: 800000 });
  clock.now += 5000; // loading: no frames yet
  renditions.playing();
  clock.now += 4000;
  renditions.switched({ height: 720, bitrate: 2500000 });
  clock.now += 10000;
  renditions.stopped(); // paused
  clock.now += 60000;
  renditions.playing();
  clock.now += 1500;

  assert.deepEqual(renditions.take(), [
    { kind: "rendition", seconds: 11.5, height: 720, kbps: 2500 },
    { kind: "rendition", seconds: 4, height: 360, kbps: 800 },
  ]);
});

test("a take starts afresh and the running stretch goes on counting", () => {
  const { clock, renditions } = clocked();
  renditions.switched({ height: 480, bitrate: 1200000 });
  renditions.playing();
  clock.now += 2000;

  assert.deepEqual(renditions.take(), [{ kind: "rendition", seconds: 2, height: 480, kbps: 1200 }]);
  clock.now += 3000;
  assert.deepEqual(renditions.take(), [{ kind: "rendition", seconds: 3, height: 480, kbps: 1200 }]);
  renditions.stopped();
  clock.now += 3000;
  assert.deepEqual(renditions.take(), []);
});

test("the same rung again is no new stretch; no rung known counts nothing", () => {
  const { clock, renditions } = clocked();
  renditions.playing();
  clock.now += 1000; // before hls.js named a rung
  renditions.switched({ height: 240, bitrate: 400000 });
  clock.now += 1000;
  renditions.switched({ height: 240, bitrate: 400000 });
  clock.now += 1000;

  assert.deepEqual(renditions.take(), [{ kind: "rendition", seconds: 2, height: 240, kbps: 400 }]);
});

test("more than the API's limit goes in parts; a reset forgets everything", () => {
  const { clock, renditions } = clocked();
  renditions.switched({ height: 1080, bitrate: 6000000 });
  renditions.playing();
  clock.now += MAX_RENDITION_MS + 500;

  const events = renditions.take();
  assert.deepEqual(
    events.map((event) => event.seconds),
    [MAX_RENDITION_MS / 1000, 0.5],
  );
  clock.now += 1000;
  renditions.reset();
  assert.deepEqual(renditions.take(), []);
  assert.equal(kbps(undefined), 0);
  assert.equal(kbps(2499600), 2500);
});
