"""Liveness and readiness probes for ECS and the load balancer."""
