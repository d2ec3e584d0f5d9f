"""Cross-cutting parts: settings, database, telemetry, logging, errors."""
