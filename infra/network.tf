# Network: one VPC over three availability zones. Public subnets hold only the
# load balancer (and the NAT gateway); tasks and the database live in the private ones.

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:local.azs takes the first three names (slice), so a new zone cannot widen the set; zone ids differ per account and region, so they cannot be pinned in a reusable module.
  state = "available"

  # Local Zones and Wavelength Zones lack Fargate and Aurora.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  vpc_cidr = "10.0.0.0/16"
  azs      = slice(data.aws_availability_zones.available.names, 0, 3)

  public_subnets  = [for i, az in local.azs : cidrsubnet(local.vpc_cidr, 8, i)]
  private_subnets = [for i, az in local.azs : cidrsubnet(local.vpc_cidr, 8, i + 10)]
}

module "vpc" {
  #checkov:skip=CKV_TF_1:A registry module pinned with "~>" to the release whose inputs tests/infra checks; a commit hash needs a git source and loses registry versioning.
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 6.6"

  name = local.name
  cidr = local.vpc_cidr
  azs  = local.azs

  public_subnets  = local.public_subnets
  private_subnets = local.private_subnets

  # One NAT gateway for all three zones: the tasks' only outbound traffic is to
  # AWS APIs (ECR, X-Ray, CloudWatch, Secrets Manager). A gateway per zone would
  # survive a zone outage but triple the largest fixed cost of this design.
  enable_nat_gateway     = true
  single_nat_gateway     = true
  one_nat_gateway_per_az = false

  # Cloud Map's private DNS namespace (fastapi.local) needs both.
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = local.tags
}

# Who may talk to whom, as rules between security groups (never CIDRs): each
# entry opens `port` from the `source` group to the `target` group, as ingress on
# the target and egress on the source. The internet reaches only the load balancer
# (its port-80 rule is in alb.tf); the database admits only the FastAPI tasks.
locals {
  security_group_rules = {
    alb_to_nextjs = {
      description = "Load balancer to the Next.js tasks"
      source      = module.alb.security_group_id
      target      = module.nextjs_service.security_group_id
      port        = local.nextjs_port
    }
    nextjs_to_fastapi = {
      description = "Next.js tasks to the FastAPI tasks (fastapi.local)"
      source      = module.nextjs_service.security_group_id
      target      = module.fastapi_service.security_group_id
      port        = local.fastapi_port
    }
    fastapi_to_database = {
      description = "FastAPI tasks to Aurora PostgreSQL"
      source      = module.fastapi_service.security_group_id
      target      = aws_security_group.database.id
      port        = 5432
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  # With tail sampling, also the sidecars to the gateway (gateway.tf).
  for_each = merge(local.security_group_rules, local.gateway_security_group_rules)

  description                  = each.value.description
  security_group_id            = each.value.target
  referenced_security_group_id = each.value.source
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = merge(local.security_group_rules, local.gateway_security_group_rules)

  description                  = each.value.description
  security_group_id            = each.value.source
  referenced_security_group_id = each.value.target
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port

  tags = local.tags
}
