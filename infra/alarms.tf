# Alarms into one SNS topic (subscribe an e-mail address with var.alarm_email).
# Every threshold says why it is where it is, and every alarm chooses what
# missing data means: the EMF metrics exist only while requests arrive, so their
# silence is no failure; AWS's own metrics are published every minute, so
# silence there means that what they watch is gone.

# CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key
# (its key policy does not admit cloudwatch.amazonaws.com): a customer-managed
# key whose policy does.
resource "aws_kms_key" "alarms" {
  description         = "Encrypts the ${local.name} alarm topic"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.alarms_key.json

  tags = local.tags
}

data "aws_iam_policy_document" "alarms_key" {
  #checkov:skip=CKV_AWS_111:A KMS key policy: resource "*" means this key only, and its writes are limited to the account root and CloudWatch.
  #checkov:skip=CKV_AWS_356:A KMS key policy: resource "*" is the only form it allows and means this key only.
  #checkov:skip=CKV_AWS_109:A KMS key policy: the account root keeps kms:* (AWS's default key policy), or nobody could ever manage or delete the key.
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchPublishesEncrypted"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"] # in a key policy, "*" means this key
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn

  tags = local.tags
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "OurAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
}

# 5 % of requests failing for 3 minutes: well above the noise of a client
# aborting now and then, low enough to page before most users notice. No
# requests means no errors (notBreaching); the target-health alarm covers an ALB
# that receives nothing because nothing is healthy.
resource "aws_cloudwatch_metric_alarm" "alb_5xx_rate" {
  alarm_name          = "${local.name}-alb-5xx-rate"
  alarm_description   = "More than 5 % of the load balancer's responses were 5xx for 3 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(target, 0) + FILL(elb, 0)) / requests"
    label       = "5xx responses (%)"
    return_data = true
  }
  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = { LoadBalancer = module.alb.arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }
  metric_query {
    id = "target"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = module.alb.arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }
  metric_query {
    id = "elb"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = module.alb.arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }

  tags = local.tags
}

# The backend answers in milliseconds (docs/ load test); a p99 above
# var.backend_p99_alarm_seconds for 5 minutes is a real slowdown (database at its
# ACU limit, pool exhausted), not one slow request. No requests, no latency:
# notBreaching (the running-tasks alarm covers a backend that is gone).
resource "aws_cloudwatch_metric_alarm" "backend_p99_latency" {
  alarm_name          = "${local.name}-fastapi-p99-latency"
  alarm_description   = "fastapi-app's p99 request duration exceeded ${var.backend_p99_alarm_seconds} s for 5 minutes"
  namespace           = local.emf_namespace
  metric_name         = "http.server.request.duration"
  dimensions          = { "service.name" = "fastapi-app" }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.backend_p99_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# Any unhealthy target for 2 minutes: the health check already needs 3 failures
# 15 s apart, so this is a task that stays sick. The ALB publishes the count
# every minute while the target group is in use: silence is breaching.
resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  alarm_name          = "${local.name}-unhealthy-targets"
  alarm_description   = "nextjs-app has had an unhealthy load balancer target for 2 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = module.alb.arn_suffix, TargetGroup = module.alb.target_groups["nextjs-app"].arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# Fewer tasks running than desired for 5 minutes: a start takes 1-2 minutes
# (image pull, collector health, app start), so a deployment or a scale-out does
# not page; a crash loop or a lack of Fargate capacity does. Container Insights
# reports every minute: silence is breaching.
resource "aws_cloudwatch_metric_alarm" "tasks_below_desired" {
  for_each = toset(["fastapi-app", "nextjs-app"])

  alarm_name          = "${local.name}-${each.key}-tasks-below-desired"
  alarm_description   = "${each.key} has run fewer tasks than desired for 5 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "missing"
    expression  = "desired - running"
    label       = "tasks missing"
    return_data = true
  }
  metric_query {
    id = "desired"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = { ClusterName = module.ecs_cluster.name, ServiceName = each.key }
      stat        = "Minimum"
      period      = 60
    }
  }
  metric_query {
    id = "running"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = module.ecs_cluster.name, ServiceName = each.key }
      stat        = "Minimum"
      period      = 60
    }
  }

  tags = local.tags
}

# At its maximum ACU for 15 minutes, Aurora cannot absorb more load: raise
# db_max_capacity or find the query. Short peaks are what serverless is for, so
# not less than 15 minutes. RDS publishes capacity every minute: silence means no
# cluster, which the backend alarms report; here it is notBreaching.
resource "aws_cloudwatch_metric_alarm" "aurora_at_max_acu" {
  alarm_name          = "${local.name}-aurora-at-max-acu"
  alarm_description   = "Aurora ran at its maximum of ${var.db_max_capacity} ACU for 15 minutes"
  namespace           = "AWS/RDS"
  metric_name         = "ServerlessDatabaseCapacity"
  dimensions          = { DBClusterIdentifier = aws_rds_cluster.this.cluster_identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.db_max_capacity
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# Server Actions that ended in the "error" outcome (the backend refused or
# failed), any action: more than 5 in 5 minutes is a pattern, not one user's
# bad luck. The counter reports only when actions run: silence is notBreaching.
# A Metrics Insights query, so that a new action is covered without an edit.
resource "aws_cloudwatch_metric_alarm" "server_action_errors" {
  alarm_name          = "${local.name}-server-action-errors"
  alarm_description   = "More than 5 nextjs-app Server Actions ended in the error outcome within 5 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "errors"
    expression  = "SELECT SUM(\"app.server_action.invocations\") FROM SCHEMA(\"${local.emf_namespace}\", \"app.action\", \"app.outcome\", \"service.name\") WHERE \"app.outcome\" = 'error' AND \"service.name\" = 'nextjs-app'"
    period      = 300
    label       = "Server Action errors"
    return_data = true
  }

  tags = local.tags
}
