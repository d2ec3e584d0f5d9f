# The synthetic check: a CloudWatch Synthetics canary that runs canary/todo-canary.js
# every 5 minutes through the load balancer (the page, then a todo created, read and
# deleted through the frontend's API routes) and pages after two failed runs. It is
# the alert that needs no users: with no traffic the SLOs (slo.tf) see nothing.
#
# Runtime: Node.js, though the project prefers Python, because CloudWatch Synthetics
# offers active X-Ray tracing only on its Node.js runtimes (User Guide, "Canaries and
# X-Ray tracing": syn-nodejs-2.0 and later); with it, the canary's trace continues
# into nextjs-app's and fastapi-app's. The script is one dependency-free file, zipped
# in the layout Node.js canaries need (nodejs/node_modules/<file>.js) by `ecsotel
# canary --package` and committed: Terraform alone cannot zip without the
# hashicorp/archive provider, and tests/exercise/slo/test_canary.py fails when the
# zip no longer matches the script.

locals {
  canary_zip = "${path.module}/canary/todo-canary.zip"
}

# Run artifacts (screenshots, logs, HAR files) and the script itself.
resource "aws_s3_bucket" "canary" {
  #checkov:skip=CKV_AWS_18:Access logs of a bucket only the canary writes and only its console reads would need a log bucket of their own; not worth it here.
  #checkov:skip=CKV_AWS_144:Canary artifacts expire within weeks: no cross-region replica.
  #checkov:skip=CKV_AWS_145:SSE-S3 (below) suffices for run artifacts; a customer-managed key adds a key policy for the Synthetics role for no gain.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a new canary artifact: no event notifications.
  bucket_prefix = "${local.name}-canary-"
  force_destroy = true # `make destroy` removes it with its artifacts

  tags = local.tags
}

resource "aws_s3_bucket_public_access_block" "canary" {
  bucket                  = aws_s3_bucket.canary.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "canary" {
  bucket = aws_s3_bucket.canary.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioned, so that the canary runs the script version Terraform uploaded (s3_version).
resource "aws_s3_bucket_versioning" "canary" {
  bucket = aws_s3_bucket.canary.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "canary" {
  bucket = aws_s3_bucket.canary.id
  rule {
    id     = "expire-run-artifacts"
    status = "Enabled"
    filter {
      prefix = "artifacts/"
    }
    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_object" "canary_script" {
  bucket = aws_s3_bucket.canary.id
  key    = "script/todo-canary.zip"
  source = local.canary_zip
  etag   = filemd5(local.canary_zip)

  tags = local.tags
}

resource "aws_iam_role" "canary" {
  name_prefix        = "${local.name}-canary-"
  assume_role_policy = data.aws_iam_policy_document.canary_assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "canary_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"] # a canary runs as a Lambda function
    }
  }
}

resource "aws_iam_role_policy" "canary" {
  role   = aws_iam_role.canary.id
  policy = data.aws_iam_policy_document.canary.json
}

# What the Synthetics runtime needs (User Guide, "Required roles and permissions for canaries").
data "aws_iam_policy_document" "canary" {
  statement {
    sid       = "WriteRunArtifacts"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${aws_s3_bucket.canary.arn}/artifacts/*"]
  }
  statement {
    sid       = "FindTheArtifactBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.canary.arn]
  }
  statement {
    sid       = "ListBucketsAsTheRuntimeDoes"
    actions   = ["s3:ListAllMyBuckets"]
    resources = ["*"] # ListAllMyBuckets has no resource-level permission
  }
  statement {
    sid       = "WriteItsLambdaLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/cwsyn-${local.name}-*"]
  }
  statement {
    sid       = "PublishItsMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource-level permission; the namespace is pinned below
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["CloudWatchSynthetics"]
    }
  }
  statement {
    sid       = "SendItsTraces"
    actions   = ["xray:PutTraceSegments"]
    resources = ["*"] # X-Ray writes have no resource-level permission
  }
}

resource "aws_synthetics_canary" "this" {
  # Canary names allow 21 characters, as var.name does: the deployment's name is the canary's.
  name                 = local.name
  runtime_version      = var.canary_runtime_version
  handler              = "todo-canary.handler"
  s3_bucket            = aws_s3_object.canary_script.bucket
  s3_key               = aws_s3_object.canary_script.key
  s3_version           = aws_s3_object.canary_script.version_id
  execution_role_arn   = aws_iam_role.canary.arn
  artifact_s3_location = "s3://${aws_s3_bucket.canary.id}/artifacts/"
  start_canary         = true
  delete_lambda        = true

  schedule {
    expression = "rate(5 minutes)"
  }

  run_config {
    active_tracing     = true
    timeout_in_seconds = 60
    environment_variables = {
      APP_URL = "http://${module.alb.dns_name}"
    }
  }

  tags = local.tags
}

# Two failed runs in a row (10 minutes): the app does not work for a user, whether or
# not anyone is using it. No data means the canary itself stopped running: breaching.
resource "aws_cloudwatch_metric_alarm" "canary_failing" {
  alarm_name          = "${local.name}-synthetic-check-failing"
  alarm_description   = "The synthetic check (page, create, read, delete through the load balancer) failed twice in a row. Runbook: docs/operate.md, \"synthetic-check-failing\"."
  namespace           = "CloudWatchSynthetics"
  metric_name         = "SuccessPercent"
  dimensions          = { CanaryName = aws_synthetics_canary.this.name }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 100
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}
