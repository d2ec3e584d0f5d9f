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

variable "browser_traces_sample_ratio" {
  description = "Share (0-1) of page views whose browser spans (nextjs-browser) are recorded; every page view is traced locally"
  type        = number
  default     = 0.1

  validation {
    condition     = var.browser_traces_sample_ratio >= 0 && var.browser_traces_sample_ratio <= 1
    error_message = "browser_traces_sample_ratio must be between 0 and 1."
  }
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (null: no subscription; confirm the e-mail AWS sends)"
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address or null."
  }
}

variable "fastapi_min_tasks" {
  description = "Fewest fastapi-app tasks (autoscaling never goes below)"
  type        = number
  default     = 1
}

variable "fastapi_max_tasks" {
  description = "Most fastapi-app tasks; max tasks x (db_pool_size + db_max_overflow) must fit Aurora's connections at db_min_capacity"
  type        = number
  default     = 4
}

variable "nextjs_min_tasks" {
  description = "Fewest nextjs-app tasks (autoscaling never goes below)"
  type        = number
  default     = 1
}

variable "nextjs_max_tasks" {
  description = "Most nextjs-app tasks"
  type        = number
  default     = 4
}

variable "autoscaling_cpu_target" {
  description = "Average CPU (% of the task's reservation) that both services scale to keep"
  type        = number
  default     = 60
}

variable "nextjs_requests_per_task_minute" {
  description = "ALB requests per nextjs-app task and minute that its autoscaling keeps (ALBRequestCountPerTarget); 600 = 10 req/s, near the 11 req/s a task serves at 60 % CPU (README, make load)"
  type        = number
  default     = 600
}

variable "db_pool_size" {
  description = "Database connections each fastapi-app task keeps open (DB_POOL_SIZE)"
  type        = number
  default     = 10
}

variable "db_max_overflow" {
  description = "Extra database connections each fastapi-app task may open under load (DB_MAX_OVERFLOW)"
  type        = number
  default     = 10
}

variable "telemetry_pipeline" {
  description = "How the collector sidecars export: \"xray-exporter\" (awsxray and awsemf, the design) or \"otlp\" (the CloudWatch OTLP endpoints with SigV4, a queue on a task volume, and Transaction Search); README \"Which pipeline?\" compares them"
  type        = string
  default     = "xray-exporter"

  validation {
    condition     = contains(["xray-exporter", "otlp"], var.telemetry_pipeline)
    error_message = "telemetry_pipeline must be \"xray-exporter\" or \"otlp\"."
  }
}

variable "xray_indexing_percentage" {
  description = "With telemetry_pipeline = \"otlp\": the percentage of traces X-Ray indexes as trace summaries (every span stays searchable in the aws/spans log group)"
  type        = number
  default     = 1

  validation {
    condition     = var.xray_indexing_percentage >= 0 && var.xray_indexing_percentage <= 100
    error_message = "xray_indexing_percentage must be between 0 and 100."
  }
}

variable "sampling_rate" {
  description = "X-Ray sampling rule for all requests: the share of traces kept beyond the reservoir (0-1); the apps read it at run time"
  type        = number
  default     = 0.05

  validation {
    condition     = var.sampling_rate >= 0 && var.sampling_rate <= 1
    error_message = "sampling_rate must be between 0 and 1."
  }
}

variable "sampling_reservoir" {
  description = "X-Ray sampling rule for all requests: traces kept per second, per service, before sampling_rate applies (shared by all tasks)"
  type        = number
  default     = 1

  validation {
    condition     = var.sampling_reservoir >= 0 && floor(var.sampling_reservoir) == var.sampling_reservoir
    error_message = "sampling_reservoir must be a whole number of traces per second, 0 or more."
  }
}

variable "sampling_writes_rate" {
  description = "X-Ray sampling rule for writes (POST, PUT, DELETE): the share of traces kept beyond the reservoir (0-1)"
  type        = number
  default     = 0.1

  validation {
    condition     = var.sampling_writes_rate >= 0 && var.sampling_writes_rate <= 1
    error_message = "sampling_writes_rate must be between 0 and 1."
  }
}

variable "sampling_writes_reservoir" {
  description = "X-Ray sampling rule for writes: traces kept per second, per service and method, before sampling_writes_rate applies"
  type        = number
  default     = 1

  validation {
    condition     = var.sampling_writes_reservoir >= 0 && floor(var.sampling_writes_reservoir) == var.sampling_writes_reservoir
    error_message = "sampling_writes_reservoir must be a whole number of traces per second, 0 or more."
  }
}

# --- service level objectives and the synthetic check (slo.tf, alarms.tf, synthetics.tf)

variable "ticket_email" {
  description = "E-mail address subscribed to the ticket topic, which hears the slow-burn SLO alerts (null: no subscription)"
  type        = string
  default     = null

  validation {
    condition     = var.ticket_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.ticket_email))
    error_message = "ticket_email must be an e-mail address or null."
  }
}

variable "canary_runtime_version" {
  description = "CloudWatch Synthetics runtime of the synthetic check (Node.js: the Python runtimes cannot trace to X-Ray)"
  type        = string
  default     = "syn-nodejs-puppeteer-13.1"
}

# --- Tail sampling (gateway.tf) and the fault switch ---------------------------

variable "trace_sampling" {
  description = "Where traces are sampled: \"head\" (the apps, by the X-Ray rules of sampling.tf; the design) or \"tail\" (the apps record every trace, their sidecars route it by trace id to the otel-gateway service, which keeps every error, slow or marked trace and tail_sampling_share_percent of the rest); docs/sampling.md compares them"
  type        = string
  default     = "head"

  validation {
    condition     = contains(["head", "tail"], var.trace_sampling)
    error_message = "trace_sampling must be \"head\" or \"tail\"."
  }
}

variable "tail_sampling_decision_wait_seconds" {
  description = "With trace_sampling = \"tail\": seconds a gateway holds a trace before it decides (sooner once the root span arrived); its memory holds this many seconds of spans"
  type        = number
  default     = 10

  validation {
    condition     = var.tail_sampling_decision_wait_seconds >= 1 && var.tail_sampling_decision_wait_seconds <= 120 && floor(var.tail_sampling_decision_wait_seconds) == var.tail_sampling_decision_wait_seconds
    error_message = "tail_sampling_decision_wait_seconds must be a whole number of seconds from 1 to 120."
  }
}

variable "tail_sampling_slow_ms" {
  description = "With trace_sampling = \"tail\": per service, a span longer than this many milliseconds keeps its trace"
  type        = map(number)
  default     = { "fastapi-app" = 500, "nextjs-app" = 1000 }

  validation {
    condition     = toset(keys(var.tail_sampling_slow_ms)) == toset(["fastapi-app", "nextjs-app"]) && alltrue([for ms in values(var.tail_sampling_slow_ms) : ms > 0])
    error_message = "tail_sampling_slow_ms must give a positive threshold for fastapi-app and nextjs-app, and no other service."
  }
}

variable "tail_sampling_share_percent" {
  description = "With trace_sampling = \"tail\": the percentage of the other traces (no error, not slow, not marked) kept"
  type        = number
  default     = 10

  validation {
    condition     = var.tail_sampling_share_percent >= 0 && var.tail_sampling_share_percent <= 100
    error_message = "tail_sampling_share_percent must be between 0 and 100."
  }
}

variable "tail_sampling_share_spans_per_second" {
  description = "With trace_sampling = \"tail\": at most this many spans a second of that share, per gateway task (errors, slow and marked traces are never capped)"
  type        = number
  default     = 500

  validation {
    condition     = var.tail_sampling_share_spans_per_second >= 0 && floor(var.tail_sampling_share_spans_per_second) == var.tail_sampling_share_spans_per_second
    error_message = "tail_sampling_share_spans_per_second must be a whole number, 0 or more."
  }
}

variable "gateway_min_tasks" {
  description = "With trace_sampling = \"tail\": fewest otel-gateway tasks (two: one can be replaced while the other decides)"
  type        = number
  default     = 2
}

variable "gateway_max_tasks" {
  description = "With trace_sampling = \"tail\": most otel-gateway tasks"
  type        = number
  default     = 4
}

variable "gateway_cpu" {
  description = "With trace_sampling = \"tail\": CPU units of each otel-gateway task"
  type        = number
  default     = 512
}

variable "gateway_memory" {
  description = "With trace_sampling = \"tail\": memory (MiB) of each otel-gateway task; it holds decision_wait of spans (docs/sampling.md)"
  type        = number
  default     = 1024
}

variable "fault_rate" {
  description = "For drills and demonstrations only: the share (0-1) of fastapi-app's API requests that fail with a 500 (FAULT_RATE), to see errors in the traces, alarms and SLOs; 0 injects nothing"
  type        = number
  default     = 0

  validation {
    condition     = var.fault_rate >= 0 && var.fault_rate <= 1
    error_message = "fault_rate must be between 0 and 1."
  }
}
