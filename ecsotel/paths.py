"""Where things live in the checkout; the CLI always runs from a clone of this repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO_ROOT / ".cache"
BACKEND_DIR = REPO_ROOT / "backend"
FRONTEND_DIR = REPO_ROOT / "frontend"
COLLECTOR_DIR = REPO_ROOT / "collector"
# The apps' shared OTEL_* settings: read by infra/ecs.tf and by the local stack.
APP_ENV = COLLECTOR_DIR / "app-env.json"
# The service level objectives and their burn-rate alerts: read by infra/slo.tf too.
SLO_FILE = REPO_ROOT / "infra" / "slo.yaml"
# The synthetic check's script and the zip Terraform uploads (infra/synthetics.tf).
CANARY_SCRIPT = REPO_ROOT / "infra" / "canary" / "todo-canary.js"
CANARY_ZIP = CANARY_SCRIPT.with_suffix(".zip")
