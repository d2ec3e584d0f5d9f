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
# Each target installs the dependency groups it runs (pyproject.toml): the stack's
# commands none, the exercises `exercise`, tests and lint all of them. Every `uv run`
# names its groups, since a plain one first installs the default groups (all).
RUN_CLI := $(UV) run --frozen --no-default-groups
RUN_EXERCISE := $(RUN_CLI) --group exercise
RUN := $(UV) run --frozen --all-groups

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- tools ---------------------------------------------------------------------

.PHONY: uv-version
uv-version: ## Print the uv version the project pins (the workflows read it here)
	@echo $(UV_VERSION)

.cache/bin/uv:
	@command -v python3 >/dev/null || { echo "python3 is missing: install Python 3.11"; exit 1; }
	python3 -m pip install --quiet --target .cache/uv-pkg uv==$(UV_VERSION)
	mkdir -p .cache/bin && ln -sf ../uv-pkg/bin/uv .cache/bin/uv

# Debian packages: PostgreSQL 15 for the stack; Chromium (browser tests) and
# Graphviz (the diagram) for the tests. Installed when missing if we are root on
# Debian; otherwise the target says what to install.
.PHONY: system-deps
system-deps: ## Install the Debian packages the stack and the tests need, when missing
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql-15"; \
	if [ -z "$(STACK_ONLY)" ]; then \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v dot >/dev/null || missing="$$missing graphviz"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "missing:$$missing (Debian: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

.PHONY: setup
setup: $(UV) ## Install every Python dependency, the tests' and tools' too (idempotent)
	$(UV) sync --frozen --all-groups
	$(UV) --directory backend sync --frozen --all-groups

# --inexact: what `make test` installed stays, so a `make verify` run by a test does
# not uninstall the tools of the pytest that runs it (an exact sync would).
.PHONY: setup-cli
setup-cli: $(UV) ## Install what up, verify and traces run: ecsotel without the dev tools (BROWSER=1: Playwright)
	$(UV) sync --frozen --inexact --no-default-groups $(if $(BROWSER),--group browser)

# The backend targets use `uv --directory backend`, not `cd backend`: $(UV) may be
# the relative path .cache/bin/uv.
.PHONY: setup-backend
setup-backend: $(UV) ## Install the backend's locked runtime dependencies into backend/.venv
	$(UV) --directory backend sync --frozen --inexact --no-dev

# --- builds -----------------------------------------------------------------------

# npm ci runs only when node_modules is missing or older than the lock file (stamp).
FRONTEND_STAMP := frontend/node_modules/.installed
FRONTEND_SERVER := frontend/.next/standalone/server.js
FRONTEND_SOURCES := $(shell find frontend/app frontend/components frontend/lib frontend/public \
	frontend/scripts -type f 2>/dev/null) $(wildcard frontend/*.ts frontend/*.mjs frontend/*.json)

.PHONY: setup-frontend
setup-frontend: $(FRONTEND_STAMP) ## Install the frontend's npm packages (npm ci, cached)

$(FRONTEND_STAMP): frontend/package-lock.json frontend/package.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 (https://nodejs.org)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund
	touch $@

.PHONY: frontend-build
frontend-build: $(FRONTEND_SERVER) ## Build the frontend's standalone production server (cached)

# Rebuilt only when a source file is newer than the last build's server.js.
$(FRONTEND_SERVER): $(FRONTEND_STAMP) $(FRONTEND_SOURCES)
	cd frontend && NEXT_TELEMETRY_DISABLED=1 npm run --silent build
	touch $@

# The local collector: built once from collector/builder-config.yaml, then reused
# (rebuilt only when the manifest changes). The builder's version must match the
# manifest's core/contrib release line.
COLLECTOR_BUILDER := go.opentelemetry.io/collector/cmd/builder@v0.152.0
COLLECTOR_BIN := .cache/collector/otelcol-ecs

.PHONY: collector
collector: $(COLLECTOR_BIN) ## Build the local OpenTelemetry Collector (same components as ADOT)

# The flags below work around a registry mirror's gaps: README.md, "Building offline".
$(COLLECTOR_BIN): collector/builder-config.yaml
	@command -v go >/dev/null || { echo "go is missing: install Go >= 1.25 (https://go.dev/dl/)"; exit 1; }
	@echo "Building the collector (the first build downloads and compiles for several minutes)..."
	rm -rf .cache/collector && mkdir -p .cache
	GOFLAGS="-mod=mod -buildvcs=false" \
	GONOSUMDB=github.com/open-telemetry/opentelemetry-collector-contrib \
	go run $(COLLECTOR_BUILDER) --config collector/builder-config.yaml --skip-get-modules
	@test -x $(COLLECTOR_BIN)

# Terraform: the machine's, or one built once from the Go module proxy. Releases
# after 1.5.7 cannot be built from it (their go.mod replaces nested modules that
# the module zip leaves out); 1.5.7 builds in about 8 minutes, and only its
# `fmt -check` is used here, which agrees with 1.11 on infra/.
TERRAFORM_FALLBACK_VERSION := 1.5.7
TERRAFORM := $(shell command -v terraform 2>/dev/null || echo .cache/bin/terraform)
CHECKOV_VERSION := 3.3.30

# Workflow linter (runs shellcheck on `run:` scripts when shellcheck is on the PATH,
# as it is on GitHub's runners), built once from the Go module proxy.
ACTIONLINT_VERSION := 1.7.12
ACTIONLINT := .cache/bin/actionlint

$(ACTIONLINT):
	@command -v go >/dev/null || { echo "go is missing: install Go >= 1.25 (https://go.dev/dl/)"; exit 1; }
	GOBIN="$(CURDIR)/.cache/bin" go install github.com/rhysd/actionlint/cmd/actionlint@v$(ACTIONLINT_VERSION)

.cache/bin/terraform:
	@command -v go >/dev/null || { echo "terraform is missing: install Terraform 1.11+, or Go to build one for fmt"; exit 1; }
	@echo "building terraform $(TERRAFORM_FALLBACK_VERSION) for fmt -check (once; several minutes)"
	GOBIN="$(CURDIR)/.cache/bin" go install github.com/hashicorp/terraform@v$(TERRAFORM_FALLBACK_VERSION)

# --- run -----------------------------------------------------------------------

.PHONY: up
up: setup-cli setup-backend collector frontend-build ## Run the whole system locally (Ctrl-C stops it; PIPELINE=otlp, SAMPLING=tail, FAULT_RATE=0.05)
	@$(MAKE) system-deps STACK_ONLY=1
	$(RUN_CLI) ecsotel up $(if $(PIPELINE),--pipeline $(PIPELINE)) $(if $(SAMPLING),--sampling $(SAMPLING)) \
	  $(if $(FAULT_RATE),--fault-rate $(FAULT_RATE))

# Without BASE_URL, verify checks the local stack where `make up` put it (STACK_*_PORT).
.PHONY: verify
verify: setup-cli ## Prove that a running stack's telemetry arrived (BASE_URL=http://<alb> for AWS; BROWSER=1 clicks in Chromium too)
	$(RUN_CLI) $(if $(BROWSER),--group browser) ecsotel verify $(if $(BASE_URL),--base-url $(BASE_URL)) $(if $(BROWSER),--browser)

.PHONY: traces
traces: setup-cli ## Print the latest traces of the local stack from X-Ray as trees
	$(RUN_CLI) ecsotel traces

# --- AWS -----------------------------------------------------------------------

.PHONY: deploy
deploy: setup-cli ## Deploy to your AWS account (terraform apply, push images, roll, verify; DRY_RUN=1 prints the plan)
	$(RUN_CLI) ecsotel deploy $(if $(DRY_RUN),--dry-run)

.PHONY: app-url
app-url: $(TERRAFORM) ## Print the URL of the AWS deployment (from the Terraform state)
	@$(TERRAFORM) -chdir=infra output -raw app_url

.PHONY: destroy
destroy: setup-cli ## Tear the AWS deployment down (DRY_RUN=1 prints the plan)
	$(RUN_CLI) ecsotel destroy $(if $(DRY_RUN),--dry-run)

.PHONY: diagram
diagram: setup ## Redraw docs/architecture.png from docs/architecture.py
	@command -v dot >/dev/null || { echo "Graphviz is missing: apt-get install graphviz"; exit 1; }
	$(RUN) python docs/architecture.py

# --- quality -------------------------------------------------------------------

.PHONY: test
test: setup system-deps ## Run every test (lint included)
	$(MAKE) lint
	$(MAKE) test-backend
	$(MAKE) test-frontend
	$(MAKE) test-collector
	$(MAKE) test-infra
	$(MAKE) test-cli
	$(MAKE) test-ci
	$(MAKE) test-e2e
	$(MAKE) test-load

.PHONY: test-backend
test-backend: $(UV) ## Run the backend's tests
	$(RUN) --directory backend pytest

# Not part of `make test`: it takes about 25 minutes and its numbers depend on the machine.
# wrk is the load generator (C; a Python client would share the cores it measures).
# The server under test runs on CPU 0, everything else (wrk, PostgreSQL, the
# collector) on CPU 1: ratios are then steadier on a shared machine. `ecsotel bench`
# exits 0 when every budget is met, 1 when one is missed, 3 when the machine was busy
# (not measured); make turns both failures into its own 2 ("Error 1", "Error 3").
# The collector's load generator, built once from the Go module proxy (the proxy
# here has no telemetrygen of the collector's own release line; 0.149.0 speaks the
# same OTLP).
TELEMETRYGEN := .cache/bin/telemetrygen

$(TELEMETRYGEN):
	@command -v go >/dev/null || { echo "go is missing: install Go >= 1.25 (https://go.dev/dl/)"; exit 1; }
	GOBIN="$(CURDIR)/.cache/bin" GOFLAGS=-mod=mod \
	GONOSUMDB=github.com/open-telemetry/opentelemetry-collector-contrib \
	go install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v0.149.0

.PHONY: bench
bench: setup collector frontend-build $(TELEMETRYGEN) ## Measure telemetry's cost in every tier against its budget; writes docs/performance.md
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or brew install wrk)"; exit 1; }
	@command -v taskset >/dev/null || { echo "taskset is missing: apt-get install util-linux"; exit 1; }
	@test "$$(nproc)" -ge 2 || { echo "make bench pins the server and the load to two CPUs; this machine has one"; exit 1; }
	taskset --cpu-list 1 $(RUN_EXERCISE) ecsotel bench \
	  --telemetrygen $(TELEMETRYGEN) --server-cpu 0 --load-cpu 1 $(BENCH_ARGS)

# Not part of `make test` either (about 2 minutes): the tests hold its bounds' short
# version (Show more, the Link header, the HTML per todo), without timings.
.PHONY: bench-list
bench-list: setup-backend collector frontend-build ## Measure the list at 100, 1,000 and 10,000 todos (API, page render, HTML size)
	$(RUN_EXERCISE) ecsotel bench-list $(BENCH_ARGS)

# Not part of `make test` (several minutes; the numbers depend on the machine);
# test-load runs a few seconds of it. LOAD_ARGS: e.g. --objective-ms 200 --step-seconds 30.
.PHONY: load
load: setup-backend collector frontend-build ## Ramp Locust through the local stack until p99 passes 300 ms (table, docs/load-latency.png)
	@$(MAKE) system-deps STACK_ONLY=1
	$(RUN_EXERCISE) ecsotel load $(LOAD_ARGS)

.PHONY: test-load
test-load: setup collector frontend-build ## Run a few seconds of `make load` through a stack of its own
	$(RUN) pytest tests/exercise/load/test_load_smoke.py

.PHONY: test-frontend
# tsc and ESLint run in `make lint` (and so in `make test`), not again here.
test-frontend: setup setup-frontend frontend-build ## Run the frontend's Vitest tests (standalone-server telemetry included) and its bundle budget
	cd frontend && npm run --silent test
	$(RUN) pytest tests/frontend

.PHONY: bundle-size
bundle-size: frontend-build ## Print the first-load JS of / and the lazily loaded browser telemetry (gzip)
	$(RUN_EXERCISE) ecsotel bundle-size

.PHONY: test-collector
test-collector: setup collector ## Validate the collector configs and run their contract tests
	AWS_REGION=us-east-1 $(COLLECTOR_BIN) validate --config collector/config.yaml && echo "collector/config.yaml: valid"
	@# sigv4auth looks for credentials even in validate: dummy ones suffice.
	AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	  $(COLLECTOR_BIN) validate --config collector/config.otlp.yaml && echo "collector/config.otlp.yaml: valid"
	AWS_REGION=us-east-1 OTELCOL_LOG_GROUP=/validate OTELCOL_LOG_STREAM=validate \
	  $(COLLECTOR_BIN) validate --config collector/config.yaml --config collector/config.standin.yaml \
	  && echo "collector/config.standin.yaml (over config.yaml): valid"
	@# Tail sampling: each overlay over each pipeline's base (the resolver: any valid one).
	for base in config.yaml config.otlp.yaml; do for overlay in config.tail.yaml config.gateway.yaml; do \
	  AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	  OTELCOL_LOG_GROUP=/validate OTELCOL_LOG_STREAM=validate \
	  OTELCOL_GATEWAY_RESOLVER='{static: {hostnames: ["127.0.0.1:4317"]}}' \
	  $(COLLECTOR_BIN) validate --config collector/$$base --config collector/$$overlay \
	  && echo "collector/$$overlay (over $$base): valid" || exit 1; \
	done; done
	$(RUN) pytest tests/collector

# Not part of `make test` (which runs the short drill in test-collector): about
# 5 minutes of traffic, outages and waiting for stragglers.
.PHONY: pipeline-drill
pipeline-drill: setup-backend collector ## Collector outage drill, full length: 90 s of 20 traces/s, a 60 s outage and a restart, both pipelines
	$(RUN_EXERCISE) ecsotel pipeline-drill

.PHONY: test-infra
test-infra: setup $(TERRAFORM) ## Check the Terraform (fmt, checkov, design tests), Dockerfiles and diagram
	$(MAKE) infra-fmt checkov
	$(RUN) pytest tests/infra tests/docs

.PHONY: infra-fmt
infra-fmt: $(TERRAFORM) ## Check that the Terraform is formatted (terraform fmt -check)
	$(TERRAFORM) fmt -check -recursive -diff infra

# checkov in its own environment: it shares the hcl2 module name with python-hcl2.
# Registry modules are not downloaded (no registry here): checkov checks our own
# resources and module calls; tests/infra checks the arguments passed to modules.
.PHONY: checkov
checkov: $(UV) ## Scan the Terraform under infra/ (every root module) with checkov
	LOG_LEVEL=ERROR $(UV) tool run --from checkov==$(CHECKOV_VERSION) \
	  checkov -d infra --framework terraform --skip-download --quiet --compact

.PHONY: test-cli
test-cli: setup ## Run the CLI's own tests (supervision, PostgreSQL, trace trees), the exercise harness and checkers, tools/
	$(RUN) pytest tests/cli tests/exercise tests/tools --ignore=tests/exercise/load/test_load_smoke.py

.PHONY: test-ci
test-ci: setup ## Check the GitHub workflows' hygiene (pins, permissions, timeouts, make targets)
	$(RUN) pytest tests/ci

# In a random order (pytest-randomly), since each test must own its data: the seed is
# printed first; E2E_SEED=<seed> replays that order, E2E_SEED=last the previous run's.
.PHONY: test-e2e
test-e2e: setup collector frontend-build ## Start the whole stack and run the cross-service tests, in random order (E2E_SEED)
	$(RUN) pytest -p randomly $(if $(E2E_SEED),--randomly-seed=$(E2E_SEED)) tests/e2e

# Not part of `make test`: it needs a Docker engine (the CI's images workflow has one).
IMAGE_TAG ?= local

.PHONY: test-images
test-images: setup ## Run the built images <service>:IMAGE_TAG as Fargate would, with the task's environment (needs Docker)
	@command -v docker >/dev/null || { echo "docker is missing: the image tests need a Docker engine"; exit 1; }
	@$(MAKE) system-deps STACK_ONLY=1
	IMAGE_TAG=$(IMAGE_TAG) $(RUN) pytest tests/images

# `make test` fuzzes 20 cases per operation (test-e2e); this is the large run.
FUZZ_EXAMPLES ?= 200
.PHONY: fuzz
fuzz: setup-backend collector frontend-build ## Fuzz the backend's and the frontend's APIs with Schemathesis (FUZZ_EXAMPLES per operation)
	$(RUN_EXERCISE) ecsotel fuzz --examples $(FUZZ_EXAMPLES)

# Not part of `make test` (the numbers depend on the machine; `make bench` measures the
# same with everything else): about 3 minutes. BACKEND_JSON: a summary of `ecsotel bench
# --backend-only --modes off,on,10% --backend-json PATH`, for the apps' throughput rows.
.PHONY: sampling-cost
sampling-cost: setup collector frontend-build $(TELEMETRYGEN) ## Measure what tail sampling costs (the gateway per 1,000 spans/s, the delay to a complete trace); writes docs/performance.md
	$(RUN) ecsotel sampling-cost --telemetrygen $(TELEMETRYGEN) $(if $(BACKEND_JSON),--backend-json $(BACKEND_JSON))

# Not part of `make test` (test-e2e runs its 40 s version): about 10 minutes.
.PHONY: sampling-drill
sampling-drill: setup collector frontend-build ## Tail against head sampling under FAULT_RATE 5 % (error traces kept whole, the share, a gateway restart); writes docs/performance.md
	$(RUN) ecsotel sampling-drill

# Not part of `make test` (test-e2e runs a few seconds of each drill): about 3 minutes.
.PHONY: drills
drills: setup-backend collector frontend-build ## Fault drills under traffic (collector, PostgreSQL, backend down, rolling restart, secret rotation): one row each
	$(RUN_EXERCISE) ecsotel drills

# The SLOs of infra/slo.yaml, computed from the local stack's own telemetry.
.PHONY: slo
slo: setup ## Print each SLO's SLI, error budget used and burn-rate alerts, from the stack `make up` runs
	$(RUN) ecsotel slo

.PHONY: canary
canary: setup ## Run the synthetic check (infra/canary/todo-canary.js) against the stack `make up` runs, or BASE_URL
	$(RUN) ecsotel canary $(if $(BASE_URL),--base-url $(BASE_URL))

# Not part of `make test` (test-e2e runs its short version): about 9 minutes.
.PHONY: slo-drill
slo-drill: setup collector frontend-build ## SLO drill: outages under traffic, windows scaled down; the fast burn pages, nothing else fires
	@$(MAKE) system-deps STACK_ONLY=1
	$(RUN) ecsotel slo-drill

# Not part of `make test` (about 12 minutes): nextjs-app's RSS over RENDERS page
# renders, with telemetry on and its ECS container's heap, against that container.
RENDERS ?= 40000
.PHONY: soak-renders
soak-renders: setup-backend collector frontend-build ## Render the page RENDERS times (40,000); RSS must stay under the container's 768 MiB
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or brew install wrk)"; exit 1; }
	$(RUN_EXERCISE) ecsotel soak-renders $(RENDERS)

# Not part of `make test`: 10 minutes (SOAK_MINUTES) of moderate load, RSS before and after.
SOAK_MINUTES ?= 10
.PHONY: soak
soak: setup-backend collector frontend-build ## Soak: 20 req/s through the frontend for SOAK_MINUTES; RSS growth and failures
	$(RUN_EXERCISE) ecsotel soak $(SOAK_MINUTES)

.PHONY: screenshot
screenshot: setup collector frontend-build ## Refresh docs/screenshot.png from the browser tests
	UPDATE_SCREENSHOT=1 $(RUN) pytest tests/e2e/test_browser.py

.PHONY: lint
lint: setup setup-frontend ## Lint and type-check everything (workflows included)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) --directory backend ruff check .
	$(RUN) --directory backend ruff format --check .
	$(RUN) --directory backend mypy
	$(RUN) hadolint backend/Dockerfile
	cd frontend && npm run --silent lint && npm run --silent typecheck
	$(RUN) hadolint frontend/Dockerfile
	$(MAKE) actionlint
	$(MAKE) audit

.PHONY: actionlint
actionlint: $(ACTIONLINT) ## Check the GitHub workflows (.github/workflows) with actionlint
	$(ACTIONLINT) -color


# Needs the registries: pip-audit asks PyPI, npm audit the npm registry's advisory service.
.PHONY: audit
audit: setup setup-frontend ## Audit the dependencies (pip-audit both Python projects, npm audit --omit=dev)
	UV=$(UV) $(RUN) python -m tools.audit

.PHONY: fmt
fmt: setup ## Format the code
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	$(RUN) --directory backend ruff format .
	$(RUN) --directory backend ruff check --fix .
	cd frontend && npm run --silent format

# --- checks that need the internet (run by .github/workflows/infra.yml) --------

# The root modules: the design, and the optional GitHub OIDC role for deploy.yml.
TF_ROOTS := infra infra/github-oidc
# The lock files record provider hashes for every platform contributors run on.
TF_LOCK_PLATFORMS := linux_amd64 darwin_arm64 darwin_amd64

.PHONY: infra-validate
infra-validate: $(TERRAFORM) ## terraform init (no backend) and validate every root module (needs the registry)
	for root in $(TF_ROOTS); do \
	  $(TERRAFORM) -chdir=$$root init -backend=false -input=false -no-color && \
	  $(TERRAFORM) -chdir=$$root validate -no-color || exit 1; \
	done

# Fails when a lock file is missing or would change, so that the committed lock
# files always hold the hashes of all three platforms.
.PHONY: infra-lock
infra-lock: $(TERRAFORM) ## Refresh the provider lock files for Linux and macOS; fail if one changed (needs the registry)
	for root in $(TF_ROOTS); do \
	  $(TERRAFORM) -chdir=$$root providers lock $(addprefix -platform=,$(TF_LOCK_PLATFORMS)) || exit 1; \
	done
	@changed=$$(git status --porcelain -- $(addsuffix /.terraform.lock.hcl,$(TF_ROOTS))); \
	if [ -n "$$changed" ]; then \
	  echo "$$changed"; git --no-pager diff -- $(addsuffix /.terraform.lock.hcl,$(TF_ROOTS)); \
	  echo "A provider lock file is missing or out of date: commit the files above (CONTRIBUTING.md, 'Provider lock files')."; \
	  exit 1; \
	fi

.PHONY: tflint
tflint: ## Lint every root module with tflint and its AWS ruleset (needs tflint; GitHub for the plugin)
	@command -v tflint >/dev/null || { echo "tflint is missing: https://github.com/terraform-linters/tflint#installation"; exit 1; }
	cd infra && tflint --recursive --init --config="$(CURDIR)/infra/.tflint.hcl"
	cd infra && tflint --recursive --format=compact --config="$(CURDIR)/infra/.tflint.hcl"

# CI sets REPORTS=<folder>: each pytest suite of `make test` then writes a JUnit
# report <folder>/<target>.xml, which the workflow keeps when a run fails.
ifdef REPORTS
test-backend test-collector test-infra test-cli test-ci test-e2e test-load test-images: export PYTEST_ADDOPTS = --junitxml=$(abspath $(REPORTS))/$@.xml
endif
