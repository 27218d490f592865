variable "aws_region" {
  description = "Region of the platform (buckets, database, Redis, ECS)."
  type        = string
}

variable "environment" {
  description = "Environment name, e.g. \"production\" or \"staging\"; names the stack vod-<environment>."
  type        = string
}

variable "vpc_id" {
  description = "The existing VPC to run in."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more zones) for the load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more zones) for tasks, database and Redis."
  type        = list(string)
}

variable "image" {
  description = "The platform's container image, built from the repository's Dockerfile and pushed to ECR."
  type        = string
}

variable "domain_name" {
  description = "The site's host name, e.g. \"vod.example.com\"."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name in aws_region."
  type        = string
}

variable "media_domain_name" {
  description = "The CDN's host name for media, e.g. \"media.vod.example.com\"."
  type        = string
}

variable "media_certificate_arn" {
  description = "ACM certificate for media_domain_name in us-east-1."
  type        = string
}

variable "cloudfront_public_key_file" {
  description = "Path of the PEM public key that CloudFront checks signed media URLs with."
  type        = string
}

variable "cloudfront_private_key_file" {
  description = "Path of the matching PEM private key, stored in the app's secret; empty to put it there yourself."
  type        = string
  default     = ""
}

variable "alarm_email" {
  description = "Where alarms are mailed; empty for none."
  type        = string
  default     = ""
}
