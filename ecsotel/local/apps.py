"""The two apps as their containers run them: fastapi-app and nextjs-app as ServiceSpecs.

One home for the environment an app gets (collector/app-env.json, OTEL_SERVICE_NAME,
the heap, HOSTNAME...): the local stack wires the specs to its PostgreSQL, moto and
collector (stack.app_specs); the benches and soaks of ecsotel.exercise build the same
specs with a database, an OTLP endpoint, a mode's variables and a CPU of their own.
"""

import json
import shutil
from collections.abc import Mapping, Sequence

import httpx

from ecsotel.local.collector import Pipeline
from ecsotel.local.process import ServiceSpec, pinned
from ecsotel.paths import APP_ENV, BACKEND_DIR, FRONTEND_DIR


def telemetry_env(
    service_name: str, otlp_endpoint: str, pipeline: Pipeline = "xray-exporter"
) -> dict[str, str]:
    """The standard OTEL_* settings an app gets, as from its ECS task definition."""
    # Protocol, delta temporality, batch delay and size, metric interval: the same file
    # infra/ecs.tf reads into the task definitions (one source).
    shared: dict[str, str] = json.loads(APP_ENV.read_text())
    return {
        **shared,
        "OTEL_SERVICE_NAME": service_name,
        # The collector's OTLP/HTTP receiver (the sidecar's 127.0.0.1:4318 on ECS).
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
        # As the task definitions set it: log records over OTLP on the OTLP pipeline only.
        "OTEL_LOGS_EXPORTER": "otlp" if pipeline == "otlp" else "none",
    }


BACKEND_COMMAND = BACKEND_DIR / ".venv" / "bin" / "fastapi-app"


def backend_spec(
    *,
    port: int,
    database: Mapping[str, str],
    otlp_endpoint: str,
    aws: Mapping[str, str] | None = None,
    pipeline: Pipeline = "xray-exporter",
    extra_env: Mapping[str, str] | None = None,
    cpu: int | None = None,
    argv: Sequence[str] | None = None,
) -> ServiceSpec:
    """fastapi-app as in its container: migrations, then uvicorn on 127.0.0.1:`port`.

    `database` says where the app finds it, as environment: DB_HOST, DB_PORT, DB_NAME
    and DB_SECRET_ARN (the stack, as on ECS) or DATABASE_URL (a bench's own cluster);
    `aws` is the AWS SDKs' environment. A bench adds `extra_env` (its mode's variables,
    applied last), `cpu` (taskset) and `argv` (another launcher in backend/.venv).
    """
    return ServiceSpec(
        name="backend",
        argv=pinned(argv or [str(BACKEND_COMMAND)], cpu),
        cwd=BACKEND_DIR,
        env={
            **(aws or {}),
            **telemetry_env("fastapi-app", otlp_endpoint, pipeline),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            **database,
            **(extra_env or {}),
        },
        ready=lambda: _answers(f"http://127.0.0.1:{port}/readyz"),
        ports=[port],
        ready_timeout=60,
    )


# V8's old space, as the task definition sets it with the default task size
# (infra/ecs.tf: three quarters of the app container's 768 MiB; a test holds the
# two equal). Without it Node.js sizes its heap from the host's memory.
FRONTEND_HEAP_MIB = 576
FRONTEND_SERVER = FRONTEND_DIR / ".next" / "standalone" / "server.js"


def frontend_spec(
    *,
    port: int,
    backend_url: str,
    otlp_endpoint: str,
    pipeline: Pipeline = "xray-exporter",
    extra_env: Mapping[str, str] | None = None,
    cpu: int | None = None,
) -> ServiceSpec:
    """nextjs-app: the standalone production server, as in its container.

    A bench adds `extra_env` (applied last: OTEL_SDK_DISABLED=true) and `cpu` (taskset).
    """
    node = shutil.which("node") or "node"
    return ServiceSpec(
        name="frontend",
        argv=pinned([node, str(FRONTEND_SERVER)], cpu),
        cwd=FRONTEND_SERVER.parent,
        env={
            **telemetry_env("nextjs-app", otlp_endpoint, pipeline),
            "HOSTNAME": "127.0.0.1",
            "PORT": str(port),
            "BACKEND_URL": backend_url,
            "NODE_ENV": "production",
            "NODE_OPTIONS": f"--max-old-space-size={FRONTEND_HEAP_MIB}",
            # As the image sets it: Next.js leaves SIGTERM to the app, which drains and
            # flushes its telemetry first (frontend/lib/http-server.ts).
            "NEXT_MANUAL_SIG_HANDLE": "true",
            # As its image sets it: no usage reports to Vercel.
            "NEXT_TELEMETRY_DISABLED": "1",
            **(extra_env or {}),
        },
        ready=lambda: _answers(f"http://127.0.0.1:{port}/api/health"),
        ports=[port],
        ready_timeout=60,
    )


def _answers(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200
