# Where the telemetry goes. The collector sidecars send traces to X-Ray (no
# resource to create) and metrics as EMF to one log group that CloudWatch turns
# into metrics. The group is created here, with a retention, so that the tasks'
# role needs no logs:CreateLogGroup on anything else and `make destroy` removes it.

locals {
  collector_config_file = local.otlp ? "config.otlp.yaml" : "config.yaml"

  # Must equal `log_group_name` of the awsemf exporter in collector/config.yaml
  # (tests/infra checks that they agree).
  metrics_log_group_name = "/aws/ecs/application/metrics"
}

resource "aws_cloudwatch_log_group" "metrics" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a customer-managed key adds cost and a key policy for no gain here.
  #checkov:skip=CKV_AWS_338:Metrics are extracted on arrival; the raw EMF documents are kept log_retention_days (30 by default), not a year, to keep cost down.
  name              = local.metrics_log_group_name
  retention_in_days = var.log_retention_days

  tags = local.tags
}

# The collector configuration of the chosen pipeline (collector/config.yaml, or
# config.otlp.yaml with telemetry_pipeline = "otlp"), delivered to both sidecars
# through the task definitions' `secrets` as AOT_CONFIG_CONTENT (the execution
# role reads it).
# Re-encoding drops the file's comments, so it fits the 4 KB Standard tier;
# Intelligent-Tiering moves it to Advanced only if it ever grows past that.
resource "aws_ssm_parameter" "collector_config" {
  #checkov:skip=CKV_AWS_337:The collector config holds no secret; SecureString with the AWS-managed key keeps it out of the task definition at no cost.
  name        = "/${local.name}/aws-otel-collector/config"
  description = "ADOT collector configuration (collector/${local.collector_config_file})"
  type        = "SecureString"
  tier        = "Intelligent-Tiering"
  value       = yamlencode(yamldecode(file("${path.module}/../collector/${local.collector_config_file}")))

  tags = local.tags
}

# Tail sampling's overlays (trace_sampling = "tail", gateway.tf), layered over the
# parameter above: the sidecars' (collector/config.tail.yaml) and the gateway's
# (collector/config.gateway.yaml). Both tasks read them through their secrets.
resource "aws_ssm_parameter" "collector_overlay" {
  #checkov:skip=CKV_AWS_337:The collector config holds no secret; SecureString with the AWS-managed key keeps it out of the task definition at no cost.
  for_each = local.tail ? { sidecar = "config.tail.yaml", gateway = "config.gateway.yaml" } : {}

  name        = "/${local.name}/aws-otel-collector/${each.key}-overlay"
  description = "ADOT collector overlay of the ${each.key}s for tail sampling (collector/${each.value})"
  type        = "SecureString"
  tier        = "Intelligent-Tiering"
  value       = yamlencode(yamldecode(file("${path.module}/../collector/${each.value}")))

  tags = local.tags
}
