# Least privilege, by ARN wherever the API allows it. The exceptions, all
# because the API has no resource-level permissions:
#   ecr:GetAuthorizationToken (the registry login),
#   xray:PutTraceSegments / xray:PutTelemetryRecords, and on the OTLP pipeline
#   xray:PutSpans / xray:PutSpansForIndexing (X-Ray has no resource ARNs), and
#   cloudwatch:PutMetricData (CloudWatch metrics have no resource ARNs).
# Each task role gets only the telemetry grants of the chosen pipeline, and the
# right to write traces goes to whoever sends them: the app sidecars with head
# sampling, the gateway's task alone with tail sampling.

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS acting for this account may assume the roles (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# --- execution role: used by ECS to start the tasks ----------------------------

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  description        = "ECS starts the ${local.name} tasks: image pull, logs, collector config"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = local.tags
}

locals {
  # The service module creates one log group per container (/aws/ecs/<service>/<container>).
  container_log_group_arns = flatten([
    for service in [module.fastapi_service, module.nextjs_service, module.gateway_service] : [
      for container in values(service.container_definitions) : container.cloudwatch_log_group_arn
    ]
  ])
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # no resource-level permissions for this action
  }

  statement {
    sid = "PullAppImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [for repository in aws_ecr_repository.this : repository.arn]
  }

  statement {
    sid       = "WriteContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = flatten([for arn in local.container_log_group_arns : [arn, "${arn}:*"]])
  }

  statement {
    sid       = "ReadCollectorConfig"
    actions   = ["ssm:GetParameters"]
    resources = concat([aws_ssm_parameter.collector_config.arn], [for overlay in aws_ssm_parameter.collector_overlay : overlay.arn])
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-tasks"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- task roles: used by the containers while they run --------------------------

resource "aws_iam_role" "task" {
  for_each = toset(["nextjs-app", "fastapi-app"])

  name               = "${local.name}-${each.key}-task"
  description        = "Containers of the ${each.key} task: telemetry export${each.key == "fastapi-app" ? ", database secret" : ""}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = local.tags
}

resource "aws_iam_role" "gateway" {
  count = local.tail ? 1 : 0

  name               = "${local.name}-otel-gateway-task"
  description        = "Containers of the otel-gateway task: the sampled traces to X-Ray"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = local.tags
}

# Both sidecars on the "xray-exporter" pipeline: EMF metrics into the one metrics
# log group (traces: write_traces below).
data "aws_iam_policy_document" "telemetry" {
  statement {
    sid = "WriteMetricsLogGroup"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      aws_cloudwatch_log_group.metrics.arn,
      "${aws_cloudwatch_log_group.metrics.arn}:*", # its log streams
    ]
  }
}

# Each sidecar on the "otlp" pipeline: metrics to the CloudWatch OTLP endpoint,
# the app's log records into its own group (spans: write_spans below).
data "aws_iam_policy_document" "telemetry_otlp" {
  for_each = aws_cloudwatch_log_group.otlp_logs

  statement {
    # No cloudwatch:namespace condition: OTLP metrics are stored without a
    # namespace (they are queried with PromQL by their OTel names), so a
    # namespace condition could only deny them.
    sid       = "WriteMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # CloudWatch metrics have no resource-level permissions
  }

  statement {
    sid       = "WriteAppLogs"
    actions   = ["logs:PutLogEvents"]
    resources = [each.value.arn, aws_cloudwatch_log_stream.otlp_logs[each.key].arn]
  }
}

resource "aws_iam_role_policy" "telemetry" {
  for_each = aws_iam_role.task

  name   = "export-telemetry"
  role   = each.value.id
  policy = local.otlp ? data.aws_iam_policy_document.telemetry_otlp[each.key].json : data.aws_iam_policy_document.telemetry.json
}

# Traces to X-Ray on the "xray-exporter" pipeline.
data "aws_iam_policy_document" "write_traces" {
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
}

# Spans to the X-Ray OTLP endpoint on the "otlp" pipeline.
data "aws_iam_policy_document" "write_spans" {
  statement {
    # PutSpans takes the spans; PutSpansForIndexing lets X-Ray index the share
    # the indexing rule samples (AWSXrayWriteOnlyPolicy, which AWS's OTLP setup
    # guide attaches, grants both).
    sid       = "WriteSpans"
    actions   = ["xray:PutSpans", "xray:PutSpansForIndexing"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
}

locals {
  # The roles of whatever exports traces: both app tasks' sidecars, or the gateway.
  trace_writers = local.tail ? { for role in aws_iam_role.gateway : "otel-gateway" => role } : aws_iam_role.task
}

resource "aws_iam_role_policy" "write_traces" {
  for_each = local.trace_writers

  name   = "write-traces"
  role   = each.value.id
  policy = local.otlp ? data.aws_iam_policy_document.write_spans.json : data.aws_iam_policy_document.write_traces.json
}

# Both apps' remote samplers, through the sidecar's proxy: read the sampling
# rules (sampling.tf) and report how many requests each rule saw.
data "aws_iam_policy_document" "sampling" {
  statement {
    sid       = "ReadSamplingRules"
    actions   = ["xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"] # these X-Ray actions have no resource-level permissions
  }
}

resource "aws_iam_role_policy" "sampling" {
  # Only the head samplers read the rules.
  for_each = local.tail ? {} : aws_iam_role.task

  name   = "read-sampling-rules"
  role   = each.value.id
  policy = data.aws_iam_policy_document.sampling.json
}

# The FastAPI app alone reads the database credentials.
data "aws_iam_policy_document" "database_secret" {
  statement {
    sid       = "ReadDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_rds_cluster.this.master_user_secret[0].secret_arn]
  }
}

resource "aws_iam_role_policy" "database_secret" {
  name   = "read-database-secret"
  role   = aws_iam_role.task["fastapi-app"].id
  policy = data.aws_iam_policy_document.database_secret.json
}
