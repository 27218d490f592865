/*
 * CMCD (Common Media Client Data, CTA-5004) on hls.js's media requests: each
 * playlist and segment request carries the playback session's id (`sid`) and
 * the content's (`cid`), so a CDN's logs can be joined to sessions and titles.
 *
 * hls.js writes it as a `CMCD=` query parameter (query mode: it lands in any
 * access log, and a token-signed URL needs no CORS preflight for it). A URL
 * signed by a CloudFront policy cannot keep it there: the policy covers the
 * whole query, and one with room for CMCD would also match longer paths. So
 * for those URLs grant.js moves the payload into the four CMCD request
 * headers (`cmcdHeaders`), which CloudFront's real-time logs read; the CDN's
 * CORS policy allows them (deploy/terraform/modules/vod/cdn.tf). The CDNs key
 * their caches on the path alone either way. Pure: no DOM.
 */

export const CMCD_PARAMETER = "CMCD";

/**
 * CTA-5004's header for each key the player sends (hls.js sends version 1:
 * `cmcdConfig` sets none). Keys are grouped by how often they change, so a
 * connection's header compression sends the session's once. A key not listed
 * (a custom key, one of a later version) goes in CMCD-Request.
 */
export const CMCD_HEADER_OF_KEY = Object.freeze({
  br: "CMCD-Object",
  d: "CMCD-Object",
  ot: "CMCD-Object",
  tb: "CMCD-Object",
  bl: "CMCD-Request",
  dl: "CMCD-Request",
  mtp: "CMCD-Request",
  nor: "CMCD-Request",
  nrr: "CMCD-Request",
  su: "CMCD-Request",
  cid: "CMCD-Session",
  pr: "CMCD-Session",
  sf: "CMCD-Session",
  sid: "CMCD-Session",
  st: "CMCD-Session",
  v: "CMCD-Session",
  bs: "CMCD-Status",
  rtp: "CMCD-Status",
});

export const CMCD_HEADERS = Object.freeze(["CMCD-Request", "CMCD-Object", "CMCD-Status", "CMCD-Session"]);

// A structured-field dictionary key (RFC 8941, 3.2).
const KEY = /^[a-z*][a-z0-9_\-.*]*$/;

/** The content id: the analytics unit of the title or episode, "<title>.<episode or 0>". */
export function contentId({ titleId, episodeId }) {
  return `${titleId}.${episodeId || 0}`;
}

/** hls.js's ``cmcd`` config for a session of the page's title or episode. */
export function cmcdConfig(sessionId, config) {
  return { sessionId: String(sessionId), contentId: contentId(config), useHeaders: false };
}

/**
 * A CMCD payload (a structured-field dictionary, as in the query parameter)
 * as [key, rest] pairs in order, ``rest`` being the member's text after its key
 * (``=3200``, ``="s-1"``, or empty for a true flag). Commas inside strings and
 * inner lists do not split; members whose key is not a valid key are dropped.
 */
export function cmcdMembers(payload) {
  const members = [];
  let start = 0;
  let quoted = false;
  let escaped = false;
  let depth = 0;
  for (let i = 0; i <= payload.length; i += 1) {
    const char = payload[i];
    if (i === payload.length || (char === "," && !quoted && depth === 0)) {
      const member = payload.slice(start, i).trim();
      const keyEnd = member.search(/[=;]|$/);
      const key = member.slice(0, keyEnd);
      if (KEY.test(key)) members.push([key, member.slice(keyEnd)]);
      start = i + 1;
    } else if (escaped) {
      escaped = false;
    } else if (quoted && char === "\\") {
      escaped = true;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === "(") {
      depth += 1;
    } else if (!quoted && char === ")") {
      depth -= 1;
    }
  }
  return members;
}

/**
 * The CMCD request headers carrying ``payload`` (the query parameter's
 * value): each key in its header, in the payload's order; headers with no key
 * are left out. The next object's path (``nor``) loses its query: on a
 * CloudFront pathway that is the next file's policy signature, a kilobyte the
 * CDN has no use for.
 */
export function cmcdHeaders(payload) {
  const shards = {};
  for (const [key, rest] of cmcdMembers(payload || "")) {
    const header = CMCD_HEADER_OF_KEY[key] || "CMCD-Request";
    const member = key === "nor" ? rest.replace(/(\?|%3F)[^"]*/i, "") : rest;
    (shards[header] ||= []).push(`${key}${member}`);
  }
  return Object.fromEntries(Object.entries(shards).map(([header, members]) => [header, members.join(",")]));
}
