# The front door: `make` (or `make help`) lists every target.
# Each target installs or builds what it needs, so a fresh clone needs only
# make, python3 with pip, node/npm, go and the PostgreSQL 15 server binaries.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .cache/bin/uv)
RUN := $(UV) run --frozen

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- tools ---------------------------------------------------------------------

.cache/bin/uv:
	@command -v python3 >/dev/null || { echo "python3 is missing: install Python 3.11"; exit 1; }
	python3 -m pip install --quiet --target .cache/uv-pkg uv==$(UV_VERSION)
	mkdir -p .cache/bin && ln -sf ../uv-pkg/bin/uv .cache/bin/uv

.PHONY: setup
setup: $(UV) ## Install every dependency and build what is missing (idempotent)
	$(UV) sync --frozen
	$(MAKE) setup-backend

.PHONY: setup-backend
setup-backend: $(UV)
	cd backend && $(UV) sync --frozen

# --- run -----------------------------------------------------------------------

.PHONY: up
up: setup ## Run the whole system locally (Ctrl-C stops it)
	$(RUN) ecsotel up

# --- quality -------------------------------------------------------------------

.PHONY: test
test: setup ## Run every test
	$(MAKE) test-backend

.PHONY: test-backend
test-backend: setup-backend ## Run the backend's tests
	cd backend && $(RUN) pytest

.PHONY: lint
lint: setup ## Lint and type-check everything
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	cd backend && $(RUN) ruff check . && $(RUN) ruff format --check . && $(RUN) mypy

.PHONY: fmt
fmt: setup ## Format the code
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	cd backend && $(RUN) ruff format . && $(RUN) ruff check --fix .
