import assert from "node:assert/strict";
import { test } from "node:test";

import { formatTime } from "../../static/js/player/format.js";
import {
  MAX_RECOVERIES,
  clampVolume,
  heartbeatEvery,
  heartbeatOutcome,
  hlsStartPosition,
  recoveryStep,
  reportedPosition,
  resumePosition,
  seekTarget,
} from "../../static/js/player/timing.js";

test("a new session resumes at the saved position", () => {
  assert.equal(resumePosition({ resume_position: "42.5", duration: 600 }, null), 42.5);
  assert.equal(resumePosition({ resume_position: 42.5, duration: 600 }, undefined), 42.5);
});

test("a finished (or nearly finished) title starts again from the beginning", () => {
  assert.equal(resumePosition({ resume_position: 596, duration: 600 }, null), 0);
  assert.equal(resumePosition({ resume_position: 594, duration: 600 }, null), 594);
});

test("a position the page asks for wins over the saved one, even 0", () => {
  assert.equal(resumePosition({ resume_position: 42, duration: 600 }, 30), 30);
  assert.equal(resumePosition({ resume_position: 42, duration: 600 }, 0), 0);
});

test("a session without a saved position or duration starts at 0", () => {
  assert.equal(resumePosition({}, null), 0);
  assert.equal(resumePosition({ resume_position: "junk" }, null), 0);
});

test("hls.js starts where asked, or from the stream's start", () => {
  assert.equal(hlsStartPosition(12), 12);
  assert.equal(hlsStartPosition(0), -1);
});

test("heartbeats come as often as the session says, every 10 s by default", () => {
  assert.equal(heartbeatEvery({ heartbeat_interval: 2 }), 2000);
  assert.equal(heartbeatEvery({ heartbeat_interval: "5" }), 5000);
  assert.equal(heartbeatEvery({}), 10000);
  assert.equal(heartbeatEvery({ heartbeat_interval: 0 }), 10000);
});

test("before playback really began, heartbeats report the start position", () => {
  assert.equal(reportedPosition({ started: false, currentTime: 0, startAt: 120 }), 120);
  assert.equal(reportedPosition({ started: true, currentTime: 133.2, startAt: 120 }), 133.2);
});

test("a heartbeat's answer: 200 and 204 are fine, 410 ends, the rest is ignored", () => {
  assert.equal(heartbeatOutcome(204), "ok");
  assert.equal(heartbeatOutcome(200), "ok");
  assert.equal(heartbeatOutcome(410), "over");
  assert.equal(heartbeatOutcome(500), "ignore");
  assert.equal(heartbeatOutcome(403), "ignore");
});

test("fatal errors are recovered a few times, then the player gives up", () => {
  assert.equal(recoveryStep(1, "media"), "recover-media");
  assert.equal(recoveryStep(1, "network"), "restart");
  assert.equal(recoveryStep(MAX_RECOVERIES, "native"), "restart");
  assert.equal(recoveryStep(1, "other"), "fail");
  assert.equal(recoveryStep(MAX_RECOVERIES + 1, "network"), "fail");
  assert.equal(recoveryStep(MAX_RECOVERIES + 1, "media"), "fail");
});

test("seeks stay inside the video and volume between 0 and 1", () => {
  assert.equal(seekTarget(-5, 100), 0);
  assert.equal(seekTarget(50, 100), 50);
  assert.equal(seekTarget(500, 100), 99.9);
  assert.equal(seekTarget(5, 0), 0);
  assert.equal(clampVolume(1.3), 1);
  assert.equal(clampVolume(-0.1), 0);
  assert.equal(clampVolume(0.4), 0.4);
});

test("times read m:ss, and h:mm:ss from an hour on", () => {
  assert.equal(formatTime(0), "0:00");
  assert.equal(formatTime(65.9), "1:05");
  assert.equal(formatTime(3723), "1:02:03");
  assert.equal(formatTime(Number.NaN), "0:00");
  assert.equal(formatTime(-3), "0:00");
});
