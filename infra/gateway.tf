# Tail sampling (trace_sampling = "tail"): the otel-gateway service. Nothing here
# exists with the default "head".
#
# The apps record every trace. Each sidecar (collector/config.tail.yaml over the
# pipeline's base config) sends its spans through the loadbalancing exporter,
# which finds the gateway tasks by Cloud Map's DNS name and routes every span of
# a trace, from whichever task, to the same gateway task. The gateway (ADOT with
# collector/config.gateway.yaml over the same base) holds each trace for
# tail_sampling_decision_wait_seconds, keeps it whole or drops it whole, and
# exports it with the pipeline's exporters. Metrics and logs stay on the
# sidecars' own path.
#
# Scaling the gateway in or out moves about 1/N of the trace ids to another task
# for a few seconds (DNS TTL and the resolver's 5 s interval): a trace in flight
# then may be decided in two halves. docs/sampling.md says what that costs.

locals {
  tail         = var.trace_sampling == "tail"
  gateway_name = "otel-gateway"
  gateway_port = 4317

  # The sidecars' resolver, as the YAML map config.tail.yaml takes from the
  # environment (JSON is YAML; the dns port must be a string).
  gateway_resolver = jsonencode({
    dns = {
      hostname = "${local.gateway_name}.${aws_service_discovery_private_dns_namespace.this.name}"
      port     = tostring(local.gateway_port)
    }
  })

  # The policies' settings (config.gateway.yaml reads them; its defaults are these
  # variables' defaults, tests/infra checks it).
  gateway_policy_environment = [
    { name = "OTELCOL_TAIL_DECISION_WAIT", value = "${var.tail_sampling_decision_wait_seconds}s" },
    { name = "OTELCOL_TAIL_SLOW_FASTAPI_APP_MS", value = tostring(var.tail_sampling_slow_ms["fastapi-app"]) },
    { name = "OTELCOL_TAIL_SLOW_NEXTJS_APP_MS", value = tostring(var.tail_sampling_slow_ms["nextjs-app"]) },
    { name = "OTELCOL_TAIL_SHARE_PERCENT", value = tostring(var.tail_sampling_share_percent) },
    { name = "OTELCOL_TAIL_SHARE_SPANS_PER_SECOND", value = tostring(var.tail_sampling_share_spans_per_second) },
  ]

  # The mark of a probe's trace (make verify): the gateway's "marked"
  # policy keeps such a trace, and FAULT_RATE spares its requests (ecs.tf). Read
  # from that policy, its one home.
  probe_trace_tag = one([
    for policy in yamldecode(file("${path.module}/../collector/config.gateway.yaml")).processors.tail_sampling.policies :
    regex("== \"([0-9a-f]{8})\"", policy.ottl_condition.span[0])[0] if policy.name == "marked"
  ])

  # The gateway's configs: the pipeline's base, then its overlay.
  gateway_config_files = [local.collector_config_file, "config.gateway.yaml"]

  # The sidecar's container, with the gateway's overlay, its own memory and port.
  gateway_container = merge(local.collector_container, {
    secrets = try(local.layered_config_secrets["gateway"], [])
    environment = concat(
      [
        { name = "AWS_REGION", value = var.region },
        # Other tasks reach it: the task's interface, inside the security group below.
        { name = "OTELCOL_OTLP_GRPC_ENDPOINT", value = "0.0.0.0:${local.gateway_port}" },
        # A secret is read only when a task starts: a config change must change the
        # task definition, so that ECS replaces the tasks.
        { name = "OTELCOL_CONFIG_SHA256", value = sha256(join("", [for file in local.gateway_config_files : filesha256("${path.module}/../collector/${file}")])) },
        # config.otlp.yaml's logs exporter requires them; nothing sends the gateway
        # logs, so they name nothing that exists.
        { name = "OTELCOL_LOG_GROUP", value = "none" },
        { name = "OTELCOL_LOG_STREAM", value = "none" },
        { name = "OTELCOL_QUEUE_DIR", value = local.collector_queue_dir },
      ],
      local.gateway_policy_environment,
    )
    portMappings = [
      { name = "otlp-grpc", containerPort = local.gateway_port, protocol = "tcp" },
    ]
    memory            = var.gateway_memory
    memoryReservation = var.gateway_memory
  })

  # The sidecars of both services may reach the gateway's OTLP/gRPC port (network.tf
  # makes an ingress and an egress rule of each).
  gateway_security_group_rules = {
    for name, source in { nextjs = module.nextjs_service, fastapi = module.fastapi_service } :
    "${name}_to_gateway" => {
      description = "${source.name} sidecar to the tail-sampling gateway (OTLP/gRPC)"
      source      = source.security_group_id
      target      = module.gateway_service.security_group_id
      port        = local.gateway_port
    } if local.tail
  }

  # A tail sampler's memory grows with its spans a second: scale on memory as on CPU.
  gateway_memory_policy = {
    memory = {
      policy_type = "TargetTrackingScaling"
      target_tracking_scaling_policy_configuration = {
        predefined_metric_specification = { predefined_metric_type = "ECSServiceAverageMemoryUtilization" }
        target_value                    = 60
        scale_in_cooldown               = 300
        scale_out_cooldown              = 60
      }
    }
  }
}

resource "aws_service_discovery_service" "gateway" {
  count = local.tail ? 1 : 0

  name = local.gateway_name

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    # One A record per task: the loadbalancing exporter hashes over all of them.
    # A short TTL: a replaced task leaves the ring within seconds.
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  tags = local.tags
}

module "gateway_service" {
  #checkov:skip=CKV_TF_1:A registry module pinned with "~>" to the release whose inputs tests/infra checks; a commit hash needs a git source and loses registry versioning.
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 7.5"

  create = local.tail

  name        = local.gateway_name
  cluster_arn = module.ecs_cluster.arn

  cpu                      = var.gateway_cpu
  memory                   = var.gateway_memory
  desired_count            = var.gateway_min_tasks
  autoscaling_min_capacity = var.gateway_min_tasks
  autoscaling_max_capacity = var.gateway_max_tasks
  autoscaling_policies     = merge(local.cpu_policy, local.gateway_memory_policy)

  subnet_ids                  = module.vpc.private_subnets
  security_group_egress_rules = local.aws_api_egress

  service_registries = local.tail ? { registry_arn = aws_service_discovery_service.gateway[0].arn } : null

  create_task_exec_iam_role = false
  task_exec_iam_role_arn    = aws_iam_role.execution.arn
  create_tasks_iam_role     = false
  tasks_iam_role_arn        = local.tail ? aws_iam_role.gateway[0].arn : null

  deployment_circuit_breaker = { enable = true, rollback = true }
  wait_for_steady_state      = true

  volume = local.collector_volumes

  container_definitions = {
    (local.gateway_name) = local.gateway_container
  }

  tags = local.tags
}

# No gateway task running: the sidecars queue the spans, then drop them, so every
# trace is lost. Container Insights reports every minute: silence is breaching.
resource "aws_cloudwatch_metric_alarm" "gateway_running" {
  count = local.tail ? 1 : 0

  alarm_name          = "${local.name}-otel-gateway-down"
  alarm_description   = "No otel-gateway task has run for 2 minutes: no trace reaches X-Ray. Runbook: docs/operate.md, \"otel-gateway-down\"."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = module.ecs_cluster.name, ServiceName = local.gateway_name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# The gateway's memory_limiter refuses spans at 80 % of the container's memory
# (the sidecars then retry, and drop when their queues fill). 70 % for 5 minutes
# means autoscaling (60 %) could not keep up: raise gateway_max_tasks or
# gateway_memory, or shorten tail_sampling_decision_wait_seconds.
resource "aws_cloudwatch_metric_alarm" "gateway_memory" {
  count = local.tail ? 1 : 0

  alarm_name          = "${local.name}-otel-gateway-memory"
  alarm_description   = "otel-gateway's memory stayed above 70 % for 5 minutes; at 80 % it refuses spans. Runbook: docs/operate.md, \"otel-gateway-memory\"."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = { ClusterName = module.ecs_cluster.name, ServiceName = local.gateway_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 70
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

locals {
  # Added to the dashboard after its own widgets (dashboard.tf), with "tail" only.
  gateway_dashboard_widgets = [
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "otel-gateway CPU and memory (% of the task's reservation)", region = var.region, view = "timeSeries", stat = "Maximum", period = 60
        metrics = [
          ["AWS/ECS", "CPUUtilization", "ClusterName", local.cluster_name, "ServiceName", local.gateway_name],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", local.cluster_name, "ServiceName", local.gateway_name],
        ]
        annotations = { horizontal = [{ label = "memory_limiter refuses", value = 80 }] }
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "otel-gateway tasks (Container Insights)", region = var.region, view = "timeSeries", stat = "Average", period = 60
        metrics = [
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", local.cluster_name, "ServiceName", local.gateway_name],
          ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", local.cluster_name, "ServiceName", local.gateway_name],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "otel-gateway spans in and out (bytes/s)", region = var.region, view = "timeSeries", stat = "Average", period = 60
        metrics = [
          ["ECS/ContainerInsights", "NetworkRxBytes", "ClusterName", local.cluster_name, "ServiceName", local.gateway_name],
          ["ECS/ContainerInsights", "NetworkTxBytes", "ClusterName", local.cluster_name, "ServiceName", local.gateway_name],
        ]
      }
    },
  ]
}
