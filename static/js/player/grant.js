/*
 * Delivery grants: the newest one applies to every request. A session's
 * signed URLs live a few minutes; each heartbeat answer carries a fresh grant
 * (a token for the path, and CDN signatures for the query), and every URL
 * loaded after it is rewritten under it. Pure: no DOM.
 */

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
 * ``url`` (relative to ``base``) under ``grant``: a path segment holding one
 * of the session's earlier tokens gets the newest, and a URL a CDN policy
 * covers gets that policy's newest signature as its whole query (see the API's
 * SessionGrant). CMCD's query parameter goes there: CloudFront checks a policy
 * against the query too, and a policy with room for one would also match longer
 * paths, so on CloudFront URLs the player sends no CMCD (see cmcd.js). On
 * token-signed URLs (Django's own media, self-run edges) the query stays.
 */
export function signUrl(grant, url, base) {
  if (!grant.token || !url) return url;
  let parsed;
  try {
    parsed = new URL(url, base);
  } catch {
    return url;
  }
  parsed.pathname = parsed.pathname
    .split("/")
    .map((part) => (part !== grant.token && grant.tokens.has(part) ? grant.token : part))
    .join("/");
  const bare = `${parsed.origin}${parsed.pathname}`;
  const covering = grant.queries.find((entry) => entry.pattern.test(bare));
  if (covering) parsed.search = `?${covering.query}`;
  return parsed.href;
}

/**
 * hls.js's own loader, passing every URL it loads (manifests, playlists,
 * segments, keys, steering) through ``sign`` first.
 */
export function grantLoader(Hls, sign) {
  const Base = Hls.DefaultConfig.loader;
  return class GrantLoader extends Base {
    load(context, config, callbacks) {
      context.url = sign(context.url);
      super.load(context, config, callbacks);
    }
  };
}
