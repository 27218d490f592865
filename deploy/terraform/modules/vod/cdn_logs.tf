# CloudFront real-time logs of the media behaviours, with the CMCD fields, to
# a Kinesis data stream: how CloudFront pathways join the CDN to playback
# sessions. On CloudFront URLs the player sends CMCD in request headers (the
# signed query has no room for it); the standard logs (logging_config in
# cdn.tf) record neither those headers nor CMCD, the real-time logs parse
# CMCD from headers or query into one field per key. Read the stream with a
# consumer of your own or Amazon Data Firehose (to S3, then Athena); join
# cmcd-session-id to playback_playbacksession.id, cmcd-content-id
# ("<title id>.<episode id or 0>") to the titles (README, "CMCD: joining CDN
# logs to sessions"). Off by default (var.cloudfront_realtime_logs): CloudFront
# charges per log line and the stream per hour and gigabyte.

locals {
  cdn_realtime_logs = var.cloudfront_realtime_logs ? 1 : 0

  # A record's fields, in this order (tab-separated). No client IP: the
  # session id says whose request it was.
  cdn_realtime_log_fields = [
    "timestamp",
    "cs-method",
    "cs-uri-stem",
    "sc-status",
    "sc-bytes",
    "time-to-first-byte",
    "time-taken",
    "x-edge-location",
    "x-edge-result-type",
    "x-edge-detailed-result-type",
    "cs-protocol-version",
    "c-country",
    "cache-behavior-path-pattern",
    # One per CTA-5004 key (sid, cid, br, bl, bs, d, dl, mtp, nor, nrr, ot,
    # pr, rtp, sf, st, su, tb, v).
    "cmcd-session-id",
    "cmcd-content-id",
    "cmcd-encoded-bitrate",
    "cmcd-buffer-length",
    "cmcd-buffer-starvation",
    "cmcd-object-duration",
    "cmcd-deadline",
    "cmcd-measured-throughput",
    "cmcd-next-object-request",
    "cmcd-next-range-request",
    "cmcd-object-type",
    "cmcd-playback-rate",
    "cmcd-requested-maximum-throughput",
    "cmcd-streaming-format",
    "cmcd-stream-type",
    "cmcd-startup",
    "cmcd-top-bitrate",
    "cmcd-version",
  ]

  media_realtime_log_config_arn = one(aws_cloudfront_realtime_log_config.media[*].arn)
}

# On demand: the stream follows the audience (a segment request every few
# seconds per viewer, and its preflight) without shard sizing. A day's
# retention: a consumer or Firehose takes the records on.
resource "aws_kinesis_stream" "cdn_realtime_logs" {
  count            = local.cdn_realtime_logs
  name             = "${var.name}-cdn-realtime-logs"
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = aws_kms_key.main.arn
  tags             = local.tags

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
}

# CloudFront writes to the stream with this role (and encrypts with the key).
resource "aws_iam_role" "cdn_realtime_logs" {
  count              = local.cdn_realtime_logs
  name_prefix        = "${var.name}-cdn-logs-"
  assume_role_policy = data.aws_iam_policy_document.cdn_realtime_logs_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "cdn_realtime_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "cdn_realtime_logs" {
  count  = local.cdn_realtime_logs
  name   = "put-realtime-logs"
  role   = aws_iam_role.cdn_realtime_logs[0].id
  policy = data.aws_iam_policy_document.cdn_realtime_logs_put[0].json
}

data "aws_iam_policy_document" "cdn_realtime_logs_put" {
  count = local.cdn_realtime_logs

  statement {
    sid = "PutLogRecords"
    actions = [
      "kinesis:DescribeStreamSummary",
      "kinesis:DescribeStream",
      "kinesis:PutRecord",
      "kinesis:PutRecords",
    ]
    resources = [aws_kinesis_stream.cdn_realtime_logs[0].arn]
  }

  statement {
    sid       = "EncryptLogRecords"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

resource "aws_cloudfront_realtime_log_config" "media" {
  count         = local.cdn_realtime_logs
  name          = "${var.name}-media"
  sampling_rate = var.cloudfront_realtime_log_sampling_rate
  fields        = local.cdn_realtime_log_fields

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.cdn_realtime_logs[0].arn
      stream_arn = aws_kinesis_stream.cdn_realtime_logs[0].arn
    }
  }

  depends_on = [aws_iam_role_policy.cdn_realtime_logs]
}
