/*
 * CMCD (Common Media Client Data, CTA-5004) on hls.js's media requests: each
 * playlist and segment URL carries a `CMCD=` query parameter with the
 * playback session's id (`sid`) and the content's (`cid`), so a CDN's access
 * logs can be joined to sessions and titles. Query-string mode: logs keep the
 * query, and it adds no header (a header would need a CORS preflight on the
 * CDN for every segment). The CDN keys its cache on the path alone. URLs
 * signed by a CloudFront policy go without it (grant.js's signUrl): the policy
 * covers the whole query, and a policy with room for CMCD would also match
 * longer paths. Pure: no DOM.
 */

export const CMCD_PARAMETER = "CMCD";

/** The content id: the analytics unit of the title or episode, "<title>.<episode or 0>". */
export function contentId({ titleId, episodeId }) {
  return `${titleId}.${episodeId || 0}`;
}

/** hls.js's ``cmcd`` config for a session of the page's title or episode. */
export function cmcdConfig(sessionId, config) {
  return { sessionId: String(sessionId), contentId: contentId(config), useHeaders: false };
}
