"""The todo domain: model, schemas, service and routes."""
