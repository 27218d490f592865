output "media_bucket_name" {
  description = "AWS_STORAGE_BUCKET_NAME."
  value       = module.vod.media_bucket_name
}

output "sources_bucket_name" {
  description = "AWS_SOURCES_BUCKET_NAME."
  value       = module.vod.sources_bucket_name
}

output "cdn_domain_name" {
  description = "Point media_domain_name at this CloudFront domain."
  value       = module.vod.cdn_domain_name
}

output "cloudfront_key_pair_id" {
  description = "CLOUDFRONT_KEY_PAIR_ID."
  value       = module.vod.cloudfront_key_pair_id
}

output "database_endpoint" {
  description = "The primary database (in DATABASE_URL)."
  value       = module.vod.database_endpoint
}

output "database_replica_endpoints" {
  description = "The read replicas (in DATABASE_REPLICA_URLS)."
  value       = module.vod.database_replica_endpoints
}

output "redis_endpoint" {
  description = "Redis (in REDIS_URL and CELERY_BROKER_URL)."
  value       = module.vod.redis_endpoint
}

output "load_balancer_dns_name" {
  description = "Point domain_name at this load balancer."
  value       = module.vod.load_balancer_dns_name
}

output "release_task_definition_arn" {
  description = "Run once per release: migrations."
  value       = module.vod.release_task_definition_arn
}

output "task_network" {
  description = "Network settings for running the release task."
  value       = module.vod.task_network
}

output "ecs_cluster_name" {
  description = "The ECS cluster."
  value       = module.vod.ecs_cluster_name
}
