output "app_url" {
  description = "URL of the application (the load balancer)"
  value       = "http://${module.alb.dns_name}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer"
  value       = module.alb.dns_name
}

output "ecr_repository_urls" {
  description = "ECR repository URL of each application image, by service name"
  value       = { for name, repository in aws_ecr_repository.this : name => repository.repository_url }
}

output "cluster_name" {
  description = "Name of the ECS cluster"
  value       = module.ecs_cluster.name
}

output "service_names" {
  description = "ECS service names, by application"
  value = {
    nextjs-app  = module.nextjs_service.name
    fastapi-app = module.fastapi_service.name
  }
}

output "db_secret_arn" {
  description = "ARN of the Secrets Manager secret with the database master credentials (managed by RDS)"
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "image_tag" {
  description = "Image tag the services run (`make destroy` passes it back)"
  value       = var.image_tag
}

output "region" {
  description = "AWS region of the deployment"
  value       = var.region
}

output "telemetry_pipeline" {
  description = "How the collector sidecars export: \"xray-exporter\" or \"otlp\""
  value       = var.telemetry_pipeline
}

output "trace_sampling" {
  description = "Where traces are sampled: \"head\" (the apps) or \"tail\" (the otel-gateway service)"
  value       = var.trace_sampling
}
