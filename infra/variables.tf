variable "region" {
  description = "AWS region to deploy into"
  type        = string
  default     = "ap-northeast-1"
}

variable "name" {
  description = "Prefix of every resource name (the cluster is `<name>-cluster`)"
  type        = string
  default     = "ecs-opentelemetry"

  validation {
    # The load balancer and target group names derived from it allow 32 characters.
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be 2-21 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "image_tag" {
  description = "Tag of both application images in ECR; `make deploy` passes the short git commit"
  type        = string
}

variable "collector_image" {
  description = "ADOT collector image of the sidecars (pinned: the collector config is tested against this release)"
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
}

variable "task_cpu" {
  description = "CPU units of each task (app and collector sidecar together)"
  type        = number
  default     = 512
}

variable "task_memory" {
  description = "Memory (MiB) of each task (app and collector sidecar together)"
  type        = number
  default     = 1024

  validation {
    # The sidecar takes 256 MiB (local.collector_memory); the app needs the rest.
    condition     = var.task_memory >= 768
    error_message = "task_memory must be at least 768 MiB: 256 for the collector, 512 or more for the app."
  }
}

variable "desired_count" {
  description = "Number of tasks of each service"
  type        = number
  default     = 1
}

variable "db_min_capacity" {
  description = "Minimum Aurora Serverless v2 capacity (ACU)"
  type        = number
  default     = 0.5
}

variable "db_max_capacity" {
  description = "Maximum Aurora Serverless v2 capacity (ACU)"
  type        = number
  default     = 2
}

variable "db_engine_version" {
  description = "Aurora PostgreSQL engine version"
  type        = string
  default     = "16.6"
}

variable "db_backup_retention_days" {
  description = "Days of automated Aurora backups"
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Protect the database from deletion; `make destroy` turns it off first"
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days to keep the containers' logs and the EMF metrics log group"
  type        = number
  default     = 30
}
