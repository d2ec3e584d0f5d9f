# The OTLP pipeline (telemetry_pipeline = "otlp", collector/config.otlp.yaml):
# the sidecars send traces to the X-Ray OTLP endpoint, metrics to the CloudWatch
# OTLP endpoint and the apps' logs to the CloudWatch Logs OTLP endpoint. Nothing
# here exists on the default "xray-exporter" pipeline.
#
# The X-Ray OTLP endpoint takes spans only with Transaction Search on: X-Ray then
# writes every span to the aws/spans log group (searchable, billed as log
# ingestion) and indexes xray_indexing_percentage of them as X-Ray traces.

locals {
  otlp = var.telemetry_pipeline == "otlp"

  # The apps' OTLP log records: one group per service, one stream the sidecars of
  # all its tasks share (the endpoint writes only into an existing group and stream).
  otlp_log_groups = local.otlp ? toset(keys(aws_iam_role.task)) : toset([])
  otlp_log_stream = "otlp"

  # Where the sidecar keeps its sending queue: a task volume, since the root
  # filesystem is read-only; it outlives a restart of the sidecar container.
  collector_queue_volume = "otelcol-queue"
  collector_queue_dir    = "/var/lib/otelcol/queue"
}

data "aws_partition" "current" {}

resource "aws_cloudwatch_log_group" "otlp_logs" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a customer-managed key adds cost and a key policy for no gain here.
  #checkov:skip=CKV_AWS_338:Application logs are kept log_retention_days (30 by default), like the containers' own logs.
  for_each = local.otlp_log_groups

  name              = "/aws/ecs/${each.key}/otlp"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_cloudwatch_log_stream" "otlp_logs" {
  for_each = aws_cloudwatch_log_group.otlp_logs

  name           = local.otlp_log_stream
  log_group_name = each.value.name
}

# X-Ray writes the spans into these two groups (they are created by AWS).
data "aws_iam_policy_document" "transaction_search" {
  statement {
    sid       = "TransactionSearchXRayAccess"
    actions   = ["logs:PutLogEvents"]
    resources = [for group in ["aws/spans", "/aws/application-signals/data"] : "arn:${data.aws_partition.current.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:${group}:*"]

    principals {
      type        = "Service"
      identifiers = ["xray.amazonaws.com"]
    }

    # Only X-Ray acting for this account (confused deputy).
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:xray:${var.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "transaction_search" {
  count = local.otlp ? 1 : 0

  policy_name     = "${local.name}-transaction-search"
  policy_document = data.aws_iam_policy_document.transaction_search.json
}

# Transaction Search on: spans go to CloudWatch Logs (aws/spans).
resource "aws_xray_trace_segment_destination" "this" {
  count = local.otlp ? 1 : 0

  destination = "CloudWatchLogs"

  depends_on = [aws_cloudwatch_log_resource_policy.transaction_search]
}

# "Default" is the only indexing rule X-Ray has; this sets its sampling.
resource "aws_xray_indexing_rule" "default" {
  count = local.otlp ? 1 : 0

  name = "Default"

  rule {
    probabilistic {
      desired_sampling_percentage = var.xray_indexing_percentage
    }
  }

  depends_on = [aws_xray_trace_segment_destination.this]
}
