# The AWS design of the ECS OpenTelemetry ToDo reference system. One file per
# concern: network.tf, database.tf, ecr.tf, ecs.tf, alb.tf, iam.tf, observability.tf.
# `make deploy` drives it (ecsotel/deploy.py); README.md, "Deploy to AWS", explains it.

locals {
  name = var.name

  tags = {
    Project    = var.name
    Repository = "ecs-opentelemetry-todo"
    ManagedBy  = "terraform"
  }
}
