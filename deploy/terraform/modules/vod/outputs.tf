# What the application's environment needs (README, "Configuration"), and
# where to point DNS.

output "media_bucket_name" {
  description = "AWS_STORAGE_BUCKET_NAME: playlists, segments and artwork."
  value       = aws_s3_bucket.media.bucket
}

output "sources_bucket_name" {
  description = "AWS_SOURCES_BUCKET_NAME: uploaded sources (private)."
  value       = aws_s3_bucket.sources.bucket
}

output "aws_region" {
  description = "AWS_S3_REGION_NAME: the buckets' region."
  value       = local.region
}

output "cdn_domain_name" {
  description = "The CloudFront distribution's domain: point media_domain_name (PLAYBACK_MEDIA_URL's host) at it with a CNAME or alias."
  value       = aws_cloudfront_distribution.media.domain_name
}

output "cmcd_log_stream_arn" {
  description = "The Kinesis data stream CloudFront's real-time logs (with the CMCD fields) go to; null while cloudfront_realtime_logs is off. Read it with a consumer or Amazon Data Firehose."
  value       = one(aws_kinesis_stream.cdn_realtime_logs[*].arn)
}

output "cmcd_log_fields" {
  description = "The fields of a real-time log record, in their order (records are tab-separated); empty while cloudfront_realtime_logs is off."
  value       = var.cloudfront_realtime_logs ? local.cdn_realtime_log_fields : []
}

output "playback_media_url" {
  description = "PLAYBACK_MEDIA_URL: where signed media URLs point."
  value       = "https://${var.media_domain_name}/"
}

output "cloudfront_key_pair_id" {
  description = "CLOUDFRONT_KEY_PAIR_ID: the id of the public key in the trusted key group."
  value       = aws_cloudfront_public_key.signing.id
}

output "database_endpoint" {
  description = "The primary's host:port, for DATABASE_URL."
  value       = aws_db_instance.primary.endpoint
}

output "database_replica_endpoints" {
  description = "The read replicas' host:port, for DATABASE_REPLICA_URLS."
  value       = [for replica in aws_db_instance.replica : replica.endpoint]
}

output "redis_endpoint" {
  description = "Redis primary host (TLS, port 6379), for REDIS_URL and CELERY_BROKER_URL."
  value       = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "app_secret_arn" {
  description = "Secrets Manager secret holding DJANGO_SECRET_KEY, DATABASE_URL, DATABASE_REPLICA_URLS, REDIS_URL, CELERY_BROKER_URL and CLOUDFRONT_PRIVATE_KEY."
  value       = aws_secretsmanager_secret.app.arn
}

output "app_environment" {
  description = "The non-secret environment every role runs with."
  value       = local.app_environment
}

output "load_balancer_dns_name" {
  description = "The load balancer's DNS name: point domain_name at it."
  value       = aws_lb.web.dns_name
}

output "ecs_cluster_name" {
  description = "The ECS cluster running the roles."
  value       = aws_ecs_cluster.main.name
}

output "release_task_definition_arn" {
  description = "Run it once per release, before the services update (aws ecs run-task): migrations."
  value       = aws_ecs_task_definition.role["release"].arn
}

output "task_network" {
  description = "Subnets and security group for aws ecs run-task of the release task."
  value = {
    subnets         = var.private_subnet_ids
    security_groups = [aws_security_group.app.id]
  }
}
