# --- Naming and network ---------------------------------------------------------

variable "name" {
  description = "Prefix of every resource's name, e.g. \"vod-production\"; lower case letters, digits and dashes."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lower case letters, digits or dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "The VPC the platform runs in."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more zones) for the application load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more zones, with a NAT or VPC endpoints for S3, ECR and CloudWatch) for the tasks, the database and Redis."
  type        = list(string)
}

# --- The application --------------------------------------------------------------

variable "image" {
  description = "The container image of the platform (one image, every role), e.g. \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/vod:1.4.0\"."
  type        = string
}

variable "domain_name" {
  description = "The site's public host name, e.g. \"vod.example.com\" (DJANGO_ALLOWED_HOSTS, CSRF origin); point it at the load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name, in the load balancer's region."
  type        = string
}

variable "media_domain_name" {
  description = "The CDN's host name for media, e.g. \"media.vod.example.com\" (PLAYBACK_MEDIA_URL); point it at the CloudFront domain."
  type        = string
}

variable "media_certificate_arn" {
  description = "ACM certificate for media_domain_name, in us-east-1 (CloudFront's region)."
  type        = string
}

variable "cloudfront_public_key_pem" {
  description = "PEM public key of the RSA key pair that signs media URLs; its private key goes to the app as CLOUDFRONT_PRIVATE_KEY."
  type        = string
}

variable "cloudfront_private_key_pem" {
  description = "PEM private key matching cloudfront_public_key_pem, stored in the app's secret as CLOUDFRONT_PRIVATE_KEY; empty leaves it for the operator to put there."
  type        = string
  default     = ""
  sensitive   = true
}

variable "cloudfront_web_acl_arn" {
  description = "ARN of a WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) for the media distribution; null for none."
  type        = string
  default     = null
}

variable "cloudfront_price_class" {
  description = "CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"
}

variable "cloudfront_realtime_logs" {
  description = "Send CloudFront real-time logs of the media behaviours, with the CMCD fields (cmcd-session-id, cmcd-content-id...), to a Kinesis data stream (output cmcd_log_stream_arn), to join CloudFront requests to playback sessions. Off by default: CloudFront charges per log line and the on-demand stream per hour and gigabyte."
  type        = bool
  default     = false
}

variable "cloudfront_realtime_log_sampling_rate" {
  description = "Percentage of media requests (1-100) the real-time logs record when cloudfront_realtime_logs is on; a lower rate bounds the logs' cost at scale, sampling each session's requests."
  type        = number
  default     = 100
  validation {
    condition = (
      var.cloudfront_realtime_log_sampling_rate >= 1 &&
      var.cloudfront_realtime_log_sampling_rate <= 100 &&
      floor(var.cloudfront_realtime_log_sampling_rate) == var.cloudfront_realtime_log_sampling_rate
    )
    error_message = "cloudfront_realtime_log_sampling_rate must be a whole number from 1 to 100."
  }
}

variable "playback_grant_lifetime_seconds" {
  description = "How long one grant of signed media URLs stays good; heartbeats renew it (PLAYBACK_GRANT_LIFETIME_SECONDS)."
  type        = number
  default     = 300
}

variable "extra_environment" {
  description = "More environment variables for every role (e.g. EMAIL_HOST, TRANSCODE_LADDER)."
  type        = map(string)
  default     = {}
}

# --- Storage --------------------------------------------------------------------

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted object's old version is kept in the buckets before it expires."
  type        = number
  default     = 30
}

variable "upload_expiry_hours" {
  description = "Hours an editor's direct upload may stay incomplete before it is aborted and its parts deleted (UPLOAD_EXPIRY_HOURS; the sources bucket's lifecycle rule aborts it a day later at the latest)."
  type        = number
  default     = 24
  validation {
    condition     = var.upload_expiry_hours >= 1
    error_message = "upload_expiry_hours must be at least 1."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the platform's logs (365 or more for most compliance regimes)."
  type        = number
  default     = 365
}

# --- Database -------------------------------------------------------------------

variable "db_engine_version" {
  description = "PostgreSQL major.minor version of the RDS instances."
  type        = string
  default     = "16.4"
}

variable "db_instance_class" {
  description = "RDS instance class of the primary and its replicas."
  type        = string
  default     = "db.r6g.large"
}

variable "db_allocated_storage" {
  description = "Initial storage of the primary, in GiB."
  type        = number
  default     = 100
}

variable "db_max_allocated_storage" {
  description = "Ceiling of storage autoscaling, in GiB."
  type        = number
  default     = 1000
}

variable "db_replica_count" {
  description = "Read replicas (DATABASE_REPLICA_URLS); one or more."
  type        = number
  default     = 1

  validation {
    condition     = var.db_replica_count >= 1
    error_message = "At least one read replica."
  }
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number
  default     = 14
}

# --- Redis ----------------------------------------------------------------------

variable "redis_engine_version" {
  description = "ElastiCache Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "redis_replicas" {
  description = "Replicas of the Redis primary, in other zones, for automatic failover (one or more)."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_replicas >= 1
    error_message = "Automatic failover needs at least one replica."
  }
}

# --- Compute (ECS on Fargate) --------------------------------------------------------

variable "web_cpu" {
  description = "CPU units of a web task (1024 = one vCPU)."
  type        = number
  default     = 1024
}

variable "web_memory" {
  description = "Memory of a web task, in MiB."
  type        = number
  default     = 2048
}

variable "web_concurrency" {
  description = "Gunicorn worker processes per web task (WEB_CONCURRENCY)."
  type        = number
  default     = 3
}

variable "web_min_count" {
  description = "Fewest web tasks (two or more for zone failures)."
  type        = number
  default     = 2
}

variable "web_max_count" {
  description = "Most web tasks."
  type        = number
  default     = 20
}

variable "web_cpu_target" {
  description = "Average CPU utilisation (percent) web autoscaling keeps."
  type        = number
  default     = 60
}

variable "web_requests_per_target" {
  description = "Requests per minute per web task that web autoscaling keeps (ALBRequestCountPerTarget)."
  type        = number
  default     = 3000
}

variable "transcode_cpu" {
  description = "CPU units of a transcode task (ffmpeg uses them all)."
  type        = number
  default     = 4096
}

variable "transcode_memory" {
  description = "Memory of a transcode task, in MiB."
  type        = number
  default     = 8192
}

variable "transcode_ephemeral_storage_gib" {
  description = "Scratch disk of a transcode task, in GiB (a source and its renditions)."
  type        = number
  default     = 100
}

variable "transcode_max_count" {
  description = "Most transcode tasks; there are none while no job waits or runs."
  type        = number
  default     = 10
}

variable "default_cpu" {
  description = "CPU units of a default-queue worker task."
  type        = number
  default     = 512
}

variable "default_memory" {
  description = "Memory of a default-queue worker task, in MiB."
  type        = number
  default     = 1024
}

variable "default_concurrency" {
  description = "Celery processes per default-queue worker task (DEFAULT_WORKER_CONCURRENCY)."
  type        = number
  default     = 4
}

variable "default_min_count" {
  description = "Fewest default-queue worker tasks (beat queues a job every 30 s, so one is usually busy)."
  type        = number
  default     = 1
}

variable "default_max_count" {
  description = "Most default-queue worker tasks."
  type        = number
  default     = 4
}

variable "alarm_email" {
  description = "Address subscribed to the alarms' SNS topic; empty subscribes none."
  type        = string
  default     = ""
}

variable "alb_web_acl_arn" {
  description = "ARN of a regional WAFv2 web ACL for the load balancer; null for none."
  type        = string
  default     = null
}
