import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CMCD_HEADERS,
  CMCD_HEADER_OF_KEY,
  cmcdConfig,
  cmcdHeaders,
  cmcdMembers,
  contentId,
} from "../../static/js/player/cmcd.js";

// What hls.js 1.7.4 writes in the query of a video segment (version 1, keys sorted).
const SEGMENT =
  'bl=21300,br=3200,cid="12.0",d=4004,mtp=25400,nor="seg-0-00002.m4s",ot=v,rtp=16000,' +
  'sf=h,sid="6e2fb550-c457-11e9-bb97-0800200c9a66",st=v,su,tb=6000';

test("CMCD names the session and the title or episode, in the query string", () => {
  assert.deepEqual(cmcdConfig("8d1c-s", { titleId: 12, episodeId: null }), {
    sessionId: "8d1c-s",
    contentId: "12.0",
    useHeaders: false,
  });
  assert.equal(contentId({ titleId: 12, episodeId: 40 }), "12.40");
});

test("the headers carry every key in CTA-5004's shard for it, in the payload's order", () => {
  assert.deepEqual(cmcdHeaders(SEGMENT), {
    "CMCD-Request": 'bl=21300,mtp=25400,nor="seg-0-00002.m4s",su',
    "CMCD-Object": "br=3200,d=4004,ot=v,tb=6000",
    "CMCD-Status": "rtp=16000",
    "CMCD-Session": 'cid="12.0",sf=h,sid="6e2fb550-c457-11e9-bb97-0800200c9a66",st=v',
  });
  // Buffer starvation and the playback rate (a session key in version 1).
  assert.deepEqual(cmcdHeaders("bs,pr=1.5"), { "CMCD-Status": "bs", "CMCD-Session": "pr=1.5" });
});

test("every key of CMCD version 1 has one of the four headers", () => {
  const version1 = "br bl bs cid d dl mtp nor nrr ot pr rtp sf sid st su tb v".split(" ");
  assert.deepEqual(Object.keys(CMCD_HEADER_OF_KEY).sort(), version1.sort());
  assert.ok(Object.values(CMCD_HEADER_OF_KEY).every((header) => CMCD_HEADERS.includes(header)));
  // hls.js sends version 1 because the config names no other.
  assert.equal(cmcdConfig("s", { titleId: 1 }).version, undefined);
});

test("a key of no known shard goes in CMCD-Request; a malformed one is dropped", () => {
  assert.deepEqual(cmcdHeaders('com.example-x="a",sid="s",Bad=1,=2'), {
    "CMCD-Request": 'com.example-x="a"',
    "CMCD-Session": 'sid="s"',
  });
});

test("commas and quotes inside strings and inner lists do not split a member", () => {
  assert.deepEqual(cmcdMembers('cid="a,b\\"c",br=(300 600);x,su'), [
    ["cid", '="a,b\\"c"'],
    ["br", "=(300 600);x"],
    ["su", ""],
  ]);
  assert.deepEqual(cmcdHeaders('cid="a,b"'), { "CMCD-Session": 'cid="a,b"' });
});

test("the next object's path loses its query (another file's signature)", () => {
  const next = "seg-0-00002.m4s%3FPolicy%3Dabc%26Signature%3Ddef%26Key-Pair-Id%3DK1";
  assert.deepEqual(cmcdHeaders(`nor="${next}",su`), { "CMCD-Request": 'nor="seg-0-00002.m4s",su' });
});

test("no payload, no headers", () => {
  assert.deepEqual(cmcdHeaders(null), {});
  assert.deepEqual(cmcdHeaders(""), {});
});
