# Aurora Serverless v2 PostgreSQL in the private subnets. RDS keeps the master
# credentials in Secrets Manager (manage_master_user_password) and rotates them;
# the FastAPI task reads that secret by ARN (DB_SECRET_ARN) with its task role.

resource "aws_db_subnet_group" "this" {
  name        = local.name
  description = "Private subnets of ${local.name}"
  subnet_ids  = module.vpc.private_subnets

  tags = local.tags
}

# No inline rules: the only ingress (5432 from the FastAPI tasks) is in network.tf.
resource "aws_security_group" "database" {
  name_prefix = "${local.name}-database-"
  description = "Aurora PostgreSQL of ${local.name}"
  vpc_id      = module.vpc.vpc_id

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "this" {
  #checkov:skip=CKV_AWS_327:Encrypted with the AWS-managed RDS key; a customer-managed key adds cost and a key policy to maintain, and nothing here needs cross-account sharing.
  #checkov:skip=CKV_AWS_324:Log exports create a log group outside Terraform that outlives `make destroy`; enable for production with a managed log group.
  #checkov:skip=CKV2_AWS_27:Statement logging (log_statement) would log every query of a demo; the SQL is visible in the X-Ray traces instead.
  #checkov:skip=CKV2_AWS_8:Aurora's automated backups (backup_retention_period) suffice for a reference system; AWS Backup plans are an account-level choice.
  cluster_identifier = local.name
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.db_engine_version
  database_name      = local.db_name
  master_username    = "todo_admin"

  # RDS creates, stores and rotates the password in Secrets Manager: it never
  # appears in Terraform state, the repository or a task definition.
  manage_master_user_password = true

  serverlessv2_scaling_configuration {
    min_capacity = var.db_min_capacity
    max_capacity = var.db_max_capacity
  }

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.database.id]

  storage_encrypted                   = true
  iam_database_authentication_enabled = true
  backup_retention_period             = var.db_backup_retention_days
  preferred_backup_window             = "17:00-18:00" # 02:00-03:00 in Tokyo
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.db_deletion_protection
  # The automated backups stay for their retention period; a final snapshot
  # would outlive `make destroy` and keep costing money.
  skip_final_snapshot = true

  tags = local.tags

  lifecycle {
    precondition {
      condition     = local.backend_pool_connections <= local.db_max_connections_at_min_acu - local.db_reserved_connections
      error_message = "fastapi_max_tasks x (db_pool_size + db_max_overflow) = ${local.backend_pool_connections} connections, but Aurora allows ${local.db_max_connections_at_min_acu} at ${var.db_min_capacity} ACU, ${local.db_reserved_connections} of them reserved: lower the pool or the tasks, or raise db_min_capacity."
    }
  }
}

resource "aws_rds_cluster_instance" "this" {
  #checkov:skip=CKV_AWS_354:Performance Insights is encrypted with the AWS-managed key; see CKV_AWS_327 on the cluster.
  #checkov:skip=CKV_AWS_118:Enhanced monitoring needs its own IAM role and costs extra; Performance Insights covers the demo.
  identifier         = "${local.name}-1"
  cluster_identifier = aws_rds_cluster.this.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.this.engine
  engine_version     = aws_rds_cluster.this.engine_version

  auto_minor_version_upgrade   = true
  performance_insights_enabled = true # 7 days of retention are free

  tags = local.tags
}

locals {
  db_name = "todo"
}
