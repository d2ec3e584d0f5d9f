"""Where things live in the checkout; the CLI always runs from a clone of this repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO_ROOT / ".cache"
BACKEND_DIR = REPO_ROOT / "backend"
FRONTEND_DIR = REPO_ROOT / "frontend"
COLLECTOR_DIR = REPO_ROOT / "collector"
