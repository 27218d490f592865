import assert from "node:assert/strict";
import { test } from "node:test";

import { activeDevices, refusal, sessionEnded } from "../../static/js/player/refusal.js";

const labels = (notice) => notice.actions.map((action) => action.label);

test("a signed-out viewer is asked to sign in", () => {
  const notice = refusal(401, {});

  assert.equal(notice.state, "refused");
  assert.equal(notice.text, "Sign in to watch.");
  assert.deepEqual(notice.actions[0], { label: "Sign in", href: "loginUrl" });
  assert.deepEqual(labels(notice), ["Sign in", "Back to the title"]);
  assert.equal(refusal(403, { code: "not_authenticated" }).text, "Sign in to watch.");
});

test("a plan without the title offers the account page, with the server's words", () => {
  const notice = refusal(403, { code: "upgrade_required", message: "Premium only." });

  assert.equal(notice.text, "Premium only.");
  assert.deepEqual(notice.actions[0], { label: "Your plan", href: "accountUrl" });
  assert.match(refusal(403, { code: "upgrade_required" }).text, /Upgrade to watch it/);
});

test("a profile too young for the title offers to switch profile", () => {
  const notice = refusal(403, { code: "maturity" });

  assert.deepEqual(labels(notice), ["Switch profile", "Back to the title"]);
  assert.equal(notice.retryAfter, null);
});

test("a video still being prepared shows its progress and checks again later", () => {
  const notice = refusal(409, { code: "not_ready", progress: 41.6 });

  assert.equal(notice.state, "not-ready");
  assert.match(notice.text, /still being prepared: 42%/);
  assert.equal(notice.retryAfter, 15);
  assert.deepEqual(notice.actions[0], { label: "Check now", retry: true });
  // Without a figure from the API, the page's own.
  assert.match(refusal(409, { code: "not_ready" }, 7).text, /prepared: 7%/);
});

test("too many streams names what is playing and offers another try", () => {
  const notice = refusal(409, {
    code: "too_many_streams",
    active_devices: [{ device: "Phone", profile: "Robin", title: "Glass Harvest" }, { profile: "Kim" }, "TV"],
  });

  assert.equal(
    notice.text,
    "Your plan’s streams are all in use: stop one first." +
      " Playing now: Phone (Robin, Glass Harvest); A device (Kim); TV.",
  );
  assert.deepEqual(labels(notice), ["Try again", "Back to the title"]);
  assert.deepEqual(activeDevices(undefined), []);
});

test("other refusals fall back on the status", () => {
  assert.equal(refusal(404, {}).text, "This video isn’t available.");
  assert.deepEqual(labels(refusal(404, {})), ["Back to the title"]);
  assert.equal(refusal(403, {}).text, "You can’t watch this title.");
  assert.deepEqual(labels(refusal(500, {})), ["Try again", "Back to the title"]);
  assert.equal(refusal(400, { message: "Bad episode." }).text, "Bad episode.");
});

test("an ended session offers to continue, unless the title was withdrawn", () => {
  const ended = sessionEnded({ code: "session_ended" });
  assert.equal(ended.state, "session-ended");
  assert.deepEqual(labels(ended), ["Continue watching", "Back to the title"]);

  const gone = sessionEnded({ code: "no_longer_available" });
  assert.equal(gone.text, "This title is no longer available.");
  assert.deepEqual(labels(gone), ["Back to the title"]);
});
