# The AWS side of .github/workflows/deploy.yml: GitHub's OIDC identity provider
# and one role that only the deploy job of one repository and environment can
# assume, allowed what `make deploy` and `make verify` do to this design's
# resources and no more. A separate root module, applied once by an account
# administrator and only when `enabled = true`: README.md beside this file.

locals {
  role_name = "${var.name}-github-deploy"

  tags = {
    Project    = var.name
    Repository = "ecs-opentelemetry-todo"
    ManagedBy  = "terraform"
  }
}

data "aws_caller_identity" "this" {}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.enabled && var.create_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = local.tags
}

# An account has at most one provider per URL, so its ARN is known beforehand,
# whether this module creates it or it exists already.
locals {
  oidc_provider_arn = "arn:aws:iam::${data.aws_caller_identity.this.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

# Trust: a token GitHub issued for sts.amazonaws.com to a job of this repository
# running in this environment (the environment's protection rules, such as
# required reviewers, then guard every deployment).
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_owner}/${var.github_repository}:environment:${var.github_environment}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  count = var.enabled ? 1 : 0

  name                 = local.role_name
  description          = "Assumed by ${var.github_owner}/${var.github_repository}'s deploy workflow (environment ${var.github_environment})"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600

  tags = local.tags

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy" "deploy" {
  count = var.enabled ? 1 : 0

  name   = "deploy-ecs-opentelemetry"
  role   = aws_iam_role.deploy[0].id
  policy = data.aws_iam_policy_document.deploy.json
}
