# Service level objectives, alerted on how fast their error budget burns (the SRE
# workbook's multi-window, multi-burn-rate alerts). Every objective, window and
# factor comes from slo.yaml, which `make slo` reads too; nothing here repeats one.
#
# The SLIs are what users see at the load balancer:
#   - availability: bad = the ALB's 5xx (its targets' and its own) plus Server
#     Actions that ended in the "error" outcome, which the ALB counts as 200 (the
#     action answers its form with "the todo service is unavailable"); all = the
#     ALB's RequestCount. A page rendered with the "waiting for the todo service"
#     notice is a 200 too and is not counted: a known gap (docs/operate.md).
#   - latency: the share of requests a target answered within the threshold, the
#     percentile-rank statistic PR(:threshold) of TargetResponseTime. CloudWatch
#     documents PR(n:m) as "the percentage of data points with values between n
#     (exclusive) and m (inclusive)" (User Guide, "CloudWatch statistics
#     definitions"), lists PR(n:m) among the extended statistics PutMetricAlarm takes
#     (API Reference, PutMetricAlarm, ExtendedStatistic) and lets a metric math
#     alarm's MetricStat use "any CloudWatch statistic or extended statistic" (API
#     Reference, MetricStat). Like the percentiles, it is computed from the values
#     themselves, which the ALB publishes for TargetResponseTime (it supports pNN),
#     not from a statistic set; so the app's own histograms are not needed here.
#     TargetResponseTime leaves out what the ALB answered itself (no healthy
#     target, a refused connection): those requests are ELB 5xx, counted once, by
#     the availability SLI.
#
# One alarm per SLO and window: its period is the window and it evaluates one
# period, so the window slides with each evaluation (alarms use a sliding window
# unless told otherwise: User Guide, "Alarm evaluation window"). PutMetricAlarm
# allows period x evaluation periods up to 1 day below a 1-hour period and up to
# 7 days from 1 hour up: every window of slo.yaml fits as one period, the 3-day one
# included, without RUNNING_SUM tricks. Each alert is then a composite alarm,
# ALARM(long) AND ALARM(short), and only the composites notify.

locals {
  slo = yamldecode(file("${path.module}/slo.yaml"))

  # Every window of every alert: "<alert>-long" and "<alert>-short" => its length and factor.
  burn_rate_windows = merge([
    for alert in local.slo.burn_rate_alerts : {
      for window in ["long", "short"] : "${alert.name}-${window}" => {
        alert   = alert.name
        minutes = alert["${window}_window_minutes"]
        factor  = alert.factor
      }
    }
  ]...)

  # Every alert of every SLO: "<slo>-<alert>" => the pair.
  slo_alerts = {
    for pair in setproduct(keys(local.slo.objectives), local.slo.burn_rate_alerts) :
    "${pair[0]}-${pair[1].name}" => { slo = pair[0], alert = pair[1] }
  }

  # nextjs-app's Server Actions (app.action values): alarms cannot SEARCH, so each is
  # named (tests/infra/test_slo.py holds this list equal to frontend/lib/todos/actions.ts).
  server_actions = ["create", "rename", "toggle", "delete"]

  # The ALB's counts the availability SLI reads, by the id its expression uses.
  alb_counts = { requests = "RequestCount", target_5xx = "HTTPCode_Target_5XX_Count", elb_5xx = "HTTPCode_ELB_5XX_Count" }

  # bad / all / error budget over one window (each metric's period is the window).
  # FILL: the ALB publishes no 5xx count in a period without one.
  burn_rate_expressions = {
    availability = "(FILL(target_5xx, 0) + FILL(elb_5xx, 0) + ${join(" + ", [for action in local.server_actions : "FILL(errors_${action}, 0)"])}) / requests / (1 - ${local.slo.objectives.availability.objective})"
    latency      = "(100 - within) / 100 / (1 - ${local.slo.objectives.latency.objective})"
  }

  burn_rate_alarm_names = {
    availability = { for key, alarm in aws_cloudwatch_metric_alarm.availability_burn_rate : key => alarm.alarm_name }
    latency      = { for key, alarm in aws_cloudwatch_metric_alarm.latency_burn_rate : key => alarm.alarm_name }
  }
}

# No data (no requests in the window) is no burn: notBreaching. The synthetic
# check (synthetics.tf) covers a site that receives nothing because it is down.
resource "aws_cloudwatch_metric_alarm" "availability_burn_rate" {
  for_each = local.burn_rate_windows

  alarm_name          = "${local.name}-slo-availability-${each.key}"
  alarm_description   = "Availability error budget burning faster than ${each.value.factor}x over ${each.value.minutes} minutes (a window of ${each.value.alert}; the composite notifies)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.factor
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "burn_rate"
    expression  = local.burn_rate_expressions.availability
    label       = "availability burn rate"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = local.alb_counts
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value
        dimensions  = { LoadBalancer = module.alb.arn_suffix }
        stat        = "Sum"
        period      = each.value.minutes * 60
      }
    }
  }
  dynamic "metric_query" {
    for_each = local.server_actions
    content {
      id = "errors_${metric_query.value}"
      metric {
        namespace   = local.emf_namespace
        metric_name = "app.server_action.invocations"
        dimensions  = { "service.name" = "nextjs-app", "app.action" = metric_query.value, "app.outcome" = "error" }
        stat        = "Sum"
        period      = each.value.minutes * 60
      }
    }
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "latency_burn_rate" {
  for_each = local.burn_rate_windows

  alarm_name          = "${local.name}-slo-latency-${each.key}"
  alarm_description   = "Latency error budget burning faster than ${each.value.factor}x over ${each.value.minutes} minutes (a window of ${each.value.alert}; the composite notifies)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.factor
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "burn_rate"
    expression  = local.burn_rate_expressions.latency
    label       = "latency burn rate"
    return_data = true
  }
  metric_query {
    id = "within"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "TargetResponseTime"
      dimensions  = { LoadBalancer = module.alb.arn_suffix }
      stat        = "PR(:${local.slo.objectives.latency.threshold_seconds})"
      period      = each.value.minutes * 60
    }
  }

  tags = local.tags
}

# An alert fires while both of its windows burn faster than its factor; pages go to
# the alarm topic, tickets to the ticket topic (alarms.tf).
resource "aws_cloudwatch_composite_alarm" "burn_rate" {
  for_each = local.slo_alerts

  alarm_name        = "${local.name}-slo-${each.key}"
  alarm_description = "${each.value.slo} SLO: ${each.value.alert.name} (${each.value.alert.severity}). Runbook: docs/operate.md, \"${each.value.alert.name}\"."
  alarm_rule        = "ALARM(\"${local.burn_rate_alarm_names[each.value.slo]["${each.value.alert.name}-long"]}\") AND ALARM(\"${local.burn_rate_alarm_names[each.value.slo]["${each.value.alert.name}-short"]}\")"
  alarm_actions     = [local.severity_topics[each.value.alert.severity]]
  ok_actions        = [local.severity_topics[each.value.alert.severity]]

  tags = local.tags
}

# The dashboard's SLO widgets (dashboard.tf appends them): per SLO, the SLI and the
# error budget left over the SLO's window, and the burn rate against each alert's
# factor. Unlike the alarms, a widget may SEARCH, so every Server Action is counted.
locals {
  slo_window_seconds = local.slo.window_days * 86400
  # The burn rate is drawn per shortest alert window.
  burn_rate_period = min([for alert in local.slo.burn_rate_alerts : alert.short_window_minutes]...) * 60
  burn_rate_factors = [
    for alert in local.slo.burn_rate_alerts : { label = "${alert.name} (${alert.severity})", value = alert.factor }
  ]
  action_errors_search = "SEARCH('{\"ECS/AWSOTel/Application\",\"app.action\",\"app.outcome\",\"service.name\"} MetricName=\"app.server_action.invocations\" \"app.outcome\"=\"error\" \"service.name\"=\"nextjs-app\"', 'Sum')"

  # The availability SLI's inputs; each takes the widget's period (SEARCH too, given none).
  availability_rows = [
    concat(["AWS/ApplicationELB", "RequestCount"], local.alb_dimensions, [{ id = "requests", stat = "Sum", visible = false }]),
    concat(["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"], local.alb_dimensions, [{ id = "target_5xx", stat = "Sum", visible = false }]),
    concat(["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"], local.alb_dimensions, [{ id = "elb_5xx", stat = "Sum", visible = false }]),
    [{ id = "action_errors", expression = "SUM(${local.action_errors_search})", visible = false }],
    [{ id = "bad", expression = "FILL(target_5xx, 0) + FILL(elb_5xx, 0) + FILL(action_errors, 0)", visible = false }],
  ]
  latency_rows = [
    concat(["AWS/ApplicationELB", "TargetResponseTime"], local.alb_dimensions, [{ id = "within", stat = "PR(:${local.slo.objectives.latency.threshold_seconds})", visible = false }]),
  ]
  availability_objective = local.slo.objectives.availability.objective
  latency_objective      = local.slo.objectives.latency.objective

  slo_widgets = [
    {
      type = "metric", width = 6, height = 6
      properties = {
        title = "Availability SLI and error budget left (%, ${local.slo.window_days} days)", region = var.region, view = "singleValue"
        start = "-P${local.slo.window_days}D", period = local.slo_window_seconds
        metrics = concat(local.availability_rows, [
          [{ expression = "100 * (1 - bad / requests)", label = "SLI (objective ${local.availability_objective})" }],
          [{ expression = "100 * (1 - bad / requests / (1 - ${local.availability_objective}))", label = "error budget left" }],
        ])
      }
    },
    {
      type = "metric", width = 6, height = 6
      properties = {
        title = "Availability burn rate", region = var.region, view = "timeSeries", period = local.burn_rate_period
        metrics = concat(local.availability_rows, [
          [{ expression = "bad / requests / (1 - ${local.availability_objective})", label = "burn rate" }],
        ])
        annotations = { horizontal = local.burn_rate_factors }
      }
    },
    {
      type = "metric", width = 6, height = 6
      properties = {
        title = "Latency SLI and error budget left (%, ${local.slo.window_days} days)", region = var.region, view = "singleValue"
        start = "-P${local.slo.window_days}D", period = local.slo_window_seconds
        metrics = concat(local.latency_rows, [
          [{ expression = "within", label = "SLI: within ${local.slo.objectives.latency.threshold_seconds} s (objective ${local.latency_objective})" }],
          [{ expression = "100 * (1 - (100 - within) / 100 / (1 - ${local.latency_objective}))", label = "error budget left" }],
        ])
      }
    },
    {
      type = "metric", width = 6, height = 6
      properties = {
        title = "Latency burn rate", region = var.region, view = "timeSeries", period = local.burn_rate_period
        metrics = concat(local.latency_rows, [
          [{ expression = local.burn_rate_expressions.latency, label = "burn rate" }],
        ])
        annotations = { horizontal = local.burn_rate_factors }
      }
    },
  ]
}
