# What the deploy role may do: what `make deploy` (terraform apply of ../, image
# pushes) and `make verify` need, on the design's own resources. Each statement
# says why; "*" only where the API has no resource-level permissions, and then
# limited to the deployment's region.

locals {
  account = data.aws_caller_identity.this.account_id
  arn     = "arn:aws:%s:${var.region}:${local.account}:%s"
  # The design names its resources with var.name; the two services and their
  # images are named after the apps (../ecs.tf, ../ecr.tf).
  apps = ["nextjs-app", "fastapi-app"]
  # Roles: the design's own and those its modules create for the services.
  role_arns = [for prefix in concat([var.name], local.apps) : "arn:aws:iam::${local.account}:role/${prefix}-*"]
}

data "aws_iam_policy_document" "deploy" {
  statement {
    sid     = "TerraformState"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    # The state object and its lock file (use_lockfile = true).
    resources = ["arn:aws:s3:::${var.state_bucket}/${var.state_key}", "arn:aws:s3:::${var.state_bucket}/${var.state_key}.tflock"]
  }

  statement {
    sid       = "TerraformStateList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.state_bucket}"]
  }

  statement {
    sid = "ReadAndCreateWithoutResourceArns"
    actions = [
      "sts:GetCallerIdentity",
      "ec2:Describe*",
      "ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateRouteTable", "ec2:CreateRoute",
      "ec2:CreateInternetGateway", "ec2:CreateNatGateway", "ec2:AllocateAddress",
      "ec2:CreateSecurityGroup", "ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry", "ec2:CreateTags",
      "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition",
      "ecs:List*", "ecs:CreateCluster",
      "elasticloadbalancing:Describe*",
      "rds:Describe*", "rds:ListTagsForResource",
      "servicediscovery:CreatePrivateDnsNamespace", "servicediscovery:Get*", "servicediscovery:List*",
      "route53:CreateHostedZone", "route53:GetHostedZone", "route53:ListHostedZonesByName", "route53:GetChange",
      "logs:DescribeLogGroups", "ssm:DescribeParameters", "ecr:GetAuthorizationToken",
      # make verify: the traces and EMF documents the deployment sent.
      "xray:GetTraceSummaries", "xray:BatchGetTraces",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region, "us-east-1"] # us-east-1: the global IAM/STS/Route 53 endpoints
    }
  }

  statement {
    sid = "NetworkOfThisDeployment"
    # Changes to VPC pieces are allowed only on resources tagged as this project's.
    actions = [
      "ec2:Delete*", "ec2:Modify*", "ec2:Associate*", "ec2:Disassociate*", "ec2:AttachInternetGateway",
      "ec2:DetachInternetGateway", "ec2:ReleaseAddress", "ec2:ReplaceRoute",
      "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:UpdateSecurityGroupRuleDescriptions*",
    ]
    resources = [format(local.arn, "ec2", "*")]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.name]
    }
  }

  statement {
    sid       = "ImagesOfThisDeployment"
    actions   = ["ecr:*"]
    resources = [for app in local.apps : format(local.arn, "ecr", "repository/${app}")]
  }

  statement {
    sid     = "ContainersOfThisDeployment"
    actions = ["ecs:*"]
    resources = [
      format(local.arn, "ecs", "cluster/${var.name}-cluster"),
      format(local.arn, "ecs", "service/${var.name}-cluster/*"),
      format(local.arn, "ecs", "task-definition/*"),
      format(local.arn, "ecs", "task/${var.name}-cluster/*"),
    ]
  }

  statement {
    sid     = "DatabaseOfThisDeployment"
    actions = ["rds:*"]
    resources = [
      format(local.arn, "rds", "cluster:${var.name}"),
      format(local.arn, "rds", "db:${var.name}-*"),
      format(local.arn, "rds", "subgrp:${var.name}"),
    ]
  }

  statement {
    sid = "DatabaseSecretManagedByRds"
    # RDS creates and rotates the master password's secret with the caller's rights.
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"]
    resources = [format(local.arn, "secretsmanager", "secret:rds!cluster-*")]
  }

  statement {
    sid     = "LoadBalancerOfThisDeployment"
    actions = ["elasticloadbalancing:*"]
    resources = [
      format(local.arn, "elasticloadbalancing", "loadbalancer/app/${var.name}-alb/*"),
      format(local.arn, "elasticloadbalancing", "listener/app/${var.name}-alb/*"),
      format(local.arn, "elasticloadbalancing", "listener-rule/app/${var.name}-alb/*"),
      format(local.arn, "elasticloadbalancing", "targetgroup/${var.name}-*/*"),
    ]
  }

  statement {
    sid     = "ServiceDiscoveryAndItsZone"
    actions = ["servicediscovery:*", "route53:ChangeResourceRecordSets", "route53:DeleteHostedZone", "route53:ChangeTagsForResource", "route53:ListResourceRecordSets", "route53:ListTagsForResource"]
    resources = [
      format(local.arn, "servicediscovery", "namespace/*"),
      format(local.arn, "servicediscovery", "service/*"),
      "arn:aws:route53:::hostedzone/*",
      "arn:aws:route53:::change/*",
    ]
  }

  statement {
    sid       = "LogsAndMetricsOfThisDeployment"
    actions   = ["logs:*"]
    resources = [format(local.arn, "logs", "log-group:/aws/ecs/*")]
  }

  statement {
    sid       = "CollectorConfigParameter"
    actions   = ["ssm:*"]
    resources = [format(local.arn, "ssm", "parameter/${var.name}/*")]
  }

  statement {
    sid = "RolesOfThisDeployment"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole",
      "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
      "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
    ]
    resources = local.role_arns
  }

  statement {
    sid       = "PassRolesOnlyToEcsTasks"
    actions   = ["iam:PassRole"]
    resources = local.role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "ServiceLinkedRolesOfTheServicesUsed"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:aws:iam::${local.account}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "rds.amazonaws.com"]
    }
  }
}
