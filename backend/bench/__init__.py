"""The backend's benchmark: throughput with telemetry off and on."""
