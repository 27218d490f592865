import assert from "node:assert/strict";
import { test } from "node:test";

import { menuKey, shortcut, typingIn } from "../../static/js/player/keys.js";

test("shortcuts are read case-insensitively", () => {
  assert.equal(shortcut("k"), "toggle-play");
  assert.equal(shortcut("K"), "toggle-play");
  assert.equal(shortcut("J"), "back");
  assert.equal(shortcut("l"), "forward");
  assert.equal(shortcut("ArrowUp"), "volume-up");
  assert.equal(shortcut("ArrowDown"), "volume-down");
  assert.equal(shortcut("M"), "mute");
  assert.equal(shortcut("f"), "fullscreen");
  assert.equal(shortcut("c"), "captions");
  assert.equal(shortcut("x"), null);
  assert.equal(shortcut("Enter"), null);
});

test("space plays and pauses, except on a focused button, which it presses", () => {
  assert.equal(shortcut(" "), "toggle-play");
  assert.equal(shortcut(" ", { onControl: true }), null);
  assert.equal(shortcut("k", { onControl: true }), "toggle-play");
});

test("arrows move a focused volume slider; j and l still seek there", () => {
  assert.equal(shortcut("ArrowLeft"), "back");
  assert.equal(shortcut("ArrowRight"), "forward");
  assert.equal(shortcut("ArrowLeft", { onVolume: true }), null);
  assert.equal(shortcut("ArrowRight", { onVolume: true }), null);
  assert.equal(shortcut("j", { onVolume: true }), "back");
});

test("typing in a text field is not a shortcut; a range slider is", () => {
  assert.equal(typingIn({ tagName: "INPUT", type: "search" }), true);
  assert.equal(typingIn({ tagName: "TEXTAREA" }), true);
  assert.equal(typingIn({ tagName: "SELECT" }), true);
  assert.equal(typingIn({ tagName: "DIV", isContentEditable: true }), true);
  assert.equal(typingIn({ tagName: "INPUT", type: "range" }), false);
  assert.equal(typingIn({ tagName: "BUTTON" }), false);
  assert.equal(typingIn(null), false);
});

test("arrows move round a menu; Home and End jump; Escape and Tab close it", () => {
  assert.deepEqual(menuKey("ArrowDown", 0, 3), { focus: 1 });
  assert.deepEqual(menuKey("ArrowDown", 2, 3), { focus: 0 });
  assert.deepEqual(menuKey("ArrowUp", 0, 3), { focus: 2 });
  assert.deepEqual(menuKey("Home", 2, 3), { focus: 0 });
  assert.deepEqual(menuKey("End", 0, 3), { focus: 2 });
  assert.deepEqual(menuKey("Escape", 1, 3), { close: true, returnFocus: true, prevent: true });
  assert.deepEqual(menuKey("Tab", 1, 3), { close: true, returnFocus: false, prevent: false });
  assert.equal(menuKey("a", 1, 3), null);
});
