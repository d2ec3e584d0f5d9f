variable "enabled" {
  description = "Create the OIDC provider and the deploy role; off by default, so an apply creates nothing until you opt in"
  type        = bool
  default     = false
}

variable "github_owner" {
  description = "Owner (user or organisation) of the repository whose deploy workflow may assume the role"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+$", var.github_owner))
    error_message = "github_owner must be a GitHub user or organisation name."
  }
}

variable "github_repository" {
  description = "Name of that repository (without the owner)"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be a repository name, without the owner."
  }
}

variable "github_environment" {
  description = "The GitHub environment the deploy job runs in; only tokens issued to that environment are trusted"
  type        = string
  default     = "aws"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when the account already has one (an account holds one per URL)"
  type        = bool
  default     = true
}

variable "region" {
  description = "Region of the deployment the role may manage (the design's var.region)"
  type        = string
  default     = "ap-northeast-1"
}

variable "name" {
  description = "The design's name prefix (its var.name): the role may manage only resources named with it"
  type        = string
  default     = "ecs-opentelemetry"
}

variable "state_bucket" {
  description = "S3 bucket of the design's Terraform state (infra/backend.tf); the role may read and write only its state key"
  type        = string
}

variable "state_key" {
  description = "Key of the design's state object in state_bucket"
  type        = string
  default     = "ecs-opentelemetry/terraform.tfstate"
}
