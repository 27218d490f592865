# The application load balancer: HTTPS to the web tasks, health checked on
# /readyz. A leaving task is drained for 30 s (deregistration delay) before
# ECS sends it SIGTERM; gunicorn then has its 30 s graceful timeout, within the
# task's stopTimeout.

resource "aws_lb" "web" {
  # checkov:skip=CKV2_AWS_28:The WAF web ACL is attached below when var.alb_web_acl_arn is set; which rules to run is the operator's choice.
  # checkov:skip=CKV2_AWS_76:The Log4j rule set belongs in that operator-chosen web ACL; the app runs no Java.
  name                       = substr("${var.name}-web", 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = true
  idle_timeout               = 120
  tags                       = local.tags

  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb"
    enabled = true
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_wafv2_web_acl_association" "web" {
  count        = var.alb_web_acl_arn == null ? 0 : 1
  resource_arn = aws_lb.web.arn
  web_acl_arn  = var.alb_web_acl_arn
}

resource "aws_lb_target_group" "web" {
  name_prefix          = "web-"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  tags                 = local.tags

  health_check {
    path                = "/readyz"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  tags              = local.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  tags              = local.tags

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# Metrics are for the scraper inside the VPC, never for the internet.
resource "aws_lb_listener_rule" "no_public_metrics" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10
  tags         = local.tags

  condition {
    path_pattern {
      values = ["/metrics", "/metrics/*"]
    }
  }

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Not found"
      status_code  = "404"
    }
  }
}
