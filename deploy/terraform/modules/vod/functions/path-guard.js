// CloudFront Function (cloudfront-js-2.0), viewer request, on signed media:
// refuses a path that is not plainly one object's name (a dot segment, an
// empty segment, a percent escape or a backslash), before the cache or the
// bucket sees it. The signed policies end with "*" to leave room for the
// player's CMCD query; this keeps that "*" from standing for another file,
// whatever the edge would make of such a path. The self-run edge's verifier
// (playback/delivery/cloudfront.py) refuses the same paths.
function handler(event) {
  var uri = event.request.uri;
  var plain =
    uri.charAt(0) === "/" &&
    uri.indexOf("%") === -1 &&
    uri.indexOf("\\") === -1 &&
    uri.indexOf("//") === -1 &&
    !/(^|\/)\.\.?(\/|$)/.test(uri);
  if (!plain) {
    return { statusCode: 400, statusDescription: "Bad Request" };
  }
  return event.request;
}
