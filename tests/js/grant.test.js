import assert from "node:assert/strict";
import { test } from "node:test";

import {
  emptyGrant,
  grantLoader,
  nextGrant,
  signUrl,
  wildcardPattern,
} from "../../static/js/player/grant.js";

const PAGE = "https://vod.example/watch/glass-harvest/";

test("CloudFront wildcards match any run (*) and one character (?)", () => {
  const pattern = wildcardPattern("https://cdn.example/v/12/*");

  assert.ok(pattern.test("https://cdn.example/v/12/r1/360p/seg-1.m4s"));
  assert.ok(!pattern.test("https://cdn.example/v/13/r1/master.m3u8"));
  assert.ok(wildcardPattern("https://cdn.example/a?c").test("https://cdn.example/abc"));
  assert.ok(!wildcardPattern("https://cdn.example/a?c").test("https://cdn.example/abbc"));
  // Regular-expression characters in the resource are taken literally.
  assert.ok(!wildcardPattern("https://cdn.example/a.b").test("https://cdn.example/aXb"));
});

test("without a grant, URLs are used as they are", () => {
  assert.equal(signUrl(emptyGrant(), "/media/t1/master.m3u8", PAGE), "/media/t1/master.m3u8");
});

test("a heartbeat's grant replaces every earlier token of the session in paths", () => {
  let grant = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });
  grant = nextGrant(grant, { token: "t2" });
  grant = nextGrant(grant, { token: "t3" });

  assert.equal(
    signUrl(grant, "/media/t1/r/360p/seg-4.m4s", PAGE),
    "https://vod.example/media/t3/r/360p/seg-4.m4s",
  );
  assert.equal(signUrl(grant, "/media/t2/master.m3u8", PAGE), "https://vod.example/media/t3/master.m3u8");
  // A segment that only looks like a token stays.
  assert.equal(signUrl(grant, "/media/tX/a.m4s", PAGE), "https://vod.example/media/tX/a.m4s");
});

test("a fresh session forgets the tokens of the one before", () => {
  let grant = nextGrant(emptyGrant(), { token: "old" }, { fresh: true });
  grant = nextGrant(grant, { token: "new" }, { fresh: true });

  assert.deepEqual([...grant.tokens], ["new"]);
  assert.equal(signUrl(grant, "/media/old/x.m4s", PAGE), "https://vod.example/media/old/x.m4s");
});

test("taking a grant leaves the earlier one as it was", () => {
  const first = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });
  const second = nextGrant(first, { token: "t2" });

  assert.deepEqual([...first.tokens], ["t1"]);
  assert.deepEqual([...second.tokens], ["t1", "t2"]);
});

test("a grant without a token changes nothing", () => {
  const grant = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });

  assert.equal(nextGrant(grant, null), grant);
  assert.equal(nextGrant(grant, { token: "" }), grant);
});

test("a URL a CDN policy covers gets that policy's newest signature as its query", () => {
  const grant = nextGrant(emptyGrant(), {
    token: "t9",
    queries: [
      { resource: "https://cdn-a.example/v/12/*", query: "Policy=a&Signature=s2" },
      { resource: "https://cdn-b.example/v/12/*", query: "Policy=b&Signature=s3" },
    ],
  });

  assert.equal(
    signUrl(grant, "https://cdn-a.example/v/12/r1/seg.m4s?Policy=a&Signature=old", PAGE),
    "https://cdn-a.example/v/12/r1/seg.m4s?Policy=a&Signature=s2",
  );
  assert.equal(
    signUrl(grant, "https://cdn-b.example/v/12/master.m3u8", PAGE),
    "https://cdn-b.example/v/12/master.m3u8?Policy=b&Signature=s3",
  );
  // Outside every policy the query stays.
  assert.equal(
    signUrl(grant, "https://other.example/x.js?v=1", PAGE),
    "https://other.example/x.js?v=1",
  );
});

test("hls.js's loader loads each URL signed under the newest grant", () => {
  const loaded = [];
  class DefaultLoader {
    load(context) {
      loaded.push(context.url);
    }
  }
  let grant = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });
  const Loader = grantLoader({ DefaultConfig: { loader: DefaultLoader } }, (url) =>
    signUrl(grant, url, PAGE),
  );
  const loader = new Loader();

  loader.load({ url: "/media/t1/a.m4s" }, {}, {});
  grant = nextGrant(grant, { token: "t2" });
  loader.load({ url: "/media/t1/b.m4s" }, {}, {});

  assert.deepEqual(loaded, [
    "https://vod.example/media/t1/a.m4s",
    "https://vod.example/media/t2/b.m4s",
  ]);
});

test("a CDN policy's URL carries only its signature, a token-signed one keeps CMCD", () => {
  const grant = nextGrant(emptyGrant(), {
    token: "t9",
    queries: [{ resource: "https://cdn-a.example/v/12/*", query: "Policy=a&Signature=s2&Key-Pair-Id=K1" }],
  });
  const cmcd = "CMCD=ot%3Dv%2Csid%3D%22s-1%22";

  assert.equal(
    signUrl(grant, `https://cdn-a.example/v/12/seg.m4s?Policy=a&Signature=old&Key-Pair-Id=K1&${cmcd}`, PAGE),
    // The policy covers the query too: CMCD would need room that a longer path could use.
    `https://cdn-a.example/v/12/seg.m4s?Policy=a&Signature=s2&Key-Pair-Id=K1`,
  );
  // On a token-signed URL (Django's own media) the query is left alone.
  const local = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });
  assert.equal(
    signUrl(nextGrant(local, { token: "t2" }), `/media/t1/seg.m4s?${cmcd}`, PAGE),
    `https://vod.example/media/t2/seg.m4s?${cmcd}`,
  );
});
