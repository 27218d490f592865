// The CloudFront Function that guards signed media paths
// (deploy/terraform/modules/vod/functions/path-guard.js), run as CloudFront
// runs it: a script defining handler(event), no module.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const source = readFileSync(
  new URL("../../deploy/terraform/modules/vod/functions/path-guard.js", import.meta.url),
  "utf8",
);
const context = vm.createContext({});
vm.runInContext(source, context);

function answer(uri) {
  const request = { method: "GET", uri, querystring: {}, headers: {} };
  return context.handler({ request });
}

test("a plain object path goes on to the cache unchanged", () => {
  const request = { method: "GET", uri: "/videos/0f1e/20261207T101010-a1b2c3/seg-0-00001.m4s" };
  assert.equal(context.handler({ request }), request);
});

for (const uri of [
  "/videos/0f1e/r/seg-0-00001.m4s/../seg-4-00001.m4s",
  "/videos/0f1e/r/seg-0-00001.m4s/./x",
  "/videos/0f1e/r/seg-0-00001.m4s/..",
  "/videos/0f1e/r/seg-0-00001.m4s%2F..%2Fseg-4-00001.m4s",
  "/videos/0f1e/r/seg-0-00001.m4s\\..\\seg-4-00001.m4s",
  "/videos/0f1e//r/seg-0-00001.m4s",
  "videos/0f1e/r/seg-0-00001.m4s",
]) {
  test(`refused before the cache: ${uri}`, () => {
    // The object comes from the function's own context: compare its fields.
    const { statusCode, statusDescription } = answer(uri);
    assert.deepEqual([statusCode, statusDescription], [400, "Bad Request"]);
  });
}
