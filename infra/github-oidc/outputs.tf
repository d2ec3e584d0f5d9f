output "role_arn" {
  description = "ARN of the deploy role: set it as the AWS_DEPLOY_ROLE_ARN variable of the repository's environment (null while enabled is false)"
  value       = one(aws_iam_role.deploy[*].arn)
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC identity provider the role trusts (null while enabled is false)"
  value       = var.enabled ? local.oidc_provider_arn : null
}
