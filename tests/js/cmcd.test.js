import assert from "node:assert/strict";
import { test } from "node:test";

import { cmcdConfig, contentId } from "../../static/js/player/cmcd.js";

test("CMCD names the session and the title or episode, in the query string", () => {
  assert.deepEqual(cmcdConfig("8d1c-s", { titleId: 12, episodeId: null }), {
    sessionId: "8d1c-s",
    contentId: "12.0",
    useHeaders: false,
  });
  assert.equal(contentId({ titleId: 12, episodeId: 40 }), "12.40");
});
