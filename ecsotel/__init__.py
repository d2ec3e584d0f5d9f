"""ecsotel: run, verify and deploy the ECS OpenTelemetry ToDo reference system."""
