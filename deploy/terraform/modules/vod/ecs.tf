# ECS on Fargate: one image, one task definition per role of the Procfile.

locals {
  # The Procfile's commands, with its ${VAR:-default}s filled in from the
  # variables (tests/deploy/test_roles.py keeps them equal).
  role_commands = {
    web       = ["gunicorn", "vod.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "${var.web_concurrency}", "--graceful-timeout", "30", "--access-logfile", "-"]
    transcode = ["celery", "-A", "vod", "worker", "--queues", "transcode", "--concurrency", "1", "--prefetch-multiplier", "1", "--hostname", "transcode@%h", "--loglevel", "INFO"]
    default   = ["celery", "-A", "vod", "worker", "--queues", "default", "--concurrency", "${var.default_concurrency}", "--hostname", "default@%h", "--loglevel", "INFO"]
    beat      = ["celery", "-A", "vod", "beat", "--loglevel", "INFO"]
    release   = ["python", "manage.py", "migrate", "--noinput"]
  }

  roles = {
    web = {
      cpu          = var.web_cpu
      memory       = var.web_memory
      disk_gib     = 21
      stop_timeout = 45
      environment  = { WEB_CONCURRENCY = tostring(var.web_concurrency), PORT = "8000", PROMETHEUS_MULTIPROC_DIR = "/app/var/prometheus" }
      state_path   = "/app/var/prometheus"
    }
    # SIGTERM lets a running encode finish for up to 120 s (Fargate's most);
    # one stopped anyway is redelivered and retried by the beat reaper.
    transcode = {
      cpu          = var.transcode_cpu
      memory       = var.transcode_memory
      disk_gib     = var.transcode_ephemeral_storage_gib
      stop_timeout = 120
      environment  = {}
      state_path   = null
    }
    default = {
      cpu          = var.default_cpu
      memory       = var.default_memory
      disk_gib     = 21
      stop_timeout = 90
      environment  = { DEFAULT_WORKER_CONCURRENCY = tostring(var.default_concurrency) }
      state_path   = null
    }
    beat = {
      cpu          = 256
      memory       = 512
      disk_gib     = 21
      stop_timeout = 30
      environment  = {}
      state_path   = "/app/var/celery"
    }
    release = {
      cpu          = 512
      memory       = 1024
      disk_gib     = 21
      stop_timeout = 30
      environment  = {}
      state_path   = null
    }
  }

  container_secrets = [
    for key in local.app_secret_keys : {
      name      = key
      valueFrom = "${aws_secretsmanager_secret.app.arn}:${key}::"
    }
  ]

  containers = {
    for role, spec in local.roles : role => concat(
      [{
        name                   = role
        image                  = var.image
        essential              = true
        command                = local.role_commands[role]
        readonlyRootFilesystem = true
        privileged             = false
        user                   = "10001:10001"
        stopTimeout            = spec.stop_timeout
        environment = [
          for key, value in merge(local.app_environment, spec.environment) : { name = key, value = value }
        ]
        secrets      = local.container_secrets
        portMappings = role == "web" ? [{ containerPort = 8000, protocol = "tcp" }] : []
        mountPoints = concat(
          [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }],
          spec.state_path == null ? [] : [{ sourceVolume = "state", containerPath = spec.state_path, readOnly = false }],
        )
        # Host: localhost, which DJANGO_ALLOWED_HOSTS lists.
        healthCheck = role == "web" ? {
          command     = ["CMD", "python", "-c", "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}), timeout=4)"]
          interval    = 30
          timeout     = 5
          retries     = 3
          startPeriod = 30
        } : null
        logConfiguration = {
          logDriver = "awslogs"
          options = {
            awslogs-group         = aws_cloudwatch_log_group.role[role].name
            awslogs-region        = local.region
            awslogs-stream-prefix = role
          }
        }
      }],
      # Beat's companion publishes the queues' depth for the workers' scaling.
      role != "beat" ? [] : [{
        name                   = "queue-metrics"
        image                  = var.image
        essential              = false
        command                = ["python", "-c", file("${path.module}/queue_metrics.py")]
        readonlyRootFilesystem = true
        privileged             = false
        user                   = "10001:10001"
        environment = [
          { name = "QUEUE_METRICS_STACK", value = var.name },
          { name = "QUEUE_METRICS_NAMESPACE", value = local.queue_metrics_namespace },
        ]
        secrets = [for secret in local.container_secrets : secret if secret.name == "CELERY_BROKER_URL"]
        logConfiguration = {
          logDriver = "awslogs"
          options = {
            awslogs-group         = aws_cloudwatch_log_group.role[role].name
            awslogs-region        = local.region
            awslogs-stream-prefix = "queue-metrics"
          }
        }
      }],
    )
  }

  queue_metrics_namespace = "VOD/Celery"
}

resource "aws_ecs_cluster" "main" {
  name = var.name
  tags = local.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = aws_kms_key.main.arn
      logging    = "OVERRIDE"
      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
      }
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# --- Roles: ECS pulls the image and reads the secret; the tasks use S3 --------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "read-app-secret"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app.arn]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
}

resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "app"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid     = "MediaAndSources"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [
      "${aws_s3_bucket.media.arn}/*",
      "${aws_s3_bucket.sources.arn}/*",
    ]
  }

  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.media.arn, aws_s3_bucket.sources.arn]
  }

  statement {
    sid       = "EncryptedObjects"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }

  # PutMetricData has no resource-level permissions; the namespace condition
  # limits it to the queue metrics.
  statement {
    sid       = "QueueMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [local.queue_metrics_namespace]
    }
  }

  # ECS Exec (aws ecs execute-command) into a task for debugging.
  statement {
    sid = "ExecCommand"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

# --- Task definitions -------------------------------------------------------------

resource "aws_ecs_task_definition" "role" {
  for_each                 = local.roles
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.containers[each.key])
  tags                     = local.tags

  ephemeral_storage {
    size_in_gib = each.value.disk_gib
  }

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Fargate task storage, writable under the read-only root filesystem.
  volume {
    name = "tmp"
  }

  volume {
    name = "state"
  }
}

# --- Services -----------------------------------------------------------------------

resource "aws_ecs_service" "web" {
  name                               = "web"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.role["web"].arn
  desired_count                      = var.web_min_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60
  enable_execute_command             = true
  propagate_tags                     = "SERVICE"
  tags                               = local.tags

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 8000
  }

  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener.https]
}

resource "aws_ecs_service" "worker" {
  for_each                           = { transcode = 0, default = var.default_min_count }
  name                               = each.key
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.role[each.key].arn
  desired_count                      = each.value
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = true
  propagate_tags                     = "SERVICE"
  tags                               = local.tags

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}

# Exactly one beat: the old task stops before the new one starts.
resource "aws_ecs_service" "beat" {
  name                               = "beat"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.role["beat"].arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  enable_execute_command             = true
  propagate_tags                     = "SERVICE"
  tags                               = local.tags

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
}

# --- Autoscaling ----------------------------------------------------------------------

resource "aws_appautoscaling_target" "web" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.web.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.web_min_count
  max_capacity       = var.web_max_count
}

resource "aws_appautoscaling_policy" "web_cpu" {
  name               = "${var.name}-web-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.web.service_namespace
  resource_id        = aws_appautoscaling_target.web.resource_id
  scalable_dimension = aws_appautoscaling_target.web.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.web_cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "web_requests" {
  name               = "${var.name}-web-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.web.service_namespace
  resource_id        = aws_appautoscaling_target.web.resource_id
  scalable_dimension = aws_appautoscaling_target.web.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.web_requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.web.arn_suffix}/${aws_lb_target_group.web.arn_suffix}"
    }
  }
}

# Workers scale on their queue (metrics from queue_metrics.py): out while jobs
# wait, in only when none waits or runs, so a scale-in never stops an encode.
locals {
  worker_scaling = {
    transcode = { min = 0, max = var.transcode_max_count, backlog = 1, step_small = 1, step_large = 3 }
    default   = { min = var.default_min_count, max = var.default_max_count, backlog = 20, step_small = 1, step_large = 2 }
  }
}

resource "aws_appautoscaling_target" "worker" {
  for_each           = local.worker_scaling
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min
  max_capacity       = each.value.max
}

resource "aws_appautoscaling_policy" "worker_out" {
  for_each           = local.worker_scaling
  name               = "${var.name}-${each.key}-backlog"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.worker[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.worker[each.key].scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 10
      scaling_adjustment          = each.value.step_small
    }
    step_adjustment {
      metric_interval_lower_bound = 10
      scaling_adjustment          = each.value.step_large
    }
  }
}

resource "aws_appautoscaling_policy" "worker_in" {
  for_each           = local.worker_scaling
  name               = "${var.name}-${each.key}-idle"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.worker[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.worker[each.key].scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    cooldown                = 300
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = each.value.min
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_backlog" {
  for_each            = local.worker_scaling
  alarm_name          = "${var.name}-${each.key}-backlog"
  alarm_description   = "Jobs wait on the ${each.key} queue: add workers."
  namespace           = local.queue_metrics_namespace
  metric_name         = "Waiting"
  dimensions          = { Stack = var.name, Queue = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.backlog
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_out[each.key].arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "worker_idle" {
  for_each            = local.worker_scaling
  alarm_name          = "${var.name}-${each.key}-idle"
  alarm_description   = "No job waits or runs on the ${each.key} queue for 10 minutes: back to the minimum."
  namespace           = local.queue_metrics_namespace
  metric_name         = "Jobs"
  dimensions          = { Stack = var.name, Queue = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_in[each.key].arn]
  tags                = local.tags
}
