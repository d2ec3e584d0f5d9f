"""Where fastapi-app's telemetry CPU goes, piece by piece, inside the app (components.py)."""
