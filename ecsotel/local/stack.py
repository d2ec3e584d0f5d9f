"""The local stack: the ECS design's components, started in the order of the task definitions.

PostgreSQL stands in for Aurora, moto for the AWS APIs, the locally built
collector for the ADOT sidecar; the backend and the frontend run exactly the
commands their containers run. Each waits for the previous one to be healthy,
and they stop in reverse: the apps first, so they flush their telemetry into a
collector that is still there, then the collector, so it flushes into moto, then
moto, then PostgreSQL.
"""

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from devkit.ports import port_is_free
from devkit.postgres import Cluster

from ecsotel.local import collector
from ecsotel.local.collector import Pipeline
from ecsotel.local.moto import REGION, LocalAws
from ecsotel.local.ports import Ports
from ecsotel.local.postgres import AppDatabase
from ecsotel.local.process import (
    LogSink,
    LogTap,
    RunningService,
    ServiceError,
    ServiceSpec,
    port_taken_message,
    start,
)
from ecsotel.paths import APP_ENV, BACKEND_DIR, CACHE_DIR, FRONTEND_DIR

DB_SECRET_NAME = "ecs-opentelemetry/database"  # noqa: S105 - a name, not a secret
# The OTLP sidecar's sending queue: kept across a restart of the collector within
# one `up`, emptied when the next `up` starts (its moto is empty too).
QUEUE_DIR = CACHE_DIR / "stack" / "collector-queue"

Progress = Callable[[str], object]


@dataclass
class Stack:
    """The running components, in start order."""

    ports: Ports
    aws: LocalAws
    database: AppDatabase
    sink: LogSink
    pipeline: Pipeline = "xray-exporter"
    db_secret_arn: str = ""
    services: list[RunningService] = field(default_factory=list)

    @contextmanager
    def output(self, name: str) -> Iterator[list[str]]:
        """The lines component `name` prints during the block (the drills check them)."""
        if not isinstance(self.sink, LogTap):
            raise TypeError("the stack's sink records nothing: running_stack wraps it in a LogTap")
        with self.sink.recording(name) as lines:
            yield lines

    @property
    def frontend_url(self) -> str:
        """The application, as a browser reaches it."""
        return self.ports.frontend_url

    @property
    def backend_url(self) -> str:
        """The backend's REST API (the browser never calls it)."""
        return f"http://localhost:{self.ports.backend}"

    def service(self, name: str) -> RunningService:
        """The running component called `name`."""
        return next(service for service in self.services if service.spec.name == name)

    def exited(self) -> RunningService | None:
        """The first component that has exited on its own, if any."""
        return next((service for service in self.services if not service.running()), None)

    @contextmanager
    def paused(self, name: str) -> Iterator[None]:
        """Stop one component for the duration of the block, then start it again."""
        index = self.services.index(self.service(name))
        spec = self.services[index].spec
        self.services[index].stop()
        try:
            yield
        finally:
            self.services[index] = start(spec, self.sink)


def missing_builds() -> list[str]:
    """What must be built before the stack can start, as `make` targets."""
    missing = []
    if not (BACKEND_DIR / ".venv" / "bin" / "fastapi-app").exists():
        missing.append("setup-backend")
    if not collector.BINARY.exists():
        missing.append("collector")
    if not (FRONTEND_DIR / ".next" / "standalone" / "server.js").exists():
        missing.append("frontend-build")
    return missing


def telemetry_env(
    service_name: str, ports: Ports, pipeline: Pipeline = "xray-exporter"
) -> dict[str, str]:
    """The standard OTEL_* settings an app gets, as from its ECS task definition."""
    # Protocol, delta temporality, batch delay and size, metric interval: the same file
    # infra/ecs.tf reads into the task definitions (one source).
    shared: dict[str, str] = json.loads(APP_ENV.read_text())
    return {
        **shared,
        "OTEL_SERVICE_NAME": service_name,
        # The collector's OTLP/HTTP receiver, as the sidecar's is at 127.0.0.1:4318 on ECS.
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{ports.otlp_http}",
        # As the task definitions set it: log records over OTLP on the OTLP pipeline only.
        "OTEL_LOGS_EXPORTER": "otlp" if pipeline == "otlp" else "none",
    }


def backend_spec(stack: Stack) -> ServiceSpec:
    """fastapi-app: migrations, then uvicorn; credentials from Secrets Manager as on ECS."""
    port = stack.ports.backend
    return ServiceSpec(
        name="backend",
        argv=[str(BACKEND_DIR / ".venv" / "bin" / "fastapi-app")],
        cwd=BACKEND_DIR,
        env={
            **stack.aws.client_env(),
            **telemetry_env("fastapi-app", stack.ports, stack.pipeline),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(stack.ports.postgres),
            "DB_NAME": stack.database.database,
            "DB_SECRET_ARN": stack.db_secret_arn,
        },
        ready=lambda: _answers(f"http://127.0.0.1:{port}/readyz"),
        ports=[port],
        ready_timeout=60,
    )


# V8's old space, as the task definition sets it with the default task size
# (infra/ecs.tf: three quarters of the app container's 768 MiB; a test holds the
# two equal). Without it Node.js sizes its heap from the host's memory.
FRONTEND_HEAP_MIB = 576


def frontend_spec(stack: Stack) -> ServiceSpec:
    """nextjs-app: the standalone production server, as in its container."""
    port = stack.ports.frontend
    node = shutil.which("node") or "node"
    return ServiceSpec(
        name="frontend",
        argv=[node, str(FRONTEND_DIR / ".next" / "standalone" / "server.js")],
        cwd=FRONTEND_DIR / ".next" / "standalone",
        env={
            **telemetry_env("nextjs-app", stack.ports, stack.pipeline),
            "HOSTNAME": "127.0.0.1",
            "PORT": str(port),
            "BACKEND_URL": f"http://127.0.0.1:{stack.ports.backend}",
            "NODE_ENV": "production",
            "NEXT_MANUAL_SIG_HANDLE": "true",
            "NODE_OPTIONS": f"--max-old-space-size={FRONTEND_HEAP_MIB}",
        },
        ready=lambda: _answers(f"http://127.0.0.1:{port}/api/health"),
        ports=[port],
        ready_timeout=60,
    )


def _answers(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


def check_ports_free(ports: Ports, pipeline: Pipeline = "xray-exporter") -> None:
    """Fail with a message naming the first port that something else listens on."""
    for name, numbers in ports.by_component().items():
        if name == "standin" and pipeline != "otlp":
            continue
        for port in numbers:
            if not port_is_free(port):
                raise ServiceError(port_taken_message(port, name))


@contextmanager
def running_stack(
    sink: LogSink,
    ports: Ports | None = None,
    progress: Progress = lambda _step: None,
    on_stopping: Callable[[], object] = lambda: None,
    pipeline: Pipeline = "xray-exporter",
) -> Iterator[Stack]:
    """Start every component in order, yield the stack, and stop it all on the way out.

    `on_stopping` runs first on the way out, before anything stops (`up` uses it to
    keep a second signal from interrupting the stop).
    """
    ports = ports or Ports()
    check_ports_free(ports, pipeline)  # before anything starts: a clash is the more useful message
    if missing := missing_builds():
        raise ServiceError(f"not built yet: run `make {' '.join(missing)}` (or `make up`)")
    sink = LogTap(sink)  # every component's lines, readable by the drills while they run
    stack = Stack(
        ports=ports,
        aws=LocalAws(port=ports.aws),
        database=AppDatabase(Cluster(port=ports.postgres)),
        sink=sink,
        pipeline=pipeline,
    )
    try:
        progress("starting PostgreSQL")
        stack.database.cluster.init()
        stack.services.append(start(stack.database.spec(), sink))
        stack.database.create()
        progress("starting local AWS (moto)")
        stack.services.append(start(stack.aws.spec(), sink))
        stack.db_secret_arn = stack.aws.create_db_secret(
            name=DB_SECRET_NAME,
            username=stack.database.username,
            password=stack.database.password,
        )
        progress(f"starting the collector ({pipeline} pipeline)")
        shutil.rmtree(QUEUE_DIR, ignore_errors=True)  # a previous run's, for a previous moto
        stack.services.extend(start(spec, sink) for spec in sidecar_specs(stack))
        progress("starting the backend (migrations first)")
        stack.services.append(start(backend_spec(stack), sink))
        progress("starting the frontend")
        stack.services.append(start(frontend_spec(stack), sink))
        yield stack
    finally:
        on_stopping()
        stop(stack, progress)


def sidecar_specs(stack: Stack) -> list[ServiceSpec]:
    """The collector as the chosen pipeline runs it; on "otlp", its endpoints' stand-in first."""
    ports = stack.ports
    if stack.pipeline != "otlp":
        return [collector.collector_spec(aws=stack.aws, ports=ports.collector)]
    return [
        collector.standin_spec(aws=stack.aws, ports=ports.standin),
        collector.otlp_sidecar_spec(
            ports=ports.collector,
            endpoint=f"http://127.0.0.1:{ports.standin_otlp_http}",
            queue_dir=QUEUE_DIR,
            region=REGION,
            sampling_endpoint=stack.aws.endpoint,
        ),
    ]


def stop(stack: Stack, progress: Progress = lambda _step: None) -> None:
    """Stop every started component, last started first, then delete the database files.

    Each gets its grace period, then SIGKILL; `progress` hears how each one ended.
    """
    while stack.services:
        service = stack.services.pop()
        progress(f"stopping {service.spec.name}")
        progress(f"{service.spec.name}: {service.stop()}")
    stack.database.cluster.remove()
