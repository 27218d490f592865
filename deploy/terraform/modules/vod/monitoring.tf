# Logs (JSON, one group per role) and the alarms an operator is paged for.

resource "aws_cloudwatch_log_group" "role" {
  for_each          = local.roles
  name              = "/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "exec" {
  name              = "/${var.name}/ecs-exec"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "redis" {
  name              = "/${var.name}/redis-slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
  tags              = local.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarms = {
    web-5xx = {
      description = "More than 50 requests a minute answered with 5xx by the web tasks, for 5 minutes."
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      extended    = null
      statistic   = "Sum"
      dimensions  = { LoadBalancer = aws_lb.web.arn_suffix }
      threshold   = 50
      operator    = "GreaterThanThreshold"
      periods     = 5
    }
    web-latency = {
      description = "Web responses take more than a second at p99."
      namespace   = "AWS/ApplicationELB"
      metric      = "TargetResponseTime"
      statistic   = null
      extended    = "p99"
      dimensions  = { LoadBalancer = aws_lb.web.arn_suffix }
      threshold   = 1
      operator    = "GreaterThanThreshold"
      periods     = 5
    }
    web-unhealthy = {
      description = "Web tasks fail /readyz (database, cache, broker or storage unreachable)."
      namespace   = "AWS/ApplicationELB"
      metric      = "UnHealthyHostCount"
      extended    = null
      statistic   = "Maximum"
      dimensions  = { LoadBalancer = aws_lb.web.arn_suffix, TargetGroup = aws_lb_target_group.web.arn_suffix }
      threshold   = 0
      operator    = "GreaterThanThreshold"
      periods     = 3
    }
    db-cpu = {
      description = "The primary database's CPU is above 80%."
      namespace   = "AWS/RDS"
      metric      = "CPUUtilization"
      extended    = null
      statistic   = "Average"
      dimensions  = { DBInstanceIdentifier = aws_db_instance.primary.identifier }
      threshold   = 80
      operator    = "GreaterThanThreshold"
      periods     = 10
    }
    db-storage = {
      description = "The primary database has less than 10 GiB free."
      namespace   = "AWS/RDS"
      metric      = "FreeStorageSpace"
      extended    = null
      statistic   = "Minimum"
      dimensions  = { DBInstanceIdentifier = aws_db_instance.primary.identifier }
      threshold   = 10 * 1024 * 1024 * 1024
      operator    = "LessThanThreshold"
      periods     = 3
    }
    db-replica-lag = {
      description = "The first read replica lags the primary by more than 30 s; reads there are stale."
      namespace   = "AWS/RDS"
      metric      = "ReplicaLag"
      extended    = null
      statistic   = "Maximum"
      dimensions  = { DBInstanceIdentifier = aws_db_instance.replica[0].identifier }
      threshold   = 30
      operator    = "GreaterThanThreshold"
      periods     = 5
    }
    redis-memory = {
      description = "Redis memory is above 80%: cache entries are being evicted, the broker may follow."
      namespace   = "AWS/ElastiCache"
      metric      = "DatabaseMemoryUsagePercentage"
      extended    = null
      statistic   = "Maximum"
      dimensions  = { ReplicationGroupId = aws_elasticache_replication_group.main.id }
      threshold   = 80
      operator    = "GreaterThanThreshold"
      periods     = 5
    }
    transcode-backlog = {
      description = "More than 50 transcodes wait: the workers are at their maximum or failing to start."
      namespace   = local.queue_metrics_namespace
      metric      = "Waiting"
      statistic   = "Maximum"
      dimensions  = { Stack = var.name, Queue = "transcode" }
      threshold   = 50
      operator    = "GreaterThanThreshold"
      periods     = 15
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "ops" {
  for_each            = local.alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended
  dimensions          = each.value.dimensions
  period              = 60
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = each.value.operator
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}

# Without queue metrics the workers cannot scale: page when they stop coming.
resource "aws_cloudwatch_metric_alarm" "queue_metrics_missing" {
  alarm_name          = "${var.name}-queue-metrics-missing"
  alarm_description   = "The beat task's queue-metrics companion has published nothing for 5 minutes; workers do not scale."
  namespace           = local.queue_metrics_namespace
  metric_name         = "Jobs"
  dimensions          = { Stack = var.name, Queue = "default" }
  statistic           = "SampleCount"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}
