# The internet-facing load balancer in front of the Next.js tasks. Plain HTTP on
# port 80 keeps the reference deployable without a domain; README.md says how to
# add an ACM certificate and an HTTPS listener.

module "alb" {
  #checkov:skip=CKV_TF_1:A registry module pinned with "~>" to the release whose inputs tests/infra checks; a commit hash needs a git source and loses registry versioning.
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 10.5"

  name               = "${local.name}-alb"
  load_balancer_type = "application"
  internal           = false

  vpc_id  = module.vpc.vpc_id
  subnets = module.vpc.public_subnets

  # Requests with header names that are not valid HTTP are dropped, not forwarded.
  drop_invalid_header_fields = true
  # `make destroy` must be able to remove it; it holds no data.
  enable_deletion_protection = false

  security_group_ingress_rules = {
    http = {
      description = "HTTP from the internet"
      ip_protocol = "tcp"
      from_port   = 80
      to_port     = 80
      cidr_ipv4   = "0.0.0.0/0"
    }
  }
  # Its only egress, to the Next.js tasks, is in network.tf.

  listeners = {
    http = {
      port     = 80
      protocol = "HTTP"
      forward = {
        target_group_key = "nextjs-app"
      }
    }
  }

  target_groups = {
    nextjs-app = {
      name        = "${local.name}-nextjs"
      protocol    = "HTTP"
      port        = local.nextjs_port
      target_type = "ip"
      # ECS registers the tasks' IPs itself.
      create_attachment    = false
      deregistration_delay = 30

      health_check = {
        enabled             = true
        path                = "/api/health"
        matcher             = "200"
        interval            = 15
        timeout             = 5
        healthy_threshold   = 2
        unhealthy_threshold = 3
      }
    }
  }

  tags = local.tags
}
