# Two private buckets: uploaded sources (only the app reads them) and media
# outputs (playlists, segments, artwork; CloudFront reads them through its
# origin access control). Both are versioned so an overwritten playlist or a
# deleted revision can be recovered for a while; old versions then expire.

resource "aws_s3_bucket" "sources" {
  # checkov:skip=CKV_AWS_144:Sources can be uploaded again; cross-region replication of every upload is a cost the platform does not need.
  # checkov:skip=CKV2_AWS_62:Nothing reacts to bucket events: the app queues its own jobs when an upload is stored.
  bucket_prefix = "${var.name}-sources-"
  tags          = local.tags
}

resource "aws_s3_bucket" "media" {
  # checkov:skip=CKV_AWS_144:Media outputs are derived from the sources and can be transcoded again; CloudFront caches them at the edge.
  # checkov:skip=CKV2_AWS_62:Nothing reacts to bucket events: the app publishes a revision in one database update.
  bucket_prefix = "${var.name}-media-"
  tags          = local.tags
}

# Access logs of the buckets, the load balancer and CloudFront.
resource "aws_s3_bucket" "logs" {
  # checkov:skip=CKV_AWS_144:Access logs are not worth a second region.
  # checkov:skip=CKV2_AWS_62:Nothing reacts to new log objects.
  # checkov:skip=CKV_AWS_18:This is the access-log bucket; logging it into itself would loop.
  # checkov:skip=CKV_AWS_145:Load balancer access logs can only be written to SSE-S3 (AES256) buckets, not SSE-KMS.
  bucket_prefix = "${var.name}-logs-"
  tags          = local.tags
}

# --- Public access blocked on all three -----------------------------------------

resource "aws_s3_bucket_public_access_block" "sources" {
  bucket                  = aws_s3_bucket.sources.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# --- Ownership: no ACLs, except the log bucket CloudFront writes to ------------

resource "aws_s3_bucket_ownership_controls" "sources" {
  bucket = aws_s3_bucket.sources.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  # checkov:skip=CKV2_AWS_65:CloudFront standard logs are delivered with an ACL (awslogsdelivery), so ACLs must stay enabled on the log bucket; public ACLs are blocked.
  bucket = aws_s3_bucket.logs.id
  rule {
    # CloudFront's standard logs are delivered with an ACL.
    object_ownership = "BucketOwnerPreferred"
  }
}

# --- Encryption ------------------------------------------------------------------

resource "aws_s3_bucket_server_side_encryption_configuration" "sources" {
  bucket = aws_s3_bucket.sources.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# --- Versioning and the expiry of old versions ------------------------------------

resource "aws_s3_bucket_versioning" "sources" {
  bucket = aws_s3_bucket.sources.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "media" {
  bucket = aws_s3_bucket.media.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "sources" {
  bucket     = aws_s3_bucket.sources.id
  depends_on = [aws_s3_bucket_versioning.sources]

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  # Editors' direct uploads: beat aborts one not completed within
  # UPLOAD_EXPIRY_HOURS and deletes its parts; this catches what beat missed
  # (a multipart upload whose row was never saved, beat down for a day).
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = ceil(var.upload_expiry_hours / 24) + 1
    }
  }
}

# Browsers upload parts straight to the sources bucket from the site's pages
# (presigned PUTs carrying their checksum) and read each part's ETag.
resource "aws_s3_bucket_cors_configuration" "sources" {
  bucket = aws_s3_bucket.sources.id
  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = ["https://${var.domain_name}"]
    allowed_headers = ["content-type", "x-amz-checksum-sha256"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }
}

# The media bucket answers the CORS preflights CloudFront forwards (players
# sending CMCD headers to CloudFront URLs: see cdn.tf). S3 answers a preflight
# itself, from this rule, before any bucket policy: 200 when the Origin, the
# method and every requested header match, 403 otherwise. The CORS headers
# viewers get are CloudFront's (its response headers policy overrides these),
# so this rule only decides the status, and it names the same origin and
# headers as that policy. Objects stay readable by CloudFront alone.
resource "aws_s3_bucket_cors_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  cors_rule {
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = ["https://${var.domain_name}"]
    allowed_headers = ["range", "cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session"]
    expose_headers  = ["Content-Length", "Content-Range"]
    max_age_seconds = 86400
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket     = aws_s3_bucket.media.id
  depends_on = [aws_s3_bucket_versioning.media]

  # The app deletes superseded revisions (videos/<uuid>/<revision>/) after its
  # grace period; their versions then expire here.
  rule {
    id     = "expire-old-revisions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    expiration {
      expired_object_delete_marker = true
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket     = aws_s3_bucket.logs.id
  depends_on = [aws_s3_bucket_versioning.logs]

  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {}
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
}

# --- Access logging ------------------------------------------------------------------

resource "aws_s3_bucket_logging" "sources" {
  bucket        = aws_s3_bucket.sources.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/sources/"
}

resource "aws_s3_bucket_logging" "media" {
  bucket        = aws_s3_bucket.media.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/media/"
}

# --- Bucket policies -----------------------------------------------------------------

# Media: CloudFront (this distribution only) reads; everything over TLS.
resource "aws_s3_bucket_policy" "media" {
  bucket     = aws_s3_bucket.media.id
  policy     = data.aws_iam_policy_document.media_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.media]
}

data "aws_iam_policy_document" "media_bucket" {
  statement {
    sid       = "CloudFrontReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.media.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.media.arn]
    }
  }

  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.media.arn, "${aws_s3_bucket.media.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "sources" {
  bucket     = aws_s3_bucket.sources.id
  policy     = data.aws_iam_policy_document.sources_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.sources]
}

data "aws_iam_policy_document" "sources_bucket" {
  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.sources.arn, "${aws_s3_bucket.sources.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# Logs: the load balancer's log delivery writes under alb/.
resource "aws_s3_bucket_policy" "logs" {
  bucket     = aws_s3_bucket.logs.id
  policy     = data.aws_iam_policy_document.logs_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.logs]
}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid       = "LoadBalancerLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/s3/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

