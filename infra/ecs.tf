# The ECS cluster and its two Fargate services. Each task runs its app beside an
# ADOT collector sidecar: the app exports OTLP to 127.0.0.1:4318, the sidecar
# sends traces to X-Ray and metrics (EMF) to CloudWatch Logs, or, with
# telemetry_pipeline = "otlp", all three signals to the CloudWatch OTLP endpoints.

locals {
  nextjs_port  = 3000
  fastapi_port = 8000

  # Next.js reaches FastAPI through Cloud Map's private DNS: fastapi.local.
  fastapi_url = "http://${aws_service_discovery_service.fastapi.name}.${aws_service_discovery_private_dns_namespace.this.name}:${local.fastapi_port}"

  collector_name = "aws-otel-collector"

  # Each task's memory, split between the app and its sidecar: hard limits that add
  # up to the task size, so neither can take the other's share and the task is
  # never OOM-killed as a whole. The collector's memory_limiter (80 % of its own
  # limit) refuses data before it reaches that limit.
  collector_memory = 256
  app_memory       = var.task_memory - local.collector_memory
  # Node.js sizes its heap from the host, not from the container's limit: under
  # load the standalone server's heap grows until V8 sees pressure, which on a
  # large host is never. Old space gets 3/4 of the container; the rest is room
  # for new space, code, buffers and native memory.
  nextjs_heap_mib = floor(local.app_memory * 3 / 4)

  # The sidecar, the same in both tasks. The ADOT image is FROM scratch (no
  # shell), so the health check calls its /healthcheck binary, which asks the
  # health_check extension on 127.0.0.1:13133.
  collector_container = {
    name      = local.collector_name
    image     = var.collector_image
    essential = true
    # The image sets no USER, so it would run as root; it needs no privilege. On
    # the OTLP pipeline it writes its queue into a task volume, which Fargate
    # creates owned by root (0755) and the scratch image cannot chown: there it
    # runs as uid 0, still with every capability dropped and a read-only root.
    user = local.otlp ? "0" : "10001"
    # Head sampling: the whole config comes from AOT_CONFIG_CONTENT (ADOT's ECS
    # convention). Tail sampling layers an overlay over it, and ADOT reads more
    # than one config only from --config flags, all of which it ignores once
    # AOT_CONFIG_CONTENT is set: then both come from variables of their own.
    # As secrets, their content stays out of the task definition.
    command = local.tail ? ["--config=env:OTELCOL_CONFIG", "--config=env:OTELCOL_OVERLAY"] : null
    secrets = local.tail ? local.layered_config_secrets["sidecar"] : local.whole_config_secrets
    environment = concat(
      [{ name = "AWS_REGION", value = var.region }],
      # Where the gateway tasks are (collector/config.tail.yaml).
      local.tail ? [{ name = "OTELCOL_GATEWAY_RESOLVER", value = local.gateway_resolver }] : [],
    )
    # The queue of the OTLP pipeline; the module's default restart policy restarts
    # a failed sidecar in place, and the volume (and so the queue) outlives it.
    mountPoints = local.otlp ? [
      { sourceVolume = local.collector_queue_volume, containerPath = local.collector_queue_dir, readOnly = false },
    ] : []
    healthCheck = {
      command     = ["CMD", "/healthcheck"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    memory                 = local.collector_memory
    memoryReservation      = local.collector_memory
    readonlyRootFilesystem = true
    linuxParameters        = { capabilities = { drop = ["ALL"] } }
    # The app depends on the sidecar, so ECS stops the app first and the sidecar
    # last; it then has this long to export what the app flushed into it.
    stopTimeout                            = 30
    cloudwatch_log_group_retention_in_days = var.log_retention_days
  }

  whole_config_secrets = [
    { name = "AOT_CONFIG_CONTENT", valueFrom = aws_ssm_parameter.collector_config.arn },
  ]
  # By role (sidecar, gateway): the pipeline's config, then that role's overlay.
  layered_config_secrets = {
    for role, overlay in aws_ssm_parameter.collector_overlay : role => [
      { name = "OTELCOL_CONFIG", valueFrom = aws_ssm_parameter.collector_config.arn },
      { name = "OTELCOL_OVERLAY", valueFrom = overlay.arn },
    ]
  }

  # Standard OTEL_* settings shared by both apps; each adds its service name. The
  # sidecar listens on 127.0.0.1 only (the task shares one network namespace);
  # "localhost" could resolve to ::1 first in Node.js and miss it. Everything else
  # (protocol, delta temporality, exponential histograms, batch delay, metric
  # interval) comes from collector/app-env.json, which the local stack reads too:
  # one source. awsemf passes histograms on as received, so the apps send deltas;
  # exponential histograms reach CloudWatch as values and counts, from which it
  # computes the dashboard's and the alarm's percentiles.
  otel_environment = concat(
    [
      { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://127.0.0.1:4318" },
      { name = "AWS_REGION", value = var.region },
      # On the OTLP pipeline the apps send their log records too (with trace ids).
      { name = "OTEL_LOGS_EXPORTER", value = local.otlp ? "otlp" : "none" },
      # Head sampling: new traces are sampled by the X-Ray sampling rules
      # (sampling.tf), which the apps fetch through the sidecar's sampling proxy
      # (awsproxy in the collector config, on 127.0.0.1:2000). Tail sampling: the
      # apps record every trace, and the gateway decides (gateway.tf).
      { name = "OTEL_TRACES_SAMPLER", value = local.tail ? "parentbased_always_on" : "xray" },
      { name = "OTEL_TRACES_SAMPLER_ARG", value = local.tail ? "" : "endpoint=http://127.0.0.1:2000" },
    ],
    [for name, value in jsondecode(file("${path.module}/../collector/app-env.json")) : { name = name, value = value }],
  )

  # The sidecar's own settings of the OTLP pipeline, per service: where the
  # app's log records go, and where the queue lives. Empty on "xray-exporter".
  collector_otlp_environment = {
    for service, group in aws_cloudwatch_log_group.otlp_logs : service => [
      { name = "OTELCOL_LOG_GROUP", value = group.name },
      { name = "OTELCOL_LOG_STREAM", value = aws_cloudwatch_log_stream.otlp_logs[service].name },
      { name = "OTELCOL_QUEUE_DIR", value = local.collector_queue_dir },
    ]
  }
  collector_volumes = { for name in local.otlp ? [local.collector_queue_volume] : [] : name => {} }

  # The app waits until its collector is healthy, so no span of start-up is lost.
  depends_on_collector = [{ containerName = local.collector_name, condition = "HEALTHY" }]
}

module "ecs_cluster" {
  #checkov:skip=CKV_TF_1:A registry module pinned with "~>" to the release whose inputs tests/infra checks; a commit hash needs a git source and loses registry versioning.
  source  = "terraform-aws-modules/ecs/aws//modules/cluster"
  version = "~> 7.5"

  name = "${local.name}-cluster"

  cluster_capacity_providers = ["FARGATE"]
  default_capacity_provider_strategy = {
    FARGATE = { weight = 100 }
  }

  # Container Insights: task-level CPU, memory and network metrics.
  setting = [{ name = "containerInsights", value = "enabled" }]

  tags = local.tags
}

# Cloud Map: a private DNS namespace `local` in the VPC with the service `fastapi`.
resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = "local"
  description = "Service discovery of ${local.name}"
  vpc         = module.vpc.vpc_id

  tags = local.tags
}

resource "aws_service_discovery_service" "fastapi" {
  name = "fastapi"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    # awsvpc tasks register their own IP: A records, short TTL for rollouts.
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  tags = local.tags
}

module "fastapi_service" {
  #checkov:skip=CKV_TF_1:A registry module pinned with "~>" to the release whose inputs tests/infra checks; a commit hash needs a git source and loses registry versioning.
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 7.5"

  name        = "fastapi-app"
  cluster_arn = module.ecs_cluster.arn

  cpu    = var.task_cpu
  memory = var.task_memory
  # Target tracking (autoscaling.tf) owns the count from here; the module
  # ignores later changes of desired_count.
  desired_count            = var.fastapi_min_tasks
  autoscaling_min_capacity = var.fastapi_min_tasks
  autoscaling_max_capacity = var.fastapi_max_tasks
  autoscaling_policies     = local.cpu_policy

  subnet_ids = module.vpc.private_subnets
  # Rules live in network.tf; the only egress besides them is HTTPS to AWS APIs.
  security_group_egress_rules = local.aws_api_egress

  service_registries = {
    registry_arn = aws_service_discovery_service.fastapi.arn
  }

  # Roles from iam.tf: the module's default execution policy grants logs and ECR
  # on "*"; ours names the repositories, log groups and parameter.
  create_task_exec_iam_role = false
  task_exec_iam_role_arn    = aws_iam_role.execution.arn
  create_tasks_iam_role     = false
  tasks_iam_role_arn        = aws_iam_role.task["fastapi-app"].arn

  deployment_circuit_breaker = { enable = true, rollback = true }
  wait_for_steady_state      = true

  volume = merge({ tmp = {} }, local.collector_volumes)

  container_definitions = {
    (local.collector_name) = merge(local.collector_container, {
      environment = concat(local.collector_container.environment, try(local.collector_otlp_environment["fastapi-app"], []))
    })

    fastapi-app = {
      image     = "${aws_ecr_repository.this["fastapi-app"].repository_url}:${var.image_tag}"
      essential = true
      portMappings = [
        { name = "http", containerPort = local.fastapi_port, protocol = "tcp" },
      ]
      memory            = local.app_memory
      memoryReservation = local.app_memory
      environment = concat(local.otel_environment, [
        { name = "OTEL_SERVICE_NAME", value = "fastapi-app" },
        { name = "HOST", value = "0.0.0.0" },
        { name = "DB_HOST", value = aws_rds_cluster.this.endpoint },
        { name = "DB_PORT", value = tostring(aws_rds_cluster.this.port) },
        { name = "DB_NAME", value = local.db_name },
        # An ARN, not a secret: the app reads the credentials with its task role.
        { name = "DB_SECRET_ARN", value = aws_rds_cluster.this.master_user_secret[0].secret_arn },
        # Sized against Aurora's connection limit (autoscaling.tf).
        { name = "DB_POOL_SIZE", value = tostring(var.db_pool_size) },
        { name = "DB_MAX_OVERFLOW", value = tostring(var.db_max_overflow) },
        # For drills only; 0 (the default) injects nothing (app/core/faults.py).
        { name = "FAULT_RATE", value = tostring(var.fault_rate) },
        # Requests in a probe's trace (make verify) are never faulted.
        { name = "FAULT_SPARE_TAG", value = local.probe_trace_tag },
      ])
      dependsOn              = local.depends_on_collector
      readonlyRootFilesystem = true
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp" }]
      linuxParameters        = { capabilities = { drop = ["ALL"] } }
      # SIGTERM, then this long to finish requests and flush telemetry (5 s).
      stopTimeout                            = 30
      cloudwatch_log_group_retention_in_days = var.log_retention_days
    }
  }

  tags = local.tags
}

module "nextjs_service" {
  #checkov:skip=CKV_TF_1:A registry module pinned with "~>" to the release whose inputs tests/infra checks; a commit hash needs a git source and loses registry versioning.
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 7.5"

  name        = "nextjs-app"
  cluster_arn = module.ecs_cluster.arn

  cpu                      = var.task_cpu
  memory                   = var.task_memory
  desired_count            = var.nextjs_min_tasks
  autoscaling_min_capacity = var.nextjs_min_tasks
  autoscaling_max_capacity = var.nextjs_max_tasks
  autoscaling_policies     = merge(local.cpu_policy, local.requests_policy)

  subnet_ids                  = module.vpc.private_subnets
  security_group_egress_rules = local.aws_api_egress

  load_balancer = {
    nextjs = {
      target_group_arn = module.alb.target_groups["nextjs-app"].arn
      container_name   = "nextjs-app"
      container_port   = local.nextjs_port
    }
  }
  health_check_grace_period_seconds = 60

  create_task_exec_iam_role = false
  task_exec_iam_role_arn    = aws_iam_role.execution.arn
  create_tasks_iam_role     = false
  tasks_iam_role_arn        = aws_iam_role.task["nextjs-app"].arn

  deployment_circuit_breaker = { enable = true, rollback = true }
  wait_for_steady_state      = true

  # The root filesystem is read-only; Next.js writes only its image and fetch cache
  # (the image creates /app/.next/cache for its uid 1000).
  volume = merge({ next-cache = {} }, local.collector_volumes)

  container_definitions = {
    (local.collector_name) = merge(local.collector_container, {
      environment = concat(local.collector_container.environment, try(local.collector_otlp_environment["nextjs-app"], []))
    })

    nextjs-app = {
      image     = "${aws_ecr_repository.this["nextjs-app"].repository_url}:${var.image_tag}"
      essential = true
      portMappings = [
        { name = "http", containerPort = local.nextjs_port, protocol = "tcp" },
      ]
      memory            = local.app_memory
      memoryReservation = local.app_memory
      environment = concat(local.otel_environment, [
        { name = "OTEL_SERVICE_NAME", value = "nextjs-app" },
        { name = "NODE_OPTIONS", value = "--max-old-space-size=${local.nextjs_heap_mib}" },
        { name = "HOSTNAME", value = "0.0.0.0" },
        { name = "PORT", value = tostring(local.nextjs_port) },
        # Next.js leaves SIGTERM to the app, which drains, then flushes its telemetry
        # (frontend/lib/http-server.ts); the image sets it too.
        { name = "NEXT_MANUAL_SIG_HANDLE", value = "true" },
        { name = "BACKEND_URL", value = local.fastapi_url },
        { name = "BROWSER_TRACES_SAMPLE_RATIO", value = tostring(var.browser_traces_sample_ratio) },
      ])
      dependsOn                              = local.depends_on_collector
      readonlyRootFilesystem                 = true
      mountPoints                            = [{ sourceVolume = "next-cache", containerPath = "/app/.next/cache" }]
      linuxParameters                        = { capabilities = { drop = ["ALL"] } }
      stopTimeout                            = 30
      cloudwatch_log_group_retention_in_days = var.log_retention_days
    }
  }

  tags = local.tags
}

locals {
  # Tasks call AWS APIs (ECR, X-Ray, CloudWatch Logs, Secrets Manager, SSM)
  # through the NAT gateway; nothing else leaves the VPC.
  aws_api_egress = {
    https = {
      description = "HTTPS to AWS APIs"
      ip_protocol = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_ipv4   = "0.0.0.0/0"
    }
  }
}
