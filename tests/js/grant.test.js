import assert from "node:assert/strict";
import { test } from "node:test";

import { CMCDController } from "../../node_modules/hls.js/dist/hls.mjs";
import {
  emptyGrant,
  grantLoader,
  nextGrant,
  signRequest,
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
    signRequest(grant, url, PAGE),
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

test("a CDN policy's URL carries only its signature and its CMCD in headers", () => {
  const grant = nextGrant(emptyGrant(), {
    token: "t9",
    queries: [{ resource: "https://cdn-a.example/v/12/*", query: "Policy=a&Signature=s2&Key-Pair-Id=K1" }],
  });
  const cmcd = `CMCD=${encodeURIComponent('br=3200,cid="12.0",ot=v,sid="s-1",su')}`;

  assert.deepEqual(
    signRequest(grant, `https://cdn-a.example/v/12/seg.m4s?Policy=a&Signature=old&Key-Pair-Id=K1&${cmcd}`, PAGE),
    {
      // The policy covers the query too: CMCD would need room that a longer path could use.
      url: "https://cdn-a.example/v/12/seg.m4s?Policy=a&Signature=s2&Key-Pair-Id=K1",
      headers: {
        "CMCD-Object": "br=3200,ot=v",
        "CMCD-Request": "su",
        "CMCD-Session": 'cid="12.0",sid="s-1"',
      },
    },
  );
  // Without CMCD in the query, no headers to add (but CMCD ones to drop).
  assert.deepEqual(signRequest(grant, "https://cdn-a.example/v/12/seg.m4s", PAGE).headers, {});
});

test("a token-signed URL keeps CMCD in its query and gets no header (no preflight)", () => {
  const cmcd = `CMCD=${encodeURIComponent('cid="12.0",sid="s-1"')}`;
  const local = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });
  const grant = nextGrant(local, {
    token: "t2",
    queries: [{ resource: "https://cdn-a.example/v/12/*", query: "Policy=a" }],
  });

  for (const [url, signed] of [
    [`/media/t1/seg.m4s?${cmcd}`, `https://vod.example/media/t2/seg.m4s?${cmcd}`],
    [`https://edge.example/media/t1/seg.m4s?${cmcd}`, `https://edge.example/media/t2/seg.m4s?${cmcd}`],
  ]) {
    assert.deepEqual(signRequest(grant, url, PAGE), { url: signed, headers: null });
    assert.equal(signUrl(grant, url, PAGE), signed);
  }
  assert.deepEqual(signRequest(emptyGrant(), `/x.m4s?${cmcd}`, PAGE), { url: `/x.m4s?${cmcd}`, headers: null });
});

test("the loader replaces a request's earlier CMCD headers and keeps the others", () => {
  const sent = [];
  class DefaultLoader {
    load(context) {
      sent.push({ url: context.url, headers: context.headers });
    }
  }
  const grant = nextGrant(emptyGrant(), {
    token: "t1",
    queries: [{ resource: "https://cdn-a.example/v/*", query: "Policy=a" }],
  });
  const Loader = grantLoader({ DefaultConfig: { loader: DefaultLoader } }, (url) =>
    signRequest(grant, url, PAGE),
  );

  new Loader().load(
    {
      url: `https://cdn-a.example/v/seg.m4s?CMCD=${encodeURIComponent('sid="s-1"')}`,
      headers: { "CMCD-Status": "bs", "cmcd-object": "ot=v", "X-Other": "1" },
    },
    {},
    {},
  );
  // A token-signed URL: CMCD in the query only, even after a try elsewhere.
  new Loader().load({ url: "/media/t1/seg.m4s?CMCD=su", headers: { "X-Other": "1", "CMCD-Request": "su" } }, {}, {});
  new Loader().load({ url: "/media/t1/next.m4s?CMCD=su" }, {}, {});

  assert.deepEqual(sent, [
    {
      url: "https://cdn-a.example/v/seg.m4s?Policy=a",
      headers: { "X-Other": "1", "CMCD-Session": 'sid="s-1"' },
    },
    { url: "https://vod.example/media/t1/seg.m4s?CMCD=su", headers: { "X-Other": "1" } },
    { url: "https://vod.example/media/t1/next.m4s?CMCD=su", headers: undefined },
  ]);
});

/**
 * hls.js's own CMCD controller (1.7.4) in front of the grant loader, as
 * engines.js configures it, loading the first segment of a rung; the loader
 * under them records what would go on the wire.
 */
function hlsCmcdRequest({ base, query, useHeaders, grant }) {
  const sent = [];
  class XhrLoader {
    load(context) {
      sent.push({ url: context.url, headers: context.headers });
    }
  }
  const frags = [1, 2].map((n) => ({
    type: "main",
    sn: n - 1,
    level: 0,
    duration: 4.004,
    url: `${base}seg-0-0000${n}.m4s${query}`,
    byteRange: [],
    hasStreams: false,
  }));
  const level = { bitrate: 3200000, videoCodec: "avc1.64001f", details: { startSN: 0, fragments: frags } };
  const hls = {
    config: {
      cmcd: { sessionId: "s-1", contentId: "12.0", useHeaders },
      loader: grant
        ? grantLoader({ DefaultConfig: { loader: XhrLoader } }, (url) => signRequest(grant, url, PAGE))
        : XhrLoader,
    },
    on() {},
    off() {},
    logger: { warn() {} },
    levels: [level],
    audioTracks: [{}],
    bandwidthEstimate: 25.4e6,
    latestLevelDetails: { live: false },
    maxAutoLevel: 0,
  };
  new CMCDController(hls).onManifestLoading();
  new hls.config.fLoader({}).load({ url: frags[0].url, frag: frags[0] }, {}, { onSuccess() {} });
  return sent[0];
}

test("hls.js's CMCD on a CloudFront URL leaves exactly signed, in hls.js's own headers", () => {
  const base = "https://cdn-a.example/videos/u/r/";
  const policy = "Policy=a&Signature=s2&Key-Pair-Id=K1";
  const grant = nextGrant(emptyGrant(), {
    token: "t1",
    queries: [{ resource: `${base}seg-0-?????.m4s`, query: policy }],
  });

  const sent = hlsCmcdRequest({ base, query: "?Policy=a&Signature=s1&Key-Pair-Id=K1", useHeaders: false, grant });

  assert.equal(sent.url, `${base}seg-0-00001.m4s?${policy}`);
  assert.match(sent.headers["CMCD-Session"], /(^|,)sid="s-1"(,|$)/);
  assert.match(sent.headers["CMCD-Session"], /(^|,)cid="12.0"(,|$)/);
  assert.match(sent.headers["CMCD-Request"], /(^|,)nor="seg-0-00002.m4s"(,|$)/);
  // The same shards as hls.js's header mode makes of the same request.
  const own = hlsCmcdRequest({ base, query: "", useHeaders: true });
  assert.deepEqual(sent.headers, own.headers);
});

test("hls.js's CMCD on a token-signed URL stays in the query", () => {
  const grant = nextGrant(emptyGrant(), { token: "t1" }, { fresh: true });

  const sent = hlsCmcdRequest({ base: "https://vod.example/media/t1/r/", query: "", useHeaders: false, grant });

  const url = new URL(sent.url);
  assert.equal(url.pathname, "/media/t1/r/seg-0-00001.m4s");
  assert.match(url.searchParams.get("CMCD"), /(^|,)sid="s-1"(,|$)/);
  assert.deepEqual(sent.headers, {});
});
