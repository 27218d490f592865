# CloudFront in front of the media bucket. Playlists and segments need a URL
# signed with the key pair whose public half is registered here (custom policy,
# RSA; the app signs with the private half); artwork is public.

resource "aws_cloudfront_origin_access_control" "media" {
  name                              = "${var.name}-media"
  description                       = "CloudFront reads the private media bucket."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_public_key" "signing" {
  name        = "${var.name}-playback"
  comment     = "Checks the signed media URLs of ${var.name} (CLOUDFRONT_KEY_PAIR_ID)."
  encoded_key = var.cloudfront_public_key_pem
}

resource "aws_cloudfront_key_group" "signing" {
  name    = "${var.name}-playback"
  comment = "Trusted signers of ${var.name}'s media URLs."
  items   = [aws_cloudfront_public_key.signing.id]
}

# Segments, init segments, subtitles and storyboards never change under their
# name: a new transcode writes a new revision prefix. Cached for a year.
resource "aws_cloudfront_cache_policy" "segments" {
  name        = "${var.name}-segments"
  comment     = "Immutable media files: cached long, signature not in the key."
  min_ttl     = 86400
  default_ttl = 31536000
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = false
    enable_accept_encoding_gzip   = false
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Playlists and MPDs grow while a first transcode is still running, so they
# are cached for seconds only.
resource "aws_cloudfront_cache_policy" "manifests" {
  name        = "${var.name}-manifests"
  comment     = "Playlists that may still grow: cached for seconds."
  min_ttl     = 0
  default_ttl = 2
  max_ttl     = 10

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Players on the site's origin fetch media cross-origin. On CloudFront URLs
# the player sends CMCD in the four CMCD request headers (the signed query has
# no room for it: static/js/player/cmcd.js), which are not CORS-safelisted, so
# every such segment request is preceded by a preflight (OPTIONS, same signed
# URL, so it passes the signature check too). The edge writes the CORS headers
# of every answer from this policy (origin_override), preflights included:
# which headers and methods are allowed, and for how long a browser may reuse
# a preflight of the same URL (Access-Control-Max-Age; Chromium caps it at
# two hours, Firefox at a day). The preflight's status comes from the origin
# or the cache: see the media bucket's CORS rule (storage.tf) and
# cors_preflight below.
resource "aws_cloudfront_response_headers_policy" "media" {
  name    = "${var.name}-media"
  comment = "CORS for the players on ${var.domain_name}, CMCD headers included; security headers."

  cors_config {
    access_control_allow_credentials = false
    access_control_max_age_sec       = 86400
    origin_override                  = true
    access_control_allow_headers {
      items = ["Range", "Origin", "CMCD-Request", "CMCD-Object", "CMCD-Status", "CMCD-Session"]
    }
    access_control_allow_methods {
      items = ["GET", "HEAD", "OPTIONS"]
    }
    access_control_allow_origins {
      items = ["https://${var.domain_name}"]
    }
    access_control_expose_headers {
      items = ["Content-Length", "Content-Range"]
    }
  }

  security_headers_config {
    content_type_options {
      override = true
    }
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
  }
}

# What S3 needs to answer a preflight with 200: an OPTIONS request for an
# object without Origin and Access-Control-Request-Method gets 400 from S3,
# and one its CORS rule does not match gets 403; a browser takes neither. The
# origin request policy forwards the three preflight headers to S3 without
# putting them in the cache key, so the media's cache stays one copy per path
# for browsers and apps alike. A preflight's answer is cached like the file's
# (cached_methods has OPTIONS): S3 sees about one per file and edge. Only its
# 200s stay (refusals are not cached: custom_error_response below), and a
# cached 200 grants another site nothing: the CORS headers a viewer gets are
# written per request by the response headers policy above, which names the
# site's origin alone.
resource "aws_cloudfront_origin_request_policy" "cors_preflight" {
  name    = "${var.name}-cors-preflight"
  comment = "Forwards a preflight's CORS headers to the media bucket; no cookies, no query."

  cookies_config {
    cookie_behavior = "none"
  }
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    }
  }
  query_strings_config {
    query_string_behavior = "none"
  }
}

resource "aws_cloudfront_distribution" "media" {
  # checkov:skip=CKV_AWS_310:One regional S3 origin; a failover origin would need a replicated media bucket, which costs more than the outage it covers.
  # checkov:skip=CKV_AWS_374:Rights are enforced per title by the app's entitlement checks, not by country at the edge.
  # checkov:skip=CKV_AWS_305:A media distribution has no root document; / is not a valid object.
  # checkov:skip=CKV_AWS_68:The web ACL is the operator's (var.cloudfront_web_acl_arn, in us-east-1); media URLs are signed, so the edge refuses unsigned requests anyway.
  # checkov:skip=CKV2_AWS_47:The web ACL is the operator's (var.cloudfront_web_acl_arn); the media bucket runs no code that Log4j rules protect.
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "${var.name} media"
  aliases         = [var.media_domain_name]
  price_class     = var.cloudfront_price_class
  web_acl_id      = var.cloudfront_web_acl_arn
  tags            = local.tags

  origin {
    origin_id                = "media"
    domain_name              = aws_s3_bucket.media.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.media.id
  }

  # Segments and other immutable files: signed. Preflights (OPTIONS) are
  # cached too, and real-time logs, when on, carry the CMCD fields.
  default_cache_behavior {
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD", "OPTIONS"]
    compress                   = false
    cache_policy_id            = aws_cloudfront_cache_policy.segments.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.cors_preflight.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
    trusted_key_groups         = [aws_cloudfront_key_group.signing.id]
    realtime_log_config_arn    = local.media_realtime_log_config_arn
  }

  ordered_cache_behavior {
    path_pattern               = "*.m3u8"
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD", "OPTIONS"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.manifests.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.cors_preflight.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
    trusted_key_groups         = [aws_cloudfront_key_group.signing.id]
    realtime_log_config_arn    = local.media_realtime_log_config_arn
  }

  ordered_cache_behavior {
    path_pattern               = "*.mpd"
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD", "OPTIONS"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.manifests.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.cors_preflight.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
    trusted_key_groups         = [aws_cloudfront_key_group.signing.id]
    realtime_log_config_arn    = local.media_realtime_log_config_arn
  }

  # Posters and other artwork are public pages' images: no signature.
  ordered_cache_behavior {
    path_pattern               = "artwork/*"
    target_origin_id           = "media"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.segments.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
  }

  # A 403 or 400 from S3 is not cached: a preflight S3 refused (a foreign
  # Origin, no Origin at all) would otherwise be the answer every viewer's
  # preflight of that file got until it expired. Missing files (403 from a
  # bucket CloudFront may not list) then reach S3 each time; their URLs are
  # signed, so only a session's own mistakes do.
  custom_error_response {
    error_code            = 400
    error_caching_min_ttl = 0
  }

  custom_error_response {
    error_code            = 403
    error_caching_min_ttl = 0
  }

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.media_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}
