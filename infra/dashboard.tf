# One CloudWatch dashboard per deployment, built only from metrics this system
# really emits: the apps' EMF metrics (namespace and dimension sets of the
# awsemf exporter's metric_declarations in collector/config.yaml), Container
# Insights and AWS/ECS for the tasks, AWS/ApplicationELB and AWS/RDS.
#
# Trap: a metric or dimension set the collector does not produce draws an empty
# graph without any error. tests/infra/test_metric_references.py checks every
# EMF reference here and in alarms.tf against collector/config.yaml.

locals {
  # Must equal the awsemf exporter's namespace (checked by the same test).
  emf_namespace = "ECS/AWSOTel/Application"

  # SEARCH schema of the per-route duration metric: the second dimension set of
  # http.server.request.duration. Names with dots must be quoted.
  route_schema   = "{\"ECS/AWSOTel/Application\",\"http.request.method\",\"http.response.status_class\",\"http.route\",\"service.name\"} MetricName=\"http.server.request.duration\""
  alb_dimensions = ["LoadBalancer", module.alb.arn_suffix]
  target_group   = ["TargetGroup", module.alb.target_groups["nextjs-app"].arn_suffix]
  cluster_name   = module.ecs_cluster.name

  dashboard_widgets = [
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Requests per minute", region = var.region, view = "timeSeries", stat = "SampleCount", period = 60
        metrics = [
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "nextjs-app"],
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "fastapi-app"],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "nextjs-app latency (s)", region = var.region, view = "timeSeries", period = 60
        metrics = [
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "nextjs-app", { stat = "p50", label = "p50" }],
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "nextjs-app", { stat = "p90", label = "p90" }],
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "nextjs-app", { stat = "p99", label = "p99" }],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "fastapi-app latency (s)", region = var.region, view = "timeSeries", period = 60
        metrics = [
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "fastapi-app", { stat = "p50", label = "p50" }],
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "fastapi-app", { stat = "p90", label = "p90" }],
          ["ECS/AWSOTel/Application", "http.server.request.duration", "service.name", "fastapi-app", { stat = "p99", label = "p99" }],
        ]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title = "fastapi-app p99 latency per route (s)", region = var.region, view = "timeSeries", period = 60
        metrics = [
          [{ id = "routes", expression = "SEARCH('${local.route_schema} \"service.name\"=\"fastapi-app\"', 'p99', 60)" }],
        ]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title = "5xx responses per minute", region = var.region, view = "timeSeries", period = 60
        metrics = [
          [{ id = "nextjs", label = "nextjs-app", expression = "SUM(SEARCH('${local.route_schema} \"service.name\"=\"nextjs-app\" \"http.response.status_class\"=\"5xx\"', 'SampleCount', 60))" }],
          [{ id = "fastapi", label = "fastapi-app", expression = "SUM(SEARCH('${local.route_schema} \"service.name\"=\"fastapi-app\" \"http.response.status_class\"=\"5xx\"', 'SampleCount', 60))" }],
        ]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title = "Todos per minute", region = var.region, view = "timeSeries", stat = "Sum", period = 60
        metrics = [
          ["ECS/AWSOTel/Application", "app.todos.created", "service.name", "fastapi-app"],
          ["ECS/AWSOTel/Application", "app.todos.completed", "service.name", "fastapi-app"],
          ["ECS/AWSOTel/Application", "app.todos.deleted", "service.name", "fastapi-app"],
        ]
      }
    },
    {
      type = "metric", width = 12, height = 6
      properties = {
        title = "Server Actions per minute by action and outcome", region = var.region, view = "timeSeries", period = 60
        metrics = [
          [{ id = "actions", expression = "SEARCH('{\"ECS/AWSOTel/Application\",\"app.action\",\"app.outcome\",\"service.name\"} MetricName=\"app.server_action.invocations\"', 'Sum', 60)" }],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Task CPU (% of the task's reservation)", region = var.region, view = "timeSeries", stat = "Average", period = 60
        metrics = [
          ["AWS/ECS", "CPUUtilization", "ClusterName", local.cluster_name, "ServiceName", "nextjs-app"],
          ["AWS/ECS", "CPUUtilization", "ClusterName", local.cluster_name, "ServiceName", "fastapi-app"],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Task memory (% of the task's reservation)", region = var.region, view = "timeSeries", stat = "Average", period = 60
        metrics = [
          ["AWS/ECS", "MemoryUtilization", "ClusterName", local.cluster_name, "ServiceName", "nextjs-app"],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", local.cluster_name, "ServiceName", "fastapi-app"],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Running and desired tasks (Container Insights)", region = var.region, view = "timeSeries", stat = "Average", period = 60
        metrics = [
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", local.cluster_name, "ServiceName", "nextjs-app"],
          ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", local.cluster_name, "ServiceName", "nextjs-app"],
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", local.cluster_name, "ServiceName", "fastapi-app"],
          ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", local.cluster_name, "ServiceName", "fastapi-app"],
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "ALB target response time (s)", region = var.region, view = "timeSeries", period = 60
        metrics = [
          concat(["AWS/ApplicationELB", "TargetResponseTime"], local.alb_dimensions, [{ stat = "p50", label = "p50" }]),
          concat(["AWS/ApplicationELB", "TargetResponseTime"], local.alb_dimensions, [{ stat = "p90", label = "p90" }]),
          concat(["AWS/ApplicationELB", "TargetResponseTime"], local.alb_dimensions, [{ stat = "p99", label = "p99" }]),
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "ALB requests and 5xx per minute", region = var.region, view = "timeSeries", stat = "Sum", period = 60
        metrics = [
          concat(["AWS/ApplicationELB", "RequestCount"], local.alb_dimensions),
          concat(["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"], local.alb_dimensions),
          concat(["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"], local.alb_dimensions),
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "ALB healthy and unhealthy targets", region = var.region, view = "timeSeries", stat = "Minimum", period = 60
        metrics = [
          concat(["AWS/ApplicationELB", "HealthyHostCount"], local.target_group, local.alb_dimensions),
          concat(["AWS/ApplicationELB", "UnHealthyHostCount"], local.target_group, local.alb_dimensions, [{ stat = "Maximum" }]),
        ]
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Aurora capacity (ACU)", region = var.region, view = "timeSeries", stat = "Maximum", period = 60
        metrics = [
          ["AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", aws_rds_cluster.this.cluster_identifier],
        ]
        annotations = { horizontal = [{ label = "max ACU", value = var.db_max_capacity }] }
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Aurora connections", region = var.region, view = "timeSeries", stat = "Maximum", period = 60
        metrics = [
          ["AWS/RDS", "DatabaseConnections", "DBClusterIdentifier", aws_rds_cluster.this.cluster_identifier],
        ]
        annotations = { horizontal = [{ label = "all backend pools at max tasks", value = local.backend_pool_connections }] }
      }
    },
    {
      type = "metric", width = 8, height = 6
      properties = {
        title = "Aurora CPU (%)", region = var.region, view = "timeSeries", stat = "Average", period = 60
        metrics = [
          ["AWS/RDS", "CPUUtilization", "DBClusterIdentifier", aws_rds_cluster.this.cluster_identifier],
        ]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({ widgets = concat(local.dashboard_widgets, local.slo_widgets, [for widget in local.gateway_dashboard_widgets : widget if local.tail]) })
}
