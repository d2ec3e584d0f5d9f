# Target-tracking autoscaling of both services, and the database connection
# budget it must respect.
#
# Scale-in keeps the SIGTERM drain and flush guarantees (tests/infra checks the
# numbers): ECS first takes a nextjs-app task out of the target group, and the
# ALB lets its requests finish for deregistration_delay (30 s, more than the
# 5 s backend timeout of any request); only then does the task get SIGTERM. A
# fastapi-app task leaves Cloud Map first; on SIGTERM uvicorn finishes its
# requests (timeout_graceful_shutdown, 20 s) and the app flushes its telemetry
# (5 s), within the 30 s stopTimeout; the sidecar stops last with its own 30 s.
# Scale-in waits scale_in_cooldown (5 minutes) between steps, so a task is
# never stopped while the previous one still drains.

locals {
  cpu_policy = {
    cpu = {
      policy_type = "TargetTrackingScaling"
      target_tracking_scaling_policy_configuration = {
        predefined_metric_specification = { predefined_metric_type = "ECSServiceAverageCPUUtilization" }
        target_value                    = var.autoscaling_cpu_target
        scale_in_cooldown               = 300
        scale_out_cooldown              = 60
      }
    }
  }

  # The ALB's requests per target and minute; resource_label names the load
  # balancer and target group as app/<lb>/<id>/targetgroup/<tg>/<id>.
  requests_policy = {
    requests = {
      policy_type = "TargetTrackingScaling"
      target_tracking_scaling_policy_configuration = {
        predefined_metric_specification = {
          predefined_metric_type = "ALBRequestCountPerTarget"
          resource_label         = "${module.alb.arn_suffix}/${module.alb.target_groups["nextjs-app"].arn_suffix}"
        }
        target_value       = var.nextjs_requests_per_task_minute
        scale_in_cooldown  = 300
        scale_out_cooldown = 60
      }
    }
  }

  # Aurora PostgreSQL's default max_connections is
  # LEAST(DBInstanceClassMemory / 9531392, 5000), and one ACU is about 2 GiB.
  # Counted at the minimum ACU, where the database sits when a scale-out of
  # the tasks begins (AWS sizes it from the maximum ACU, so this is the safe side).
  db_max_connections_at_min_acu = min(floor(var.db_min_capacity * 2 * 1073741824 / 9531392), 5000)
  # rds_superuser_reserved_connections (3), plus room for the migrations each
  # starting task runs and for an operator's psql.
  db_reserved_connections = 3 + 7
  # Every connection all fastapi-app tasks may open at their maximum count.
  backend_pool_connections = var.fastapi_max_tasks * (var.db_pool_size + var.db_max_overflow)
}
