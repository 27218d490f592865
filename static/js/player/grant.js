/*
 * Delivery grants: the newest one applies to every request. A session's
 * signed URLs live a few minutes; each heartbeat answer carries a fresh grant
 * (a token for the path, and CDN signatures for the query), and every URL
 * loaded after it is rewritten under it. A URL a CloudFront policy covers
 * carries exactly the policy's query, so its CMCD travels in request headers
 * instead (cmcd.js). Pure: no DOM.
 */

import { CMCD_HEADERS, CMCD_PARAMETER, cmcdHeaders } from "./cmcd.js";

/** No grant yet: URLs are used as they are. */
export function emptyGrant() {
  return { token: "", tokens: new Set(), queries: [] };
}

/** CloudFront's resource wildcards: ``*`` any run of characters, ``?`` one. */
export function wildcardPattern(resource) {
  const escaped = resource.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]")}$`);
}

/**
 * The grant after taking ``grant`` (from a session's start, ``fresh``, or a
 * heartbeat) as the newest; ``current`` when ``grant`` carries no token.
 */
export function nextGrant(current, grant, { fresh = false } = {}) {
  if (!grant || !grant.token) return current;
  const tokens = new Set(fresh ? [] : current.tokens);
  tokens.add(grant.token);
  return {
    token: grant.token,
    tokens,
    queries: (grant.queries || []).map((entry) => ({
      pattern: wildcardPattern(entry.resource),
      query: entry.query,
    })),
  };
}

/**
 * The request for ``url`` (relative to ``base``) under ``grant``: ``{ url,
 * headers }``. A path segment holding one of the session's earlier tokens gets
 * the newest, and a URL a CDN policy covers gets that policy's newest
 * signature as its whole query (see the API's SessionGrant): CloudFront checks
 * a policy against the query too, and a policy with room for more would also
 * match longer paths (``seg-1-00001.m4s/../seg-0-00001.m4s``). Such a URL's
 * CMCD query parameter becomes ``headers`` (the CMCD request headers; ``{}``
 * when it had none), so CloudFront's logs still name the session. On any other
 * URL (token-signed: Django's own media, self-run edges) the query stays as
 * it is and ``headers`` is null: no header, so no CORS preflight.
 */
export function signRequest(grant, url, base) {
  if (!grant.token || !url) return { url, headers: null };
  let parsed;
  try {
    parsed = new URL(url, base);
  } catch {
    return { url, headers: null };
  }
  parsed.pathname = parsed.pathname
    .split("/")
    .map((part) => (part !== grant.token && grant.tokens.has(part) ? grant.token : part))
    .join("/");
  const bare = `${parsed.origin}${parsed.pathname}`;
  const covering = grant.queries.find((entry) => entry.pattern.test(bare));
  if (!covering) return { url: parsed.href, headers: null };
  const headers = cmcdHeaders(parsed.searchParams.get(CMCD_PARAMETER));
  parsed.search = `?${covering.query}`;
  return { url: parsed.href, headers };
}

/** ``url`` under ``grant`` (see ``signRequest``), for elements that send no headers. */
export function signUrl(grant, url, base) {
  return signRequest(grant, url, base).url;
}

/**
 * hls.js's own loader, passing every request it makes (manifests, playlists,
 * segments, keys, steering) through ``sign`` (``url`` to ``signRequest``'s
 * answer) first. CMCD headers the request already had (a retried request
 * keeps its last try's) are dropped before ``sign``'s are added, so a
 * token-signed URL carries CMCD in its query only.
 */
export function grantLoader(Hls, sign) {
  const Base = Hls.DefaultConfig.loader;
  return class GrantLoader extends Base {
    load(context, config, callbacks) {
      const { url, headers } = sign(context.url);
      context.url = url;
      if (context.headers || headers) {
        const kept = Object.entries(context.headers || {}).filter(
          ([name]) => !CMCD_HEADERS.some((cmcd) => cmcd.toLowerCase() === name.toLowerCase()),
        );
        context.headers = { ...Object.fromEntries(kept), ...headers };
      }
      super.load(context, config, callbacks);
    }
  };
}
