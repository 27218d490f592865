# An example root: the platform in an existing VPC. Copy this folder, fill in
# terraform.tfvars (from terraform.tfvars.example) and configure a state
# backend; see README, "Deployment".

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6.0, < 4.0.0"
    }
  }

  # backend "s3" {
  #   bucket = "my-terraform-state"
  #   key    = "vod/production.tfstate"
  #   region = "eu-west-1"
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = { Environment = var.environment }
  }
}

module "vod" {
  source = "../../modules/vod"

  name                       = "vod-${var.environment}"
  vpc_id                     = var.vpc_id
  public_subnet_ids          = var.public_subnet_ids
  private_subnet_ids         = var.private_subnet_ids
  image                      = var.image
  domain_name                = var.domain_name
  certificate_arn            = var.certificate_arn
  media_domain_name          = var.media_domain_name
  media_certificate_arn      = var.media_certificate_arn
  cloudfront_public_key_pem  = file(var.cloudfront_public_key_file)
  cloudfront_private_key_pem = var.cloudfront_private_key_file == "" ? "" : file(var.cloudfront_private_key_file)
  alarm_email                = var.alarm_email
}
