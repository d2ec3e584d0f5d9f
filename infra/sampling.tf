# X-Ray sampling rules, with trace_sampling = "head" only (the default; with
# "tail" the apps record every trace and gateway.tf decides). Both apps decide which new traces to keep by these rules,
# read at run time through their sidecar's awsproxy (OTEL_TRACES_SAMPLER=xray in
# ecs.tf): change a rate here and apply, and the apps follow within seconds (they
# report to X-Ray every 10 s, and refetch the rules when X-Ray says they changed),
# with no redeploy. Without the rules (X-Ray unreachable) they keep 1 trace a
# second and 5 % of the rest, X-Ray's default.
#
# The rules decide where a trace starts: nextjs-app's requests. A request that
# already carries a decision (fastapi-app's calls from nextjs-app) follows it, so
# a trace is whole or absent. Metrics are not sampled: the dashboard and the
# alarms see every request.
#
# A rule matches on the apps' service.name. X-Ray's rules belong to the account
# and region, so two deployments of this system in one account share the
# services' names and are sampled by whichever rules come first.

locals {
  # service.name => the short form in rule names (at most 32 characters).
  sampled_services = { "nextjs-app" = "web", "fastapi-app" = "api" }
  # Writes change state and are rarer than reads (two fifths of the load
  # model's mix): by default twice the share of reads is kept (10 % against
  # 5 %). At 1,000 req/s that keeps about 74 traces a second, about $970 a
  # month of X-Ray (README, "Load, capacity and cost, measured"). X-Ray tries
  # rules by ascending priority, so a write meets its own rule before the
  # service's catch-all.
  write_methods = ["POST", "PUT", "DELETE"]
  sampling_rules = merge(
    {
      for pair in setproduct(keys(local.sampled_services), local.write_methods) :
      "${local.sampled_services[pair[0]]}-${lower(pair[1])}" => {
        service   = pair[0]
        method    = pair[1]
        priority  = 100
        rate      = var.sampling_writes_rate
        reservoir = var.sampling_writes_reservoir
      }
    },
    {
      for service, short in local.sampled_services : short => {
        service   = service
        method    = "*"
        priority  = 1000
        rate      = var.sampling_rate
        reservoir = var.sampling_reservoir
      }
    },
  )
}

resource "aws_xray_sampling_rule" "this" {
  for_each = local.tail ? {} : local.sampling_rules

  rule_name      = "${local.name}-${each.key}"
  priority       = each.value.priority
  reservoir_size = each.value.reservoir
  fixed_rate     = each.value.rate
  service_name   = each.value.service
  http_method    = each.value.method
  service_type   = "*"
  host           = "*"
  url_path       = "*"
  resource_arn   = "*"
  version        = 1

  tags = local.tags
}
