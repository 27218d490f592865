# The platform on AWS: private S3 buckets behind CloudFront (signed URLs),
# RDS PostgreSQL (Multi-AZ, read replicas), ElastiCache Redis (cache and Celery
# broker), and ECS on Fargate running one image in four roles (web, transcode,
# default, beat) plus the migration task, behind an application load balancer.

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  tags       = merge({ Application = "vod", Stack = var.name }, var.tags)

  # The environment every role gets (see README, "Configuration"); secrets come
  # from Secrets Manager instead (local.app_secret_keys).
  app_environment = merge({
    DJANGO_DEBUG                    = "0"
    DJANGO_ALLOWED_HOSTS            = "${var.domain_name},localhost"
    DJANGO_CSRF_TRUSTED_ORIGINS     = "https://${var.domain_name}"
    DJANGO_NUM_PROXIES              = "1"
    LOG_FORMAT                      = "json"
    LOG_LEVEL                       = "INFO"
    DATABASE_CONN_MAX_AGE           = "60"
    AWS_STORAGE_BUCKET_NAME         = aws_s3_bucket.media.bucket
    AWS_SOURCES_BUCKET_NAME         = aws_s3_bucket.sources.bucket
    AWS_S3_REGION_NAME              = local.region
    PLAYBACK_SIGNER                 = "playback.delivery.cloudfront.CloudFrontSigner"
    CLOUDFRONT_KEY_PAIR_ID          = aws_cloudfront_public_key.signing.id
    PLAYBACK_MEDIA_URL              = "https://${var.media_domain_name}/"
    PLAYBACK_GRANT_LIFETIME_SECONDS = tostring(var.playback_grant_lifetime_seconds)
    TRANSCODE_SCRATCH_DIR           = "/tmp"
    UPLOAD_EXPIRY_HOURS             = tostring(var.upload_expiry_hours)
  }, var.extra_environment)

  app_secret_keys = [
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CLOUDFRONT_PRIVATE_KEY",
  ]
}

# One customer managed key for the buckets, logs, database, Redis and secrets.
resource "aws_kms_key" "main" {
  description             = "${var.name}: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = local.tags
}

resource "aws_kms_alias" "main" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; the account root must administer it.
  # checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself; the account root must administer it.
  # checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself, never another resource.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncrypt"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:*"]
    }
  }

  # CloudFront reads the media bucket's encrypted objects through its origin
  # access control.
  statement {
    sid       = "CloudFrontDecryptsMedia"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = ["arn:${local.partition}:cloudfront::${local.account_id}:distribution/*"]
    }
  }

  statement {
    sid       = "AlarmTopicPublishes"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

# --- Secrets the app reads as environment variables -----------------------------

resource "random_password" "django_secret_key" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "app" {
  # checkov:skip=CKV2_AWS_57:The values are composite URLs built from generated passwords; rotating them means replacing the database and Redis credentials, a planned change, not a Lambda.
  name                    = "${var.name}/app"
  description             = "Secret environment of the ${var.name} roles: ${join(", ", local.app_secret_keys)}."
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({
    DJANGO_SECRET_KEY = random_password.django_secret_key.result
    DATABASE_URL      = "postgres://${aws_db_instance.primary.username}:${random_password.db.result}@${aws_db_instance.primary.endpoint}/${aws_db_instance.primary.db_name}?sslmode=require"
    DATABASE_REPLICA_URLS = join(",", [
      for replica in aws_db_instance.replica :
      "postgres://${aws_db_instance.primary.username}:${random_password.db.result}@${replica.endpoint}/${aws_db_instance.primary.db_name}?sslmode=require"
    ])
    REDIS_URL              = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.main.primary_endpoint_address}:6379/1"
    CELERY_BROKER_URL      = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.main.primary_endpoint_address}:6379/0?ssl_cert_reqs=required"
    CLOUDFRONT_PRIVATE_KEY = var.cloudfront_private_key_pem
  })
}
