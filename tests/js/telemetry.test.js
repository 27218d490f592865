import assert from "node:assert/strict";
import { test } from "node:test";

import {
  TELEMETRY_BATCH,
  Telemetry,
  errorType,
  pathwayName,
  switchDirection,
} from "../../static/js/player/telemetry.js";

/** A Telemetry on a hand-moved clock and timers, recording what it sends. */
function recorder() {
  const clock = { now: 1000 };
  const sent = [];
  const intervals = [];
  const telemetry = new Telemetry({
    send: (url, events, pathway) => sent.push({ url, events, pathway }),
    urlFor: (id) => `/api/v1/playback/sessions/${id}/telemetry/`,
    now: () => clock.now,
    timers: {
      setInterval: (callback, every) => intervals.push({ callback, every }) - 1,
      clearInterval: () => {},
    },
  });
  return { telemetry, clock, sent, intervals };
}

test("nothing is noted or sent before a session starts", () => {
  const { telemetry, sent } = recorder();

  telemetry.error("networkError");
  telemetry.flush();

  assert.deepEqual(sent, []);
});

test("startup is the time from asking to the first frame, counted once", () => {
  const { telemetry, clock, sent } = recorder();

  telemetry.start("s1");
  clock.now += 1500;
  telemetry.playing();
  clock.now += 500;
  telemetry.playing();
  telemetry.flush();

  assert.deepEqual(sent, [
    {
      url: "/api/v1/playback/sessions/s1/telemetry/",
      events: [{ kind: "startup", seconds: 1.5 }],
      pathway: "",
    },
  ]);
});

test("a blocked autoplay counts startup from the viewer's press", () => {
  const { telemetry, clock, sent } = recorder();

  telemetry.start("s1");
  telemetry.autoplayBlocked();
  clock.now += 60000; // the viewer reads the page first
  telemetry.played();
  clock.now += 800;
  telemetry.playing();
  telemetry.flush();

  assert.deepEqual(sent[0].events, [{ kind: "startup", seconds: 0.8 }]);
});

test("waiting after playback began is a stall until frames play again", () => {
  const { telemetry, clock, sent } = recorder();
  telemetry.start("s1");
  telemetry.playing();

  telemetry.waiting(false); // a seek: not a stall
  clock.now += 100;
  telemetry.waiting(true);
  clock.now += 2000;
  telemetry.waiting(true); // still the same stall
  clock.now += 250;
  telemetry.playing();
  telemetry.flush();

  assert.deepEqual(sent[0].events.slice(1), [{ kind: "stall", seconds: 2.25 }]);
});

test("rung switches are noted up or down; the first rung is no switch", () => {
  const { telemetry, sent } = recorder();
  telemetry.start("s1");

  telemetry.switched({ height: 360, bitrate: 800 });
  telemetry.switched({ height: 720, bitrate: 2500 });
  telemetry.switched({ height: 720, bitrate: 2500 });
  telemetry.switched({ height: 240, bitrate: 400 });
  telemetry.switched(undefined);
  telemetry.flush();

  assert.deepEqual(sent[0].events, [
    { kind: "rung_switch", direction: "up" },
    { kind: "rung_switch", direction: "down" },
  ]);
  assert.equal(switchDirection({ height: 360, bitrate: 800 }, { height: 360, bitrate: 900 }), "up");
});

test("errors carry the API's error types", () => {
  assert.equal(errorType("networkError"), "network");
  assert.equal(errorType("mediaError"), "media");
  assert.equal(errorType("keySystemError"), "key_system");
  assert.equal(errorType("somethingNew"), "other");
});

test("a full batch goes at once; the rest waits for the timer", () => {
  const { telemetry, sent, intervals } = recorder();
  telemetry.start("s1");

  for (let i = 0; i < TELEMETRY_BATCH + 1; i += 1) telemetry.error("mediaError");

  assert.equal(sent.length, 1);
  assert.equal(sent[0].events.length, TELEMETRY_BATCH);
  assert.equal(intervals.at(-1).every, 30000);
  intervals.at(-1).callback();
  assert.equal(sent.length, 2);
  assert.equal(sent[1].events.length, 1);
});

test("a new session sends the earlier session's events to that session", () => {
  const { telemetry, sent } = recorder();
  telemetry.start("s1");
  telemetry.error("networkError");

  telemetry.start("s2");

  assert.equal(sent.length, 1);
  assert.equal(sent[0].url, "/api/v1/playback/sessions/s1/telemetry/");
  assert.deepEqual(telemetry.events, []);
});

test("leaving before the first frame is an exit, once, sent at once", () => {
  const { telemetry, clock, sent } = recorder();
  telemetry.start("s1");
  clock.now += 4000;

  telemetry.leave(); // hidden
  telemetry.leave(); // then gone

  assert.deepEqual(sent.map((batch) => batch.events), [[{ kind: "exit" }]]);
});

test("leaving after the first frame, or before pressing a blocked play, is no exit", () => {
  const started = recorder();
  started.telemetry.start("s1");
  started.telemetry.playing();
  started.telemetry.leave();
  assert.deepEqual(started.sent[0].events.map((event) => event.kind), ["startup"]);

  const blocked = recorder();
  blocked.telemetry.start("s2");
  blocked.telemetry.autoplayBlocked();
  blocked.telemetry.leave();
  assert.deepEqual(blocked.sent, []);
});

test("time per rendition goes with the batches and when the viewer leaves", () => {
  const { telemetry, clock, sent } = recorder();
  telemetry.start("s1");
  telemetry.switched({ height: 720, bitrate: 3000000 });
  clock.now += 1000;
  telemetry.playing();
  clock.now += 9500;
  telemetry.flush();
  clock.now += 2000;
  telemetry.stopped(); // paused
  clock.now += 30000;
  telemetry.leave();

  assert.deepEqual(sent[0].events, [
    { kind: "startup", seconds: 1 },
    { kind: "rendition", seconds: 9.5, height: 720, kbps: 3000 },
  ]);
  assert.deepEqual(sent[1].events, [{ kind: "rendition", seconds: 2, height: 720, kbps: 3000 }]);
  assert.equal(sent.length, 2);
});

test("a new pathway sends what happened on the one before under its name", () => {
  const { telemetry, clock, sent } = recorder();
  telemetry.start("s1");
  telemetry.switched({ height: 360, bitrate: 800000, pathwayId: "cdn-a" });
  telemetry.playing();
  clock.now += 4000;
  telemetry.waiting(true);
  clock.now += 1000;
  telemetry.switched({ height: 360, bitrate: 800000, pathwayId: "cdn-b" });
  telemetry.playing();
  clock.now += 2000;
  telemetry.flush();

  assert.deepEqual(
    sent.map((batch) => [batch.pathway, batch.events.map((event) => event.kind)]),
    [
      ["cdn-a", ["startup", "rendition"]],
      ["cdn-b", ["stall", "rendition"]],
    ],
  );
  assert.deepEqual(sent[1].events[1], { kind: "rendition", seconds: 2, height: 360, kbps: 800 });
  assert.equal(pathwayName("."), "");
  assert.equal(pathwayName(undefined), "");
});
