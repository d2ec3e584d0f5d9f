# The alerting side: two SNS topics, pages (someone acts now) and tickets (someone
# looks this week), and the threshold alarms that detect causes. What users see is
# alerted on by the SLOs' burn rates (slo.tf), which notify through these topics.
# Every alarm chooses what missing data means: AWS's own metrics are published
# every minute, so silence there means that what they watch is gone.
#
# The threshold alarms on symptoms are gone, made redundant by the SLOs: the ALB's
# 5xx rate and the Server Action errors (both bad events of the availability SLO),
# fastapi-app's p99 (users feel the latency SLO's edge measure, of which the
# backend is a part) and unhealthy targets (users see them as ELB 5xx; ECS replaces
# an unhealthy task, and a task that keeps failing shows below).

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

resource "aws_sns_topic" "tickets" {
  name              = "${local.name}-tickets"
  kms_master_key_id = aws_kms_key.alarms.arn

  tags = local.tags
}

locals {
  # Each alert's severity (slo.yaml) chooses its topic.
  severity_topics = { page = aws_sns_topic.alarms.arn, ticket = aws_sns_topic.tickets.arn }
  alarm_actions   = [local.severity_topics.page]
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.topic["page"].json
}

resource "aws_sns_topic_policy" "tickets" {
  arn    = aws_sns_topic.tickets.arn
  policy = data.aws_iam_policy_document.topic["ticket"].json
}

data "aws_iam_policy_document" "topic" {
  for_each = local.severity_topics

  statement {
    sid       = "OurAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [each.value]
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

resource "aws_sns_topic_subscription" "ticket_email" {
  count = var.ticket_email == null ? 0 : 1

  topic_arn = aws_sns_topic.tickets.arn
  protocol  = "email"
  endpoint  = var.ticket_email
}

# Fewer tasks running than desired for 5 minutes: a start takes 1-2 minutes
# (image pull, collector health, app start), so a deployment or a scale-out does
# not page; a crash loop or a lack of Fargate capacity does. Container Insights
# reports every minute: silence is breaching.
resource "aws_cloudwatch_metric_alarm" "tasks_below_desired" {
  for_each = toset(["fastapi-app", "nextjs-app"])

  alarm_name          = "${local.name}-${each.key}-tasks-below-desired"
  alarm_description   = "${each.key} has run fewer tasks than desired for 5 minutes. Runbook: docs/operate.md, \"tasks-below-desired\"."
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
# cluster, which the SLOs report; here it is notBreaching.
resource "aws_cloudwatch_metric_alarm" "aurora_at_max_acu" {
  alarm_name          = "${local.name}-aurora-at-max-acu"
  alarm_description   = "Aurora ran at its maximum of ${var.db_max_capacity} ACU for 15 minutes. Runbook: docs/operate.md, \"aurora-at-max-acu\"."
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
